"""Synthesise the console's P1 alert (nsplink/console/static/p1.wav): two short tones, 8 kHz,
8 bit, under 6 kB, made here so the package carries no sound of unknown origin.

Run `python -m nsplink.devtools.sound` to write it again; tests check the committed file is what
this makes.
"""

from __future__ import annotations

import io
import math
import wave
from pathlib import Path

RATE = 8000
TARGET = Path(__file__).resolve().parents[1] / "console" / "static" / "p1.wav"


def alert_wav() -> bytes:
    frames = bytearray()
    for freq in (988.0, 1319.0, 988.0, 1319.0):  # B5 and E6, as a two-tone alert
        n = int(RATE * 0.15)
        for i in range(n):
            fade = min(1.0, i / 80, (n - i) / 80)  # no clicks at the edges
            frames.append(128 + int(100 * fade * math.sin(2 * math.pi * freq * i / RATE)))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    return buf.getvalue()


def main() -> None:
    TARGET.write_bytes(alert_wav())


if __name__ == "__main__":
    main()
