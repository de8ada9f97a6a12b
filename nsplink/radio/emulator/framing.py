"""The stream API framing of a Meshtastic device: 0x94 0xC3, a big-endian 16-bit length, then a
protobuf (`ToRadio` towards the device, `FromRadio` back). Sans-IO: bytes in, frames out.

Like the firmware's StreamAPI, the decoder resynchronises on garbage (a client wakes a sleeping
device with a burst of 0xC3 bytes) and drops frames that claim more than 512 bytes.
"""

from __future__ import annotations

START1 = 0x94
START2 = 0xC3
HEADER_LEN = 4
MAX_FRAME = 512  # firmware MAX_TO_FROM_RADIO_SIZE


class FrameTooLarge(ValueError):
    """A protobuf that cannot be framed (longer than MAX_FRAME)."""


def encode_frame(payload: bytes) -> bytes:
    if len(payload) > MAX_FRAME:
        raise FrameTooLarge(f"frame of {len(payload)} bytes exceeds {MAX_FRAME}")
    return bytes((START1, START2, len(payload) >> 8, len(payload) & 0xFF)) + payload


class FrameDecoder:
    """Feed it bytes as they arrive; it returns the complete frame payloads found so far."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.dropped_bytes = 0  # garbage skipped while hunting for a header
        self.oversize_frames = 0

    def feed(self, data: bytes) -> list[bytes]:
        self._buf.extend(data)
        frames: list[bytes] = []
        buf = self._buf
        while True:
            start = buf.find(bytes((START1, START2)))
            if start < 0:
                # keep a trailing START1: its START2 may be in the next read
                keep = 1 if buf and buf[-1] == START1 else 0
                self.dropped_bytes += len(buf) - keep
                del buf[: len(buf) - keep]
                break
            if start:
                self.dropped_bytes += start
                del buf[:start]
            if len(buf) < HEADER_LEN:
                break
            length = (buf[2] << 8) | buf[3]
            if length > MAX_FRAME:
                self.oversize_frames += 1
                del buf[:2]  # not a real header; hunt again from the next byte
                continue
            if len(buf) < HEADER_LEN + length:
                break
            frames.append(bytes(buf[HEADER_LEN : HEADER_LEN + length]))
            del buf[: HEADER_LEN + length]
        return frames
