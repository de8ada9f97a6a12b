"""Our own airtime plan: when may the next frame go to the device?

The firmware refuses every send once its rolling hour passes the duty cycle (EU_868: 10 %), and
then an emergency report waits with everything else. So the daemon keeps its own ledger of what
it handed over and plans below that wall:

- routine traffic may use `routine_share` of the hourly budget; the rest is a reserve that only
  P1 traffic may spend, so an emergency report goes out within seconds even when hundreds of
  routine messages wait;
- hand-offs are paced by airtime so the device queue stays short: a frame handed now goes on the
  air after at most one frame already in the device, so a later emergency overtakes the backlog;
- `DUTY_CYCLE_LIMIT` or a full queue from the device (it also spends its budget on relaying, which
  we cannot see) blocks hand-offs for a while: back-pressure, never a lost frame.
"""

from __future__ import annotations

import math

from nsplink.protocol.airtime import ModemParams, packet_airtime_ms, slot_time_ms, tx_delay_window
from nsplink.protocol.dutycycle import DutyCycleLedger


class AirtimePlanner:
    def __init__(
        self,
        modem: ModemParams,
        *,
        duty_pct: float = 10.0,
        routine_share: float = 0.85,
        lead_frames: float = 1.0,
        boot_s: float = 0.0,
    ) -> None:
        if not 0 < routine_share <= 1:
            raise ValueError("routine_share must be in (0, 1]")
        self.modem = modem
        self.ledger = DutyCycleLedger(duty_pct, boot_s=boot_s)
        self.routine_share = routine_share
        self.lead_frames = lead_frames
        self.channel_free_at = -math.inf  # when the device should be done with what we handed
        self.blocked_until = -math.inf  # device back-pressure
        # mean contention delay before the device transmits (half the CW at idle channel)
        self._mean_tx_delay_s = tx_delay_window(0.0) * slot_time_ms(modem) / 2000.0

    def airtime_ms(self, frame_len: int) -> float:
        return packet_airtime_ms(frame_len, self.modem)

    def limit_ms(self, urgent: bool) -> float:
        return self.ledger.budget_ms * (1.0 if urgent else self.routine_share)

    def earliest(self, now: float, airtime_ms: float, *, urgent: bool) -> float:
        """The earliest time (>= now) at which a frame of `airtime_ms` may be handed over."""
        t = max(now, self.blocked_until)
        lead = self.lead_frames * airtime_ms / 1000.0
        t = max(t, self.channel_free_at - lead)
        return max(t, now + self._wait_for_budget(now, airtime_ms, self.limit_ms(urgent)))

    def _wait_for_budget(self, now: float, airtime_ms: float, limit_ms: float) -> float:
        if airtime_ms > limit_ms:
            return math.inf
        excess = self.ledger.used_ms(now) + airtime_ms - limit_ms
        if excess <= 0:
            return 0.0
        for when, amount in self.ledger._window.expiries(now):  # oldest first
            excess -= amount
            if excess <= 0:
                return max(0.0, when - now)
        return 3600.0

    def record(self, now: float, airtime_ms: float) -> None:
        """A frame was handed over: book it and move the channel estimate on."""
        self.ledger.record(now, airtime_ms)
        start = max(now, self.channel_free_at)
        self.channel_free_at = start + self._mean_tx_delay_s + airtime_ms / 1000.0

    def record_extra(self, now: float, airtime_ms: float) -> None:
        """Airtime the device spent on its own retransmissions of a frame we handed over."""
        self.ledger.record(now, airtime_ms)

    def block(self, until: float) -> None:
        self.blocked_until = max(self.blocked_until, until)

    def used_ms(self, now: float) -> float:
        return self.ledger.used_ms(now)
