"""The firmware's airtime ledgers (src/airtime.cpp), sans-IO: time comes in as seconds.

- `DutyCycleLedger`: this node's own transmissions (relays included) in 60 one-minute buckets;
  the rolling hour is the current minute plus the 59 before it. `Router::send` refuses every packet
  once the hour's share is *above* the duty cycle (10 % in EU_868), so the last packet before the
  wall may overshoot it. The daemon's scheduler uses `time_until_allowed` to stay below the wall.
- `ChannelUtilization`: all airtime heard or sent, 6 buckets of 10 s; sizes the contention window.

Bucket boundaries count from `boot_s` (the firmware counts seconds since boot). A time earlier than
the newest bucket already used is booked into that newest bucket: with a clock that jumps back we
overcount a little rather than forget airtime.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

MS_PER_HOUR = 3_600_000.0
POLITE_DUTY_CYCLE_PCT = 50  # airtime.h polite_duty_cycle_percent: half the duty cycle


class RollingWindow:
    """`n_buckets` buckets of `bucket_s` seconds; a bucket is emptied when its slot comes round.

    The window is the bucket holding the newest time seen plus the `n - 1` before it. The sum is
    kept up to date so a query costs O(1) except when the window moves (at most `n` steps).
    """

    __slots__ = ("_amounts", "_boot_s", "_bucket_s", "_latest", "_n", "_sum")

    def __init__(self, bucket_s: float, n_buckets: int, boot_s: float = 0.0) -> None:
        if bucket_s <= 0 or n_buckets <= 0:
            raise ValueError("bucket_s and n_buckets must be positive")
        self._bucket_s = bucket_s
        self._n = n_buckets
        self._boot_s = boot_s
        self._amounts = [0.0] * n_buckets
        self._latest = -1  # the bucket before boot: nothing booked yet
        self._sum = 0.0

    def _advance(self, now_s: float) -> int:
        idx = math.floor((now_s - self._boot_s) / self._bucket_s)
        if idx > self._latest:
            self._move_to(idx)
        return self._latest

    def _move_to(self, idx: int) -> None:
        """The window now ends with bucket `idx` (later than the newest): empty those passed."""
        latest = self._latest
        n = self._n
        amounts = self._amounts
        if idx - latest >= n:
            for i in range(n):
                amounts[i] = 0.0
        else:
            for k in range(latest + 1, idx + 1):
                amounts[k % n] = 0.0
        self._sum = sum(amounts)  # exact again, no drift from repeated subtraction
        self._latest = idx

    def add(self, now_s: float, amount: float) -> None:
        if not amount >= 0:  # also refuses NaN
            raise ValueError(f"airtime must be a non-negative number, got {amount!r}")
        # `_advance` inline: a simulated node books every frame it hears (millions a run)
        idx = math.floor((now_s - self._boot_s) / self._bucket_s)
        latest = self._latest
        if idx > latest:
            self._move_to(idx)
            latest = idx
        self._amounts[latest % self._n] += amount
        self._sum += amount

    def total(self, now_s: float) -> float:
        """Sum of the window that ends with the bucket holding `now_s` (or the newest bucket
        booked, if that is later)."""
        if math.floor((now_s - self._boot_s) / self._bucket_s) > self._latest:
            self._advance(now_s)
        return self._sum

    def bucket_amounts(self, now_s: float) -> list[float]:
        """The window's buckets, oldest first (index 0 is `n - 1` buckets before the newest)."""
        idx = self._advance(now_s)
        n = self._n
        return [self._amounts[(idx - n + 1 + i) % n] for i in range(n)]

    def expiries(self, now_s: float) -> list[tuple[float, float]]:
        """(time in seconds, amount) at which each non-empty bucket leaves the window, oldest
        first: bucket i leaves when bucket i + n starts."""
        return list(self.expiries_from(now_s))

    def expiries_from(self, now_s: float) -> Iterator[tuple[float, float]]:
        """`expiries`, one at a time: a planner waiting for room stops at the first that
        makes enough (it asks at every deadline while the hour is full)."""
        idx = self._advance(now_s)
        n = self._n
        amounts = self._amounts
        for bucket in range(idx - n + 1, idx + 1):
            amount = amounts[bucket % n]
            if amount:
                yield (self._boot_s + (bucket + n) * self._bucket_s, amount)


class DutyCycleLedger:
    """Own TX airtime in a rolling hour, and the firmware's `DUTY_CYCLE_LIMIT` gate on it."""

    __slots__ = ("_window", "duty_pct")

    def __init__(self, duty_pct: float = 10.0, *, boot_s: float = 0.0) -> None:
        if not 0 < duty_pct <= 100:
            raise ValueError(f"duty cycle {duty_pct} % not in (0, 100]")
        self.duty_pct = duty_pct
        self._window = RollingWindow(60.0, 60, boot_s)

    @property
    def budget_ms(self) -> float:
        return MS_PER_HOUR * self.duty_pct / 100.0

    def record(self, now_s: float, airtime_ms: float) -> None:
        """Book one transmission (the firmware books its truncated ms at the start of TX)."""
        self._window.add(now_s, airtime_ms)

    def used_ms(self, now_s: float) -> float:
        return self._window.total(now_s)

    def utilization_pct(self, now_s: float) -> float:
        return self.used_ms(now_s) / MS_PER_HOUR * 100.0

    def headroom_ms(self, now_s: float) -> float:
        """Airtime still allowed this hour before the gate closes (may be negative)."""
        return self.budget_ms - self.used_ms(now_s)

    def allowed(self, now_s: float) -> bool:
        """Router::send's gate: refused only while the hour's share is above the duty cycle."""
        return self.duty_pct >= 100 or self.utilization_pct(now_s) <= self.duty_pct

    def polite_allowed(self, now_s: float) -> bool:
        """isTxAllowedAirUtil: below half the duty cycle (what telemetry and NodeInfo obey)."""
        if self.duty_pct >= 100:
            return True
        return self.utilization_pct(now_s) < self.duty_pct * POLITE_DUTY_CYCLE_PCT / 100

    def silent_minutes(self, now_s: float) -> int:
        """getSilentMinutes: whole minutes until the gate opens again (0 when it is open)."""
        if self.allowed(now_s):
            return 0
        pct = self.utilization_pct(now_s)
        buckets = self._window.bucket_amounts(now_s)
        for i, amount in enumerate(buckets):  # oldest first
            pct -= amount / MS_PER_HOUR * 100.0
            if pct <= self.duty_pct:
                return i + 1
        return 60

    def time_until_allowed(self, now_s: float, airtime_ms: float = 0.0) -> float:
        """Seconds from `now_s` until a packet of `airtime_ms` can go and the hour stays within
        the duty cycle afterwards (stricter than the firmware's gate, which lets the last
        packet overshoot). `math.inf` if the packet alone is larger than the budget."""
        if self.duty_pct >= 100:
            return 0.0
        return self.time_until_fits(now_s, airtime_ms, self.budget_ms)

    def time_until_fits(self, now_s: float, airtime_ms: float, limit_ms: float) -> float:
        """Seconds until the hour's airtime plus `airtime_ms` is at most `limit_ms` (a planner's
        own share of the budget, say); `math.inf` if it never can be."""
        if airtime_ms > limit_ms:
            return math.inf
        used = self.used_ms(now_s)
        if used + airtime_ms <= limit_ms:
            return 0.0
        for t, amount in self._window.expiries_from(now_s):
            used -= amount
            if used + airtime_ms <= limit_ms:
                return max(0.0, t - now_s)
        return math.inf  # unreachable: once every bucket has expired used is 0

    def expiries(self, now_s: float) -> list[tuple[float, float]]:
        """(time in seconds, ms) at which each booked minute leaves the rolling hour, oldest
        first."""
        return self._window.expiries(now_s)


class ChannelUtilization:
    """All airtime on the channel (own TX and everything received) over 60 s in 10 s buckets."""

    __slots__ = ("_busy_until", "_window")

    def __init__(self, *, boot_s: float = 0.0) -> None:
        self._window = RollingWindow(10.0, 6, boot_s)
        self._busy_until = -math.inf

    def record(self, now_s: float, airtime_ms: float) -> None:
        self._window.add(now_s, airtime_ms)

    def record_on_air(self, start_s: float, end_s: float, *, at_s: float) -> None:
        """A frame on air from `start_s` to `end_s`, booked at `at_s` (the firmware books a
        transmission when it starts, a reception when it ends). The radio is busy with one
        frame at a time: time already booked for a frame that overlaps this one is not booked
        again, so the figure stays a share of the minute (at most 100 %) as a device reports
        it, however many frames a simulated receiver senses at once."""
        busy = self._busy_until  # max() spelt out: called for every frame a node hears
        new_ms = (end_s - (busy if busy > start_s else start_s)) * 1000.0
        if end_s > busy:
            self._busy_until = end_s
        if new_ms > 0:
            self._window.add(at_s, new_ms)

    def percent(self, now_s: float) -> float:
        return self._window.total(now_s) / 60_000.0 * 100.0
