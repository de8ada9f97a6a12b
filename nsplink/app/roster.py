"""The region's roster on disk: which sites exist, their role, public key and radio node, which
keys are revoked, and the key the CPs receive personal data under; signed by the region key.

A roster is a JSON file (`roster.json` in the site home; any path for the region's draft):

    {"format": "nsplink-roster v1", "region": "VR01", "version": 3,
     "issued": "2026-11-20T09:00Z", "seal_key": "<64 hex>",   (or "sealing": "none")
     "sites": [{"site": "NSP Zuid", "role": "nsp", "public_key": "<64 hex>", "node": 305419896,
                "rd": [136000, 456000]}],
     "revoked": [...same form...], "signature": "<128 hex>"}

The signature covers the compact binary form (nsplink.protocol.rosterdoc), which the JSON is
re-encoded to for checking, so a changed letter anywhere breaks it. A site pins the region's
PUBLIC key in `region.pub` next to its roster; the daemon loads only a roster that key signed
(`load_trusted_roster`), and `apply_update` accepts a newer one over the air.

Key files: the region key (kept offline) and the CPs' sealing key are nsplink seed files like a
site's identity (nsplink.app.keys: 0600, refused when others can read them).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nsplink.app.config import ROLES
from nsplink.app.keys import load_identity
from nsplink.app.site import SiteHome
from nsplink.bounded import TooDeep, check_depth
from nsplink.errors import NsplinkError
from nsplink.i18n import register
from nsplink.protocol import (
    EPOCH_UNIX,
    Envelope,
    KeyId,
    KeyIdCollision,
    KeyRing,
    PeerKey,
    RegionRoster,
    RosterDoc,
    RosterMalformed,
    SiteEntry,
    minutes_since_epoch,
    open_sealed,
    seal_public_key,
    verify_roster,
)

FORMAT = "nsplink-roster v1"
PIN_NAME = "region.pub"
SEAL_KEY_NAME = "cp-seal.key"
MAX_FILE = 1024 * 1024

register(
    {
        "roster.missing": (
            "Geen deelnemerslijst gevonden ({path}). Zet de lijst van de regio in de posmap.",
            "No roster found ({path}). Put the region's roster in the site directory.",
        ),
        "roster.invalid": (
            "De deelnemerslijst {path} is ongeldig: {detail}.",
            "The roster {path} is invalid: {detail}.",
        ),
        "roster.unsigned": (
            "De deelnemerslijst {path} is niet ondertekend door de regio. Laat de regio hem"
            " ondertekenen ('nsplink roster sign') en installeer hem met 'nsplink roster install'.",
            "The roster {path} is not signed by the region. Have the region sign it ('nsplink"
            " roster sign') and install it with 'nsplink roster install'.",
        ),
        "roster.forged": (
            "De handtekening van de deelnemerslijst {path} klopt niet met de regiosleutel"
            " {region_key}: vervalst of gewijzigd. Installeer de lijst die de regio tekende.",
            "The signature of the roster {path} does not match the region key {region_key}:"
            " forged or altered. Install the roster the region signed.",
        ),
        "roster.not_pinned": (
            "Geen regiosleutel vastgelegd in {path}. Installeer de lijst met 'nsplink roster"
            " install LIJST --region-public SLEUTEL'.",
            "No region key pinned in {path}. Install the roster with 'nsplink roster install"
            " ROSTER --region-public KEY'.",
        ),
        "roster.pin_mismatch": (
            "Deze post vertrouwt al regiosleutel {pinned}, niet {offered}. Controleer bij de"
            " regio welke sleutel juist is.",
            "This site already trusts region key {pinned}, not {offered}. Check with the region"
            " which key is right.",
        ),
        "roster.rollback": (
            "De deelnemerslijst {path} is versie {version}, maar deze post had al versie"
            " {seen}. Een oudere lijst wordt geweigerd; installeer de nieuwste.",
            "The roster {path} is version {version}, but this site already had version {seen}."
            " An older roster is refused; install the newest.",
        ),
        "roster.no_sealing": (
            "De deelnemerslijst {path} heeft geen CP-sleutel voor persoonsgegevens: adressen en"
            " telefoonnummers zouden leesbaar over de radio gaan. Regio: maak er een met"
            " 'nsplink roster seal-key --cp-key-out cp-seal.key' en onderteken opnieuw, of kies"
            " bewust voor onversleuteld met 'nsplink roster sign --no-sealing'.",
            "The roster {path} has no CP key for personal data: addresses and phone numbers"
            " would go over the radio readable. Region: make one with 'nsplink roster seal-key"
            " --cp-key-out cp-seal.key' and sign again, or choose unsealed on purpose with"
            " 'nsplink roster sign --no-sealing'.",
        ),
        "roster.cp_key_wrong": (
            "De CP-sleutel {path} hoort niet bij deze deelnemerslijst (die noemt sleutel"
            " {wanted}). Vraag de regio om de cp-seal.key die bij deze lijst hoort.",
            "The CP key {path} does not belong to this roster (it names key {wanted}). Ask the"
            " region for the cp-seal.key that goes with this roster.",
        ),
        "roster.cp_key_needed": (
            "Deze post is een CP: geef ook de CP-sleutel voor persoonsgegevens van de regio,"
            " 'nsplink roster install {source} --region-public ... --cp-key cp-seal.key'."
            " Zonder die sleutel kan deze CP adressen en telefoonnummers niet lezen.",
            "This site is a CP: also give the region's CP key for personal data, 'nsplink"
            " roster install {source} --region-public ... --cp-key cp-seal.key'. Without it"
            " this CP cannot read addresses and phone numbers.",
        ),
        "roster.wrong_region": (
            "De deelnemerslijst is van regio {roster}, deze post hoort bij {site}.",
            "The roster is for region {roster}; this site belongs to {site}.",
        ),
    }
)


class RosterError(NsplinkError):
    code = "roster"


class RosterMissing(RosterError):
    code = "roster.missing"
    key = "roster.missing"


class RosterInvalid(RosterError):
    code = "roster.invalid"
    key = "roster.invalid"


class RosterUnsigned(RosterError):
    code = "roster.unsigned"
    key = "roster.unsigned"


class RosterForged(RosterError):
    code = "roster.forged"
    key = "roster.forged"


class RegionNotPinned(RosterError):
    code = "roster.not_pinned"
    key = "roster.not_pinned"


class RegionPinMismatch(RosterError):
    code = "roster.pin_mismatch"
    key = "roster.pin_mismatch"


class RosterRollback(RosterError):
    code = "roster.rollback"
    key = "roster.rollback"


class RosterNoSealing(RosterError):
    code = "roster.no_sealing"
    key = "roster.no_sealing"


class CpKeyWrong(RosterError):
    code = "roster.cp_key_wrong"
    key = "roster.cp_key_wrong"


class CpKeyNeeded(RosterError):
    code = "roster.cp_key_needed"
    key = "roster.cp_key_needed"


class RosterWrongRegion(RosterError):
    code = "roster.wrong_region"
    key = "roster.wrong_region"


def entry_json(e: SiteEntry) -> dict[str, Any]:
    """One site of the roster as the JSON file writes it."""
    out: dict[str, Any] = {"site": e.site, "role": e.role, "public_key": e.public_key.hex()}
    if e.node is not None:
        out["node"] = e.node
    if e.rd is not None:
        out["rd"] = list(e.rd)
    return out


def _hex32(value: object, what: str, path: Path | str) -> bytes:
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise RosterInvalid(f"{what} must be 64 hex digits", path=path)
    return raw


def _entries(raw_list: object, group: str, path: Path | str) -> list[SiteEntry]:
    if not isinstance(raw_list, list):
        raise RosterInvalid(f"'{group}' must be a list", path=path)
    entries: list[SiteEntry] = []
    for i, raw in enumerate(raw_list, start=1):
        where = f"{group} {i}"
        if not isinstance(raw, dict):
            raise RosterInvalid(f"{where} is not an object", path=path)
        site, role, node = raw.get("site"), raw.get("role"), raw.get("node")
        if not isinstance(site, str) or not site.strip():
            raise RosterInvalid(f"{where}: 'site' must be a name", path=path)
        if role not in ROLES:
            raise RosterInvalid(f"{where} ({site}): role must be nsp, cp or relay", path=path)
        public = _hex32(raw.get("public_key"), f"{where} ({site}): public_key", path)
        if node is not None and (
            isinstance(node, bool) or not isinstance(node, int) or not 0 < node < 0xFFFFFFFF
        ):
            raise RosterInvalid(f"{where} ({site}): node must be a radio node number", path=path)
        rd = raw.get("rd")
        if rd is not None and not (
            isinstance(rd, list) and len(rd) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in rd)
        ):  # fmt: skip
            raise RosterInvalid(f"{where} ({site}): rd must be [x, y] in metres", path=path)
        entries.append(
            SiteEntry(site.strip(), str(role), public, node, None if rd is None else (rd[0], rd[1]))
        )
    return entries


def parse_roster(data: Any, path: Path | str = "<roster>") -> tuple[str, list[SiteEntry]]:
    """(region, active entries) of a roster file's JSON, signed or not (no signature check)."""
    if not isinstance(data, dict) or not isinstance(data.get("sites"), list):
        raise RosterInvalid("expected an object with a 'sites' list", path=path)
    region = data.get("region", "")
    if not isinstance(region, str):
        raise RosterInvalid("'region' must be text", path=path)
    return region, _entries(data["sites"], "site", path)


def keyring(entries: list[SiteEntry], path: Path | str = "<roster>") -> KeyRing:
    ring = KeyRing()
    for e in entries:
        try:
            ring.add(PeerKey(e.site, e.role, e.public_key))
        except KeyIdCollision as exc:
            raise RosterInvalid(f"two sites share key id: {exc}", path=path) from exc
    return ring


def _read_json(path: Path) -> Any:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE + 1)
    except FileNotFoundError as exc:
        raise RosterMissing(str(path), path=path) from exc
    except OSError as exc:
        raise RosterInvalid(exc.strerror or str(exc), path=path) from exc
    if len(raw) > MAX_FILE:
        raise RosterInvalid(f"larger than {MAX_FILE} bytes", path=path)
    try:
        text = raw.decode("utf-8")
        check_depth(text)
        return json.loads(text)
    except TooDeep as exc:
        raise RosterInvalid(str(exc), path=path) from exc
    except UnicodeDecodeError as exc:
        raise RosterInvalid("not UTF-8 text", path=path) from exc
    except json.JSONDecodeError as exc:
        raise RosterInvalid(f"not JSON ({exc.msg}, line {exc.lineno})", path=path) from exc
    except RecursionError as exc:
        raise RosterInvalid("nested too deeply", path=path) from exc


def load_roster(path: Path) -> tuple[str, list[SiteEntry]]:
    return parse_roster(_read_json(path), path)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)  # a power cut leaves the old file or the new one, never half of one


def save_roster(path: Path, region: str, entries: list[SiteEntry]) -> None:
    """An unsigned draft (version 0); sign it with `sign_roster_file` before any daemon uses it."""
    save_doc(path, RosterDoc(region, 0, 0, tuple(entries)))


# -- the signed document ------------------------------------------------------------------------


def _iso(minutes: int) -> str:
    return datetime.fromtimestamp(EPOCH_UNIX + 60 * minutes, UTC).strftime("%Y-%m-%dT%H:%MZ")


def _minutes(text: object, path: Path | str) -> int:
    if text is None:
        return 0
    try:
        when = datetime.strptime(str(text), "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise RosterInvalid("'issued' must look like 2026-11-20T09:00Z", path=path) from exc
    return minutes_since_epoch(when.timestamp())


def doc_from_json(data: Any, path: Path | str = "<roster>") -> RosterDoc:
    region, sites = parse_roster(data, path)
    version = data.get("version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version < 2**32:
        raise RosterInvalid("'version' must be a whole number", path=path)
    seal = data.get("seal_key")
    seal_key = _hex32(seal, "seal_key", path) if seal is not None else None
    sealing = data.get("sealing")
    if sealing not in (None, "none"):
        raise RosterInvalid("'sealing' can only be \"none\"", path=path)
    signature = data.get("signature") or ""
    try:
        sig = bytes.fromhex(signature) if isinstance(signature, str) else b"?"
    except ValueError:
        sig = b"?"
    if sig and len(sig) != 64:
        raise RosterInvalid("'signature' must be 128 hex digits", path=path)
    doc = RosterDoc(
        region,
        version,
        _minutes(data.get("issued"), path),
        tuple(sites),
        tuple(_entries(data.get("revoked", []), "revoked", path)),
        seal_key,
        sig,
        no_sealing=sealing == "none",
    )
    try:
        doc.check()
        doc.body()
    except RosterMalformed as exc:
        raise RosterInvalid(exc.detail, path=path) from exc
    return doc


def doc_to_json(doc: RosterDoc) -> dict[str, Any]:
    out: dict[str, Any] = {"format": FORMAT, "region": doc.region, "version": doc.version}
    if doc.issued:
        out["issued"] = _iso(doc.issued)
    if doc.seal_key is not None:
        out["seal_key"] = doc.seal_key.hex()
    if doc.no_sealing:
        out["sealing"] = "none"  # the region's choice, signed, visible to anyone who opens it
    out["sites"] = [entry_json(e) for e in doc.sites]
    out["revoked"] = [entry_json(e) for e in doc.revoked]
    if doc.signature:
        out["signature"] = doc.signature.hex()
    return out


def load_doc(path: Path) -> RosterDoc:
    return doc_from_json(_read_json(path), path)


def save_doc(path: Path, doc: RosterDoc) -> None:
    _write_atomic(path, json.dumps(doc_to_json(doc), indent=2, ensure_ascii=False) + "\n")


def require_sealing(doc: RosterDoc, path: Path | str) -> None:
    """RosterNoSealing unless the roster names the CPs' sealing key or the region chose,
    signed and visibly, to go without one (`roster sign --no-sealing`)."""
    if not doc.sealing_decided:
        raise RosterNoSealing(str(path), path=path)


def verify_doc(doc: RosterDoc, region_public: bytes, path: Path | str) -> RosterDoc:
    """The document if `region_public` signed it; RosterUnsigned / RosterForged otherwise."""
    if not doc.signature:
        raise RosterUnsigned(str(path), path=path)
    try:
        return verify_roster(doc.body() + doc.signature, region_public)
    except NsplinkError as exc:
        raise RosterForged(str(path), path=path, region_key=str(KeyId.of(region_public))) from exc


# -- a site's pinned region key and trusted roster ------------------------------------------------


def pin_path(home: SiteHome) -> Path:
    return home.root / PIN_NAME


def seal_key_path(home: SiteHome) -> Path:
    return home.root / SEAL_KEY_NAME


def load_pin(home: SiteHome) -> bytes:
    path = pin_path(home)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError as exc:
        raise RegionNotPinned(str(path), path=path) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterInvalid(str(exc), path=path) from exc
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return _hex32(lines[0] if len(lines) == 1 else None, "the region key", path)


def save_pin(home: SiteHome, region_public: bytes) -> None:
    """Pin the region key once; a different key later is refused (re-pinning is a manual act)."""
    path = pin_path(home)
    if path.exists():
        pinned = load_pin(home)
        if pinned != region_public:
            raise RegionPinMismatch(
                str(path), pinned=str(KeyId.of(pinned)), offered=str(KeyId.of(region_public))
            )
        return
    _write_atomic(
        path, f"# public key of the region that signs this site's roster\n{region_public.hex()}\n"
    )


def load_trusted_roster(home: SiteHome, region: str | None = None) -> RegionRoster:
    """The site's roster, only if the pinned region key signed it (and it is for `region`)."""
    pinned = load_pin(home)
    doc = verify_doc(load_doc(home.roster_path), pinned, home.roster_path)
    if region is not None and doc.region.upper() != region.upper():
        raise RosterWrongRegion(doc.region, roster=doc.region, site=region)
    return RegionRoster(doc)


def check_not_older(doc: RosterDoc, seen: int, path: Path | str) -> None:
    if doc.version < seen:
        raise RosterRollback(str(path), path=path, version=doc.version, seen=seen)


def install_roster(home: SiteHome, source: Path, region_public: bytes) -> RosterDoc:
    """Verify a signed roster and make it this site's (pinning the region key on first use)."""
    if pin_path(home).exists():
        save_pin(home, region_public)  # refuses another region key
    doc = verify_doc(load_doc(source), region_public, source)
    require_sealing(doc, source)
    if home.roster_path.exists():
        try:
            current = load_trusted_roster(home)
        except RosterError:
            current = None
        if current is not None:
            check_not_older(doc, current.version, source)
    save_pin(home, region_public)
    save_doc(home.roster_path, doc)
    return doc


def apply_update(home: SiteHome, roster: RegionRoster, payload: bytes) -> RosterDoc | None:
    """A RosterUpdate heard over the air: verified against the pinned key, and if it is NEWER
    than what we run, written to disk first and then swapped in. None if not newer (a replay or
    a repeat); RosterSignatureInvalid / RosterMalformed (DecodeErrors) for a forgery."""
    doc = verify_roster(payload, load_pin(home))
    if doc.region != roster.region or doc.version <= roster.version:
        return None
    if not doc.sealing_decided:  # only an old signer makes these; keep the roster we run
        raise RosterMalformed("no sealing key and no choice of no sealing")
    save_doc(home.roster_path, doc)
    roster.replace(doc)
    return doc


def sign_roster(
    doc: RosterDoc, region_key_path: Path, now: float, path: Path | str = "<roster>"
) -> RosterDoc:
    """A draft signed with the region key file, one version above the last signed one. Refused
    (RosterNoSealing) while the draft has neither a CP sealing key nor `no_sealing`."""
    require_sealing(doc, path)
    key = load_identity(region_key_path)
    doc.check()
    draft = replace(doc, version=doc.version + 1, issued=minutes_since_epoch(now))
    return draft.sign(key)


# -- personal data for CP display ---------------------------------------------------------------


def load_seal_secret(home: SiteHome) -> bytes:
    """The region's CP sealing secret held by this CP (a 0600 seed file, see module doc)."""
    return load_identity(seal_key_path(home)).box_secret()


def cp_key_matches(path: Path, seal_key: bytes) -> bool:
    """Whether the sealing key file at `path` (0600, checked) opens what is sealed to
    `seal_key`."""
    return seal_public_key(load_identity(path).box_secret()) == seal_key


def check_cp_key(source: Path | None, home: SiteHome, doc: RosterDoc, where: Path | str) -> bool:
    """Before a CP installs `doc`: the sealing key it will need. True when `source` must be
    copied in; CpKeyWrong for a key of another roster; CpKeyNeeded when none is given and the
    site holds no matching one. Nothing to do for a roster without sealing."""
    if doc.seal_key is None:
        return False
    if source is not None:
        if not cp_key_matches(source, doc.seal_key):
            raise CpKeyWrong(str(source), path=source, wanted=str(KeyId.of(doc.seal_key)))
        return True
    held = seal_key_path(home)
    if held.exists() and cp_key_matches(held, doc.seal_key):
        return False
    raise CpKeyNeeded(str(where), source=where)


def install_cp_key(home: SiteHome, source: Path) -> Path:
    """Copy the region's CP sealing key into this CP's home as cp-seal.key, mode 0600."""
    target = seal_key_path(home)
    data = source.read_bytes()
    tmp = target.with_name(target.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return target


def seal_key_for(home: SiteHome) -> bytes | None:
    """The key new emergency reports are sealed to, or None when the trusted roster names none
    or cannot be read. A report is never refused for that: vital interests come first, and the
    daemon refuses to run on a bad roster anyway."""
    try:
        return load_trusted_roster(home).seal_key
    except NsplinkError:
        return None


def sender_key(roster: RegionRoster, key_id: KeyId) -> bytes | None:
    """A sender's public key whether active or revoked: a quarantined report from a revoked key
    (a stolen laptop, or a site whose key was replaced) can still be opened for the CP operator,
    shown flagged. None for a key the region never listed."""
    peer = roster.lookup(key_id)
    if peer is not None:
        return peer.public_key
    revoked = roster.revoked_entry(key_id)
    return revoked.public_key if revoked is not None else None


def open_personal(home: SiteHome, env: Envelope, sender_public: bytes) -> Envelope:
    """A received emergency report with its sealed personal fields opened (CP only)."""
    return open_sealed(env, sender_public, load_seal_secret(home))
