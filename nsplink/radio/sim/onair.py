"""What is on the air at each receiver, in arrays the medium reads once per transmission.

A transmission reaches a hundred nodes or more, and most of them can only be interfered with: the
signal is too faint to decode or sense. Looking at each of those nodes in Python cost most of a
large simulation, so the medium classifies a transmission's signals in bulk (numpy), and this
module keeps, per node slot (a node's place in the medium, in the order nodes were added):

- `deaf`: the node is transmitting, or off, or its radio is: it hears nothing.
- `floor`: no reception in the node's `active_rx` is weaker than this (+inf when it has none).
  It may be lower than the weakest one still there (removals only raise it when the list empties),
  so it can only send the medium to look at a node for nothing, never let it skip one.
- the interferer tally: per node up to `width` faint signals (RSSI, end time, transmission serial).
  An entry counts while its transmission is on the air: end > now (aborted ones get end -inf).
  A new entry takes the slot that ended first; when that one is still on the air the tally widens.

The medium decides capture and collision from these exactly as it did from per-node lists.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]
NEVER = -np.inf


class OnAir:
    __slots__ = ("deaf", "floor", "itf_end", "itf_rssi", "itf_serial")

    def __init__(self, nodes: int = 0, width: int = 8) -> None:
        self.deaf = np.zeros(nodes, dtype=bool)
        self.floor = np.full(nodes, np.inf)
        self.itf_rssi = np.full((nodes, width), NEVER)
        self.itf_end = np.full((nodes, width), NEVER)
        self.itf_serial = np.zeros((nodes, width), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.deaf)

    def grow(self, nodes: int) -> None:
        """Room for `nodes` slots; the existing slots keep what they hold."""
        extra = nodes - len(self.deaf)
        if extra <= 0:
            return
        width = self.itf_end.shape[1]
        self.deaf = np.concatenate([self.deaf, np.zeros(extra, dtype=bool)])
        self.floor = np.concatenate([self.floor, np.full(extra, np.inf)])
        self.itf_rssi = np.vstack([self.itf_rssi, np.full((extra, width), NEVER)])
        self.itf_end = np.vstack([self.itf_end, np.full((extra, width), NEVER)])
        self.itf_serial = np.vstack([self.itf_serial, np.zeros((extra, width), dtype=np.int64)])

    def clear(self, slot: int) -> None:
        """The node lost power or radio: nothing it was receiving or sensing counts any more."""
        self.floor[slot] = np.inf
        self.itf_end[slot] = NEVER

    def remember(self, slots: Ints, rssi: Floats, end: float, serial: int, now: float) -> None:
        """Faint signals of one transmission (ending at `end`) at `slots`, one per slot."""
        if not len(slots):
            return
        while True:
            ends = self.itf_end[slots]
            if ends.min(axis=1).max() <= now:  # every slot has an entry that ended: reuse it
                break
            self._widen()
        col = ends.argmin(axis=1)
        self.itf_rssi[slots, col] = rssi
        self.itf_end[slots, col] = end
        self.itf_serial[slots, col] = serial

    def strongest(self, slots: Ints, now: float) -> Floats:
        """Per slot, the strongest faint signal still on the air there (-inf: none)."""
        live = self.itf_end[slots] > now
        out: Floats = np.where(live, self.itf_rssi[slots], NEVER).max(axis=1, initial=NEVER)
        return out

    def forget(self, serial: int) -> None:
        """A transmission stopped mid-air: its faint signals end now."""
        self.itf_end[self.itf_serial == serial] = NEVER

    def _widen(self) -> None:
        n, width = self.itf_end.shape
        self.itf_rssi = np.hstack([self.itf_rssi, np.full((n, width), NEVER)])
        self.itf_end = np.hstack([self.itf_end, np.full((n, width), NEVER)])
        self.itf_serial = np.hstack([self.itf_serial, np.zeros((n, width), dtype=np.int64)])
