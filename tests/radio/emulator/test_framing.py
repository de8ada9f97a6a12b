"""The stream framing: round trips, resync on garbage, oversize headers, split reads."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from meshtastic.protobuf import mesh_pb2

from nsplink.radio.emulator.framing import (
    MAX_FRAME,
    START1,
    START2,
    FrameDecoder,
    FrameTooLarge,
    encode_frame,
)


def test_header_is_magic_and_big_endian_length() -> None:
    assert encode_frame(b"\x01" * 300)[:4] == bytes((START1, START2, 0x01, 0x2C))


def test_a_library_want_config_frame_decodes_to_the_same_protobuf() -> None:
    msg = mesh_pb2.ToRadio(want_config_id=123456)
    (frame,) = FrameDecoder().feed(encode_frame(msg.SerializeToString()))
    assert mesh_pb2.ToRadio.FromString(frame).want_config_id == 123456


def test_wake_burst_and_log_text_before_a_frame_are_skipped() -> None:
    dec = FrameDecoder()
    noise = bytes([START2] * 32) + "Ünïcode log line\r\n".encode()
    frames = dec.feed(noise + encode_frame(b"abc"))
    assert frames == [b"abc"]
    assert dec.dropped_bytes == len(noise)


def test_oversize_length_is_not_trusted_and_decoding_resyncs() -> None:
    dec = FrameDecoder()
    bogus = bytes((START1, START2, 0xFF, 0xFF))
    assert dec.feed(bogus + encode_frame(b"ok")) == [b"ok"]
    assert dec.oversize_frames == 1


def test_encode_refuses_more_than_the_firmware_accepts() -> None:
    encode_frame(b"x" * MAX_FRAME)
    with pytest.raises(FrameTooLarge):
        encode_frame(b"x" * (MAX_FRAME + 1))


def test_truncated_frame_waits_for_the_rest() -> None:
    dec = FrameDecoder()
    data = encode_frame(b"hello")
    assert dec.feed(data[:5]) == []
    assert dec.feed(data[5:]) == [b"hello"]


def test_start1_at_the_end_of_a_read_is_kept() -> None:
    dec = FrameDecoder()
    data = b"junk" + encode_frame(b"x")
    assert dec.feed(data[:5]) == []  # ends with START1
    assert dec.feed(data[5:]) == [b"x"]


@given(
    payloads=st.lists(st.binary(max_size=MAX_FRAME), max_size=8),
    cuts=st.lists(st.integers(min_value=0, max_value=4200), max_size=12),
)
def test_any_split_of_a_frame_stream_yields_the_frames(
    payloads: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(encode_frame(p) for p in payloads)
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    dec = FrameDecoder()
    out: list[bytes] = []
    for a, b in itertools.pairwise(points):
        out.extend(dec.feed(stream[a:b]))
    assert out == payloads


@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data: bytes) -> None:
    dec = FrameDecoder()
    for frame in dec.feed(data):
        assert len(frame) <= MAX_FRAME
