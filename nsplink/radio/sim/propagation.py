"""Link budget for the simulated medium: log-distance path loss with per-link shadowing.

Numbers: thermal noise -174 dBm/Hz + 10·log10(BW) + receiver noise figure; the SNR a LoRa
demodulator needs per spreading factor (Semtech SX1276/SX1262 datasheets: SF7 -7.5 dB ... SF12
-20 dB); free-space loss at 1 m as the log-distance reference. Shadowing is one Gaussian draw per
unordered node pair, seeded from (seed, pair) so it does not depend on the order nodes are added.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from statistics import NormalDist

from nsplink.lora.airtime import ModemParams

EU868_FREQ_HZ = 869_525_000.0  # channel centre in EU_868 (docs/radio.md §1)
SPEED_OF_LIGHT = 299_792_458.0

# required demodulation SNR (dB) per spreading factor
REQUIRED_SNR_DB: dict[int, float] = {
    5: -2.5,
    6: -5.0,
    7: -7.5,
    8: -10.0,
    9: -12.5,
    10: -15.0,
    11: -17.5,
    12: -20.0,
}

# Standard-normal quantiles at 4096 equal-probability midpoints: a fading draw is one
# getrandbits(12) lookup, several times cheaper than random.gauss and just as deterministic.
FADE_BITS = 12
FADE_TABLE: tuple[float, ...] = tuple(
    NormalDist().inv_cdf((i + 0.5) / (1 << FADE_BITS)) for i in range(1 << FADE_BITS)
)
# random.gauss is Box-Muller: |z| <= sqrt(-2 ln 2^-53) = 8.5717 because random() < 1 - 2^-53.
# A pair whose budget misses the reach by more than this many sigmas can never be in reach,
# whatever its shadowing draw: the neighbour search may skip it without drawing.
GAUSS_BOUND = 8.6


@dataclass(frozen=True)
class Propagation:
    path_loss_exponent: float = 3.3  # 2 = free space; 2.7-3.5 suburban/urban at ground level
    shadowing_db: float = 6.0  # sigma of the per-link log-normal shadowing
    fading_db: float = 2.0  # sigma of the per-packet variation around the link mean
    noise_figure_db: float = 6.0
    capture_db: float = 6.0  # a reception survives an overlap when this much stronger
    freq_hz: float = EU868_FREQ_HZ
    # radio horizon: no signal at all between positions further apart (None: no limit). Bounds
    # the neighbour search, and keeps regions of a country scenario out of each other's air.
    horizon_m: float | None = None

    def reference_loss_db(self) -> float:
        """Free-space path loss at 1 m."""
        return 20 * math.log10(4 * math.pi * self.freq_hz / SPEED_OF_LIGHT)

    def max_shadowing_db(self) -> float:
        """The largest shadowing `shadowing()` can return, in either direction."""
        return max(self.shadowing_db, 0.0) * GAUSS_BOUND

    def range_m(self, budget_db: float) -> float:
        """The distance at which path loss reaches `budget_db` (inf if it never does)."""
        if self.path_loss_exponent <= 0:
            return math.inf
        exp = (budget_db - self.reference_loss_db()) / (10 * self.path_loss_exponent)
        return 10**exp if exp < 300 else math.inf

    def path_loss_db(self, distance_m: float) -> float:
        d = max(distance_m, 1.0)
        return self.reference_loss_db() + 10 * self.path_loss_exponent * math.log10(d)

    def shadowing(self, seed: int, a: int, b: int) -> float:
        if self.shadowing_db <= 0:
            return 0.0
        lo, hi = (a, b) if a <= b else (b, a)
        return random.Random(f"{seed}:shadow:{lo}:{hi}").gauss(0.0, self.shadowing_db)


def noise_floor_dbm(params: ModemParams, noise_figure_db: float) -> float:
    return -174.0 + 10 * math.log10(params.bw_hz) + noise_figure_db


def required_snr_db(params: ModemParams) -> float:
    return REQUIRED_SNR_DB[params.sf]


def sensitivity_dbm(params: ModemParams, noise_figure_db: float) -> float:
    """Weakest signal the receiver can demodulate (LONG_FAST: about -131.5 dBm)."""
    return noise_floor_dbm(params, noise_figure_db) + required_snr_db(params)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])
