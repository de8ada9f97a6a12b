"""`generate --mute-covered` on a country: the quiet NSP radios found region by region (each
region its own mesh, at its own preset) against the reference measured in the same run, every
pair of the country's sites at once at one preset (the rule before regions went one by one).

    NSPLINK_BENCH_REGIONS=25 NSPLINK_BENCH_NSPS=60 python -m benchmarks bench_mute
"""

from __future__ import annotations

import time

from benchmarks.envargs import env_int
from nsplink.scenario.generate import RegionSpec, generate
from nsplink.scenario.plan import MUTE_MARGIN_DB, _mutable_region, mutable_nsps
from nsplink.scenario.schema import parse_scenario


def main() -> None:
    regions = env_int("NSPLINK_BENCH_REGIONS", 25)
    nsps = env_int("NSPLINK_BENCH_NSPS", 60)
    sc = parse_scenario(generate([RegionSpec(nsps=nsps)] * regions, seed=1, hours=24))
    t0 = time.process_time()
    by_region = mutable_nsps(sc, own_preset=True)
    t_region = time.process_time() - t0
    t0 = time.process_time()
    all_pairs = tuple(sorted(_mutable_region(sc, MUTE_MARGIN_DB, sc.preset)))
    t_pairs = time.process_time() - t0
    print(f"country: {regions} regions x {nsps} NSPs, {len(sc.sites)} sites, one preset")
    print(f"  region by region: {t_region:7.2f} s CPU, {len(by_region)} quiet radios")
    print(f"  all pairs at once: {t_pairs:7.2f} s CPU, {len(all_pairs)} quiet radios (reference)")
    print(
        f"  ratio {t_pairs / max(t_region, 1e-9):.1f}x; the same radios: {by_region == all_pairs}"
    )


if __name__ == "__main__":
    main()
