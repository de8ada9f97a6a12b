"""The site engine's settings (role, radio, budgets, timers), shared by its parts."""

from __future__ import annotations

from dataclasses import dataclass, field

from nsplink.lora.airtime import ModemParams, preset
from nsplink.protocol.codec import READ_FORMATS


@dataclass(frozen=True)
class EngineConfig:
    role: str  # nsp | cp | relay
    modem: ModemParams = field(default_factory=lambda: preset("LONG_FAST"))
    duty_pct: float = 10.0
    routine_share: float = 0.85  # of the hourly budget; the rest is the emergency reserve
    hop_limit: int = 3
    receipt_delay_s: float = 30.0  # batching window for routine receipts (urgent: none)
    undelivered_after_s: float = 3600.0
    retry_cap_s: float = 1800.0
    urgent_retry_cap_s: float = 120.0
    urgent_fast_attempts: int = 10  # then an unanswered emergency retries every retry_cap_s / 3
    carry: bool = False  # take custody for destinations we cannot reach
    heard_fresh_s: float = 900.0  # a site heard this recently counts as reachable
    custody_max_forwards: int = 8
    custody_confirm_s: float = 60.0  # wait for the destination's own receipt before confirming
    seq_low_water: int = 8
    # frame formats this site reads and announces (capability.py); {2}: as a release from
    # before issue 24, for a mixed region during an upgrade and the tests of one
    formats: frozenset[int] = READ_FORMATS
