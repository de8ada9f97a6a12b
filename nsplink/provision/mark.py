"""Which profile and version a radio was provisioned with, kept on the radio itself.

The mark is a suffix of the owner's long name: "NSP Zuid [nsp v1]". Why there: the owner (User)
is the one setting every firmware build stores in flash and answers on connect (it is part of
the node info the library downloads, no extra request), survives restarts and a reflash that
keeps settings, and `meshtastic --set-owner` can write it by hand. Canned messages and the
ringtone are kept only by builds with those modules (a headless board has no canned-message
module, so the request would go unanswered), and an unused config string such as
`device.tzdef` changes what the firmware does. The cost: the long name is sent in node info,
so the mark is visible on the air, like the name itself; it tells nothing the settings
do not.

`radio check --profile cp` on a radio marked "[nsp v1]" is then caught even where the two
profiles' settings happen to be equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nsplink.provision.errors import RadioNameTooLongForMark
from nsplink.provision.settings import LONG_NAME_BYTES

_MARK = re.compile(r" \[([A-Za-z0-9_.-]{1,24}) v(\d{1,6})\]$")


@dataclass(frozen=True)
class ProfileMark:
    name: str  # the radio's own name, without the mark
    profile: str
    version: int

    @property
    def label(self) -> str:
        return f"{self.profile} v{self.version}"


def marked(name: str, profile: str, version: int) -> str:
    """The long name to write: the radio's name and its profile mark (at most 39 bytes)."""
    out = f"{name} [{profile} v{version}]"
    if len(out.encode("utf-8")) > LONG_NAME_BYTES:
        room = LONG_NAME_BYTES - len(out.encode("utf-8")) + len(name.encode("utf-8"))
        raise RadioNameTooLongForMark(name=name, room=room, mark=f"[{profile} v{version}]")
    return out


def read_mark(long_name: str) -> ProfileMark | None:
    """The mark in a radio's long name, or None (set up by hand or before marks existed)."""
    found = _MARK.search(long_name)
    if found is None:
        return None
    return ProfileMark(long_name[: found.start()], found.group(1), int(found.group(2)))
