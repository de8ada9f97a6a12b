"""When an NSP's status beacon is worth its airtime.

A beacon tells the CPs that a post is there, how it is powered and how much is waiting in its
outbox. In a region of 100 NSPs the beacons were a quarter of all transmissions, each flooded
to reach every CP (docs/congestion.md, part 7). An NSP whose own message a CP receipted since
its last beacon is known to be there, so its beacon is skipped unless it has news: another
power source, 10 points of battery, hours left that differ from what the last beacon let a CP
count down to, a backlog that appeared, cleared or changed by `QUEUE_NEWS`, or hours running
low. At most `QUIET_MAX_S` passes without one, and a beacon that carries the log's head
(`messages.beacon_head`) always goes. CPs and relays always send theirs: a CP's beacon is how
an NSP knows it still has a connection, and a relay has no messages of its own to be heard by.
"""

from __future__ import annotations

from nsplink.protocol.messages import Status

QUIET_MAX_S = 2 * 3600.0  # never longer than this without a beacon
BATTERY_NEWS_PCT = 10
HOURS_NEWS = 1.5  # hours left off the countdown by this much is news
HOURS_LOW = 6  # below this many hours left, every beacon goes
QUEUE_NEWS = 5
UNKNOWN_HOURS = 255  # Status.power_hours when the post cannot tell (mains, no battery)


def status_news(last: Status, last_at: float, body: Status, now: float) -> bool:
    """Whether `body` tells a CP something the beacon `last`, sent at `last_at`, did not."""
    if body.power is not last.power:
        return True
    if abs(body.battery_pct - last.battery_pct) >= BATTERY_NEWS_PCT:
        return True
    if UNKNOWN_HOURS in (body.power_hours, last.power_hours):
        if body.power_hours != last.power_hours:
            return True
    else:
        if body.power_hours < HOURS_LOW:
            return True
        counted_down = last.power_hours - (now - last_at) / 3600.0
        if abs(body.power_hours - counted_down) >= HOURS_NEWS:
            return True
    if (body.queue_depth == 0) != (last.queue_depth == 0):
        return True
    return abs(body.queue_depth - last.queue_depth) >= QUEUE_NEWS


def beacon_due(
    role: str,
    body: Status,
    now: float,
    last: tuple[float, Status] | None,
    cps_heard_us_at: float | None,
) -> bool:
    """Whether to send `body` now. `last`: (when, what) of our last beacon this run;
    `cps_heard_us_at`: when a CP last receipted one of our own messages."""
    if role != "nsp" or body.head is not None or last is None:
        return True
    last_at, last_body = last
    if now - last_at >= QUIET_MAX_S:
        return True
    if cps_heard_us_at is None or cps_heard_us_at < last_at:
        return True  # nothing of ours reached a CP since: the beacon is how we are heard
    return status_news(last_body, last_at, body, now)
