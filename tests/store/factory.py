"""Event builders and a seeded random run through every projected kind, for the store tests."""

from __future__ import annotations

import random
from typing import Any

from nsplink.store import Event
from nsplink.store import events as k

SITE = "nsp-utrecht-zuid"


def created(
    ref: str,
    seq: int,
    *,
    at: float = 1.0,
    type_: str = "emergency",
    priority: str = "P1",
    destination: str = "cp-utrecht",
    sender: str = "a1b2",
    **extra: Any,
) -> Event:
    data = {
        "type": type_,
        "destination": destination,
        "priority": priority,
        "sender": sender,
        "seq": seq,
        **extra,
    }
    return Event(k.MESSAGE_CREATED, at, SITE, ref, data)


def sent(ref: str, attempt: int, *, at: float = 2.0, airtime_ms: int = 1130) -> Event:
    data = {"attempt": attempt, "packet_id": 1000 + attempt, "airtime_ms": airtime_ms}
    return Event(k.MESSAGE_SENT, at, SITE, ref, data)


def received(
    ref: str,
    sender: str,
    seq: int,
    *,
    at: float = 3.0,
    priority: str = "P2",
    type_: str = "sitrep",
    sender_site: str = "nsp-houten",
) -> Event:
    data = {
        "sender": sender,
        "seq": seq,
        "sender_site": sender_site,
        "type": type_,
        "priority": priority,
    }
    return Event(k.MESSAGE_RECEIVED, at, "cp-utrecht", ref, data)


def lifecycle(n: int, at: float = 0.0) -> Event:
    return Event(
        k.RADIO_ERROR, at + n, SITE, data={"code": "radio.timeout", "detail": f"poging {n}"}
    )


def random_run(rng: random.Random, n: int) -> list[Event]:
    """`n` plausible events for a mix of own and received messages, in a random interleaving,
    including out-of-order and repeated ones (late heard, duplicate receipts, unknown refs)."""
    out: list[Event] = []
    own: list[str] = []
    got: list[str] = []
    seq = 0
    t = 1_700_000_000.0
    for _ in range(n):
        t += rng.random() * 30
        roll = rng.random()
        if roll < 0.15 or not own:
            seq += 1
            ref = f"a1b2:{seq}"
            own.append(ref)
            recips = rng.sample(["nsp-1", "nsp-2", "nsp-3"], rng.randint(0, 3))
            extra = {"recipients": recips} if recips else {}
            out.append(
                created(
                    ref,
                    seq,
                    at=t,
                    priority=f"P{rng.randint(1, 4)}",
                    type_=rng.choice(["emergency", "sitrep", "bulletin"]),
                    **extra,
                )
            )
            if rng.random() < 0.9:
                out.append(Event(k.MESSAGE_QUEUED, t, SITE, ref))
            continue
        ref = rng.choice(own) if rng.random() < 0.9 else f"ffff:{rng.randint(1, 9)}"
        if roll < 0.30:
            out.append(sent(ref, rng.randint(1, 3), at=t))
        elif roll < 0.35:
            out.append(
                Event(
                    k.MESSAGE_REFUSED,
                    t,
                    SITE,
                    ref,
                    {"reason": rng.choice(["duty_cycle", "queue_full"]), "retry_at": t + 60},
                )
            )
        elif roll < 0.38:
            out.append(Event(k.MESSAGE_HEARD_REPEATED, t, SITE, ref, {"packet_id": 7}))
        elif roll < 0.42:
            reason = rng.choice(["superseded", "expired"])
            out.append(Event(k.MESSAGE_RETRIES_ENDED, t, SITE, ref, {"reason": reason}))
        elif roll < 0.50:
            data: dict[str, Any] = (
                {"recipient": rng.choice(["nsp-1", "nsp-2", "nsp-3"])} if rng.random() < 0.6 else {}
            )
            if rng.random() < 0.2:
                data["partial"] = True
            out.append(Event(k.MESSAGE_DELIVERED, t, SITE, ref, data))
            if rng.random() < 0.3:
                state = {"recipient": "cp", "state": rng.choice(k.TRIAGE_STATES)}
                out.append(Event(k.RECEIPT_RECEIVED, t, SITE, ref, state))
        elif roll < 0.55:
            out.append(
                Event(
                    k.MESSAGE_CUSTODY,
                    t,
                    SITE,
                    ref,
                    {
                        "action": rng.choice(["taken", "confirmed", "forwarded"]),
                        "holder": "relay-7",
                    },
                )
            )
        elif roll < 0.58:
            out.append(Event(k.MESSAGE_UNDELIVERED, t, SITE, ref, {"after_s": 3600}))
        elif roll < 0.72:
            sender = rng.choice(["c3d4", "e5f6"])
            s = rng.randint(1, 40)
            r = f"{sender}:{s}"
            if r in got:
                out.append(Event(k.MESSAGE_DUPLICATE, t, "cp", r, {"sender": sender, "seq": s}))
            else:
                got.append(r)
                out.append(received(r, sender, s, at=t, priority=f"P{rng.randint(1, 4)}"))
        elif got and roll < 0.80:
            r = rng.choice(got)
            kind = rng.choice([k.MESSAGE_VERIFIED, k.MESSAGE_QUARANTINED, k.MESSAGE_REJECTED])
            data = {} if kind == k.MESSAGE_VERIFIED else {"code": "protocol.bad_signature"}
            out.append(Event(kind, t, "cp", r, data))
        elif got and roll < 0.90:
            out.append(
                Event(
                    k.TRIAGE_CHANGED,
                    t,
                    "cp",
                    rng.choice(got),
                    {
                        "state": rng.choice(k.TRIAGE_STATES),
                        "operator": "Anaïs",
                        "note": rng.choice(["", "ambulance onderweg", "navraag bij NSP"]),
                    },
                )
            )
            # a claim per triage step (ours or another CP's, heard once or twice), drawn
            # without the generator so the rest of the run stays what it was
            n = len(out)
            claim = {"by": ("0a0b0c", "0d0e0f")[n % 2], "minute": int(t // 60), "seq": n // 3}
            claim["state"] = "GEZ"
            for _ in range(1 + (n % 3 == 0)):
                out.append(Event(k.CLAIM_HEARD, t, "cp", out[-1].ref, dict(claim)))
        elif got and roll < 0.95:
            out.append(Event(k.RECEIPT_SENT, t, "cp", rng.choice(got), {"packet_id": 9}))
        else:
            out.append(lifecycle(rng.randint(0, 99), t))
    return out
