"""Reading the small text files provisioning takes from a person (profiles, key files): bounded,
so a wrong path to a huge file is a clear error rather than a hang, and decoded strictly."""

from __future__ import annotations

from pathlib import Path

from nsplink.provision.errors import ProvisionError


def read_small_text(
    path: Path, limit: int, encoding: str, error: type[ProvisionError], too_big: str, not_text: str
) -> str:
    """The text of `path`, or `error` (with the i18n detail `too_big` / `not_text`)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise error(exc.strerror or str(exc), file=path) from exc
    if len(raw) > limit:
        raise error(too_big, file=path)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise error(not_text, file=path) from exc
