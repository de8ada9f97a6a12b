"""The simulated LoRa channel: a discrete-event loop in virtual seconds. Nothing here sleeps.

Determinism: one seeded `random.Random` per medium draws every random number (delays, fading,
loss, packet ids) in event order, and the event heap breaks ties by a sequence number, so the same
seed and the same calls give the same run bit for bit (`trace=True` records it).

The channel: every transmission reaches each neighbour whose link budget is within reach; the
reception's RSSI is the link mean plus per-packet fading, its SNR the RSSI over the noise floor.
A reception decodes if its SNR meets the spreading factor's demodulation floor, it was not lost
(explicit link loss), it did not collide, and the receiver neither transmitted nor lost power or
radio during it. Overlapping receptions at one receiver collide: one survives only if it is at
least `capture_db` stronger than each other one it overlaps.

Scale: most nodes in reach of a transmission can only be interfered with, never decode it. Each
still gets its fading draw (in node order, so runs stay the same), but a signal below
sensitivity becomes an entry in that receiver's interference tally rather than a Reception:
enough to decide capture and collision exactly as for a Reception, with no record to end. Where
senders reach many nodes (`BULK_REACH`), a transmission's signals are drawn and sorted into
interferers and receptions in bulk (numpy, the receivers' state in `onair.OnAir`), and only
receptions, and receivers where a faint signal may corrupt one, are handled one by one; on
smaller networks every node in reach is. Both paths give the same run. The neighbour table is
built from a spatial grid (`_build_neighbours`), not all pairs, and `Propagation.horizon_m` can
bound how far any signal goes.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import sys
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from nsplink.lora.airtime import (
    ModemParams,
    firmware_airtime_ms,
    preset,
    slot_time_ms,
    time_on_air_ms,
)
from nsplink.radio.sim.air import Reception, Timer, Transmission
from nsplink.radio.sim.errors import (
    BadLink,
    BadNodeNumber,
    BadPartition,
    BadPosition,
    BadTime,
    DuplicateNode,
    TimeInPast,
    UnknownNode,
)
from nsplink.radio.sim.events import NodeEvent
from nsplink.radio.sim.node import SimNode
from nsplink.radio.sim.onair import Floats, Ints, OnAir
from nsplink.radio.sim.packet import AirPacket
from nsplink.radio.sim.propagation import (
    FADE_BITS,
    FADE_TABLE,
    Propagation,
    distance_m,
    noise_floor_dbm,
    required_snr_db,
    sensitivity_dbm,
)

# From this many nodes in reach per sender (on average, when the table is first built) a
# transmission's receivers are handled in bulk: numpy's fixed cost (some 25 us a transmission)
# then beats a Python loop over the nodes. bench_scale's simulator breaks even at 150 nodes,
# about 99 in reach; at 60 nodes (52) one by one is 15 % cheaper, at 300 (138) bulk 20 %.
BULK_REACH = 96


@dataclass(frozen=True)
class Link:
    """An explicit link a -> b: mean SNR at b and an extra per-packet loss probability."""

    snr_db: float
    loss: float = 0.0


class Medium:
    def __init__(
        self,
        *,
        preset: str = "LONG_FAST",
        seed: int = 0,
        start_time: float = 0.0,
        propagation: Propagation | None = None,
        duty_pct: float = 10.0,
        next_hop: bool = True,
        trace: bool = False,
    ) -> None:
        self.preset_name = preset.strip().upper()
        self.params: ModemParams = _preset(preset)
        self.slot_ms = slot_time_ms(self.params)
        self.seed = seed
        self.rng = random.Random(seed)
        self.now = float(start_time)
        self.propagation = propagation or Propagation()
        self.duty_pct = duty_pct
        self.next_hop_routing = next_hop  # firmware >= 2.6 learns next hops for DMs
        self.nodes: dict[int, SimNode] = {}
        self.stats: Counter[str] = Counter()
        self.trace: list[tuple[Any, ...]] | None = [] if trace else None
        self._heap: list[tuple[float, int, Timer]] = []
        self._seq = 0
        self.events_processed = 0
        self._links: dict[tuple[int, int], Link] = {}
        self._neighbours: dict[int, list[tuple[SimNode, float, float]]] | None = None
        # the table again as arrays: per sender (nodes, their slots, mean RSSIs); with the table
        self._rows: dict[int, tuple[list[SimNode], Ints, Floats, list[float] | None]] = {}
        self._slot: dict[int, int] = {}  # node number -> its slot in `_air`, in order added
        self._air = OnAir()
        self._bulk: bool | None = None  # receivers in bulk (numpy) or one by one; see BULK_REACH
        self._tx_serial = 0
        self._group: dict[int, int] | None = None
        self._airtimes: dict[int, tuple[int, float]] = {}
        prop = self.propagation
        self.noise_floor_dbm = noise_floor_dbm(self.params, prop.noise_figure_db)
        self.required_snr_db = required_snr_db(self.params)
        self.sensitivity_dbm = sensitivity_dbm(self.params, prop.noise_figure_db)
        # weaker signals can neither decode nor beat the capture margin of one that does
        self._reach_dbm = self.sensitivity_dbm - prop.capture_db - 3 * prop.fading_db
        # fading_db times each fading quantile: what one draw adds to a link's mean (a tuple
        # for the one-by-one path, an array for the bulk path: the same floats)
        self._fade_db = tuple(prop.fading_db * q for q in FADE_TABLE) if prop.fading_db else ()
        self._fades = np.array(self._fade_db) if prop.fading_db else None

    # -- nodes and links ----------------------------------------------------------------------

    def add_node(
        self,
        node_num: int,
        *,
        position: tuple[float, float] | None = None,
        role: str = "CLIENT",
        hop_limit: int = 3,
        tx_power_dbm: float = 27.0,
        antenna_gain_dbi: float = 0.0,
    ) -> SimNode:
        if (
            isinstance(node_num, bool)
            or not isinstance(node_num, int)
            or not 0 < node_num < 0xFFFFFFFF
        ):
            raise BadNodeNumber(node=node_num)
        if node_num in self.nodes:
            raise DuplicateNode(node=node_num)
        if position is not None:
            position = _position(position)
        node = SimNode(
            self,
            node_num,
            position=position,
            role=role.strip().upper(),
            hop_limit=hop_limit,
            tx_power_dbm=tx_power_dbm,
            antenna_gain_dbi=antenna_gain_dbi,
            duty_pct=self.duty_pct,
        )
        self.nodes[node_num] = node
        self._slot[node_num] = len(self._slot)
        self._neighbours = None
        return node

    def node(self, node_num: int) -> SimNode:
        try:
            return self.nodes[node_num]
        except KeyError:
            raise UnknownNode(node=node_num) from None

    def set_position(self, node_num: int, position: tuple[float, float]) -> None:
        self.node(node_num).position = _position(position)
        self._neighbours = None

    def set_link(
        self, a: int, b: int, *, snr_db: float, loss: float = 0.0, symmetric: bool = True
    ) -> None:
        """Fix the link a -> b (and b -> a) instead of deriving it from positions."""
        self.node(a)
        self.node(b)
        if a == b:
            raise BadLink(a=a, b=b, snr=snr_db, loss=loss)
        if not 0.0 <= loss <= 1.0 or not math.isfinite(snr_db):
            raise BadLink(a=a, b=b, snr=snr_db, loss=loss)
        self._links[(a, b)] = Link(snr_db, loss)
        if symmetric:
            self._links[(b, a)] = Link(snr_db, loss)
        self._neighbours = None

    def link_rssi(self, a: int, b: int) -> float | None:
        """Mean RSSI (dBm) at b of a's transmissions, or None when there is no link."""
        link = self._links.get((a, b))
        if link is not None:
            return self.noise_floor_dbm + link.snr_db
        na, nb = self.node(a), self.node(b)
        if na.position is None or nb.position is None:
            return None
        prop = self.propagation
        d = distance_m(na.position, nb.position)
        if prop.horizon_m is not None and d > prop.horizon_m:
            return None
        loss = prop.path_loss_db(d)
        return (
            na.tx_power_dbm
            + na.antenna_gain_dbi
            + nb.antenna_gain_dbi
            - loss
            + prop.shadowing(self.seed, a, b)
        )

    def _neighbour_table(self) -> dict[int, list[tuple[SimNode, float, float]]]:
        if self._neighbours is None:
            table = self._neighbours = self._build_neighbours()
            slot = self._slot
            self._rows = {
                a: (
                    [e[0] for e in row],
                    np.array([slot[e[0].node_num] for e in row], dtype=np.intp),
                    np.array([e[1] for e in row], dtype=np.float64),
                    [e[2] for e in row] if any(e[2] for e in row) else None,
                )
                for a, row in table.items()
            }
            if self._bulk is None:  # once: the two paths keep their tallies differently
                self._bulk = sum(len(row) for row in table.values()) >= BULK_REACH * len(table)
            self._air.grow(len(self.nodes))
            for node in self.nodes.values():
                self._hearing(node)
        return self._neighbours

    def _hearing(self, node: SimNode) -> None:
        """Note whether `node` can hear now (not sending, powered, radio on) after a change."""
        air = self._air
        slot = self._slot[node.node_num]
        if slot < len(air):  # else the table is not built yet: it notes every node then
            air.deaf[slot] = not (node.transmitting is None and node.powered and node.radio_enabled)

    def _deafened(self, node: SimNode) -> None:
        """The node lost power or radio: it hears nothing, and what it heard no longer counts."""
        self._hearing(node)
        slot = self._slot[node.node_num]
        if slot < len(self._air):
            self._air.clear(slot)

    def _draw_rssi(
        self,
        nodes: list[SimNode],
        pick: Ints,
        means: Floats,
        losses: list[float] | None,
        decode_dbm: float,
    ) -> tuple[Floats, Collection[SimNode]]:
        """Each hearing node's RSSI for one packet (link mean plus fading), and the nodes whose
        copy is lost on an explicit lossy link, drawn from the medium's RNG in node order.

        Most senders have no lossy link: then every draw is a fading draw, and one
        getrandbits(32 * k) yields the same k 32-bit words as k calls of getrandbits(32) (lowest
        word first), each of which getrandbits(FADE_BITS) would have cut to its top bits: one
        call instead of k, the same numbers. A lossy link interleaves a random() per decodable
        copy, so that sender's draws go one by one. `pick`: the places in the sender's row
        (`nodes`, `means`, `losses`: None when it has no lossy link) of the nodes that hear.
        """
        fades = self._fades
        k = len(pick)
        if losses is None:
            if fades is None:
                return means[pick], ()
            words = self.rng.getrandbits(32 * k).to_bytes(4 * k, sys.byteorder) if k else b""
            quantile = np.frombuffer(words, dtype=np.uint32) >> (32 - FADE_BITS)
            return means[pick] + fades[quantile], ()
        getrandbits, rand = self.rng.getrandbits, self.rng.random
        rssis = np.empty(k)
        lost: set[SimNode] = set()
        for i, j in enumerate(pick.tolist()):
            rssi = means[j] if fades is None else means[j] + fades[getrandbits(FADE_BITS)]
            rssis[i] = rssi
            if losses[j] and rssi >= decode_dbm and rand() < losses[j]:
                lost.add(nodes[j])
        return rssis, lost

    def _build_neighbours(self) -> dict[int, list[tuple[SimNode, float, float]]]:
        """Per sender, every node within reach in node order: (node, mean RSSI, extra loss).

        The same table `link_rssi` over all pairs gives, without all pairs: positions go into
        a grid whose cells are the farthest any link can reach (the strongest transmitter and
        antenna with the largest shadowing a draw can return), so only pairs in neighbouring
        cells are looked at; a pair that cannot be in reach even with that shadowing is
        skipped before its (costly) shadowing draw; each pair's draw serves both directions.
        """
        prop = self.propagation
        reach = self._reach_dbm
        nodes = self.nodes
        links = self._links
        rows: dict[int, dict[int, tuple[float, float]]] = {a: {} for a in nodes}
        for (a, b), link in links.items():
            rssi = self.noise_floor_dbm + link.snr_db
            if rssi >= reach:
                rows[a][b] = (rssi, link.loss)
        placed = [n for n in nodes.values() if n.position is not None]
        if len(placed) > 1:
            smax = prop.max_shadowing_db()
            horizon = prop.horizon_m
            eirp = max(n.tx_power_dbm + n.antenna_gain_dbi for n in placed)
            gain = max(n.antenna_gain_dbi for n in placed)
            cell = prop.range_m(eirp + gain + smax - reach)
            if horizon is not None:
                cell = min(cell, horizon)
            for na, nb in _pairs_within(placed, cell):
                a, b = na.node_num, nb.node_num
                ab, ba = (a, b) not in links, (b, a) not in links
                if not (ab or ba):
                    continue
                assert na.position is not None and nb.position is not None
                d = distance_m(na.position, nb.position)
                if horizon is not None and d > horizon:
                    continue
                loss = prop.path_loss_db(d)
                # the same sums as link_rssi, term by term, so the floats are the same
                base_ab = na.tx_power_dbm + na.antenna_gain_dbi + nb.antenna_gain_dbi - loss
                base_ba = nb.tx_power_dbm + nb.antenna_gain_dbi + na.antenna_gain_dbi - loss
                if max(base_ab, base_ba) + smax < reach:
                    continue
                shadow = prop.shadowing(self.seed, a, b)
                if ab and base_ab + shadow >= reach:
                    rows[a][b] = (base_ab + shadow, 0.0)
                if ba and base_ba + shadow >= reach:
                    rows[b][a] = (base_ba + shadow, 0.0)
        return {
            a: [(nodes[b], rssi, loss) for b, (rssi, loss) in sorted(rows[a].items())]
            for a in sorted(nodes)
        }

    def neighbours(self, node_num: int) -> list[int]:
        """Nodes that can decode `node_num` on an average packet (mean SNR above the floor)."""
        return [n for n, _ in self.heard_by(node_num)]

    def heard_by(self, node_num: int) -> list[tuple[int, float]]:
        """As `neighbours`, with each one's mean RSSI of `node_num` (dBm)."""
        sens = self.sensitivity_dbm
        return [
            (n.node_num, rssi) for n, rssi, _ in self._neighbour_table()[node_num] if rssi >= sens
        ]

    # -- the event loop -----------------------------------------------------------------------

    def schedule(self, time: float, fn: Callable[[Any], None], arg: Any = None) -> Timer:
        if time < self.now:
            time = self.now
        timer = Timer(time, fn, arg)
        self._seq += 1
        heapq.heappush(self._heap, (time, self._seq, timer))
        return timer

    def call_at(self, time: float, fn: Callable[[], None]) -> Timer:
        """Run `fn()` at virtual `time` (for scripted scenarios and faults)."""
        self._check_time(time)
        return self.schedule(time, lambda _arg: fn())

    def _check_time(self, t: float) -> None:
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
            raise BadTime(time=t)
        if t < self.now:
            raise TimeInPast(time=t, now=self.now)

    def next_event_time(self) -> float | None:
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def advance_to(self, t: float) -> None:
        """Process every event with time <= t, in (time, sequence) order; then now = t."""
        self._check_time(t)
        heap = self._heap
        pop = heapq.heappop
        while heap and heap[0][0] <= t:
            time, _seq, timer = pop(heap)
            if timer.cancelled:
                continue
            self.now = time
            self.events_processed += 1
            timer.fn(timer.arg)
        self.now = t

    def advance_by(self, dt: float) -> None:
        self.advance_to(self.now + dt)

    def record_event(self, node: SimNode, event: NodeEvent) -> None:
        if self.trace is not None:
            self.trace.append(("app", self.now, node.node_num, event))

    # -- transmissions ------------------------------------------------------------------------

    def start_tx(self, sender: SimNode, packet: AirPacket) -> Transmission:
        now = self.now
        airtime_ms, duration_s = self._airtime(packet.phy_len)
        self._tx_serial += 1
        tx = Transmission(sender, packet, now, now + duration_s, airtime_ms, self._tx_serial)
        sender.transmitting = tx
        for rx in sender.active_rx:  # half duplex: whatever it was hearing is lost
            rx.corrupted = True
        stats = self.stats
        stats["tx"] += 1
        stats["tx_own" if packet.frm == sender.node_num else "tx_relay"] += 1
        stats["airtime_ms"] += airtime_ms
        if self.trace is not None:
            self.trace.append(("tx", now, sender.node_num, packet.frm, packet.id, packet.hop_limit))
        capture = self.propagation.capture_db
        decode_dbm = self.noise_floor_dbm + self.required_snr_db
        sens = self.sensitivity_dbm
        self._neighbour_table()
        self._hearing(sender)
        reach = self._reach_in_bulk if self._bulk else self._reach_one_by_one
        stats["rx_weak"] += reach(sender, tx, capture, decode_dbm, sens)
        self.schedule(tx.end, self._end_tx, tx)
        return tx

    def _reach_in_bulk(
        self, sender: SimNode, tx: Transmission, capture: float, decode_dbm: float, sens: float
    ) -> int:
        """Every node in reach gets `tx`, as a Reception or an interferer; returns how many
        were only interfered with. The receivers' state in arrays (`OnAir`), numpy per step."""
        now = self.now
        faint_below = min(decode_dbm, sens)  # neither decodes nor is sensed: an interferer only
        air = self._air
        nodes, slots, means, losses = self._rows[sender.node_num]
        # who hears it, in node order: not sending, powered, radio on, same side of a partition
        can = ~air.deaf[slots]
        group = self._group
        if group is not None:
            sgroup = group.get(sender.node_num, -1)
            can &= np.array([group.get(n.node_num, -1) == sgroup for n in nodes], dtype=bool)
        pick = np.flatnonzero(can)
        rssi, lost = self._draw_rssi(nodes, pick, means, losses, decode_dbm)
        heard_at = slots[pick]
        # Interferers: too faint to decode or sense, they can only corrupt what a node decodes
        # or senses. They go to the node's tally in `air`; a node is looked at one by one only
        # when one of its receptions may be within the capture margin of the faint signal.
        faint = rssi < faint_below
        n_faint = int(np.count_nonzero(faint))
        r_pick, r_slots, r_rssi = pick, heard_at, rssi
        if n_faint:
            f_at = np.flatnonzero(faint)
            f_slots, f_rssi = heard_at[f_at], rssi[f_at]
            near = np.flatnonzero(air.floor[f_slots] - f_rssi < capture)
            for j, weak in zip(pick[f_at[near]].tolist(), f_rssi[near].tolist(), strict=True):
                for other in nodes[j].active_rx:
                    if other.rssi - weak < capture:
                        otx = other.tx
                        if otx.end > now and not otx.aborted:
                            other.corrupted = True
            air.remember(f_slots, f_rssi, tx.end, tx.serial, now)
            r_at = np.flatnonzero(~faint)
            r_pick, r_slots, r_rssi = pick[r_at], heard_at[r_at], rssi[r_at]
        # Receptions: decoded or sensed, each a Reception until the transmission ends.
        drowned = (r_rssi - air.strongest(r_slots, now) < capture).tolist() if len(r_pick) else []
        receptions = tx.receptions
        for j, rssi_j, hit in zip(r_pick.tolist(), r_rssi.tolist(), drowned, strict=True):
            node = nodes[j]
            rx = Reception(
                node, tx, rssi_j, rssi_j >= decode_dbm and node not in lost, rssi_j >= sens
            )
            rx.corrupted = hit
            active = node.active_rx
            if active:  # most receivers hear nothing else: no call then
                _capture(rx, active, now, capture)
            active.append(rx)
            receptions.append(rx)
        if len(r_pick):
            air.floor[r_slots] = np.minimum(air.floor[r_slots], r_rssi)
        return n_faint

    def _reach_one_by_one(
        self, sender: SimNode, tx: Transmission, capture: float, decode_dbm: float, sens: float
    ) -> int:
        """As `_reach_in_bulk`, node by node with each node's tally in `node.interference`:
        cheaper where a sender reaches few nodes. The same draws and the same decisions."""
        now = self.now
        faint_below = min(decode_dbm, sens)
        fades = self._fade_db
        rng = self.rng
        getrandbits = rng.getrandbits
        bits = FADE_BITS
        group = self._group
        sgroup = group.get(sender.node_num, -1) if group is not None else 0
        receptions = tx.receptions
        faint = 0
        for node, mean, loss in self._neighbour_table()[sender.node_num]:
            if node.transmitting is not None or not (node.powered and node.radio_enabled):
                continue
            if group is not None and group.get(node.node_num, -1) != sgroup:
                continue
            rssi = mean + fades[getrandbits(bits)] if fades else mean
            if rssi < faint_below:
                faint += 1
                for other in node.active_rx:
                    if other.rssi - rssi < capture:
                        otx = other.tx
                        if otx.end > now and not otx.aborted:
                            other.corrupted = True
                tally = node.interference
                tally.append((tx, rssi))
                if len(tally) > 16:  # only to bound it: stale entries are skipped anyway
                    tally[:] = [i for i in tally if i[0].end > now and not i[0].aborted]
                continue
            ok = rssi >= decode_dbm
            if ok and loss and rng.random() < loss:
                ok = False
            rx = Reception(node, tx, rssi, ok, rssi >= sens)
            active = node.active_rx
            if active:  # most receivers hear nothing else: no call then
                _capture(rx, active, now, capture)
            tally = node.interference
            if tally:
                live = [i for i in tally if i[0].end > now and not i[0].aborted]
                for _itx, irssi in live:
                    if rssi - irssi < capture:
                        rx.corrupted = True
                        break
                node.interference = live
            active.append(rx)
            receptions.append(rx)
        return faint

    def _airtime(self, phy_len: int) -> tuple[int, float]:
        """(firmware ms, exact seconds) on air for a frame of `phy_len` bytes, memoised."""
        cached = self._airtimes.get(phy_len)
        if cached is None:
            cached = (
                firmware_airtime_ms(phy_len, self.params),
                time_on_air_ms(phy_len, self.params) / 1000.0,
            )
            self._airtimes[phy_len] = cached
        return cached

    def _end_tx(self, tx: Transmission) -> None:
        if tx.aborted:
            return
        tx.sender.tx_done()
        self._hearing(tx.sender)
        rx_floor = self._air.floor if self._bulk else None  # only the bulk path reads it
        slot = self._slot
        trace = self.trace
        floor = self.noise_floor_dbm
        p = tx.packet
        airtime_ms = tx.airtime_ms
        ok_n = collided = weak = 0
        for rx in tx.receptions:
            node = rx.node
            if rx.epoch != node.epoch:
                continue
            active = node.active_rx
            active.remove(rx)
            if not active and rx_floor is not None:
                rx_floor[slot[node.node_num]] = np.inf
            if rx.ok and not rx.corrupted:
                ok_n += 1
                snr = round(rx.rssi - floor, 2)
                if trace is not None:
                    trace.append(("rx", self.now, node.node_num, p.frm, p.id, snr))
                node.rx_done(airtime_ms, p, snr, round(rx.rssi))
                continue
            # "collided": would have decoded but for an overlap (or its own TX)
            if rx.ok:
                collided += 1
            else:
                weak += 1
            if trace is not None:
                trace.append(("rx_fail", self.now, node.node_num, p.frm, p.id, rx.corrupted))
            if rx.detectable:
                node.rx_done(airtime_ms, None)
        stats = self.stats
        stats["rx_ok"] += ok_n
        stats["rx_collided"] += collided
        stats["rx_weak"] += weak

    def _abort_tx(self, node: SimNode) -> None:
        tx = node.transmitting
        if tx is None:
            return
        tx.aborted = True
        node.transmitting = None
        self._hearing(node)
        self._air.forget(tx.serial)
        self.stats["tx_aborted"] += 1
        for rx in tx.receptions:
            if rx.epoch == rx.node.epoch:
                rx.node.active_rx.remove(rx)
                rx.node.rx_done(tx.airtime_ms, None)

    # -- faults -------------------------------------------------------------------------------

    def _at(self, at: float | None, fn: Callable[[], None]) -> None:
        if at is None or at == self.now:
            fn()
        else:
            self.call_at(at, fn)

    def power_off(self, node_num: int, *, at: float | None = None) -> None:
        """The node loses power: its TX stops mid-air and everything in its RAM is lost."""
        node = self.node(node_num)

        def apply() -> None:
            if not node.powered:
                return
            self._abort_tx(node)
            node.powered = False
            node.epoch += 1
            node.active_rx.clear()
            node.interference.clear()
            self._deafened(node)
            node.lose_power()
            self._trace_fault("power_off", node_num)
            node.notify_power(False)

        self._at(at, apply)

    def power_on(self, node_num: int, *, at: float | None = None) -> None:
        """The node boots with empty queues and fresh airtime ledgers."""
        node = self.node(node_num)

        def apply() -> None:
            if node.powered:
                return
            node.powered = True
            self._hearing(node)
            node.boot()
            self._trace_fault("power_on", node_num)
            node.notify_power(True)

        self._at(at, apply)

    def radio_off(self, node_num: int, *, at: float | None = None) -> None:
        """The radio stops sending and hearing; the node and its queue stay up."""
        node = self.node(node_num)

        def apply() -> None:
            if not node.radio_enabled:
                return
            self._abort_tx(node)
            node.radio_enabled = False
            node.epoch += 1
            node.active_rx.clear()
            node.interference.clear()
            self._deafened(node)
            node.stop_tx_timer()
            self._trace_fault("radio_off", node_num)

        self._at(at, apply)

    def radio_on(self, node_num: int, *, at: float | None = None) -> None:
        node = self.node(node_num)

        def apply() -> None:
            if node.radio_enabled:
                return
            node.radio_enabled = True
            self._hearing(node)
            node.set_transmit_delay()
            self._trace_fault("radio_on", node_num)

        self._at(at, apply)

    def partition(self, groups: Iterable[Iterable[int]], *, at: float | None = None) -> None:
        """Only nodes in the same group hear each other; unlisted nodes form one more group."""
        mapping: dict[int, int] = {}
        for i, g in enumerate(groups):
            for n in g:
                self.node(n)
                if n in mapping:
                    raise BadPartition(node=n)
                mapping[n] = i

        def apply() -> None:
            self._group = mapping
            self._trace_fault("partition", len(set(mapping.values())))

        self._at(at, apply)

    def heal(self, *, at: float | None = None) -> None:
        def apply() -> None:
            self._group = None
            self._trace_fault("heal", 0)

        self._at(at, apply)

    def _trace_fault(self, kind: str, arg: int) -> None:
        self.stats[kind] += 1
        if self.trace is not None:
            self.trace.append((kind, self.now, arg))


def _pairs_within(nodes: list[SimNode], cell: float) -> Iterator[tuple[SimNode, SimNode]]:
    """Each unordered pair of placed nodes at most `cell` apart (and some further), once."""
    if not math.isfinite(cell) or cell <= 0:
        yield from itertools.combinations(nodes, 2)
        return
    grid: dict[tuple[int, int], list[SimNode]] = {}
    for n in nodes:
        assert n.position is not None
        grid.setdefault((int(n.position[0] // cell), int(n.position[1] // cell)), []).append(n)
    for (cx, cy), members in grid.items():
        yield from itertools.combinations(members, 2)
        for dx, dy in ((1, -1), (1, 0), (1, 1), (0, 1)):  # each neighbouring cell once
            other = grid.get((cx + dx, cy + dy))
            if other:
                for a in members:
                    for b in other:
                        yield a, b


def _preset(name: str) -> ModemParams:
    """The preset's PHY settings; an unknown name raises airtime.UnknownPresetError."""
    return preset(name)


def _position(position: object) -> tuple[float, float]:
    try:
        x, y = (float(c) for c in position)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise BadPosition(position=position) from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise BadPosition(position=position)
    return (x, y)


def _capture(rx: Reception, active: list[Reception], now: float, capture: float) -> None:
    """A new reception against those under way at the same receiver: whichever is not `capture`
    dB stronger than the other is corrupted (the firmware's capture effect; both can be)."""
    for other in active:
        otx = other.tx
        if otx.end <= now or otx.aborted:  # over (its end event may be due now)
            continue
        if rx.rssi - other.rssi < capture:
            rx.corrupted = True
        if other.rssi - rx.rssi < capture:
            other.corrupted = True
