"""The on-air encoding of a message body: the .proto schema, packed to the bit.

Protobuf's own wire format spends a tag byte on every field and whole bytes on every small number;
on a frame whose signature alone takes 64 bytes that was 8-17 bytes of codes per report. This
packs the same generated messages by their descriptors instead, so nsplink.proto stays the one
definition of the fields, and a field added there is encoded without code here:

- fields in field-number order; `string` fields are not here (they travel in the compressed text
  section) and must be empty;
- a field with presence (proto3 `optional`, a singular message): one bit, then the value if set;
- enum (its wire number) and uint32: Exp-Golomb of order `(nsplink.v1.k)`, the field option (0
  if absent), chosen per field for its usual range; sint32: zigzag first; an enum number the
  .proto does not define is refused;
- bool: one bit;
- bytes: `(nsplink.v1.size)` bytes exactly when that option is set (key ids), else the length
  (Exp-Golomb order 5) and the bytes;
- repeated: each element after a 1 bit, the list closed by a 0 bit;
- message: its fields, recursively; the whole body padded with 0 bits to a byte boundary;
- a body's own fields marked `(nsplink.v1.added)` (optional fields added after format 2, last in
  the message): a body that ends before one means it is absent, and an absent one that would
  start a new byte is left out, so a body from an older sender decodes and encodes unchanged.

Every value has exactly one encoding and the decoder insists on it (zero padding, nothing left
over), so no two byte strings decode to the same body. Sans-IO and pure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message as PbMessage

from nsplink.protocol.errors import MalformedFrame
from nsplink.protocol.pb import nsplink_pb2 as pb

U32 = 2**32 - 1
I32_MIN, I32_MAX = -(2**31), 2**31 - 1
_MAX_ZEROS = 32  # an Exp-Golomb prefix longer than this cannot encode a 32-bit value
_LEN_K = 5  # order of the length of a variable `bytes` field


class BitWriter:
    """Bits appended most significant first; whole bytes are moved out as they fill."""

    def __init__(self) -> None:
        self._out = bytearray()
        self._acc = 0
        self._bits = 0

    def write(self, value: int, nbits: int) -> None:
        self._acc = (self._acc << nbits) | value
        self._bits += nbits
        if self._bits >= 8:
            whole = self._bits // 8
            self._bits -= whole * 8
            self._out += (self._acc >> self._bits).to_bytes(whole, "big")
            self._acc &= (1 << self._bits) - 1

    def exp_golomb(self, value: int, k: int) -> None:
        q = (value >> k) + 1
        n = q.bit_length()
        self.write(q, 2 * n - 1)  # n-1 zeros, then q's n bits
        if k:
            self.write(value & ((1 << k) - 1), k)

    def finish(self) -> bytes:
        """The bits so far, padded with zeros to a whole byte."""
        if self._bits:
            return bytes(self._out) + (self._acc << (8 - self._bits)).to_bytes(1, "big")
        return bytes(self._out)

    @property
    def aligned(self) -> bool:
        return self._bits == 0


class BitReader:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0
        self._end = len(data) * 8

    def read(self, nbits: int) -> int:
        if nbits == 0:
            return 0
        end = self._pos + nbits
        if end > self._end:
            raise MalformedFrame("body ends in the middle of a field")
        first, last = self._pos >> 3, (end + 7) >> 3
        chunk = int.from_bytes(self._data[first:last], "big")
        self._pos = end
        return (chunk >> (last * 8 - end)) & ((1 << nbits) - 1)

    def exp_golomb(self, k: int) -> int:
        zeros = 0
        while not self.read(1):
            zeros += 1
            if zeros > _MAX_ZEROS:
                raise MalformedFrame("number too long")
        q = (1 << zeros) | self.read(zeros)
        value = ((q - 1) << k) | self.read(k)
        if value > U32:
            raise MalformedFrame("number out of range")
        return value

    @property
    def aligned(self) -> bool:
        return self._pos % 8 == 0

    @property
    def at_end(self) -> bool:
        return self._pos == self._end

    def finish(self) -> None:
        """The rest must be the zero padding of the last byte, nothing more."""
        left = self._end - self._pos
        if left >= 8 or self.read(left):
            raise MalformedFrame("bytes after the last field of the body")


# ---- per-field plans, built once from the descriptors ------------------------------------

Write = Callable[[BitWriter, Any], None]
Read = Callable[[BitReader], Any]


@dataclass(frozen=True)
class _Field:
    name: str
    repeated: bool
    presence: bool
    added: bool  # (nsplink.v1.added): may be missing at the end of a body
    write: Write
    read: Read


def _option(fd: FieldDescriptor, ext: Any) -> int:
    opts = fd.GetOptions()
    return int(opts.Extensions[ext]) if opts.HasExtension(ext) else 0


def _scalar(fd: FieldDescriptor) -> tuple[Write, Read]:
    t = fd.type
    if t == FieldDescriptor.TYPE_ENUM and fd.enum_type is not None:
        k = _option(fd, pb.k)
        known = frozenset(v.number for v in fd.enum_type.values)
        name = fd.enum_type.name

        def read_enum(r: BitReader) -> int:
            value = r.exp_golomb(k)
            if value not in known:  # a newer release's code, or noise
                raise MalformedFrame(f"unknown {name} code {value}")
            return value

        return (lambda w, v: w.exp_golomb(v, k)), read_enum
    if t == FieldDescriptor.TYPE_UINT32:
        k = _option(fd, pb.k)
        return (lambda w, v: w.exp_golomb(v, k)), (lambda r: r.exp_golomb(k))
    if t == FieldDescriptor.TYPE_SINT32:
        k = _option(fd, pb.k)

        def read_sint(r: BitReader) -> int:
            z = r.exp_golomb(k)
            value = (z >> 1) ^ -(z & 1)
            if not I32_MIN <= value <= I32_MAX:
                raise MalformedFrame("number out of range")
            return value

        return (lambda w, v: w.exp_golomb((v << 1) ^ (v >> 63), k)), read_sint
    if t == FieldDescriptor.TYPE_BOOL:
        return (lambda w, v: w.write(int(v), 1)), (lambda r: bool(r.read(1)))
    if t == FieldDescriptor.TYPE_BYTES:
        return _bytes(fd)
    if t == FieldDescriptor.TYPE_MESSAGE and fd.message_type is not None:
        plan = _plan(fd.message_type)
        cls = _classes[fd.message_type.full_name]
        return (lambda w, v: _write_fields(w, v, plan)), (lambda r: _read_fields(r, cls(), plan))
    raise TypeError(f"{fd.full_name}: field type {t} has no on-air encoding")


def _bytes(fd: FieldDescriptor) -> tuple[Write, Read]:
    size = _option(fd, pb.size)
    if size:

        def write_fixed(w: BitWriter, v: bytes) -> None:
            if len(v) != size:
                raise ValueError(f"{fd.full_name} must be {size} bytes, not {len(v)}")
            w.write(int.from_bytes(v, "big"), 8 * size)

        return write_fixed, lambda r: r.read(8 * size).to_bytes(size, "big")

    def write_var(w: BitWriter, v: bytes) -> None:
        w.exp_golomb(len(v), _LEN_K)
        w.write(int.from_bytes(v, "big"), 8 * len(v))

    def read_var(r: BitReader) -> bytes:
        n = r.exp_golomb(_LEN_K)
        return r.read(8 * n).to_bytes(n, "big")

    return write_var, read_var


_plans: dict[str, tuple[_Field, ...]] = {}
_classes: dict[str, type[PbMessage]] = {
    d.full_name: getattr(pb, name) for name, d in pb.DESCRIPTOR.message_types_by_name.items()
}


def _plan(desc: Any) -> tuple[_Field, ...]:  # a Descriptor (upb or pure Python)
    plan = _plans.get(desc.full_name)
    if plan is None:
        fields: list[_Field] = []
        for fd in sorted(desc.fields, key=lambda f: f.number):
            if fd.type == FieldDescriptor.TYPE_STRING:
                continue
            write, read = _scalar(fd)
            repeated = fd.is_repeated
            presence = fd.has_presence and not repeated
            added = bool(_option(fd, pb.added))
            if (added and not presence) or (fields and fields[-1].added and not added):
                raise TypeError(f"{fd.full_name}: an added field is optional and last")
            fields.append(_Field(fd.name, repeated, presence, added, write, read))
        plan = _plans[desc.full_name] = tuple(fields)
    return plan


def _write_fields(w: BitWriter, msg: Any, plan: tuple[_Field, ...], body: bool = False) -> None:
    for i, f in enumerate(plan):
        if body and f.added and w.aligned and not any(msg.HasField(g.name) for g in plan[i:]):
            return  # the body ends here, as an older sender's would
        if f.repeated:
            for item in getattr(msg, f.name):
                w.write(1, 1)
                f.write(w, item)
            w.write(0, 1)
        elif f.presence:
            present = msg.HasField(f.name)
            w.write(int(present), 1)
            if present:
                f.write(w, getattr(msg, f.name))
        else:
            f.write(w, getattr(msg, f.name))


def _read_fields(r: BitReader, msg: Any, plan: tuple[_Field, ...], body: bool = False) -> Any:
    left_out = False  # an absent added field flagged from a byte boundary: the packer omits it
    for f in plan:
        if body and f.added:
            if r.at_end:
                break  # an older sender's body: this and the fields after it are absent
            aligned = r.aligned
            if not r.read(1):
                left_out = left_out or aligned
                continue
            left_out = False
            _set(msg, f.name, f.read(r))
            continue
        if f.repeated:
            items = []
            while r.read(1):
                items.append(f.read(r))
            if items:
                target = getattr(msg, f.name)
                if isinstance(items[0], PbMessage):
                    for item in items:
                        target.add().CopyFrom(item)
                else:
                    target.extend(items)
        elif not f.presence or r.read(1):
            _set(msg, f.name, f.read(r))
    if left_out:
        raise MalformedFrame("absent fields at the end of the body are left out, not flagged")
    return msg


def _set(msg: Any, name: str, value: Any) -> None:
    if isinstance(value, PbMessage):
        getattr(msg, name).CopyFrom(value)
    else:
        setattr(msg, name, value)


def pack(msg: PbMessage) -> bytes:
    """The packed bits of `msg`; ValueError if a string field is set or a fixed size is off."""
    desc = msg.DESCRIPTOR
    for fd in desc.fields:
        if fd.type == FieldDescriptor.TYPE_STRING and getattr(msg, fd.name):
            raise ValueError(f"text field {fd.name} belongs in the text section")
    w = BitWriter()
    _write_fields(w, msg, _plan(desc), body=True)
    return w.finish()


def unpack(cls: type[PbMessage], data: bytes) -> PbMessage:
    """`data` -> a message of `cls`, or MalformedFrame; the whole of `data` must be used."""
    r = BitReader(data)
    msg = _read_fields(r, cls(), _plan(cls.DESCRIPTOR), body=True)
    r.finish()
    return msg  # type: ignore[no-any-return]
