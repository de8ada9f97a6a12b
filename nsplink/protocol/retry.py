"""How long to wait before a retry, and how far and how loudly each frame is sent.

Sized from the frames' airtime, the hop count the recipients were last heard at, the mesh's
flood delays and the device's own retries. Reads the engine's config, its airtime planner and
what it has heard; randomness (jitter) comes in from the engine's seeded generator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from nsplink.lora.airtime import retry_timeout_ms
from nsplink.protocol.codes import MessageType
from nsplink.protocol.engineconfig import EngineConfig
from nsplink.protocol.identity import KeyId
from nsplink.protocol.outgoing import Outgoing
from nsplink.protocol.planner import AirtimePlanner

if TYPE_CHECKING:
    import random

# How far past the configured hop limit a frame may go: every post beyond the limit in the
# generated regions is one link too far (docs/congestion.md, part 6); unbounded growth stormed.
BEYOND_LIMIT = 1

# site -> (heard at, its node number, hops away if the packet said)
Heard = Mapping[KeyId, tuple[float, int, int | None]]


class RetryPolicy:
    def __init__(self, config: EngineConfig, planner: AirtimePlanner) -> None:
        self.config = config
        self.planner = planner
        self.flood_s = planner.flood_delay_s

    def hops(self, out: Outgoing, heard: Heard) -> int:
        known = [
            h
            for s in (out.any_of | out.all_of)
            if (seen := heard.get(s)) is not None and (h := seen[2]) is not None
        ]
        return max(1, min(known) if known else self.config.hop_limit)

    def device_retry_ms(self, airtime_ms: float) -> float:
        return float(retry_timeout_ms(airtime_ms, self.config.modem))

    def cap(self, out: Outgoing, heard: Heard | None = None, now: float | None = None) -> float:
        """Longest wait between retries. An emergency retries every couple of minutes at first;
        once a relay holds it, or after many unanswered tries (no path at all), it backs off
        like routine traffic: its retries would only spend the reserve other emergencies need.
        After the fast tries it keeps a third of the routine cap while a recipient is heard
        (a one-way link: our frames may arrive while its receipts do not), and the whole cap
        when none was heard for `heard_fresh_s`: a post whose every link had faded retried an
        emergency every 10 minutes for 37 hours, each try and each answer a flood
        (docs/congestion.md, part 15). Hearing a recipient again still brings the next try
        forward at once (`SiteEngine._seen`)."""
        if not out.urgent or out.relay_holds:
            return self.config.retry_cap_s
        if out.attempt > self.config.urgent_fast_attempts:
            if heard is not None and now is not None and not self._heard_lately(out, heard, now):
                return self.config.retry_cap_s
            return max(self.config.urgent_retry_cap_s, self.config.retry_cap_s / 3)
        return self.config.urgent_retry_cap_s

    def _heard_lately(self, out: Outgoing, heard: Heard, now: float) -> bool:
        since = now - self.config.heard_fresh_s
        return any(
            (seen := heard.get(s)) is not None and seen[0] >= since
            for s in out.any_of | (out.all_of - out.got)
        )

    def delay(
        self, out: Outgoing, heard: Heard, rng: random.Random, now: float | None = None
    ) -> float:
        """Base: the frames there and a receipt back over the hops, flood delays, the receipt
        batching window and the device's own retries; doubled per attempt, capped, jittered."""
        hops = self.hops(out, heard)
        frames_s = sum(self.planner.airtime_ms(len(f)) for f in out.frames) / 1000.0
        receipt_s = self.planner.airtime_ms(100) / 1000.0
        device_s = self.device_retry_ms(self.planner.airtime_ms(len(out.frames[-1]))) / 1000.0
        base = (
            (frames_s + receipt_s) * (hops + 1)
            + 2 * hops * self.flood_s
            + (0.0 if out.urgent else self.config.receipt_delay_s)
            + device_s
        )
        delay = min(self.cap(out, heard, now), base * 2.0 ** max(0, out.attempt - 1))
        return delay * rng.uniform(0.85, 1.15)

    def hop_limit(
        self,
        out: Outgoing,
        heard: Heard,
        reach: frozenset[KeyId] = frozenset(),
        now: float | None = None,
    ) -> int:
        """As many hops as the farthest recipient was heard at, one more per retry up to the
        configured limit: a CP next door must not spend its own airtime relaying our frames
        (every relay counts against its duty cycle and takes the channel from its receipts).
        `reach`: whom a frame without recipients of its own must reach (a receipt to several
        senders: those senders; a status beacon: the CPs), so it is sized the same way instead
        of flooding the whole hop limit (docs/congestion.md).

        Past the limit, one hop and no more (`_grown`): a post 5 links from every CP needs hop
        limit 4, and capped at the limit it was never answered; growing on to the radio's 7
        set off a storm (docs/congestion.md, part 6). `now`: when the frame goes, for the
        channel load the radio last reported (None: no retry past the limit)."""
        cap = self.config.hop_limit
        if out.custody:
            return cap
        farther = now is not None and not self.planner.channel_busy(now, routine=True)
        if reach:
            far = [seen[2] for s in reach if (seen := heard.get(s)) and seen[2] is not None]
            if len(far) < len(reach):
                return cap  # someone it must reach has not been heard: flood
            if out.msg.envelope.type is MessageType.STATUS:
                also = max(0, min(cap, max(far)))  # a beacon is not worth a path beyond it
            else:
                also = self._grown(max(far), out, farther)
            if not out.any_of and not out.all_of:
                return also
            return max(also, self.hop_limit(out, heard, now=now))
        targets = (out.all_of - out.got) or out.any_of
        known = [seen[2] for s in targets if (seen := heard.get(s)) and seen[2] is not None]
        if not targets or (len(known) < len(targets) and out.all_of):
            return self._grown(cap, out, farther)  # someone we must reach has not been heard: flood
        if not known:
            return self._grown(cap, out, farther)  # never heard: from the limit, farther per retry
        base = min(known) if out.any_of and not out.all_of else max(known)
        return self._grown(base, out, farther)

    def _grown(self, base: int, out: Outgoing, farther: bool) -> int:
        """`base` hops and one more per retry up to the configured limit. Past it, never beyond
        limit + 1: `base` if the sender was heard that far; and a message of ours (not a
        receipt: receipts grew with every copy heard, which stormed a 72-hour region) one hop
        more once three retries have outgrown the limit, if `farther`: while the radio finds
        the channel below the firmware's polite 25 % (on a saturated channel the longer floods
        cost the emergencies more than they brought)."""
        cap = self.config.hop_limit
        want = base + out.attempt - 1
        if want <= cap:
            return max(0, want)
        if farther and out.tracked and out.msg.envelope.type is not MessageType.RECEIPT:
            want = cap + (want - cap) // 3
        else:
            want = cap
        return min(cap + BEYOND_LIMIT, max(base, want))


def want_ack(out: Outgoing, ready: int, hop_limit: int | None = None) -> bool:
    """Ask the device for its implicit ack (the HEARD hint) only when it is cheap. A broadcast
    nobody repeats in time is sent three times by the firmware: under a backlog, where the
    neighbours are busy, that triples the airtime of every frame, and our own signed
    receipts already tell us what arrived. Emergencies always get the device's retries.
    `ready`: how many outgoing messages have frames waiting to be handed over.

    Never at hop limit 0: nobody repeats such a frame, so no implicit ack can come and the
    firmware always sends it three times (docs/congestion.md: most of the device's
    retransmissions were CP receipts to NSPs next door)."""
    if hop_limit == 0:
        return False
    if out.urgent:
        return True
    if out.custody or not out.tracked:
        return False
    return ready <= 2
