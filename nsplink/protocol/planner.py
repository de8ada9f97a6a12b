"""Our own airtime plan: when may the next frame go to the device?

The firmware refuses every send once its rolling hour passes the duty cycle (EU_868: 10 %), and
then an emergency report waits with everything else. So the daemon keeps its own ledger of what
it handed over and plans below that wall:

- routine traffic may use `routine_share` of the hourly budget; the rest is a reserve that only
  P1 traffic may spend, so an emergency report goes out within seconds even when hundreds of
  routine messages wait;
- hand-offs are paced by airtime so the device queue stays short: a frame handed now goes on the
  air after at most one frame already in the device, so a later emergency overtakes the backlog;
- routine traffic is spread over the hour by a token bucket (the hourly share as a steady rate,
  with a small burst): a burst that fills the channel for minutes leaves the neighbours no gap to
  send receipts or relay, and every missed receipt costs a retry;
- after a frame that relays repeat, the next waits until the second relay's repeat is over:
  we cannot hear that relay, but the first relay can, so a frame of ours on air then collides
  at the first relay (the hidden terminal of a chain; in bench_delivery most lost emergency
  frames were lost this way, docs/congestion.md);
- that rate adapts to what the mesh can carry (AIMD, as TCP does): a routine message whose
  receipt did not come back in time cuts the rate by 30 %, each delivery adds a
  little back. Relays spend their own 10 % on everything they repeat and drop what exceeds it,
  so a sender that keeps its full share on a multi-hop path would starve everyone's
  emergencies at the relay;
- the device's own measurements (its DeviceMetrics, every minute) gate the channel as the
  firmware gates its own chatter: above 25 % channel utilisation routine traffic (P3, P4) waits,
  above 40 % everything but urgent traffic (emergencies, P1 and their receipts) waits; a report
  older than three minutes gates nothing. The device's airtime of the hour (airUtilTx) includes
  what it relayed and retransmitted, which our ledger cannot see: that difference is taken off
  the routine share (never the emergency reserve) until the next report;
- `DUTY_CYCLE_LIMIT` or a full queue from the device (it also spends its budget on relaying, which
  we cannot see) blocks hand-offs for a while: back-pressure, never a lost frame.
"""

from __future__ import annotations

import math

from nsplink.lora.airtime import (
    ModemParams,
    packet_airtime_ms,
    rebroadcast_delay_range_ms,
    slot_time_ms,
    tx_delay_window,
)
from nsplink.lora.dutycycle import MS_PER_HOUR, DutyCycleLedger

# repeats of our frame that can still collide with our next one at the first relay: its own
# (we hear it, the device waits) and the next hop's (hidden from us)
HIDDEN_REPEATS = 2
POLITE_CHANNEL_UTIL_PCT = 25.0  # firmware airtime.h polite_channel_util_percent
MAX_CHANNEL_UTIL_PCT = 40.0  # max_channel_util_percent
CHANNEL_REPORT_STALE_S = 180.0  # the device reports every 60 s: three missed, the figure is old


class AirtimePlanner:
    def __init__(
        self,
        modem: ModemParams,
        *,
        duty_pct: float = 10.0,
        routine_share: float = 0.85,
        lead_frames: float = 1.0,
        burst_share: float = 0.1,
        boot_s: float = 0.0,
    ) -> None:
        if not 0 < routine_share <= 1:
            raise ValueError("routine_share must be in (0, 1]")
        self.modem = modem
        self._airtimes: dict[int, float] = {}  # frame length -> airtime_ms
        self.ledger = DutyCycleLedger(duty_pct, boot_s=boot_s)
        self.routine_share = routine_share
        self.lead_frames = lead_frames
        self.channel_free_at = -math.inf  # when the device should be done with what we handed
        self.blocked_until = -math.inf  # device back-pressure
        # mean contention delay before the device transmits (half the CW at idle channel)
        self._mean_tx_delay_s = tx_delay_window(0.0) * slot_time_ms(modem) / 2000.0
        lo, hi = rebroadcast_delay_range_ms(modem, 0.0, router=False)
        self.flood_delay_s = (lo + hi) / 2000.0  # mean wait of a node before it repeats
        self.quiet_at = -math.inf  # when the relays' repeats of our last frame should be over
        # token bucket for routine airtime, in ms: fills at the routine share of the duty cycle
        self._rate_ms_per_s = self.limit_ms(urgent=False) / 3600.0
        self._bucket_cap = max(self.limit_ms(urgent=False) * burst_share, 2500.0)
        self._bucket = self._bucket_cap
        self._bucket_at = boot_s
        self.rate_factor = 1.0  # AIMD share of the routine rate the mesh is carrying now
        self._last_cut = -math.inf
        # the device's last report: channel utilisation and airtime we did not book ourselves
        self.channel_util_pct = 0.0
        self.unseen_ms = 0.0
        self._report_at = -math.inf

    def airtime_ms(self, frame_len: int) -> float:
        # asked at every deadline and pump, for the few frame lengths a site sends
        airtime = self._airtimes.get(frame_len)
        if airtime is None:
            airtime = self._airtimes[frame_len] = packet_airtime_ms(frame_len, self.modem)
        return airtime

    def limit_ms(self, urgent: bool, now: float | None = None) -> float:
        """Our share of the hour's airtime. At `now`, routine traffic's share less what the
        device spent that we did not hand it (its relays and retransmissions, from its last
        report): relaying for others takes from our routine traffic, never from the reserve."""
        if urgent:
            return self.ledger.budget_ms
        unseen = self.unseen_ms if now is not None and self._fresh_report(now) else 0.0
        return max(0.0, self.ledger.budget_ms * self.routine_share - unseen)

    def earliest(
        self, now: float, airtime_ms: float, *, urgent: bool, routine: bool = False
    ) -> float:
        """The earliest time (>= now) at which a frame of `airtime_ms` may be handed over.
        `routine`: P3/P4, the first to wait on a busy channel."""
        t = max(now, self.blocked_until, self._channel_gate(now, urgent, routine))
        lead = self.lead_frames * airtime_ms / 1000.0
        t = max(t, self.channel_free_at - lead, self.quiet_at)
        if not urgent:
            t = max(t, now + self._wait_for_tokens(now, airtime_ms))
        return max(t, now + self._wait_for_budget(now, airtime_ms, self.limit_ms(urgent, now)))

    def _tokens(self, now: float) -> float:
        refill = (now - self._bucket_at) * self._rate_ms_per_s * self.rate_factor
        return min(self._bucket_cap, self._bucket + refill)

    def _wait_for_tokens(self, now: float, airtime_ms: float) -> float:
        missing = min(airtime_ms, self._bucket_cap) - self._tokens(now)
        return 0.0 if missing <= 0 else missing / (self._rate_ms_per_s * self.rate_factor)

    def on_loss(self, now: float) -> None:
        """A routine message went unreceipted past its retry time: the path is congested.
        One cut per 30 s, so a burst of timeouts from one congestion event counts once."""
        if now - self._last_cut >= 30.0:
            self._last_cut = now
            self.rate_factor = max(0.05, self.rate_factor * 0.7)

    def on_delivery(self) -> None:
        self.rate_factor = min(1.0, self.rate_factor + 0.02)

    def on_channel(self, now: float, channel_util_pct: float, air_util_tx_pct: float) -> None:
        """The device's DeviceMetrics: channel utilisation (60 s) and its airtime this hour."""
        self.channel_util_pct = channel_util_pct
        device_ms = air_util_tx_pct / 100.0 * MS_PER_HOUR
        self.unseen_ms = max(0.0, device_ms - self.ledger.used_ms(now))
        self._report_at = now

    def _fresh_report(self, now: float) -> bool:
        return now - self._report_at <= CHANNEL_REPORT_STALE_S

    def channel_busy(self, now: float, routine: bool) -> bool:
        """Whether the last report holds non-urgent traffic of this class now."""
        return self._channel_gate(now, False, routine) > now

    def _channel_gate(self, now: float, urgent: bool, routine: bool) -> float:
        """Until when a busy channel holds this class of traffic (`now`: not at all). The
        next report, or the report going stale, opens it again."""
        if urgent or not self._fresh_report(now):
            return now
        limit = POLITE_CHANNEL_UTIL_PCT if routine else MAX_CHANNEL_UTIL_PCT
        if self.channel_util_pct < limit:
            return now
        return self._report_at + CHANNEL_REPORT_STALE_S

    def _wait_for_budget(self, now: float, airtime_ms: float, limit_ms: float) -> float:
        return self.ledger.time_until_fits(now, airtime_ms, limit_ms)

    def record(self, now: float, airtime_ms: float, hop_limit: int = 0) -> None:
        """A frame was handed over: book it and move the channel estimate on. `hop_limit`:
        how many relays may repeat it, one after the other."""
        self.ledger.record(now, airtime_ms)
        # urgent frames may take it below zero, but by one burst at most: they share the
        # channel with routine traffic, yet must not hold it back for hours (a CP's urgent
        # receipts kept a bulletin of its own off the air for 34 hours, docs/congestion.md)
        self._bucket = max(-self._bucket_cap, self._tokens(now) - airtime_ms)
        self._bucket_at = now
        start = max(now, self.channel_free_at)
        self.channel_free_at = start + self._mean_tx_delay_s + airtime_ms / 1000.0
        repeats = min(hop_limit, HIDDEN_REPEATS)
        if repeats:  # a frame nobody repeats keeps the lead of one frame in the device
            repeat_s = repeats * (self.flood_delay_s + airtime_ms / 1000.0)
            self.quiet_at = self.channel_free_at + repeat_s

    def record_extra(self, now: float, airtime_ms: float) -> None:
        """Airtime the device spent on its own retransmissions of a frame we handed over."""
        self.ledger.record(now, airtime_ms)

    def block(self, until: float) -> None:
        self.blocked_until = max(self.blocked_until, until)

    def used_ms(self, now: float) -> float:
        return self.ledger.used_ms(now)
