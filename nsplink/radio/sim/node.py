"""One simulated Meshtastic node: the firmware's routing behaviour as seen from its API side.

Modelled on meshtastic/firmware v2.7 (next-hop routing since 2.6; no route-health table):
- `MeshService::sendToMesh` -> `ReliableRouter::send` (retransmission record for want_ack)
  -> `FloodingRouter::send` (broadcasts) or `NextHopRouter::send` (DMs: next hop if learnt)
  -> `Router::send` (duty-cycle gate, hop_start) -> `RadioLibInterface::send` (TX queue, timer).
- Next-hop routing (`Medium(next_hop=True)`, the default): a node learns the relay that carried
  an ack back along the path its packet took (PacketHistory's relayer bytes) and afterwards asks
  only that relay to forward DMs to that destination; the relay retries once, and the
  originator's last retry floods again. With `next_hop=False` every DM floods (pre-2.6).
- `RadioLibInterface::setTransmitDelay`: one transmit timer, overwritten on every enqueue, TX end
  and RX end; own packets wait `random(0, 2^CW(CU))` slots, relays an SNR-weighted delay; the timer
  re-arms while the channel is busy (carrier sense by CAD).
- Receiving: implicit ack when our own packet is heard repeated, duplicate suppression by
  (from, id) with the cancel / "repeated reliable tx" / hop-limit-upgrade rules of
  `FloodingRouter` and `NextHopRouter::shouldFilterReceived`, rebroadcast with hop_limit - 1,
  routing acks for DMs to us (`ReliableRouter::sniffReceived`), delivery to the app once.
- PKI direct messages (`Router::perhapsEncode`, 2.5+): a DM we originate is encrypted to the
  destination's public key, 12 bytes more on air, and refused (TOO_LARGE) when it would not fit.
  Every node is taken to know every key (NodeInfo at boot; 2.7 refuses a DM to a node whose key
  it lacks, PKI_SEND_FAIL_PUBLIC_KEY, which is not modelled).
- Retransmissions: 3 transmissions in all, `getRetransmissionMsec` apart, the deadline pushed back
  by the airtime of every packet sent or heard meanwhile; then a MAX_RETRANSMIT nak.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from nsplink.lora import airtime as at
from nsplink.lora.dutycycle import ChannelUtilization, DutyCycleLedger
from nsplink.radio.sim.errors import BadSend, NodePoweredOff, UnknownRole
from nsplink.radio.sim.events import (
    ERR_DUTY_CYCLE_LIMIT,
    ERR_MAX_RETRANSMIT,
    ERR_NONE,
    ERR_TOO_LARGE,
    ERRNO_DISABLED,
    ERRNO_UNKNOWN,
    MAX_TX_QUEUE,
    PORT_ROUTING,
    PRIO_ACK,
    PRIO_DEFAULT,
    PRIO_MAX,
    PRIO_RELIABLE,
    PRIO_RESPONSE,
    PRIO_UNSET,
    AppReceive,
    NodeEvent,
    QueueStatusEvent,
    RoutingEvent,
    SendResult,
)
from nsplink.radio.sim.packet import BROADCAST, AirPacket, last_byte
from nsplink.radio.sim.txqueue import TxQueue

if TYPE_CHECKING:
    from nsplink.radio.sim.air import Channel, Reception, Timer, Transmission

log = logging.getLogger(__name__)

ROLES = frozenset(
    {
        "CLIENT",
        "CLIENT_MUTE",
        "CLIENT_HIDDEN",
        "CLIENT_BASE",
        "ROUTER",
        "ROUTER_LATE",
        "REPEATER",
        "TRACKER",
        "SENSOR",
        "TAK",
        "TAK_TRACKER",
        "LOST_AND_FOUND",
    }
)
# PACKETHISTORY_MAX = max(2 * MAX_NUM_NODES, 100); MAX_NUM_NODES is 100 on the smaller targets.
HISTORY_SIZE = 200
NUM_RELAYERS = 6  # PacketHistory: relayer bytes kept per packet
NUM_INTERMEDIATE_RETX = 2  # a next-hop relay sends twice in all
ROUTERS = ("ROUTER", "ROUTER_LATE")
ROUTING_PAYLOAD_LEN = 2  # Routing{error_reason} encodes to 2 bytes


class _Seen:
    """One PacketHistory record."""

    __slots__ = ("highest_hop", "next_hop", "our_tx_hop", "relayers")

    def __init__(self, highest_hop: int, next_hop: int, our_tx_hop: int, relayers: list[int]):
        self.highest_hop = highest_hop
        self.next_hop = next_hop  # the next_hop of the first copy seen: were we asked to relay?
        self.our_tx_hop = our_tx_hop  # hop_limit of our own transmission of it (0: none)
        self.relayers = relayers  # relay bytes: us when we send, and whoever relayed after us


class _Pending:
    """A retransmission record (NextHopRouter::PendingPacket)."""

    __slots__ = ("due", "packet", "retries_left", "timer")

    def __init__(self, packet: AirPacket, retries_left: int, due: float) -> None:
        self.packet = packet
        self.retries_left = retries_left
        self.due = due
        self.timer: Timer | None = None


def fix_priority(p: AirPacket) -> None:
    """MeshPacketQueue.cpp fixPriority for packets without one (relayed copies have none)."""
    if p.priority != PRIO_UNSET:
        return
    p.priority = PRIO_RELIABLE if p.want_ack else PRIO_DEFAULT
    if p.portnum == PORT_ROUTING:
        p.priority = PRIO_ACK
    elif p.request_id:
        p.priority = PRIO_RESPONSE
    elif p.want_response:
        p.priority = PRIO_RELIABLE


class SimNode:
    def __init__(
        self,
        medium: Channel,
        node_num: int,
        *,
        position: tuple[float, float] | None,
        role: str,
        hop_limit: int,
        tx_power_dbm: float,
        antenna_gain_dbi: float,
        duty_pct: float,
    ) -> None:
        if role not in ROLES:
            raise UnknownRole(role=role, choices=", ".join(sorted(ROLES)))
        self.medium = medium
        self.node_num = node_num
        self.position = position
        self.role = role
        self.hop_limit = max(0, min(at.HOP_MAX, hop_limit))
        self.tx_power_dbm = tx_power_dbm
        self.antenna_gain_dbi = antenna_gain_dbi
        self.duty_pct = duty_pct
        self.byte = last_byte(node_num)
        self.on_event: Callable[[NodeEvent], None] | None = None
        # called with False when the node loses power and True when it boots again
        self.on_power: Callable[[bool], None] | None = None
        self.powered = True
        self.radio_enabled = True
        self.epoch = 0  # bumped on power/radio loss: receptions from before are void
        self.transmitting: Transmission | None = None
        self.active_rx: list[Reception] = []  # what it decodes or senses, until each ends
        # signals too faint to decode or sense that are on air here: they can still corrupt
        # a reception (capture), nothing else; stale ones are dropped lazily by the medium
        # (when it handles receivers one by one; in bulk it keeps them in onair.OnAir)
        self.interference: list[tuple[Transmission, float]] = []
        self.boot()

    # -- lifecycle -------------------------------------------------------------------------

    def boot(self) -> None:
        """Start from a clean RAM state (at creation and on `Medium.power_on`)."""
        now = self.medium.now
        self.queue = TxQueue(self.node_num, MAX_TX_QUEUE)
        self.pending: dict[tuple[int, int], _Pending] = {}  # by (from, id)
        self.history: OrderedDict[tuple[int, int], _Seen] = OrderedDict()
        self.next_hops: dict[int, int] = {}  # NodeDB next_hop: destination -> relay byte
        self.ledger = DutyCycleLedger(self.duty_pct, boot_s=now)
        self.channel_util = ChannelUtilization(boot_s=now)
        self._tx_timer: Timer | None = None
        self._last_qs_free = MAX_TX_QUEUE
        self._id_counter = self.medium.rng.getrandbits(10)

    def lose_power(self) -> None:
        """Everything in RAM is lost: queue, retransmissions, history, airtime ledgers."""
        self.stop_tx_timer()
        for pend in self.pending.values():
            if pend.timer is not None:
                pend.timer.cancelled = True
        self.pending.clear()
        self.queue.clear()

    def notify_power(self, up: bool) -> None:
        """Tell the app side (emulator, SimRadio) that the node lost or regained power."""
        if self.on_power is not None:
            try:
                self.on_power(up)
            except Exception:
                self.medium.stats["app_errors"] += 1
                log.exception("sim.on_power_failed node=%#x", self.node_num)

    @property
    def alive(self) -> bool:
        """Powered with the radio on: can transmit and receive."""
        return self.powered and self.radio_enabled

    # -- API side ----------------------------------------------------------------------------

    def new_packet_id(self) -> int:
        # Router.cpp generatePacketId: a rolling counter in the low bits, random above it.
        self._id_counter = (self._id_counter + 1) & 0x3FF
        pid = (self.medium.rng.getrandbits(22) << 10) | self._id_counter
        return pid or 1

    def send(
        self,
        *,
        dest: int,
        payload: bytes,
        portnum: int,
        want_ack: bool = False,
        priority: int = PRIO_DEFAULT,
        hop_limit: int | None = None,
        packet_id: int | None = None,
        channel: int = 0,
        want_response: bool = False,
        request_id: int = 0,
    ) -> SendResult:
        """sendToMesh at `medium.now`; returns the QueueStatus the firmware reports."""
        if not self.powered:
            raise NodePoweredOff(node=self.node_num)
        if not isinstance(payload, bytes | bytearray | memoryview):
            raise BadSend(
                node=self.node_num, field="payload", value=type(payload).__name__, expected="bytes"
            )
        payload = bytes(payload)
        for name, value, lo, hi in (
            ("dest", dest, 1, 0xFFFFFFFF),
            ("portnum", portnum, 0, 0xFFFF),
            ("priority", priority, 0, PRIO_MAX),
            ("channel", channel, 0, 7),
            ("request_id", request_id, 0, 0xFFFFFFFF),
            ("packet_id", 1 if packet_id is None else packet_id, 1, 0xFFFFFFFF),
            ("hop_limit", 0 if hop_limit is None else hop_limit, 0, 0xFFFFFFFF),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise BadSend(node=self.node_num, field=name, value=value, expected=f"{lo}..{hi}")
        pid = packet_id if packet_id is not None else self.new_packet_id()
        hops = self.hop_limit if hop_limit is None else min(at.HOP_MAX, hop_limit)
        wire = at.data_wire_len(
            len(payload), portnum=portnum, want_response=want_response, request_id=request_id
        )
        pki = dest not in (BROADCAST, self.node_num) and portnum != PORT_ROUTING
        extra = at.PKC_OVERHEAD if pki else 0
        if len(payload) > at.DATA_PAYLOAD_LEN or wire + extra > at.MAX_ENCRYPTED_LEN:
            # Router::send -> perhapsEncode fails -> abortSendAndNak(TOO_LARGE)
            self.medium.stats["too_large"] += 1
            self._emit(RoutingEvent(pid, ERR_TOO_LARGE, self.node_num, self.medium.now))
            return self._result(pid, ERR_TOO_LARGE)
        p = AirPacket(
            frm=self.node_num,
            to=dest,
            id=pid,
            hop_limit=hops,
            hop_start=hops,
            want_ack=want_ack and dest != BROADCAST,  # never set on broadcasts over the air
            channel=channel,
            portnum=portnum,
            payload=payload,
            phy_len=at.HEADER_LEN + wire + extra,
            want_response=want_response,
            request_id=request_id,
            priority=priority,
        )
        fix_priority(p)
        if dest == self.node_num:
            self._deliver(p)
            return self._result(pid, ERR_NONE)
        self.medium.stats["app_sent"] += 1
        res = self._send_local(p, reliable=want_ack)
        return self._result(pid, res)

    def _result(self, pid: int, res: int) -> SendResult:
        self._last_qs_free = self.queue.free
        return SendResult(pid, res, self.queue.free, self.queue.maxlen)

    def _emit(self, event: NodeEvent) -> None:
        self.medium.record_event(self, event)
        if self.on_event is None:
            return
        try:
            self.on_event(event)
        except Exception:  # the app's bug must not stop the medium, but it is counted:
            self.medium.stats["app_errors"] += 1  # a run with any is not a valid result
            log.exception("sim.on_event_failed node=%#x", self.node_num)

    # -- router: sending ---------------------------------------------------------------------

    def _send_local(self, p: AirPacket, *, reliable: bool) -> int:
        """ReliableRouter::send."""
        if reliable:
            self._start_retransmission(p, at.NUM_RELIABLE_RETX)
        push = at.firmware_airtime_ms(p.phy_len, self.medium.params) / 1000.0
        for key, pend in self.pending.items():
            if key[1] != p.id:
                pend.due += push
        return self._flood_send(p) if p.to == BROADCAST else self._next_hop_send(p)

    def _flood_send(self, p: AirPacket) -> int:
        """FloodingRouter::send: remember our own transmission, then Router::send."""
        p.relay_node = self.byte
        self._seen_recently(p)
        return self._router_send(p)

    def _next_hop_send(self, p: AirPacket) -> int:
        """NextHopRouter::send: ask the learnt next hop (if any) to relay; a relay asked that
        way keeps a retransmission record of its own."""
        p.relay_node = self.byte
        self._seen_recently(p)
        nh = self.next_hops.get(p.to, 0)
        p.next_hop = nh if nh != p.relay_node else 0  # getNextHop never names the relayer
        if (
            (p.frm != self.node_num or not p.want_ack)
            and p.next_hop
            and (p.hop_limit > 0 or p.want_ack)
        ):
            self._start_retransmission(p, NUM_INTERMEDIATE_RETX)
        return self._router_send(p)

    def _router_send(self, p: AirPacket) -> int:
        """Router::send + RadioLibInterface::send."""
        stats = self.medium.stats
        from_us = p.frm == self.node_num
        now = self.medium.now
        if not self.ledger.allowed(now):
            if from_us:
                stats["duty_refused_own"] += 1
                self._nak_local(p.id, ERR_DUTY_CYCLE_LIMIT)
            else:
                stats["duty_dropped_relay"] += 1
            return ERR_DUTY_CYCLE_LIMIT
        if from_us:
            p.hop_start = p.hop_limit
        if not self.radio_enabled:
            return ERRNO_DISABLED
        accepted, evicted = self.queue.enqueue(p)
        if evicted is not None:
            stats["queue_evicted"] += 1
        if not accepted:
            stats["queue_full"] += 1
            return ERRNO_UNKNOWN
        self.set_transmit_delay()
        return ERR_NONE

    def _nak_local(self, request_id: int, reason: int) -> None:
        """abortSendAndNak: a nak to ourselves, which also ends the retransmission record."""
        self._stop_retransmission((self.node_num, request_id))
        self._emit(RoutingEvent(request_id, reason, self.node_num, self.medium.now))

    def _start_retransmission(self, p: AirPacket, transmissions: int) -> None:
        key = p.key
        self._stop_retransmission(key)
        due = self.medium.now + self._retry_timeout_s(p)
        pend = _Pending(p.copy(), transmissions - 1, due)
        pend.timer = self.medium.schedule(due, self._retransmit_timer, key)
        self.pending[key] = pend

    def _stop_retransmission(self, key: tuple[int, int]) -> bool:
        """NextHopRouter::stopRetransmission: once a retry has been issued, a copy still waiting
        in the TX queue is withdrawn too (routers keep a relay they were asked for)."""
        pend = self.pending.pop(key, None)
        if pend is None:
            return False
        if pend.timer is not None:
            pend.timer.cancelled = True
        if pend.retries_left < at.NUM_RELIABLE_RETX - 1 and (
            key[0] == self.node_num or self.role not in ROUTERS
        ):
            self.queue.remove(*key)
        return True

    def _retry_timeout_s(self, p: AirPacket) -> float:
        params = self.medium.params
        airtime = at.firmware_airtime_ms(p.phy_len, params)
        cu = self.channel_util.percent(self.medium.now)
        return at.retry_timeout_ms(airtime, params, cu) / 1000.0

    def _retransmit_timer(self, key: object) -> None:
        """NextHopRouter::doRetransmissions for one record."""
        assert isinstance(key, tuple)
        pend = self.pending.get(key)
        if pend is None:
            return
        now = self.medium.now
        if pend.due > now:  # pushed back by airtime meanwhile
            pend.timer = self.medium.schedule(pend.due, self._retransmit_timer, key)
            return
        frm, pid = key
        if pend.retries_left == 0:
            del self.pending[key]
            if frm == self.node_num:
                self.medium.stats["nak_max_retransmit"] += 1
                self._emit(RoutingEvent(pid, ERR_MAX_RETRANSMIT, self.node_num, now))
            return
        last = pend.retries_left == 1
        pend.retries_left -= 1
        pend.due = now + self._retry_timeout_s(pend.packet)
        pend.timer = self.medium.schedule(pend.due, self._retransmit_timer, key)
        self.medium.stats["retransmissions"] += 1
        copy = pend.packet.copy()
        if copy.to == BROADCAST:
            self._flood_send(copy)
        elif last:
            # the last try forgets the route and floods (NO_NEXT_HOP_PREFERENCE)
            pend.packet.next_hop = copy.next_hop = 0
            self.next_hops.pop(copy.to, None)
            self._flood_send(copy)
        else:
            self._next_hop_send(copy)

    # -- radio interface: the transmit timer -------------------------------------------------

    def stop_tx_timer(self) -> None:
        if self._tx_timer is not None:
            self._tx_timer.cancelled = True
            self._tx_timer = None

    def _arm_tx_timer(self, delay_s: float) -> None:
        # notifyLater(..., txTimerOverwrite): a new delay replaces the one pending
        self.stop_tx_timer()
        self._tx_timer = self.medium.schedule(self.medium.now + delay_s, self._tx_timer_fired, None)

    def _rebroadcast_delay_ms(self, snr: float) -> int:
        router = self.role == "ROUTER"
        slots = self.medium.rng.randrange(at.rebroadcast_window(snr, router=router))
        return at.rebroadcast_delay_slots(router=router, slots=slots) * self.medium.slot_ms

    def _own_delay_ms(self) -> int:
        # getTxDelayMsec: random(0, 2^CW(CU)) slots
        window = at.tx_delay_window(self.channel_util.percent(self.medium.now))
        return self.medium.rng.randrange(window) * self.medium.slot_ms

    def set_transmit_delay(self) -> None:
        """RadioLibInterface::setTransmitDelay."""
        items = self.queue.items
        if not items or not (self.powered and self.radio_enabled):
            return
        p = items[0]
        now = self.medium.now
        if p.tx_after:
            add = self._rebroadcast_delay_ms(p.rx_snr) if p.rx_rssi else self._own_delay_ms()
            worst = at.late_rebroadcast_delay_ms(self.medium.params, p.rx_snr)
            p.tx_after = min(
                max(p.tx_after + add / 1000.0, now + add / 1000.0), now + 2 * worst / 1000.0
            )
            self._arm_tx_timer(p.tx_after - now)
        elif p.rx_snr == 0 and p.rx_rssi == 0:
            self._arm_tx_timer(self._own_delay_ms() / 1000.0)
        else:
            self._arm_tx_timer(self._rebroadcast_delay_ms(p.rx_snr) / 1000.0)

    def channel_busy(self) -> bool:
        """isChannelActive / !canSendImmediately: sending, or a detectable LoRa signal on air."""
        if self.transmitting is not None:
            return True
        return any(rx.detectable for rx in self.active_rx)

    def _tx_timer_fired(self, _arg: object) -> None:
        self._tx_timer = None
        if not self.alive or not len(self.queue):
            return
        if self.channel_busy():
            self.set_transmit_delay()
            return
        p = self.queue.front()
        assert p is not None
        now = self.medium.now
        if p.tx_after and p.tx_after > now:
            self._arm_tx_timer(p.tx_after - now)
            return
        p = self.queue.dequeue()
        if self._last_qs_free == 0 and self.queue.free > 0:
            self._last_qs_free = self.queue.free
            self._emit(QueueStatusEvent(ERR_NONE, self.queue.free, self.queue.maxlen, 0))
        airtime_ms = at.firmware_airtime_ms(p.phy_len, self.medium.params)
        self.ledger.record(now, airtime_ms)
        self.channel_util.record_on_air(now, now + airtime_ms / 1000.0, at_s=now)
        self.medium.start_tx(self, p)

    def tx_done(self) -> None:
        """ISR_TX."""
        self.transmitting = None
        self.set_transmit_delay()

    # -- router: receiving -------------------------------------------------------------------

    def _seen_recently(self, p: AirPacket) -> tuple[bool, bool, bool, bool]:
        """PacketHistory::wasSeenRecently with update: (seen, upgraded, fallback, asked us).
        `fallback`: a DM that went to a next hop other than us now comes flooded from the
        relay that was asked; `asked us`: the first copy named us as its next hop."""
        key = (p.frm, p.id)  # p.key, without the property call (every frame heard)
        me = self.byte
        history = self.history
        found = history.get(key)
        we_relay = p.relay_node == me
        if found is None:
            if len(history) >= HISTORY_SIZE:
                history.popitem(last=False)
            history[key] = _Seen(
                p.hop_limit, p.next_hop, p.hop_limit if we_relay else 0, [me] if we_relay else []
            )
            return False, False, False, False
        relayers = found.relayers
        upgraded = found.highest_hop < p.hop_limit
        fallback = (
            key[0] != self.node_num
            and found.next_hop not in (0, me)
            and p.next_hop == 0
            and p.relay_node in relayers
            and me not in relayers
            and found.next_hop not in relayers
        )
        asked_us = found.next_hop == me
        if we_relay:
            fresh = [me]
            found.our_tx_hop = p.hop_limit
        elif me in relayers and p.hop_limit in (found.our_tx_hop, found.our_tx_hop - 1):
            fresh = [p.relay_node]  # who relayed it after us: a candidate next hop
        else:
            fresh = []
        for r in relayers:
            if r and r not in fresh and len(fresh) < NUM_RELAYERS:
                fresh.append(r)
        found.relayers = fresh
        if p.hop_limit > found.highest_hop:
            found.highest_hop = p.hop_limit
        history.move_to_end(key)
        return True, upgraded, fallback, asked_us

    def _was_relayer(self, relayer: int, key: tuple[int, int]) -> tuple[bool, bool]:
        """(relayer relayed the packet `key`, it was the only relayer we know of)."""
        found = self.history.get(key)
        if found is None or not relayer or relayer not in found.relayers:
            return False, False
        return True, found.relayers == [relayer]

    def rx_done(
        self, rx_airtime_ms: int, packet: AirPacket | None, snr: float = 0.0, rssi: int = 0
    ) -> None:
        """ISR_RX: a frame ended at this receiver; `packet` is None if it did not decode.
        `packet` is the transmitter's object, shared by all receivers: never modified here."""
        now = self.medium.now
        self.channel_util.record_on_air(now - rx_airtime_ms / 1000.0, now, at_s=now)
        if packet is not None:
            self._handle_received(packet, snr, rssi, rx_airtime_ms)
        if self.queue.items:  # else nothing to time: spares a call per frame heard
            self.set_transmit_delay()

    def _handle_received(self, p: AirPacket, snr: float, rssi: int, rx_airtime_ms: int) -> None:
        stats = self.medium.stats
        now = self.medium.now
        me = self.node_num
        # ReliableRouter::shouldFilterReceived: someone repeated our packet -> implicit ack
        if p.frm == me and self._stop_retransmission(p.key):
            stats["implicit_acks"] += 1
            self._emit(RoutingEvent(p.id, ERR_NONE, me, now))
        for pend in self.pending.values():
            pend.due += rx_airtime_ms / 1000.0
        seen, upgraded, fallback, asked_us = self._seen_recently(p)
        if seen:
            if upgraded or fallback or p.hops_away == 0:  # may be relayed: needs our own copy
                p = self._own_copy(p, snr, rssi)
            if upgraded and self._perhaps_upgrade(p):
                return
            stats["rx_dupe"] += 1
            self._handle_dupe(p, fallback, asked_us)
            return
        p = self._own_copy(p, snr, rssi)
        if p.request_id:  # an ack or a reply: learn the route, stop relaying the original
            self._learn_next_hop(p)
            if p.to not in (me, BROADCAST):
                if self.queue.remove(p.to, p.request_id) is not None:
                    stats["relay_cancelled"] += 1
                self._stop_retransmission((p.to, p.request_id))
        self._perhaps_rebroadcast(p)
        if p.to == me:
            if p.want_ack and p.portnum != PORT_ROUTING:
                if not p.request_id:
                    self._send_ack(p, self._hop_limit_for_response(p))
                elif p.hops_away == 0 or p.next_hop:
                    self._send_ack(p, 0)
            elif not p.want_ack and p.next_hop == self.byte and p.hop_limit > 0:
                self._send_ack(p, 0)  # stops the next-hop relay's retries
            if p.portnum == PORT_ROUTING and p.request_id:
                self._stop_retransmission((me, p.request_id))
                stats["routing_acks" if p.error_reason == ERR_NONE else "routing_naks"] += 1
                got = (p.rx_snr, p.rx_rssi, p.hop_start, p.hop_limit)
                self._emit(RoutingEvent(p.request_id, p.error_reason, p.frm, now, *got))
                return
        if p.to in (me, BROADCAST) and p.portnum != PORT_ROUTING:
            self._deliver(p)

    def _learn_next_hop(self, p: AirPacket) -> None:
        """NextHopRouter::sniffReceived: an ack/reply from D relayed by R, for a packet that R
        and we both relayed (or that we sent straight to D), means "reach D through R"."""
        if not self.medium.next_hop_routing:
            return
        original = (p.to, p.request_id)
        was_already, _ = self._was_relayer(p.relay_node, original)
        we_were, sole = self._was_relayer(self.byte, original)
        if (we_were and was_already) or (p.hops_away == 0 and sole):
            if self.next_hops.get(p.frm) != p.relay_node:
                self.medium.stats["next_hops_learnt"] += 1
            self.next_hops[p.frm] = p.relay_node

    @staticmethod
    def _own_copy(p: AirPacket, snr: float, rssi: int) -> AirPacket:
        c = p.copy()
        c.rx_snr = snr
        c.rx_rssi = rssi
        return c

    def _handle_dupe(self, p: AirPacket, fallback: bool, asked_us: bool) -> None:
        if p.to == BROADCAST:  # FloodingRouter::shouldFilterReceived
            repeated = p.hop_start > 0 and p.hop_start == p.hop_limit
            if repeated:
                if self.queue.find(p.frm, p.id) is None:
                    self._perhaps_rebroadcast(p)
            else:
                self._perhaps_cancel_dupe(p)
            return
        # NextHopRouter::shouldFilterReceived: hearing it again means it moved on
        self._stop_retransmission(p.key)
        if fallback:
            if self.queue.find(p.frm, p.id) is None:
                self._perhaps_rebroadcast(p)
        elif p.hops_away == 0:
            # the originator's own retransmission: relay again, or re-ack if it is for us
            if (
                self.queue.find(p.frm, p.id) is None
                and not self._perhaps_rebroadcast(p)
                and p.to == self.node_num
                and p.want_ack
            ):
                self._send_ack(p, 0)
        elif not asked_us:
            self._perhaps_cancel_dupe(p)

    def _perhaps_cancel_dupe(self, p: AirPacket) -> None:
        if self.role not in ROUTERS and self.queue.remove(p.frm, p.id) is not None:
            self.medium.stats["relay_cancelled"] += 1
        if self.role == "ROUTER_LATE":
            # clampToLateRebroadcastWindow: a heard dupe moves our copy to the late window
            q = self.queue.remove(p.frm, p.id, normal=True, late=False)
            if q is not None:
                worst = at.late_rebroadcast_delay_ms(self.medium.params, q.rx_snr)
                q.tx_after = self.medium.now + worst / 1000.0
                self.queue.enqueue(q)

    def _perhaps_upgrade(self, p: AirPacket) -> bool:
        """perhapsHandleUpgradedPacket: a copy with more hops left replaces our queued relay."""
        if (
            self._is_rebroadcaster()
            and p.hop_limit > 0
            and self.queue.remove(p.frm, p.id, hop_limit_lt=p.hop_limit) is not None
        ):
            self._perhaps_rebroadcast(p)
            return True
        return False

    def _is_rebroadcaster(self) -> bool:
        return self.role != "CLIENT_MUTE"

    def _perhaps_rebroadcast(self, p: AirPacket) -> bool:
        """NextHopRouter::perhapsRebroadcast: relay unless it names another node as next hop."""
        me = self.node_num
        if p.to == me or p.frm == me or p.hop_limit <= 0 or p.id == 0:
            return False
        if not self._is_rebroadcaster() or p.next_hop not in (0, self.byte):
            return False
        c = p.copy()
        c.hop_limit -= 1
        c.priority = PRIO_UNSET
        c.tx_after = 0.0
        fix_priority(c)
        self.medium.stats["relays_queued"] += 1
        if p.next_hop == 0:
            self._flood_send(c)
        else:
            self._next_hop_send(c)
        return True

    def _hop_limit_for_response(self, p: AirPacket) -> int:
        """RoutingModule::getHopLimitForResponse."""
        used = p.hops_away
        if used >= 0:
            if used > self.hop_limit:
                return used
            if p.hop_start == 0:
                return 0
            if used + 2 < self.hop_limit:
                return used + 2
        return self.hop_limit

    def _send_ack(self, p: AirPacket, hop_limit: int) -> None:
        """sendAckNak(NONE, from, id): a ROUTING_APP packet back to the sender."""
        wire = at.data_wire_len(ROUTING_PAYLOAD_LEN, portnum=PORT_ROUTING, request_id=p.id)
        ack = AirPacket(
            frm=self.node_num,
            to=p.frm,
            id=self.new_packet_id(),
            hop_limit=hop_limit,
            hop_start=hop_limit,
            want_ack=False,
            channel=p.channel,
            portnum=PORT_ROUTING,
            payload=b"\x18\x00",
            phy_len=at.HEADER_LEN + wire,
            request_id=p.id,
            error_reason=ERR_NONE,
            priority=PRIO_ACK,
        )
        self.medium.stats["acks_sent"] += 1
        self._send_local(ack, reliable=False)

    def _deliver(self, p: AirPacket) -> None:
        self.medium.stats["app_delivered"] += 1
        self._emit(
            AppReceive(
                from_node=p.frm,
                to_node=p.to,
                packet_id=p.id,
                portnum=p.portnum,
                payload=p.payload,
                want_ack=p.want_ack,
                want_response=p.want_response,
                request_id=p.request_id,
                channel=p.channel,
                rx_time=self.medium.now,
                rx_snr=p.rx_snr,
                rx_rssi=p.rx_rssi,
                hop_start=p.hop_start,
                hop_limit=p.hop_limit,
            )
        )
