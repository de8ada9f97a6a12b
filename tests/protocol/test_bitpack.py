"""The bit-packed body encoding: known bit strings, round trips of every message type with random
field values, one encoding per body, and typed errors for anything malformed."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from hypothesis import given, settings
from hypothesis import strategies as st

from nsplink.protocol import bitpack
from nsplink.protocol.errors import MalformedFrame
from nsplink.protocol.pb import nsplink_pb2 as pb

TYPES = [pb.Emergency, pb.Sitrep, pb.Supply, pb.Bulletin, pb.Receipt, pb.Status, pb.RosterUpdate]


def _bits(value: int, k: int) -> str:
    w = bitpack.BitWriter()
    w.exp_golomb(value, k)
    w.write(1, 1)  # a marker, so the padding is visible and stripped below
    raw = w.finish()
    return format(int.from_bytes(raw, "big"), f"0{8 * len(raw)}b").rstrip("0")[:-1]


@pytest.mark.parametrize(
    ("value", "k", "bits"),
    [
        (0, 0, "1"),
        (1, 0, "010"),
        (2, 0, "011"),
        (3, 0, "00100"),
        (0, 2, "100"),
        (5, 2, "01001"),
        (140, 7, "0100001100"),
        (2**32 - 1, 0, "0" * 32 + "1" + "0" * 32),
    ],
)
def test_exp_golomb_known_bit_strings(value: int, k: int, bits: str) -> None:
    assert _bits(value, k) == bits
    w = bitpack.BitWriter()
    w.exp_golomb(value, k)
    assert bitpack.BitReader(w.finish()).exp_golomb(k) == value


def _field_value(draw: st.DrawFn, fd: FieldDescriptor, depth: int) -> Any:
    t = fd.type
    if t == FieldDescriptor.TYPE_ENUM:
        return draw(st.sampled_from([v.number for v in fd.enum_type.values]))
    if t == FieldDescriptor.TYPE_UINT32:
        return draw(st.one_of(st.integers(0, 300), st.integers(0, 2**32 - 1)))
    if t == FieldDescriptor.TYPE_SINT32:
        return draw(st.integers(-(2**31), 2**31 - 1))
    if t == FieldDescriptor.TYPE_BOOL:
        return draw(st.booleans())
    if t == FieldDescriptor.TYPE_BYTES:
        opts = fd.GetOptions()
        size = opts.Extensions[pb.size] if opts.HasExtension(pb.size) else None
        if size:
            return draw(st.binary(min_size=size, max_size=size))
        return draw(st.binary(max_size=70))
    assert t == FieldDescriptor.TYPE_MESSAGE
    return _message(draw, fd.message_type, depth + 1)


def _message(draw: st.DrawFn, desc: Descriptor, depth: int = 0) -> Any:
    msg = bitpack._classes[desc.full_name]()
    for fd in desc.fields:
        if fd.type == FieldDescriptor.TYPE_STRING:
            continue
        if fd.is_repeated:
            items = [_field_value(draw, fd, depth) for _ in range(draw(st.integers(0, 3)))]
            target = getattr(msg, fd.name)
            for item in items:
                if fd.type == FieldDescriptor.TYPE_MESSAGE:
                    target.add().CopyFrom(item)
                else:
                    target.append(item)
        elif fd.has_presence and not draw(st.booleans()):
            continue
        else:
            value = _field_value(draw, fd, depth)
            if fd.type == FieldDescriptor.TYPE_MESSAGE:
                getattr(msg, fd.name).CopyFrom(value)
            else:
                setattr(msg, fd.name, value)
    return msg


@st.composite
def messages(draw: st.DrawFn) -> Any:
    return _message(draw, draw(st.sampled_from(TYPES)).DESCRIPTOR)


@settings(max_examples=600, deadline=None)
@given(messages())
def test_every_message_type_round_trips(msg: Any) -> None:
    packed = bitpack.pack(msg)
    back = bitpack.unpack(type(msg), packed)
    assert back == msg
    for fd in msg.DESCRIPTOR.fields:  # presence survives, not just the value
        if fd.has_presence and not fd.is_repeated:
            assert back.HasField(fd.name) == msg.HasField(fd.name)
    # the same body from older senders: without the fields added since format 2, then with
    # each release's added field in turn (a release knows the added fields before its own)
    added = [fd for fd in msg.DESCRIPTOR.fields if fd.GetOptions().Extensions[pb.added]]
    olders = {}
    for k in range(len(added)):
        older = type(msg)()
        older.CopyFrom(msg)
        for fd in added[k:]:
            older.ClearField(fd.name)
        if older != msg:
            olders[bitpack.pack(older)] = older
    for n in range(len(packed)):  # every strict prefix is refused, but an older sender's body
        if packed[:n] in olders:
            assert bitpack.unpack(type(msg), packed[:n]) == olders[packed[:n]]
            continue
        with pytest.raises(MalformedFrame):
            bitpack.unpack(type(msg), packed[:n])


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(TYPES), st.binary(max_size=40))
def test_random_bytes_give_a_typed_error_or_the_one_encoding(cls: Any, data: bytes) -> None:
    """Whatever unpacks must pack back to exactly the same bytes: no second encoding of a body."""
    try:
        msg = bitpack.unpack(cls, data)
    except MalformedFrame:
        return
    assert bitpack.pack(msg) == data


def test_out_of_range_numbers_are_malformed() -> None:
    w = bitpack.BitWriter()
    w.write(0, 33)  # a prefix no 32-bit value has
    w.write(1, 1)
    with pytest.raises(MalformedFrame, match="too long"):
        bitpack.BitReader(w.finish()).exp_golomb(0)
    w = bitpack.BitWriter()
    w.exp_golomb(2**32, 0)  # one more than any uint32
    with pytest.raises(MalformedFrame, match="range"):
        bitpack.BitReader(w.finish()).exp_golomb(0)
    msg = pb.Status(rssi=-(2**31), snr_x4=2**31 - 1)  # the ends of sint32 still fit
    assert bitpack.unpack(pb.Status, bitpack.pack(msg)) == msg


@pytest.mark.parametrize("code", [5, 2**31 - 1, 2**31, 2**32 - 1])
def test_undefined_enum_codes_are_malformed(code: int) -> None:
    """Power has codes 0..4: anything else (even past int32, which protobuf itself would not
    take) is a typed error, never a ValueError from the generated class."""
    w = bitpack.BitWriter()
    w.exp_golomb(0, 0)  # nsp_state OPEN
    w.exp_golomb(code, 0)  # power
    with pytest.raises(MalformedFrame, match="unknown Power code"):
        bitpack.unpack(pb.Sitrep, w.finish() + bytes(8))


def test_encoder_refuses_text_and_wrong_key_id_sizes() -> None:
    with pytest.raises(ValueError, match="text section"):
        bitpack.pack(pb.Sitrep(text="stiekem"))
    with pytest.raises(ValueError, match="3 bytes"):
        bitpack.pack(pb.Bulletin(sites=[b"\x01\x02"]))


def test_much_smaller_than_protobuf_for_a_typical_report() -> None:
    """The reason this module exists: a typical sitrep's codes in a third of protobuf's bytes."""
    m = pb.Sitrep(power_hours=6, fuel_l=40, staff_pro=1, staff_vol=7, visitors=140,
                  needs=[pb.CATEGORY_WATER], observations=[pb.OBSERVATION_WATERDRUK])  # fmt: skip
    assert len(bitpack.pack(m)) * 2 < len(m.SerializeToString())
