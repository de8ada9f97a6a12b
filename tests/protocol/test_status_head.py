"""Issue 18: the status beacon carries its sender's log head; older beacons still decode."""

from __future__ import annotations

import itertools

import pytest

from nsplink import protocol as p
from nsplink.protocol import HEAD_EVERY, HEAD_HASH_BYTES, ChainHead, _bodies, beacon_head, bitpack
from nsplink.protocol.errors import MalformedFrame
from nsplink.protocol.pb import nsplink_pb2 as pb

HEAD = p.ChainHead(12_345, bytes.fromhex("a1b2c3d4e5f6"))


def _older_sender(body: p.Status) -> tuple[bytes, bool]:
    """The packed body as format 2 before issue 18 wrote it (every field up to snr, no head),
    and whether its bits ended on a byte boundary."""
    msg = _bodies._enc_status(body)
    w = bitpack.BitWriter()
    plan = tuple(f for f in bitpack._plan(pb.Status.DESCRIPTOR) if not f.added)
    bitpack._write_fields(w, msg, plan)
    on_boundary = w.aligned
    return w.finish(), on_boundary


def _bodies_of_all_lengths() -> list[p.Status]:
    return [
        p.Status(power, battery, hours, queue, rssi=rssi, snr=snr)
        for power, battery, hours, queue, rssi, snr in itertools.product(
            (p.Power.NET, p.Power.ACCU), (0, 50, 100), (0, 255), range(6), (None, -90), (None, 2.5)
        )
    ]


def test_a_signed_beacon_carries_the_head(nsp: p.Identity, ring: p.KeyRing) -> None:
    body = p.Status(p.Power.ACCU, 80, 12, 3, head=HEAD)
    frame = p.encode(p.Envelope(nsp.key_id, 7, 510_000, body, p.Priority.P4, p.EVERYONE), nsp)
    got = p.decode(frame, ring).envelope.body
    assert isinstance(got, p.Status)
    assert got.head == HEAD


def test_bytes_the_head_adds_to_a_beacon() -> None:
    """Airtime: 7 bytes for a log under 4,096 events, 8 up to ~200k (count + 6 hash bytes)."""
    plain = p.Status(p.Power.NET, 100, 255, 0)
    added = {}
    for count in (0, 4_000, 100_000):
        with_head = p.Status(p.Power.NET, 100, 255, 0, head=p.ChainHead(count, bytes(6)))
        added[count] = len(bitpack.pack(_bodies._enc_status(with_head))) - len(
            bitpack.pack(_bodies._enc_status(plain))
        )
    assert added == {0: 7, 4_000: 7, 100_000: 8}


def test_beacons_of_older_senders_decode_unchanged() -> None:
    """Every older body, also those ending on a byte boundary, decodes (head absent) and packs
    back to the very same bytes: the packer leaves the absent head out, as they did."""
    aligned = 0
    for body in _bodies_of_all_lengths():
        old, on_boundary = _older_sender(body)
        aligned += on_boundary
        msg = bitpack.unpack(pb.Status, old)
        assert not msg.HasField("head")
        assert _bodies._dec_status(msg, ()) == body
        assert bitpack.pack(_bodies._enc_status(body)) == old
    assert aligned > 0  # the case a naive extra flag bit would break


def test_a_flagged_absent_head_after_a_byte_boundary_is_a_second_encoding() -> None:
    for body in _bodies_of_all_lengths():
        old, on_boundary = _older_sender(body)
        if on_boundary:
            with pytest.raises(MalformedFrame):
                bitpack.unpack(pb.Status, old + b"\x00")
            return
    pytest.fail("no body ended on a byte boundary")


def test_head_is_validated() -> None:
    with pytest.raises(p.ValidationError):
        p.Status(p.Power.NET, 100, 255, 0, head=p.ChainHead(1, b"\x01\x02")).validate()
    with pytest.raises(p.ValidationError):
        p.Status(p.Power.NET, 100, 255, 0, head=p.ChainHead(-1, bytes(6))).validate()


def test_the_head_rides_on_one_beacon_in_four() -> None:
    digest = bytes(range(32))
    heads = [beacon_head(n, 1234, digest) for n in range(2 * HEAD_EVERY + 1)]
    assert HEAD_EVERY == 4
    carried = [n for n, h in enumerate(heads) if h is not None]
    assert carried == [0, HEAD_EVERY, 2 * HEAD_EVERY]  # the first beacon after a start has it
    assert heads[0] == ChainHead(1234, digest[:HEAD_HASH_BYTES])
