"""The context-model text coder (issue 24): a static PPM model over bytes, primed from a shipped
training text, driving a range coder. Coder id 2 in the frame's dictionary nibble (codec.py).

Why: deflate with a preset dictionary can only copy strings it has seen; short hand-written
messages full of abbreviations and typos rarely repeat a long string, but their bytes are very
predictable from the few bytes before them. A context model predicts every byte from its last
ORDER bytes (measured in bench_codec, "text coders on the hand-written stress set").

The model, all integers so sender and receiver build bit-identical tables:
- Training: `data/train-v<N>.bin`, messages (fields joined by NUL, as compress.py joins them)
  each ended by 0xFF, a byte UTF-8 never contains. Every message is counted as if preceded by
  ORDER bytes 0xFF, so a message's first bytes have a context of their own.
- Counts c(context, symbol) for contexts of 0..ORDER bytes. Coding a symbol starts at the
  longest context seen in training; its symbols get 2 min(c, CAP) - 1, the escape to the next
  shorter context gets the number of distinct symbols + ESC_ADD (PPM method D, plus the cap
  and the constant), and symbols already offered by a longer context are excluded there.
  The cap matters most: much of the training text is generated from templates, and raw counts
  make its contexts so sure of themselves that every unexpected byte of a hand-written message
  costs a long escape chain (measured on the 34 hand-written messages of heldout.py, never on
  the stress set: raw counts 0.48 of UTF-8, cap 4 0.38; order 4 as good as 5 or 6 and cheaper;
  measured with the first 94 hand-written training messages, 0.37 with all 146).
  Below order 0 every remaining byte has frequency 1.
  Totals are scaled to at most 2**16 so the 32-bit range never drops below 2**8 per unit.
- The symbol 0xFF ends the text. The model is static: nothing adapts within a message, so a
  coding table is a pure function of its context and is computed once, then cached.

The range coder is LZMA's (carry propagation through a cached byte). Its first output byte is
always 0 and is not sent. The end is self-delimiting like deflate's: the encoder writes the
fewest bytes that pin the final interval whatever bytes follow, and the decoder, which mirrors
the encoder's `low`, knows how many that was; so the frame needs no length byte.

Decoding is bounded: at most MAX_TEXT_BYTES output bytes, at most ORDER + 2 coding steps per
byte, and a code value outside the interval (impossible in a stream our encoder wrote) is
rejected at once; the only memory that grows is the table cache, bounded by the contexts
of the training text.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections import Counter

from nsplink.protocol.datafiles import pinned_data
from nsplink.protocol.errors import FrameTooLarge, MalformedFrame, UnknownDictionary
from nsplink.protocol.messages import MAX_TEXT_BYTES

END = 0xFF  # ends a text; never a byte of UTF-8
ORDER = 4
CAP = 4  # counts above this count as this: see the module docstring
ESC_ADD = 2
_TOTAL_MAX = 1 << 16
_TOP = 1 << 24
_MASK = 0xFFFFFFFF

# coder version -> (training file in nsplink/protocol/data, sha256 of its bytes)
TRAINING: dict[int, tuple[str, str]] = {
    1: ("train-v1.bin", "a1856cda1519a1e1d037519e8f2cf9fbfd5d241d45b3e6077f542a97c387b24f"),
}
CURRENT_MODEL = 1

# A coding table: symbols (ascending), their cumulative starts (len + 1 entries, the last one
# being where the escape starts), the escape frequency, the total.
Table = tuple[bytes, tuple[int, ...], int, int]


def training_text(version: int) -> bytes:
    entry = TRAINING.get(version)
    if entry is None:
        raise UnknownDictionary(str(version), version=version)
    return pinned_data(*entry)


def _scaled(freqs: list[int], esc: int) -> tuple[list[int], int]:
    total = sum(freqs) + esc
    if total <= _TOTAL_MAX:
        return freqs, esc
    # integer scaling, never to zero: deterministic on every platform
    return [max(1, f * _TOTAL_MAX // total) for f in freqs], (
        max(1, esc * _TOTAL_MAX // total) if esc else 0
    )


def _table(syms: bytes, freqs: list[int], esc: int) -> Table:
    freqs, esc = _scaled(freqs, esc)
    cums = [0]
    for f in freqs:
        cums.append(cums[-1] + f)
    return syms, tuple(cums), esc, cums[-1] + esc


class Model:
    """The primed model of one training text; build once per process (`model()`), share freely:
    its caches only memoise pure functions of the counts."""

    def __init__(
        self, training: bytes, order: int = ORDER, cap: int = CAP, esc_add: int = ESC_ADD
    ) -> None:
        self.order = order
        self.cap = cap
        self.esc_add = esc_add
        pad = bytes([END]) * order
        counts: Counter[bytes] = Counter()
        for msg in training.split(bytes([END]))[:-1]:
            s = pad + msg + bytes([END])
            n = len(s)
            for k in range(order + 1):
                counts.update(s[p - k : p + 1] for p in range(order, n))
        grouped: dict[bytes, dict[int, int]] = {}
        for gram, c in counts.items():
            grouped.setdefault(gram[:-1], {})[gram[-1]] = c
        # context -> (symbols ascending, their counts)
        self._counts: dict[bytes, tuple[bytes, tuple[int, ...]]] = {
            ctx: (bytes(sorted(d)), tuple(d[s] for s in sorted(d))) for ctx, d in grouped.items()
        }
        self._top: dict[bytes, Table] = {}
        self._below: dict[bytes, Table] = {}

    def _freqs(self, cnt: tuple[int, ...] | list[int]) -> list[int]:
        cap = self.cap
        return [2 * min(c, cap) - 1 for c in cnt]

    def longest(self, hist: bytes, p: int) -> bytes:
        """The longest context (at most `order` bytes before position p) seen in training."""
        counts = self._counts
        for k in range(self.order, 0, -1):
            ctx = hist[p - k : p]
            if ctx in counts:
                return ctx
        return b""

    def top(self, ctx: bytes) -> Table:
        t = self._top.get(ctx)
        if t is None:
            syms, cnt = self._counts[ctx]
            t = self._top[ctx] = _table(syms, self._freqs(cnt), len(syms) + self.esc_add)
        return t

    def below(self, ctx: bytes) -> Table:
        """The table of ctx[1:] without the symbols ctx offered (reached by escaping ctx)."""
        t = self._below.get(ctx)
        if t is None:
            excluded = set(self._counts[ctx][0])
            if ctx:
                syms, cnt = self._counts[ctx[1:]]
                keep = [i for i, s in enumerate(syms) if s not in excluded]
                ksyms = bytes(syms[i] for i in keep)
                # escaping on needs a frequency even when every symbol here is excluded
                esc = max(1, len(ksyms)) if len(syms) < 256 else 0
                t = _table(
                    ksyms, self._freqs([cnt[i] for i in keep]), esc + self.esc_add if esc else 0
                )
            else:  # order -1: every byte not offered by order 0, frequency 1, no escape
                rest = bytes(s for s in range(256) if s not in excluded)
                t = _table(rest, [1] * len(rest), 0)
            self._below[ctx] = t
        return t


@functools.cache
def model(version: int = CURRENT_MODEL) -> Model:
    """The primed model, built lazily once per process (its cost: bench_codec prints it)."""
    return Model(training_text(version))


class _Encoder:
    __slots__ = ("cache", "low", "out", "pending", "range")

    def __init__(self) -> None:
        self.low = 0
        self.range = _MASK
        self.cache = 0
        self.pending = 1
        self.out = bytearray()

    def shift(self) -> None:
        low = self.low
        if low < 0xFF000000 or low > _MASK:
            carry = low >> 32
            out = self.out
            out.append((self.cache + carry) & 0xFF)
            for _ in range(self.pending - 1):
                out.append((0xFF + carry) & 0xFF)
            self.pending = 0
            self.cache = (low >> 24) & 0xFF
        self.pending += 1
        self.low = (low & 0x00FFFFFF) << 8

    def finish(self) -> bytes:
        k = _flush_len(self.low & _MASK, self.range)
        block = 1 << (32 - 8 * k)
        self.low = -(-self.low // block) * block
        for _ in range(k + 1):
            self.shift()
        assert self.out[0] == 0  # the interval starts inside [0, 2**32): no carry reaches it
        return bytes(self.out[1:])


def _flush_len(low: int, rng: int) -> int:
    """Fewest bytes k such that an aligned block of 2**(32 - 8k) values fits in the interval,
    so any bytes after them still decode to the same text."""
    for k in range(1, 5):
        block = 1 << (32 - 8 * k)
        if -(-low // block) * block + block <= low + rng:
            return k
    raise AssertionError("unreachable: a block of 1 always fits")


def encode_text(raw: bytes, version: int = CURRENT_MODEL) -> bytes:
    """Code `raw` (UTF-8 without 0xFF) and its end; the result is self-delimiting."""
    if END in raw:
        raise ValueError("0xFF is not UTF-8")
    m = model(version)
    order = m.order
    hist = bytes([END]) * order + raw
    enc = _Encoder()
    top, below, longest = m.top, m.below, m.longest
    for p in range(order, len(hist) + 1):
        sym = hist[p] if p < len(hist) else END
        ctx = longest(hist, p)
        t = top(ctx)
        while True:
            syms, cums, esc, total = t
            i = syms.find(sym)
            r = enc.range // total
            if i >= 0:
                enc.low += r * cums[i]
                enc.range = r * (cums[i + 1] - cums[i])
            else:
                enc.low += r * cums[-1]
                enc.range = r * esc
            while enc.range < _TOP:
                enc.range <<= 8
                enc.shift()
            if i >= 0:
                break
            t = below(ctx)
            ctx = ctx[1:]
    return enc.finish()


def decode_text(
    data: bytes, version: int = CURRENT_MODEL, limit: int = MAX_TEXT_BYTES
) -> tuple[bytes, int]:
    """Inverse of `encode_text` on the start of `data`: the raw bytes and how many bytes of
    `data` the coded text took. Bounded by `limit` output bytes; typed errors on junk."""
    m = model(version)
    order = m.order
    top, below, longest = m.top, m.below, m.longest
    n = len(data)
    padded = data[:4] + bytes(max(0, 4 - n))
    code = int.from_bytes(padded, "big")
    rng = _MASK
    low = 0
    pos = 4  # next byte of data to read
    hist = bytearray([END]) * order
    while True:
        ctx = longest(bytes(hist[-order:]), order)
        t = top(ctx)
        while True:
            syms, cums, esc, total = t
            if code >= rng:
                raise MalformedFrame("text section: not a coded text")
            r = rng // total
            v = code // r
            if v >= cums[-1]:
                if esc == 0:
                    raise MalformedFrame("text section: not a coded text")
                start, size, sym = cums[-1], esc, -1
            else:
                i = bisect_right(cums, v) - 1
                start, size, sym = cums[i], cums[i + 1] - cums[i], syms[i]
            code -= r * start
            low = (low + r * start) & _MASK
            rng = r * size
            while rng < _TOP:
                rng <<= 8
                low = (low << 8) & _MASK
                code = (code << 8) | (data[pos] if pos < n else 0)
                pos += 1
            if sym >= 0:
                break
            t = below(ctx)
            ctx = ctx[1:]
        if sym == END:
            break
        if len(hist) - order >= limit:
            raise FrameTooLarge(f"text section decodes beyond {limit} bytes")
        hist.append(sym)
    used = pos - 4 + _flush_len(low, rng)
    if used > n:
        raise MalformedFrame("text section is truncated")
    return bytes(hist[order:]), used
