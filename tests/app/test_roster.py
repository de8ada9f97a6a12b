"""The signed roster: files, pinning, refusal of unsigned / forged / older rosters, revocation,
over-the-air updates and the `nsplink roster` commands as a region coordinator runs them."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nsplink import protocol as p
from nsplink.app.keys import KeyPermissions, generate_seed, load_identity, save_identity
from nsplink.app.roster import (
    RegionNotPinned,
    RegionPinMismatch,
    RosterForged,
    RosterInvalid,
    RosterRollback,
    RosterUnsigned,
    RosterWrongRegion,
    apply_update,
    install_roster,
    load_doc,
    load_trusted_roster,
    save_doc,
    sender_key,
    sign_roster,
)
from nsplink.app.site import SiteHome
from nsplink.protocol import (
    ROSTER_CONTEXT,
    RegionRoster,
    RosterDoc,
    RosterMalformed,
    RosterSignatureInvalid,
    SiteEntry,
    open_sealed,
    parse_roster,
    seal,
    seal_public_key,
    verify_roster,
)
from nsplink.texts import render_error
from tests.security.cli import run_nsplink

NOW = 1_795_000_000.0


def _ident() -> p.Identity:
    return p.Identity(generate_seed())


def _entries(n: int) -> tuple[SiteEntry, ...]:
    roles = ("nsp", "cp", "relay")
    return tuple(
        SiteEntry(f"NSP Één-’t Hoekje {i:02d}", roles[i % 3], _ident().public_key, 1000 + i)
        for i in range(n)
    )


@pytest.fixture
def region(tmp_path: Path) -> tuple[Path, p.Identity]:
    path = tmp_path / "region.key"
    return path, save_identity(path, generate_seed(), site="region VR01")


SEAL = b"\x09" * 32  # a CP sealing key, as every roster needs one unless it says no sealing


def _signed(region: tuple[Path, p.Identity], doc: RosterDoc, tmp_path: Path) -> Path:
    out = tmp_path / f"signed-{doc.version}.json"
    if not doc.sealing_decided:
        doc = replace(doc, seal_key=SEAL)
    save_doc(out, sign_roster(doc, region[0], NOW))
    return out


def test_binary_form_roundtrips_and_every_byte_is_signed(region: tuple[Path, p.Identity]) -> None:
    doc = RosterDoc("VR01", 4, 500_000, _entries(5), _entries(1), b"\x07" * 32).sign(region[1])
    payload = doc.signed()
    assert verify_roster(payload, region[1].public_key) == doc
    for i in range(len(payload)):
        bad = bytearray(payload)
        bad[i] ^= 0x01
        with pytest.raises(p.DecodeError):
            verify_roster(bytes(bad), region[1].public_key)
    with pytest.raises(RosterSignatureInvalid):
        verify_roster(payload, _ident().public_key)  # another region's key


def test_a_region_of_sixty_sites_fits_one_roster_update(region: tuple[Path, p.Identity]) -> None:
    doc = RosterDoc("VR01", 1, 0, _entries(60), _entries(5), b"\x01" * 32).sign(region[1])
    cp = _ident()
    body = p.RosterUpdate(doc.signed())
    signed = p.encode(p.Envelope(cp.key_id, 1, 0, body, p.Priority.P2, p.ALL_NSPS), cp)
    frames = p.to_frames(signed)
    assert all(len(f) <= p.MAX_FRAME for f in frames)
    rx = p.Receiver(p.KeyRing([p.PeerKey("CP", "cp", cp.public_key)]))
    got = [rx.receive(f, 0.0) for f in reversed(frames)][-1]
    assert got is not None and isinstance(got.envelope.body, p.RosterUpdate)
    assert verify_roster(got.envelope.body.payload, region[1].public_key) == doc


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400))
def test_random_roster_bytes_are_typed_errors(data: bytes) -> None:
    with pytest.raises(p.DecodeError):
        parse_roster(data)


def test_structural_rules_refuse_duplicates_and_revoked_actives(
    region: tuple[Path, p.Identity],
) -> None:
    one = _entries(1)[0]
    for doc in (
        RosterDoc("VR01", 1, 0, (one, replace(one, site="Ander"))),  # same key twice
        RosterDoc("VR01", 1, 0, (one, replace(one, public_key=_ident().public_key))),  # same name
        RosterDoc("VR01", 1, 0, (one,), (one,)),  # revoked and active
    ):
        with pytest.raises(RosterMalformed):
            doc.check()
    # a name with spaces around it would not survive the JSON form unchanged: refused at signing
    with pytest.raises(RosterMalformed):
        RosterDoc("VR01", 1, 0, (replace(one, site=" NSP Zuid"),)).sign(region[1])


def test_a_roster_saying_what_a_site_reads_would_be_refused_by_this_release(
    region: tuple[Path, p.Identity],
) -> None:
    """Issue 24 asked whether a roster entry could say "reads format 3" next to the beacons. A
    release refuses every place such a mark could go, even signed by the region: the format
    byte, a new flag, a new bit in a site's role byte, a byte after the last entry (names are
    what people read). So it cannot be added without older releases refusing the roster and
    its revocations (docs/design.md, format 3). This pins the reason: if the parser ever
    accepts one of these, the question is open again."""
    site = _entries(1)[0]
    doc = RosterDoc("VR01", 4, 500_000, (site,), (), no_sealing=True)
    body = doc.body()
    flags = 2 + len(b"VR01") + 1 + 3  # format, region length and code, version, issued
    role = flags + 1 + 1 + 1 + len(site.site.encode())  # flags, site count, name length, name
    assert body[flags] == 0x02 and body[role] & 0x3F == 0  # no sealing; an NSP
    marked = {
        "format": bytes([body[0] + 1]) + body[1:],
        "flag": body[:flags] + bytes([body[flags] | 0x04]) + body[flags + 1 :],
        "role bit": body[:role] + bytes([body[role] | 0x20]) + body[role + 1 :],
        "trailing": body + bytes([3]),
    }
    key = region[1]
    assert verify_roster(body + key.sign(ROSTER_CONTEXT + body), key.public_key) == doc
    for where, changed in marked.items():
        with pytest.raises(RosterMalformed):
            verify_roster(changed + key.sign(ROSTER_CONTEXT + changed), key.public_key)
            pytest.fail(f"a mark in the {where} was accepted")


def test_revoked_keys_are_rejected_with_their_own_error(region: tuple[Path, p.Identity]) -> None:
    good, bad = _ident(), _ident()
    doc = RosterDoc(
        "VR01",
        2,
        0,
        (SiteEntry("NSP Goed", "nsp", good.public_key),),
        (SiteEntry("NSP Gestolen laptop", "nsp", bad.public_key),),
    ).sign(region[1])
    roster = RegionRoster(doc)
    frame = p.encode(
        p.Envelope(bad.key_id, 1, 0, p.Emergency(p.Incident.BRA, p.Services.B, landmark="kerk")),
        bad,
    )
    with pytest.raises(p.RevokedKey) as err:
        p.decode(frame, roster)
    assert err.value.code == "protocol.verify.revoked"
    assert "ingetrokken" in render_error(err.value, "nl")
    # revoked keys also stop fragments before they are buffered
    long = p.encode(p.Envelope(bad.key_id, 2, 0, p.Bulletin("Kop", "tekst " * 200, 1, "VR")), bad)
    with pytest.raises(p.RevokedKey):
        p.Receiver(roster).receive(p.to_frames(long)[0], 0.0)
    # our own key, added locally, never resurrects a revoked one
    roster.add_local(p.PeerKey("me", "nsp", bad.public_key))
    assert roster.lookup(bad.key_id) is None and roster.is_revoked(bad.key_id)


def _home(tmp_path: Path, name: str = "site") -> SiteHome:
    home = SiteHome(tmp_path / name)
    home.root.mkdir(parents=True, exist_ok=True)
    return home


def test_install_pins_and_loads_only_what_the_region_signed(
    tmp_path: Path, region: tuple[Path, p.Identity]
) -> None:
    home = _home(tmp_path)
    draft = RosterDoc("VR01", 0, 0, _entries(3), seal_key=b"\x09" * 32)
    unsigned = tmp_path / "draft.json"
    save_doc(unsigned, draft)
    with pytest.raises(RosterUnsigned):
        install_roster(home, unsigned, region[1].public_key)
    with pytest.raises(RegionNotPinned):
        load_trusted_roster(home)
    signed = _signed(region, draft, tmp_path)
    doc = install_roster(home, signed, region[1].public_key)
    assert doc.version == 1
    roster = load_trusted_roster(home, "vr01")
    assert roster.version == 1 and len(roster) == 3 and roster.seal_key == b"\x09" * 32
    with pytest.raises(RosterWrongRegion):
        load_trusted_roster(home, "VR02")
    # another region key is refused once one is pinned
    other = tmp_path / "other.key"
    save_identity(other, generate_seed())
    with pytest.raises(RegionPinMismatch):
        install_roster(home, signed, load_identity(other).public_key)


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["sites"][0].update(site="NSP Vervalst"),
        lambda d: d["sites"][0].update(role="cp"),
        lambda d: d["sites"][0].update(node=4242),
        lambda d: d.update(version=d["version"] + 5),
        lambda d: d.update(seal_key="11" * 32),
        lambda d: (d.pop("seal_key"), d.update(sealing="none")),  # the sealing choice is signed
        lambda d: d["revoked"].clear(),
        lambda d: d["sites"].append(dict(d["sites"][0], site="Extra", public_key="22" * 32)),
    ],
)
def test_any_edit_of_a_signed_file_is_refused_as_forged(
    tmp_path: Path, region: tuple[Path, p.Identity], edit: object
) -> None:
    home = _home(tmp_path)
    signed = _signed(region, RosterDoc("VR01", 0, 0, _entries(2), _entries(1)), tmp_path)
    install_roster(home, signed, region[1].public_key)
    data = json.loads(home.roster_path.read_text("utf-8"))
    edit(data)  # type: ignore[operator]
    home.roster_path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(RosterForged) as err:
        load_trusted_roster(home)
    assert "vervalst" in render_error(err.value, "nl")


@pytest.mark.parametrize(
    "text",
    ["", "{", "[]", '{"sites": 5}', '{"sites": [{"site": "x", "role": "nsp", "public_key": 5}]}',
     '{"sites": [], "version": -1}', '{"sites": [], "signature": "zz"}', "\xff\xfe",
     "[" * 100_000],
)  # fmt: skip
def test_damaged_roster_files_are_one_typed_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "roster.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape") if text != "\xff\xfe" else b"\xff")
    with pytest.raises(RosterInvalid):
        load_doc(path)


def test_over_the_air_update_newer_only(tmp_path: Path, region: tuple[Path, p.Identity]) -> None:
    home = _home(tmp_path)
    base = RosterDoc("VR01", 0, 0, _entries(2), seal_key=SEAL)
    install_roster(home, _signed(region, base, tmp_path), region[1].public_key)
    roster = load_trusted_roster(home)
    newer = sign_roster(replace(load_doc(home.roster_path), sites=_entries(4)), region[0], NOW)
    assert apply_update(home, roster, newer.signed()) == newer
    assert roster.version == 2 and len(roster) == 4  # swapped in place
    assert load_trusted_roster(home).version == 2  # and on disk first
    # a replay of the same or an older one changes nothing
    assert apply_update(home, roster, newer.signed()) is None
    older = sign_roster(base, region[0], NOW)
    assert apply_update(home, roster, older.signed()) is None
    # a forgery (signed by someone else, even with a higher version) is a typed error
    forged = replace(newer, version=99).sign(_ident())
    with pytest.raises(RosterSignatureInvalid):
        apply_update(home, roster, forged.signed())
    assert roster.version == 2


def test_rolled_back_file_is_refused(tmp_path: Path, region: tuple[Path, p.Identity]) -> None:
    home = _home(tmp_path)
    v1 = _signed(region, RosterDoc("VR01", 0, 0, _entries(1)), tmp_path)
    v2 = _signed(region, RosterDoc("VR01", 1, 0, _entries(2)), tmp_path)
    install_roster(home, v2, region[1].public_key)
    with pytest.raises(RosterRollback) as err:
        install_roster(home, v1, region[1].public_key)
    assert "versie 1" in render_error(err.value, "nl")


def test_region_key_with_loose_permissions_is_refused(
    tmp_path: Path, region: tuple[Path, p.Identity]
) -> None:
    os.chmod(region[0], 0o640)
    with pytest.raises(KeyPermissions) as err:
        sign_roster(RosterDoc("VR01", 0, 0, _entries(1), seal_key=SEAL), region[0], NOW)
    assert "chmod 600" in render_error(err.value, "nl")


# -- the commands, as the region coordinator and a site technician run them ---------------------


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_nsplink(*args, cwd=cwd)


def test_cli_create_add_revoke_sign_install_show(tmp_path: Path) -> None:
    res = _run(tmp_path, "roster", "create", "--region", "vr01", "--key-out", "region.key",
               "--cp-key-out", "cp-seal.key")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert stat.S_IMODE((tmp_path / "region.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "cp-seal.key").stat().st_mode) == 0o600
    public = load_identity(tmp_path / "region.key").public_key.hex()
    assert public in res.stdout
    nsp, thief = _ident(), _ident()
    b64 = base64.b64encode(nsp.public_key).decode()  # the form `nsplink init` prints
    res = _run(tmp_path, "roster", "add", "--site", "NSP Café ’t Hoekje", "--role", "nsp",
               "--public-key", b64, "--node", "305419896")  # fmt: skip
    assert res.returncode == 0 and str(nsp.key_id) in res.stdout, res.stderr
    res = _run(tmp_path, "roster", "add", "--site", "NSP Dief", "--role", "nsp",
               "--public-key", thief.public_key.hex())  # fmt: skip
    assert res.returncode == 0, res.stderr
    for bad_args, words in (
        (["--site", "X", "--role", "boss", "--public-key", b64], "Ongeldige rol"),
        (["--site", "X", "--role", "nsp", "--public-key", "abc"], "Ongeldige publieke sleutel"),
        (["--site", "Y", "--role", "nsp", "--public-key", b64], "staat al op de lijst"),
    ):
        res = _run(tmp_path, "roster", "add", *bad_args)
        assert res.returncode == 2 and words in res.stderr and "Traceback" not in res.stderr
    assert _run(tmp_path, "roster", "revoke", "--site", "NSP Dief").returncode == 0
    res = _run(tmp_path, "roster", "show", "--roster", "roster.json")
    assert "NIET ondertekend" in res.stdout and "Ingetrokken" in res.stdout
    res = _run(tmp_path, "roster", "sign", "--region-key", "region.key")
    assert res.returncode == 0 and "versie 1" in res.stdout, res.stderr
    res = _run(tmp_path, "roster", "sign", "--region-key", "region.key")
    assert "versie 2" in res.stdout
    home = tmp_path / "site"
    res = _run(tmp_path, "--home", str(home), "roster", "install", "roster.json",
               "--region-public", public)  # fmt: skip
    assert res.returncode == 0, res.stderr
    res = _run(tmp_path, "--home", str(home), "--lang", "en", "roster", "show")
    assert "version 2, signed by region key" in res.stdout
    assert "NSP Café ’t Hoekje" in res.stdout and "node 305419896" in res.stdout
    roster = load_trusted_roster(SiteHome(home))
    assert roster.is_revoked(thief.key_id) and roster.lookup(nsp.key_id) is not None
    # an edit after signing: the site refuses it in one line
    text = (home / "roster.json").read_text("utf-8").replace("Hoekje", "Hoek")
    (home / "roster.json").write_text(text, "utf-8")
    res = _run(tmp_path, "--home", str(home), "roster", "show")
    assert res.returncode == 2 and "vervalst" in res.stderr and len(res.stderr.splitlines()) == 1
    # a loose region key file is refused with the chmod fix
    os.chmod(tmp_path / "region.key", 0o644)
    res = _run(tmp_path, "roster", "sign", "--region-key", "region.key")
    assert res.returncode == 2 and "chmod 600" in res.stderr


def test_a_quarantined_report_of_a_revoked_key_can_still_be_opened(
    tmp_path: Path, region: tuple[Path, p.Identity]
) -> None:
    cp_seal = _ident()
    thief, stranger = _ident(), _ident()
    doc = RosterDoc("VR01", 3, 0, _entries(1), (SiteEntry("NSP Dief", "nsp", thief.public_key),),
                    seal_public_key(cp_seal.box_secret())).sign(region[1])  # fmt: skip
    roster = RegionRoster(doc)
    body = p.Emergency(p.Incident.MED, p.Services.A, street="Kerkstraat", number="1")
    env = seal(p.Envelope(thief.key_id, 5, 0, body), thief, doc.seal_key or b"")
    with pytest.raises(p.RevokedKey):
        p.decode(p.encode(env, thief), roster)
    unverified = p.decode_unverified(p.encode(env, thief))
    key = sender_key(roster, unverified.sender)
    assert key == thief.public_key
    assert open_sealed(unverified, key, cp_seal.box_secret()).body == body
    assert sender_key(roster, stranger.key_id) is None


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=70),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
_site = st.fixed_dictionaries(
    {"site": _json | st.text(max_size=45), "role": _json | st.sampled_from(["nsp", "cp", "relay"]),
     "public_key": _json | st.just("ab" * 32), "node": _json | st.integers(-1, 2**33)}
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {"region": _json | st.just("VR01"), "sites": st.lists(_site, max_size=3) | _json},
        optional={
            "version": _json,
            "revoked": st.lists(_site, max_size=2) | _json,
            "seal_key": _json,
            "signature": _json,
            "issued": _json,
        },
    )
)
def test_roster_json_of_any_shape_is_a_roster_or_one_typed_error(data: dict[str, object]) -> None:
    from nsplink.app.roster import doc_from_json

    try:
        doc = doc_from_json(data)
    except RosterInvalid:
        return
    assert doc.body()  # whatever loads also encodes to the signed form


def test_positions_are_signed_and_kept_in_the_rd_grid(
    region: tuple[Path, p.Identity], tmp_path: Path
) -> None:
    """Issue 22: a site's position (RD New metres, for the CP console's map) is part of the
    signed bytes; one without a position costs no byte more than before."""
    plain = _entries(3)
    placed = (replace(plain[0], rd=(136_000, 456_000)), replace(plain[1], rd=(-6_000, 600_000)))
    doc = RosterDoc("VR01", 2, 0, (*placed, plain[2])).sign(region[1])
    payload = doc.signed()
    assert verify_roster(payload, region[1].public_key) == doc
    assert len(payload) == len(RosterDoc("VR01", 2, 0, plain).sign(region[1]).signed()) + 16
    for i in range(len(payload)):  # the position bytes too
        bad = bytearray(payload)
        bad[i] ^= 0x01
        with pytest.raises(p.DecodeError):
            verify_roster(bytes(bad), region[1].public_key)
    with pytest.raises(RosterMalformed):  # south of the Dutch grid (Antwerp and beyond)
        RosterDoc("VR01", 2, 0, (replace(plain[0], rd=(150_000, 250_000)),)).body()
    out = tmp_path / "r.json"
    save_doc(out, doc)
    assert load_doc(out) == doc
    assert json.loads(out.read_text())["sites"][0]["rd"] == [136_000, 456_000]


def test_cli_add_with_a_position_in_degrees_or_rd(tmp_path: Path) -> None:
    assert _run(tmp_path, "roster", "create", "--region", "vr01", "--key-out", "region.key",
                "--cp-key-out", "cp-seal.key").returncode == 0  # fmt: skip
    for name, position in (("NSP Houten", "52.0284,5.1681"), ("CP Utrecht", "136000,456000")):
        res = _run(tmp_path, "roster", "add", "--site", name, "--role", "nsp",
                   "--public-key", _ident().public_key.hex(), "--position", position)  # fmt: skip
        assert res.returncode == 0, res.stderr
    res = _run(tmp_path, "roster", "add", "--site", "Parijs", "--role", "nsp",
               "--public-key", _ident().public_key.hex(), "--position", "48.85,2.35")  # fmt: skip
    assert res.returncode == 2 and "Nederland" in res.stderr and "Traceback" not in res.stderr
    houten, utrecht = load_doc(tmp_path / "roster.json").sites
    assert houten.rd is not None and abs(houten.rd[0] - 139_500) < 1_500
    assert abs(houten.rd[1] - 449_000) < 1_500
    assert utrecht.rd == (136_000, 456_000)
    assert "RD 136000,456000" in _run(tmp_path, "roster", "show", "--roster", "roster.json").stdout


def test_the_no_sealing_choice_travels_signed_in_the_binary_form(
    region: tuple[Path, p.Identity],
) -> None:
    doc = RosterDoc("VR01", 2, 0, _entries(2), no_sealing=True).sign(region[1])
    back = verify_roster(doc.signed(), region[1].public_key)
    assert back.no_sealing and back.seal_key is None and back.sealing_decided
    flags_at = 2 + len("VR01") + 1 + 3  # format, region, version varint, issued
    assert doc.signed()[flags_at] == 0x02
    undecided = RosterDoc("VR01", 2, 0, _entries(2)).sign(region[1])
    assert not verify_roster(undecided.signed(), region[1].public_key).sealing_decided
    with pytest.raises(RosterMalformed):  # a key and "no sealing" at once is nonsense
        RosterDoc("VR01", 2, 0, _entries(2), seal_key=SEAL, no_sealing=True).body()
    body = bytearray(doc.body())
    body[flags_at] = 0x03
    with pytest.raises(RosterMalformed):
        parse_roster(bytes(body) + region[1].sign(b"x"))
