"""Delivery under the duty cycle (issue 7): goodput, emergency latency, idle daemon cost.

1. Goodput on a saturated single hop: an NSP with 3,000 sitreps queued next to a CP, two
   simulated hours; the second hour's delivered frames as a share of the physical limit (the
   frames that fit 10 % of an hour at this frame size). Reference in the same run: a naive
   sender that hands the device a frame whenever its queue has room and retries every 30 s.
2. Emergency latency over 3 hops with 300 routine messages waiting: typed -> at the CP and
   typed -> signed receipt back, p50/p95/max, against the bound 3 x (airtime of the frames on
   its path + the mean flood delays).
3. Idle cost of a real `nsplink daemon` process on the emulated mesh: CPU share and RSS over
   20 s, against a bare Python interpreter sleeping for the same time.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nsplink.lora.airtime import packet_airtime_ms, preset, rebroadcast_delay_range_ms
from nsplink.protocol import (
    ALL_CPS,
    Deliver,
    DeliveryState,
    Draft,
    Outcome,
    PeerKey,
    Priority,
    Sent,
    build_message,
)
from nsplink.radio.sim import Medium
from nsplink.radio.sim.events import ERR_NONE
from nsplink.scenario.network import SimNetwork
from tests.scenario.helpers import emergency, sitrep

LONG_FAST = preset("LONG_FAST")
EMERGENCIES = 80
SEEDS = (5, 6, 7, 1, 2, 3, 4, 8, 9, 10)  # the first three were the reference until issue 17


def goodput() -> None:
    medium = Medium(seed=21)
    net = SimNetwork(medium, seed=21)
    net.add_site("nsp", "nsp", 0x11)
    net.add_site("cp", "cp", 0x12)
    medium.set_link(0x11, 0x12, snr_db=6.0)
    delivered_at: dict[str, float] = {}
    frame_len: list[int] = []

    def observe(site, effect, now):  # type: ignore[no-untyped-def]
        if site.name == "cp" and isinstance(effect, Deliver) and not effect.duplicate:
            delivered_at[str(effect.msg.id)] = now - net.epoch
            frame_len.append(len(effect.msg.frame))

    net.observers.append(observe)
    for v in range(3000):
        net.submit("nsp", sitrep(v % 250), ALL_CPS, Priority.P3)
    net.run_until(7200)
    second_hour = sum(1 for t in delivered_at.values() if 3600 <= t < 7200)
    mean_len = statistics.mean(frame_len)
    limit = 360_000 / packet_airtime_ms(round(mean_len), LONG_FAST)
    print(
        f"goodput: {second_hour} sitreps delivered in hour 2 (frame {mean_len:.0f} B on our port)"
    )
    print(f"  physical limit at 10 % duty: {limit:.0f} frames/h")
    print(f"  nsplink goodput: {second_hour / limit:.1%} of the physical limit (target >= 80 %)")
    naive = _naive_goodput(round(mean_len))
    print(f"  reference, naive sender on the same medium: {naive / limit:.1%} of the limit")
    print(f"  ratio nsplink / naive: {second_hour / max(1, naive):.2f}")


def _naive_goodput(frame_len: int) -> int:
    """A sender that keeps the device queue full and resends unacked frames after 30 s."""
    medium = Medium(seed=21)
    a = medium.add_node(0x11)
    b = medium.add_node(0x12)
    medium.set_link(0x11, 0x12, snr_db=6.0)
    got: dict[bytes, float] = {}
    b.on_event = lambda ev: (
        got.setdefault(ev.payload, medium.now) if hasattr(ev, "payload") else None
    )
    pending: list[bytes] = [i.to_bytes(4, "big") + bytes(frame_len - 4) for i in range(6000)]
    sent_at: dict[bytes, float] = {}
    t = 0.0
    while t < 7200:
        for payload in list(pending[:4]):
            res = a.send(dest=0xFFFFFFFF, payload=payload, portnum=287, want_ack=True)
            if res.res != ERR_NONE:
                break
            pending.remove(payload)
            sent_at[payload] = t
        for payload, at in list(sent_at.items()):
            if payload in got:
                del sent_at[payload]
            elif t - at > 30:
                del sent_at[payload]
                pending.insert(0, payload)
        t += 2.0
        medium.advance_to(t)
    return sum(1 for v in got.values() if 3600 <= v < 7200)


def emergency_latency() -> None:
    """Pooled over ten seeds (issue 17): one seed's p95 is the 4th-worst of 80 and moves with any
    change of frame size (other collisions), which hid whether a change made things better or
    worse.
    The reports travel sealed to the CPs, at their real size; the same runs with the personal
    fields unsealed (as the simulator sent them before it used the one message builder) are
    printed beside them as the reference."""
    total = len(SEEDS) * EMERGENCIES
    pooled = {}
    for sealed in (True, False):
        lat: list[float] = []
        rtt: list[float] = []
        bound = 0.0
        per_seed = []
        for seed in SEEDS:
            one_lat, one_rtt, bound = _emergency_run(seed, sealed=sealed)
            per_seed.append(f"seed {seed}: p95 {_p95(one_lat):.1f} s, {len(one_lat)}/{EMERGENCIES}")
            lat += one_lat
            rtt += one_rtt
        lat.sort()
        rtt.sort()
        pooled[sealed] = (_p95(lat), bound)
        if not sealed:
            break
        print(
            f"emergency over 3 hops, 300 sitreps waiting: {len(lat)}/{total} at the CP"
            f" ({len(SEEDS)} seeds)"
        )
        p50, p95 = statistics.median(lat), _p95(lat)
        print(f"  typed -> CP: p50 {p50:.1f} s, p95 {p95:.1f} s, max {max(lat):.1f} s")
        print(
            f"  typed -> signed receipt: p50 {statistics.median(rtt):.1f} s, p95 {_p95(rtt):.1f} s"
        )
        print(f"  ({'; '.join(per_seed)})")
        print(f"  bound 3 x (airtime on the 3-hop path + flood delays) = {bound:.1f} s")
        print(f"  p95 / bound: {p95 / bound:.2f} (target <= 1)")
    (p95, bound), (ref_p95, ref_bound) = pooled[True], pooled[False]
    print(f"  reference, same runs with the report unsealed: p95 {ref_p95:.1f} s, "
          f"bound {ref_bound:.1f} s, p95 / bound {ref_p95 / ref_bound:.2f}; "
          f"sealed / unsealed p95: {p95 / ref_p95:.2f}")  # fmt: skip


def _emergency_run(seed: int, *, sealed: bool) -> tuple[list[float], list[float], float]:
    medium = Medium(seed=seed)
    net = SimNetwork(medium, seed=seed, seal=sealed)
    for i, (name, role) in enumerate(
        [("nsp", "nsp"), ("r1", "relay"), ("r2", "relay"), ("cp", "cp")]
    ):
        net.add_site(name, role, 0x21 + i, radio_role="ROUTER" if role == "relay" else "CLIENT")
    for i in range(3):
        medium.set_link(0x21 + i, 0x22 + i, snr_db=4.0)
    typed: dict[str, float] = {}
    at_cp: dict[str, float] = {}
    receipted: dict[str, float] = {}
    sizes: dict[str, int] = {}

    def observe(site, effect, now):  # type: ignore[no-untyped-def]
        if site.name == "cp" and isinstance(effect, Deliver):
            at_cp.setdefault(str(effect.msg.id), now)
        elif site.name == "nsp" and isinstance(effect, Outcome):
            if effect.state is DeliveryState.DELIVERED:
                receipted.setdefault(str(effect.mid), now)
        elif site.name == "nsp" and isinstance(effect, Sent):
            sizes.setdefault(str(effect.mid), 0)

    net.observers.append(observe)
    for v in range(300):
        net.submit("nsp", sitrep(v), ALL_CPS, Priority.P3)
    nsp_engine = net.sites["nsp"].engine
    for k in range(EMERGENCIES):
        net.run_until(60.0 + k * 97.0)
        while nsp_engine.backlog() < 300:  # keep 300 routine messages waiting throughout
            net.submit("nsp", sitrep(k), ALL_CPS, Priority.P3)
        mid = net.submit("nsp", emergency(f"Val van trap, hoofdwond nr {k}."), ALL_CPS, Priority.P1)
        typed[str(mid)] = net.now
    net.run_until(60.0 + EMERGENCIES * 97.0 + 600)
    lat = sorted(at_cp[m] - typed[m] for m in typed if m in at_cp)
    rtt = sorted(receipted[m] - typed[m] for m in typed if m in receipted)
    # the size of one of those reports as sent (compose() would need a spare sequence number)
    draft = Draft(emergency(), ALL_CPS, Priority.P1, net.seal_key)
    signer = PeerKey("nsp", "nsp", nsp_engine.identity.public_key)
    frame = len(build_message(draft, nsp_engine.identity, mid.seq, net.now, signer).frame)
    air = packet_airtime_ms(frame, LONG_FAST) / 1000
    lo, hi = rebroadcast_delay_range_ms(LONG_FAST, 4.0, router=True)
    flood = 2 * (lo + hi) / 2000  # two relays each wait before repeating
    return lat, rtt, 3 * (3 * air + flood)


def _p95(xs: list[float]) -> float:
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def _cpu_and_rss(pid: int) -> tuple[float, float]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    rss_kb = next(
        int(line.split()[1])
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    return cpu, rss_kb / 1024


def idle_daemon(seconds: float = 20.0) -> None:
    from nsplink.radio.emulator.mesh import EmulatedMesh, EmulatorThread
    from tests.app.daemon.sites import make_sites

    with tempfile.TemporaryDirectory() as tmp, EmulatorThread(EmulatedMesh(1)) as emu:
        port = emu.mesh.devices[0].tcp_port
        homes = make_sites(Path(tmp), [("CP", "cp")], radios={"CP": f"tcp://127.0.0.1:{port}"})
        proc = subprocess.Popen(
            [sys.executable, "-m", "nsplink", "--home", str(homes["CP"].root), "daemon"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ref = subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds + 10})"])
        try:
            time.sleep(8)  # start-up and config download are not idle
            c0, _ = _cpu_and_rss(proc.pid)
            r0, _ = _cpu_and_rss(ref.pid)
            time.sleep(seconds)
            c1, rss = _cpu_and_rss(proc.pid)
            r1, ref_rss = _cpu_and_rss(ref.pid)
        finally:
            proc.terminate()
            ref.kill()
            proc.wait(20)
            ref.wait(5)
    print(
        f"idle daemon over {seconds:.0f} s: CPU {100 * (c1 - c0) / seconds:.2f} %, RSS {rss:.0f} MB"
    )
    print(
        f"  reference, bare sleeping python: CPU {100 * (r1 - r0) / seconds:.2f} %,"
        f" RSS {ref_rss:.0f} MB (RSS ratio {rss / ref_rss:.1f})"
    )


def main() -> None:
    t = time.perf_counter()
    goodput()
    emergency_latency()
    print(f"(simulated parts: {time.perf_counter() - t:.1f} s wall)")
    idle_daemon()


if __name__ == "__main__":
    main()
