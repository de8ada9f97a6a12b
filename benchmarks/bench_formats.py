"""Issue 24 on a simulated mesh: what format 3 (the context coder, bundles) saves on air.

Five NSPs and a CP on one simulated mesh run for six virtual hours: every 20 minutes each NSP
types a sitrep and a supply request at once (hand-written texts of the stress set), every site
beacons every 5 minutes (its log head, and with it `Status.reads`, in every fourth beacon, as
the daemon does). The CP is off the air from hour 2 to hour 3, so reports queue and their
retries meet, which is when bundles form. The same run (same seed,
same messages) is measured with every site configured as a release from before format 3
(formats {2}, the reference) and with every site reading format 3. Printed: transmissions,
bytes on air (LoRa payloads), airtime and deliveries, and the ratios. Asserts nothing.
"""

from __future__ import annotations

from benchmarks.codec_corpus.stress import stress_set
from nsplink.protocol import (
    ALL_CPS,
    EVERYONE,
    FORMAT_VERSION,
    HEAD_EVERY,
    DeliveryState,
    EngineConfig,
    Outcome,
    Power,
    Priority,
    Sitrep,
    Status,
    Supply,
    Transmit,
    beacon_head,
)
from nsplink.radio.sim import Medium
from nsplink.scenario.network import SimNetwork, SimSite

HOURS = 6
NSPS = 5
REPORT_EVERY_S = 1200
BEACON_EVERY_S = 300


def run(formats: frozenset[int] | None) -> dict[str, float]:
    texts = [b for b in stress_set() if isinstance(b, Sitrep | Supply)]
    sitreps = [b for b in texts if isinstance(b, Sitrep)]
    supplies = [b for b in texts if isinstance(b, Supply)]
    medium = Medium(seed=11)
    net = SimNetwork(medium, seed=11)
    names = ["cp"] + [f"nsp-{i}" for i in range(NSPS)]
    for i, name in enumerate(names):
        role = "cp" if name == "cp" else "nsp"
        cfg = EngineConfig(role=role, formats=formats) if formats else None
        net.add_site(name, role, 0x200 + i, position=(300.0 * i, 0.0), config=cfg)
    tally = {
        "tx": 0.0,
        "bytes": 0.0,
        "airtime_s": 0.0,
        "delivered": 0.0,
        "messages": 0.0,
        "bundles": 0.0,
        "carried": 0.0,  # messages on air: one per frame, plus a bundle's riders
    }

    def observe(site: SimSite, effect: object, now: float) -> None:
        if isinstance(effect, Transmit):
            tally["tx"] += 1
            tally["bundles"] += bool(effect.riders)
            tally["carried"] += 1 + len(effect.riders)
            tally["bytes"] += len(effect.frame)
            tally["airtime_s"] += effect.airtime_ms / 1000
        elif isinstance(effect, Outcome) and effect.state is DeliveryState.DELIVERED:
            tally["delivered"] += 1

    net.observers.append(observe)
    beacons = dict.fromkeys(names, 0)
    t = 0
    while t < HOURS * 3600:
        if t == 2 * 3600:
            medium.power_off(0x200)
        if t == 3 * 3600:
            medium.power_on(0x200)
        if t % BEACON_EVERY_S == 0:
            for name in names:
                if name == "cp" and 2 * 3600 <= t < 3 * 3600:
                    continue  # switched off: no beacons either
                site = net.sites[name]
                head = beacon_head(beacons[name], beacons[name] * 7, bytes(32))
                body = Status(Power.AGG, 100, 12, site.engine.backlog(), head=head)
                beacons[name] += 1
                net._apply(site, site.engine.send_message(body, EVERYONE, Priority.P4, net.now))
        if t % REPORT_EVERY_S == 0:
            for i in range(NSPS):
                n = int(tally["messages"]) // 2
                net.submit(f"nsp-{i}", sitreps[n % len(sitreps)], ALL_CPS)
                net.submit(f"nsp-{i}", supplies[n % len(supplies)], ALL_CPS)
                tally["messages"] += 2
        t += 60
        net.run_until(t)
    net.run_for(1800)
    return tally


def main() -> None:
    old = run(frozenset({FORMAT_VERSION}))
    new = run(None)
    print(f"   {NSPS} NSPs + 1 CP, {HOURS} virtual hours, a sitrep and a supply request per NSP"
          f" every {REPORT_EVERY_S // 60} min, beacons every {BEACON_EVERY_S // 60} min"
          f" (reads announced in every {HEAD_EVERY}th)")  # fmt: skip
    print(f"   {'':<28}{'format 2 only':>14}{'format 3':>10}{'ratio':>7}")
    rows = (("tx", "transmissions (all sites)"), ("bytes", "frame bytes on air"),
            ("airtime_s", "airtime (s)"), ("messages", "reports typed"),
            ("delivered", "delivered (outcomes)"), ("bundles", "bundles sent"),
            ("carried", "messages on air"))  # fmt: skip
    for key, label in rows:
        ratio = f"{new[key] / old[key]:7.2f}" if old[key] else "      -"
        print(f"   {label:<28}{old[key]:>14.0f}{new[key]:>10.0f}{ratio}")
    # every transmission carries one signature: per message sent, what a bundle shares
    per_old, per_new = (t["bytes"] / t["carried"] for t in (old, new))
    print(f"   {'frame bytes per message':<28}{per_old:>14.1f}{per_new:>10.1f}"
          f"{per_new / per_old:7.2f}   (receipts and beacons included)")  # fmt: skip


if __name__ == "__main__":
    main()
