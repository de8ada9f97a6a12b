"""Issue 17: where a generated region's transmissions go, packet by packet (docs/congestion.md).

Runs one generated region through the scenario runner with every transmission and reception
recorded (the medium's trace plus the sites' effects), then prints:

1. every transmission on air by cause: a message's first send, our own retries (app level), the
   device's own retransmissions (firmware, the same packet id again), relays repeating a flood,
   custody forwards by relays, receipts, status beacons (by the beaconing site's role); per
   delivered message;
2. for every app-level retry of a message that had already reached a recipient, why its sender
   did not know: the receipt was still batched at the CP, queued behind the CP's own airtime,
   sent but every copy at the sender collided, sent but never reached the sender (out of the
   hop limit / not repeated), or reached it only after the retry fired.

Not a benchmark (`make bench` does not run it): `python -m benchmarks.congestion_trace [NSPS]
[HOURS] [SEED]`, defaults 30 NSPs, 8 h, seed 1; NSPLINK_TRACE_CPS, NSPLINK_TRACE_RELAYS and
NSPLINK_TRACE_PRESET set the region's CPs, relays and preset (generator defaults otherwise);
NSPLINK_TRACE_MUTE=1 generates it with quiet NSP radios where the plan allows.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from nsplink.lora.airtime import DEFAULT_PRESET
from nsplink.protocol import (
    Created,
    Deliver,
    DeliveryState,
    MessageId,
    Outcome,
    Receipt,
    ReceiptKind,
    Refused,
    Sent,
)
from nsplink.scenario.generate import RegionSpec, generate
from nsplink.scenario.runner import ScenarioRun
from nsplink.scenario.schema import parse_scenario


def kind_of(msg: Any) -> str:
    env = msg.envelope
    t = env.type.value
    if isinstance(env.body, Receipt):
        return f"receipt/{env.body.kind.value.lower()}"
    return str(t)


def run(nsps: int, hours: float, seed: int) -> dict[str, Any]:
    cps, relays = os.environ.get("NSPLINK_TRACE_CPS"), os.environ.get("NSPLINK_TRACE_RELAYS")
    spec = RegionSpec(
        nsps=nsps,
        cps=int(cps) if cps else None,
        relays=int(relays) if relays else None,
    )
    preset = os.environ.get("NSPLINK_TRACE_PRESET", DEFAULT_PRESET)
    quiet = os.environ.get("NSPLINK_TRACE_MUTE", "0") == "1"
    text = generate([spec], seed=seed, hours=hours, preset=preset, mute_covered=quiet)
    sc = parse_scenario(text, f"region-{nsps}.yaml")
    with tempfile.TemporaryDirectory() as d:
        r = ScenarioRun(sc, Path(d))
        r.medium.trace = []  # rx / rx_fail by (node, from, id)
        msgs: dict[Any, Any] = {}  # mid -> SignedMessage
        created_at: dict[Any, float] = {}
        pkt: dict[tuple[int, int], tuple[str, Any, int]] = {}  # (node, pid) -> (site, mid, att)
        sent_at: dict[Any, list[tuple[float, int, int]]] = defaultdict(list)  # mid->(t,att,pid)
        delivered: dict[Any, float] = {}
        receipted: dict[Any, float] = {}
        sites_by_key: dict[str, Any] = {}
        tx_log: list[tuple[float, int, int, int, int]] = []  # t, sender, frm, id, hop_limit
        hop_limits: dict[str, Counter[int]] = defaultdict(Counter)
        extra: Counter[str] = Counter()

        def observe(site: Any, eff: Any, now: float) -> None:
            t = now - r.net.epoch
            if isinstance(eff, Created):
                msgs[eff.msg.id] = eff.msg
                created_at.setdefault(eff.msg.id, t)
            elif isinstance(eff, Sent):
                pkt[(site.node.node_num, eff.packet_id)] = (site.name, eff.mid, eff.attempt)
                sent_at[eff.mid].append((t, eff.attempt, eff.packet_id))
            elif isinstance(eff, Deliver):
                extra[
                    f"delivered at a {site.role}" + (" (duplicate)" if eff.duplicate else "")
                ] += 1
                if not eff.duplicate:
                    delivered.setdefault(eff.msg.id, t)
                    msgs.setdefault(eff.msg.id, eff.msg)
            elif isinstance(eff, Refused):
                extra[f"refused at a {site.role}: {eff.reason.value}"] += 1
            elif isinstance(eff, Outcome) and eff.state is DeliveryState.DELIVERED:
                receipted.setdefault(eff.mid, t)

        r.net.observers.append(observe)
        start_tx = r.medium.start_tx

        def traced(sender: Any, packet: Any) -> Any:
            tx_log.append((r.medium.now, sender.node_num, packet.frm, packet.id, packet.hop_limit))
            return start_tx(sender, packet)

        r.medium.start_tx = traced  # type: ignore[method-assign]
        result = asyncio.run(r.run())
        for name, site in r.net.sites.items():
            sites_by_key[site.key_id] = (name, site.role, site.node.node_num)
        trace = r.medium.trace
    return {
        "sc": sc,
        "result": result,
        "msgs": msgs,
        "created_at": created_at,
        "pkt": pkt,
        "sent_at": sent_at,
        "delivered": delivered,
        "receipted": receipted,
        "sites": sites_by_key,
        "tx": tx_log,
        "trace": trace,
        "hop_limits": hop_limits,
        "extra": extra,
    }


def analyse(d: dict[str, Any]) -> None:
    msgs, pkt, sites = d["msgs"], d["pkt"], d["sites"]
    node_role = {n: role for _, role, n in sites.values()}
    # -- 1. every transmission by cause -----------------------------------------------------
    seen_own: set[tuple[int, int]] = set()
    causes: Counter[str] = Counter()
    by_kind: Counter[tuple[str, str]] = Counter()
    per_cp: dict[int, Counter[tuple[str, str]]] = defaultdict(Counter)
    for _t, sender, frm, pid, _hl in d["tx"]:
        info = pkt.get((frm, pid))
        kind = kind_of(msgs[info[1]]) if info and info[1] in msgs else "firmware/other"
        if kind in ("emergency", "sitrep", "supply", "bulletin"):
            kind = "message"
        elif kind == "status" and info:  # whose beacons: CPs' and relays' always go
            kind = f"status/{sites.get(str(info[1].sender), ('', '?'))[1]}"
        if sender == frm:
            if (frm, pid) in seen_own:
                cause = "device retransmission (firmware, same packet)"
            elif info is None:
                cause = "firmware own packet (not ours)"
            else:
                _site, mid, att = info
                if sites.get(str(mid.sender), ("", "", -1))[2] != sender:
                    cause = "custody forward by a relay site"
                elif att <= 1:
                    cause = "first send"
                else:
                    cause = "app retry"
            seen_own.add((frm, pid))
        else:
            cause = f"repeated by a {node_role.get(sender, '?')} (flood)"
        causes[cause] += 1
        by_kind[(kind, cause)] += 1
        if node_role.get(sender) == "cp":
            per_cp[sender][(kind, cause)] += 1
    total = sum(causes.values())
    user = [
        m
        for m, msg in msgs.items()
        if kind_of(msg) in ("emergency", "sitrep", "supply", "bulletin")
    ]
    user_sent = [m for m in user if m in d["sent_at"] and sites[str(m.sender)][1] != "relay"]
    n = max(1, len(user_sent))
    print(
        f"transmissions on air: {total:,}; messages typed and sent: {len(user_sent)}; "
        f"tx per message {total / n:.1f}"
    )
    print("  by cause (count, per message, share):")
    for cause, c in causes.most_common():
        print(f"    {cause:<48} {c:>8,} {c / n:>7.1f} {c / total:>6.1%}")
    print("  by what was carried x cause:")
    for (kind, cause), c in sorted(by_kind.items(), key=lambda kv: -kv[1])[:24]:
        print(f"    {kind:<20} {cause:<48} {c:>8,} {c / n:>7.1f}")
    for cp, cnt in sorted(per_cp.items(), key=lambda kv: -sum(kv[1].values())):
        print(
            f"  CP node {cp:#x}: {sum(cnt.values()):,} transmissions: "
            + ", ".join(f"{k} {c.split(' (')[0]} {v}" for (k, c), v in cnt.most_common(6))
        )
    # -- 2. why a delivered message was retried ---------------------------------------------
    rx_ok: dict[tuple[int, int, int], float] = {}
    rx_bad: dict[tuple[int, int, int], list[tuple[float, bool]]] = defaultdict(list)
    for row in d["trace"]:
        if row[0] == "rx":
            _k, t, node, frm, pid, _snr = row
            rx_ok.setdefault((node, frm, pid), t)
        elif row[0] == "rx_fail":
            _k, t, node, frm, pid, corrupted = row
            rx_bad[(node, frm, pid)].append((t, corrupted))
    # receipts covering each message: (created at, receipt mid)
    covering: dict[Any, list[tuple[float, Any]]] = defaultdict(list)
    for rmid, msg in msgs.items():
        body = msg.envelope.body
        if isinstance(body, Receipt) and body.kind is ReceiptKind.DELIVERY:
            for e in body.entries:
                for seq in range(e.first, min(e.last, e.first + 64) + 1):
                    covering[MessageId(e.sender, seq)].append((d["created_at"][rmid], rmid))
    why: Counter[str] = Counter()
    why_type: dict[str, Counter[str]] = defaultdict(Counter)
    retries_by_type: Counter[str] = Counter()
    retries_after: Counter[str] = Counter()
    receipt_hops: Counter[tuple[int, str]] = Counter()
    for mid, sends in d["sent_at"].items():
        msg = msgs.get(mid)
        if msg is None:
            continue
        k = kind_of(msg)
        if k not in ("emergency", "sitrep", "supply", "bulletin"):
            continue
        if sites[str(mid.sender)][1] == "relay":
            continue
        sender_node = sites[str(mid.sender)][2]
        first_retry_seen: set[int] = set()
        for t, att, _pid in sends:
            if att <= 1 or sites.get(str(mid.sender)) is None:
                continue
            if att in first_retry_seen:
                continue  # later fragments of the same attempt
            first_retry_seen.add(att)
            retries_by_type[k] += 1
            dt = d["delivered"].get(mid)
            if dt is None or dt > t:
                continue
            retries_after[k] += 1
            recs = [(ct, rm) for ct, rm in covering.get(mid, []) if ct >= dt - 1]
            made = [(ct, rm) for ct, rm in recs if ct <= t]
            if not made:
                reason = "receipt still batched at the CP (not yet made)"
            else:
                aired = []
                for _ct, rm in made:
                    rsite = sites[str(rm.sender)][2]
                    for st, _a, rpid in d["sent_at"].get(rm, []):
                        if st <= t:
                            aired.append((rsite, rpid))
                if not aired:
                    reason = "receipt made, queued behind the CP's airtime plan"
                else:
                    got = [rx_ok.get((sender_node, f, p)) for f, p in aired]
                    ok_before = [g for g in got if g is not None and g <= t]
                    ok_after = [g for g in got if g is not None and g > t]
                    bad = [
                        c
                        for f, p in aired
                        for (bt, c) in rx_bad.get((sender_node, f, p), [])
                        if bt <= t
                    ]
                    if ok_before:
                        reason = "receipt decoded before the retry (retry raced its handling)"
                    elif ok_after:
                        reason = "receipt reached the sender only after the retry fired"
                    elif any(bad):
                        reason = "receipt reached the sender but every copy collided"
                    elif bad:
                        reason = "receipt heard too weak to decode"
                    else:
                        reason = "receipt never reached the sender (hop limit / not repeated)"
                    for f, p in aired:
                        hl = next((h for tt, s, fr, pp, h in d["tx"] if s == f and pp == p), None)
                        if hl is not None:
                            receipt_hops[(hl, "ok" if ok_before or ok_after else "missed")] += 1
            why[reason] += 1
            why_type[k][reason] += 1
    print("\napp retries by type (retries / of them after the message was already delivered):")
    for k, c in retries_by_type.most_common():
        print(f"    {k:<12} {c:>7,} / {retries_after[k]:>7,}")
    n_why = max(1, sum(why.values()))
    print("why the sender retried a message that had already arrived:")
    for reason, c in why.most_common():
        print(f"    {reason:<64} {c:>7,} {c / n_why:>6.1%}")
    for k, cnt in why_type.items():
        print(f"  {k}: " + ", ".join(f"{r.split(' (')[0]}: {c}" for r, c in cnt.most_common()))
    print("hop limit of the receipt frames behind those retries (hop limit, fate): count")
    for key, c in sorted(receipt_hops.items()):
        print(f"    {key}: {c}")
    # receipts: who made them, how long they waited to be handed over
    made: Counter[str] = Counter()
    wait: dict[str, list[float]] = defaultdict(list)
    for rmid, msg in msgs.items():
        body = msg.envelope.body
        if not isinstance(body, Receipt):
            continue
        role = sites[str(rmid.sender)][1]
        key = f"{body.kind.value.lower()} by a {role}, {msg.envelope.priority.name}"
        made[key] += 1
        if d["sent_at"].get(rmid):
            wait[key].append(d["sent_at"][rmid][0][0] - d["created_at"][rmid])
    print("\nreceipts made (count, entries) and wait from made to handed to the device:")
    for key, c in made.most_common():
        w = sorted(wait[key]) or [float("nan")]
        print(
            f"    {key:<36} {c:>6,}  wait p50 {w[len(w) // 2]:6.1f} s  "
            f"p95 {w[int(0.95 * (len(w) - 1))]:6.1f} s  max {w[-1]:6.1f} s"
        )
    for key, c in sorted(d["extra"].items()):
        print(f"    {key:<48} {c:>7,}")
    # emergencies: count and retries each
    em = [m for m in user_sent if kind_of(msgs[m]) == "emergency"]
    em_retries = sum(max(a for _t, a, _p in d["sent_at"][m]) - 1 for m in em)
    print(
        f"\nemergency reports: {len(em)}, app retries {em_retries} "
        f"({em_retries / max(1, len(em)):.1f} each); delivered "
        f"{sum(1 for m in em if m in d['delivered'])}, receipted "
        f"{sum(1 for m in em if m in d['receipted'])}"
    )


def main(argv: list[str]) -> None:
    nsps = int(argv[0]) if argv else 30
    hours = float(argv[1]) if len(argv) > 1 else 8.0
    seed = int(argv[2]) if len(argv) > 2 else 1
    d = run(nsps, hours, seed)
    print(f"region: {nsps} NSPs, {hours:g} h, seed {seed}; sites {len(d['sites'])}")
    analyse(d)


if __name__ == "__main__":
    main(sys.argv[1:])
