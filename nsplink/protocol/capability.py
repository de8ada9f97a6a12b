"""Who reads which frame format, and the format each transmission goes out in (issue 24).

Every message is made, signed and logged in format 2, which every release reads. On air a site
may send format 3 instead (codec.py: the context coder, and bundles of several messages under
one signature), re-signed at the moment it hands the frame over, but only where every site the
message is addressed to reads it:

- each site announces the newest format it reads in its signed status beacon (`Status.reads`),
  in the beacons that carry its log head (every HEAD_EVERY-th). A release that does not know a
  field refuses the whole body (bitpack.py: nothing may follow the fields it knows), so riding
  with the head costs releases from before anchoring no beacon they read now, and releases
  from anchoring to issue 24 only those; see docs/design.md. The latest such beacon from a site
  counts, so a site that was downgraded withdraws it with its next one. Unheard means format 2;
- a message to one site goes in format 3 when that site announced it; to a group (all CPs, all
  NSPs, everyone) only when every such site on the roster did;
- a site configured with formats {2} (`EngineConfig.formats`) behaves as a release from before
  issue 24: it announces nothing and refuses format 3 by name (UnsupportedVersion);
- a stale announcement (downgraded since its last beacon) costs no new message type: the old
  release would not understand a NACK either, and its refusal sends no receipt. After
  FALLBACK_AFTER unanswered attempts, while every addressee is heard on the air (so it is not
  simply away), a message's further attempts go in format 2.

Sans-IO: beacons in, decisions out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace

from nsplink.protocol.codec import FORMAT_V3, FORMAT_VERSION, READ_FORMATS
from nsplink.protocol.envelope import Destination, DestKind
from nsplink.protocol.identity import KeyId, PeerKey
from nsplink.protocol.messages import Status

FALLBACK_AFTER = 2  # attempts in format 3 before a message falls back to format 2


def addressed(dest: Destination, roster: Iterable[PeerKey], me: KeyId) -> frozenset[KeyId]:
    """Every site that reads a message to `dest` as its own (for a group, the whole group)."""
    if dest.site is not None:
        return frozenset({dest.site})
    role = {DestKind.CPS: "cp", DestKind.NSPS: "nsp"}.get(dest.kind)
    return frozenset(
        p.key_id for p in roster if p.key_id != me and (role is None or p.role == role)
    )


class Capabilities:
    """The formats this site reads, and what each other site announced."""

    def __init__(self, formats: Collection[int] = READ_FORMATS) -> None:
        if FORMAT_VERSION not in formats or not set(formats) <= READ_FORMATS:
            raise ValueError(f"a site reads format {FORMAT_VERSION} and at most {READ_FORMATS}")
        self.formats = frozenset(formats)
        self._reads: dict[KeyId, int] = {}

    @property
    def newest(self) -> int:
        return max(self.formats)

    def announce(self, status: Status) -> Status:
        """Our beacon, saying what we read if it carries our log head (nothing beyond format 2:
        the field stays out)."""
        if status.head is None or self.newest == FORMAT_VERSION:
            return status
        return replace(status, reads=self.newest)

    def heard(self, site: KeyId, status: Status) -> None:
        """A verified beacon of `site`: with a head, its latest word on what it reads."""
        if status.head is not None:
            self._reads[site] = status.reads or FORMAT_VERSION

    def reads(self, site: KeyId) -> int:
        return self._reads.get(site, FORMAT_VERSION)

    def format_for(self, sites: frozenset[KeyId], attempt: int, heard: bool) -> int:
        """The format to send a message addressed to `sites` in, at its `attempt` (1, 2, ...);
        `heard`: every one of them was heard recently, yet none receipted."""
        if self.newest < FORMAT_V3 or not sites or (attempt > FALLBACK_AFTER and heard):
            return FORMAT_VERSION
        return FORMAT_V3 if all(self.reads(s) >= FORMAT_V3 for s in sites) else FORMAT_VERSION
