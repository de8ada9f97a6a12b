"""The bridge: a CP's signed frames over an MQTT broker to the other CPs of its region (issue 23,
docs/design.md §8).

The broker is never trusted. Frames cross it exactly as they were signed; every receiver hands
them to its daemon's engine through the same path as a radio frame (`bridge.frame_in` rows in
the site's log, fed by the daemon to `SiteEngine.on_frame`), so the engine's signature check and
its duplicate check apply: a forged frame is refused, a frame heard over LoRa and again over the
broker is shown once. LoRa stays the fallback; nothing depends on the broker.

Out: the feed for the crisis organisation (app/feed.py: bulletins as CAP, sitreps and supply
requests as JSON, retained), when the bridge is given the keys to read the frames with; and
what this CP verified or signed, read from its log: our own messages (`message.created`),
our receipts, triage receipts (= claims) included (`receipt.created`), verified messages we
received over the radio (`message.received` once `message.verified`), and receipts addressed to
us (`receipt.heard`), and other CPs' claims heard on our radio (`claim.heard`), so the CPs
beyond learn of a CP that has no link. Frames that came over the bridge are not published
again. The log is the
bridge's outbox: a cursor row (`bridge.published`, data upto = the last log id whose frames the
broker acknowledged, QoS 1) is written after each acknowledged batch, so a bridge killed or cut
off mid-publish resumes from the log and loses nothing (the broker may then carry a frame twice;
the receivers' duplicate check makes that harmless).

In: one topic per region and CP, `nsplink/v1/<region>/<key id>`, payload the signed frame. A
persistent MQTT 5 session (clean start off, a session that outlives the connection by
SESSION_EXPIRY_S, a fixed client id per CP) with QoS 1, so frames published while this bridge was
away are delivered when it is back.

Refused by the broker (issue 23): a login it does not accept, a broker certificate the CA file
does not vouch for, or a publish or subscribe its ACL denies (MQTT 5 says so in the PUBACK; 3.1.1
would drop it in silence, which is why this is MQTT 5) stop the bridge with `BrokerRefused`, one
clear line: retrying cannot help until someone fixes the credentials, and nothing is marked
published, so the log still holds every frame for then. Bad input from the broker (a topic not
of our form, an empty or oversized payload) is a typed error: a `bridge.rejected` row (at most
a few a minute, the rest counted) and no crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import re
import ssl
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiomqtt
from aiomqtt.exceptions import MqttConnectError
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from nsplink.app.bridgelog import (
    BRIDGE_NODE,
    CONNECTED,
    DISCONNECTED,
    FRAME_IN,
    PUBLISHED,
    REJECTED,
)
from nsplink.app.feed import FeedMessage, feed_message
from nsplink.app.nudge import nudge
from nsplink.app.site import SiteHome
from nsplink.app.tasks import run_until_stopped
from nsplink.errors import NsplinkError
from nsplink.i18n import register
from nsplink.protocol import (
    Bulletin,
    DecodeError,
    KeyId,
    KeyLookup,
    SignedMessage,
    decode,
)
from nsplink.store import Event, Record, Store

log = logging.getLogger("nsplink.bridge")
# the MQTT client's own logger: its "N pending publish calls" is our batch in flight, not news
QUIET = logging.getLogger("nsplink.bridge.mqtt")
QUIET.setLevel(logging.ERROR)

MAX_PAYLOAD = 4096  # a signed message is far smaller; the log refuses larger frames anyway
TOPIC_ROOT = "nsplink/v1"
BATCH = 32  # frames in flight at once (QoS 1: each awaits its PUBACK)
REJECTS_PER_MINUTE = 4  # full rows a minute for bad input; the rest are counted
SESSION_EXPIRY_S = 7 * 24 * 3600  # the broker keeps our subscription and queue that long
# CONNACK reasons that mean: these credentials are not welcome (MQTT 5; paho maps 3.1.1's 4, 5)
LOGIN_REFUSED = {"Bad user name or password", "Not authorized", "Bad authentication method"}


register(
    {
        "bridge.bad_topic": (
            "onbekend onderwerp op de broker: {topic}",
            "unknown topic on the broker: {topic}",
        ),
        "bridge.bad_payload": (
            "bericht van de broker van {size} bytes geweigerd (1 tot {max} toegestaan)",
            "message from the broker of {size} bytes refused (1 to {max} allowed)",
        ),
        "bridge.no_password": (
            "Wachtwoordbestand {path} niet leesbaar.",
            "Password file {path} not readable.",
        ),
        "bridge.connected": (
            "Brug verbonden met {broker} (regio {region}).",
            "Bridge connected to {broker} (region {region}).",
        ),
        "bridge.lost": (
            "Verbinding met de broker weg ({reason}); opnieuw over {delay:.1f} s.",
            "Lost the broker ({reason}); again in {delay:.1f} s.",
        ),
        "bridge.refused_login": (
            "De broker {broker} weigert de aanmelding van deze CP ({reason}): controleer "
            "gebruikersnaam en wachtwoordbestand. De brug stopt.",
            "The broker {broker} refuses this CP's login ({reason}): check the user name and "
            "password file. The bridge stops.",
        ),
        "bridge.refused_tls": (
            "Het certificaat van broker {broker} is niet te vertrouwen met dit CA-bestand "
            "({reason}). De brug stopt.",
            "The certificate of broker {broker} is not trusted with this CA file ({reason}). "
            "The bridge stops.",
        ),
        "bridge.refused_topic": (
            "De broker {broker} weigert deze CP op {topic} ({reason}): deze inlog mag niet "
            "voor regio {region}. De brug stopt.",
            "The broker {broker} refuses this CP on {topic} ({reason}): this login may not act "
            "for region {region}. The bridge stops.",
        ),
    }
)


class BridgeInputError(NsplinkError):
    """Something the broker delivered that is not a frame of ours."""

    code = "bridge.bad_input"
    key = "bridge.bad_topic"


class BadTopic(BridgeInputError):
    code = "bridge.bad_topic"
    key = "bridge.bad_topic"


class BadPayload(BridgeInputError):
    code = "bridge.bad_payload"
    key = "bridge.bad_payload"


class PasswordUnreadable(NsplinkError):
    code = "bridge.no_password"
    key = "bridge.no_password"


class BrokerRefused(NsplinkError):
    """The broker will not have this CP as configured; retrying cannot help."""

    code = "bridge.refused"
    key = "bridge.refused_login"


class LoginRefused(BrokerRefused):
    code = "bridge.refused_login"
    key = "bridge.refused_login"


class TlsRefused(BrokerRefused):
    code = "bridge.refused_tls"
    key = "bridge.refused_tls"


class TopicRefused(BrokerRefused):
    code = "bridge.refused_topic"
    key = "bridge.refused_topic"


def refusal(exc: aiomqtt.MqttError, broker: str) -> BrokerRefused | None:
    """The refusal an MQTT error means, or None for a plain loss of the link (retried)."""
    rc = exc.rc if isinstance(exc, MqttConnectError) else None
    if isinstance(rc, ReasonCode) and rc.getName() in LOGIN_REFUSED:
        return LoginRefused(rc.getName(), broker=broker, reason=rc.getName())
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, ssl.SSLCertVerificationError):
        reason = cause.verify_message or str(cause)
        return TlsRefused(reason, broker=broker, reason=reason)
    return None


_KEY_RE = re.compile(r"^[0-9a-f]{6}$")
_REGION_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def region_topic(region: str) -> str:
    return f"{TOPIC_ROOT}/{region}"


def topic_for(region: str, key_id: KeyId) -> str:
    return f"{region_topic(region)}/{key_id}"


def check_incoming(topic: str, payload: bytes, region: str) -> KeyId:
    """The CP key id a delivered message claims to come from (only a routing hint: the frame's
    signature says who really signed it). Raises a BridgeInputError for anything else."""
    prefix = region_topic(region) + "/"
    tail = topic[len(prefix) :] if topic.startswith(prefix) else ""
    if not _KEY_RE.match(tail):
        raise BadTopic(topic[:80], topic=topic[:80])
    if not 0 < len(payload) <= MAX_PAYLOAD:
        raise BadPayload(str(len(payload)), size=len(payload), max=MAX_PAYLOAD)
    return KeyId.parse(tail)


@dataclass(frozen=True)
class BridgeOptions:
    host: str
    port: int = 1883
    tls_ca: Path | None = None  # CA file: TLS on; the broker's certificate is checked
    tls_cert: Path | None = None  # client certificate (per-CP credentials by TLS)
    tls_key: Path | None = None
    username: str | None = None  # per-CP credentials by password
    password_file: Path | None = None  # never on the command line
    client_id: str | None = None  # default nsplink-<region>-<key id>: one session per CP
    keepalive: int = 30
    backoff_min_s: float = 0.5
    backoff_max_s: float = 30.0
    poll_s: float = 0.2  # how often the log is looked at for new frames to publish

    def password(self) -> str | None:
        if self.password_file is None:
            return None
        try:
            return self.password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise PasswordUnreadable(str(self.password_file), path=self.password_file) from exc

    def tls(self) -> aiomqtt.TLSParameters | None:
        if self.tls_ca is None:
            return None
        return aiomqtt.TLSParameters(
            ca_certs=str(self.tls_ca),
            certfile=str(self.tls_cert) if self.tls_cert else None,
            keyfile=str(self.tls_key) if self.tls_key else None,
            cert_reqs=ssl.CERT_REQUIRED,
        )


def _watch_pubacks(client: aiomqtt.Client) -> list[str]:
    """The reasons of PUBACKs that refused a publish (an ACL says no): aiomqtt drops a PUBACK's
    reason code, so its paho callback is wrapped to keep them."""
    refused: list[str] = []
    paho = client._client  # aiomqtt 2 keeps its paho client here; pinned <3 in pyproject
    inner = paho.on_publish

    def on_publish(c: Any, userdata: Any, mid: int, rc: ReasonCode, props: Any) -> None:
        if isinstance(rc, ReasonCode) and rc.is_failure:
            refused.append(rc.getName())
        inner(c, userdata, mid, rc, props)

    paho.on_publish = on_publish
    return refused


def backoff(attempt: int, lo: float, hi: float, rng: random.Random) -> float:
    """Bounded exponential back-off with jitter: lo, 2 lo, 4 lo ... at most hi."""
    return min(hi, lo * 2.0 ** min(attempt, 30)) * rng.uniform(0.7, 1.0)


class _Seen:
    """The last frames taken in, by hash: a QoS 1 redelivery costs no second log row."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._d: OrderedDict[bytes, None] = OrderedDict()

    def add(self, frame: bytes) -> bool:
        key = hashlib.sha256(frame).digest()[:16]
        if key in self._d:
            self._d.move_to_end(key)
            return False
        self._d[key] = None
        if len(self._d) > self.size:
            self._d.popitem(last=False)
        return True


class Bridge:
    """One CP's bridge process: publish from the log, take in from the broker."""

    def __init__(
        self,
        home: SiteHome,
        site: str,
        region: str,
        me: KeyId,
        options: BridgeOptions,
        *,
        clock: Callable[[], float] = time.time,
        say: Callable[[str, dict[str, Any]], None] | None = None,
        feed_keys: KeyLookup | None = None,  # the crisis organisation's feed on; None: off
    ) -> None:
        if not _REGION_RE.match(region):
            raise BadTopic(region, topic=region)
        self.home = home
        self.site = site
        self.region = region
        self.me = me
        self.opt = options
        self.clock = clock
        self.say = say or (lambda key, kw: None)
        self.feed_keys = feed_keys
        self.store: Store | None = None
        self.cursor = 0
        self.seen = _Seen()
        self._stop = asyncio.Event()
        self._rng = random.Random()
        self._reject_minute = -1
        self._rejects_full = 0
        self._rejects_counted = 0
        self.refused_acks: list[str] = []
        self.published = 0  # frames acknowledged by the broker in this run (for tests, bench)
        self.fed = 0  # feed messages acknowledged
        self.taken_in = 0

    def request_stop(self) -> None:
        self._stop.set()

    # -- the loop ---------------------------------------------------------------------------------

    async def run(self) -> None:
        async with await Store.open(self.home.db_path) as store:
            self.store = store
            self.cursor = await self._load_cursor()
            attempt = 0
            while not self._stop.is_set():
                try:
                    await self._session()
                    attempt = 0
                except BrokerRefused as refused:
                    await self._stop_refused(refused)
                except aiomqtt.MqttError as exc:
                    if (refused := refusal(exc, self.broker)) is not None:
                        await self._stop_refused(refused)
                    delay = backoff(
                        attempt, self.opt.backoff_min_s, self.opt.backoff_max_s, self._rng
                    )
                    attempt += 1
                    reason = str(exc)[:200]
                    await self._append(
                        Event(DISCONNECTED, self.clock(), self.site, data={"reason": reason})
                    )
                    log.warning("broker lost (%s); again in %.1f s", reason, delay)
                    self.say("bridge.lost", {"reason": reason, "delay": delay})
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), delay)
            await self._flush_rejects()

    @property
    def broker(self) -> str:
        return f"{self.opt.host}:{self.opt.port}"

    async def _session(self) -> None:
        opt = self.opt
        client_id = opt.client_id or f"nsplink-{self.region}-{self.me}"
        session = Properties(PacketTypes.CONNECT)
        session.SessionExpiryInterval = SESSION_EXPIRY_S
        async with aiomqtt.Client(
            opt.host,
            opt.port,
            identifier=client_id,
            clean_start=False,
            properties=session,
            username=opt.username,
            password=opt.password(),
            tls_params=opt.tls(),
            keepalive=opt.keepalive,
            protocol=aiomqtt.ProtocolVersion.V5,
            timeout=10,
            logger=QUIET,
        ) as client:
            self.refused_acks = _watch_pubacks(client)
            pattern = region_topic(self.region) + "/+"
            for code in await client.subscribe(pattern, qos=1):
                if isinstance(code, ReasonCode) and code.is_failure:
                    self._refuse_topic(pattern, code.getName())
            broker = self.broker
            await self._append(Event(CONNECTED, self.clock(), self.site, data={"broker": broker}))
            self.say("bridge.connected", {"broker": broker, "region": self.region})

            try:
                await run_until_stopped(self._stop, self._publisher(client), self._receiver(client))
            except* (aiomqtt.MqttError, BrokerRefused) as group:
                raise group.exceptions[0] from None

    # -- out ------------------------------------------------------------------------------------

    async def _load_cursor(self) -> int:
        cursor = 0
        async for rec in self._require().iter_events(kinds=(PUBLISHED,)):
            upto = rec.data.get("upto")
            if isinstance(upto, int):
                cursor = max(cursor, upto)
        return cursor

    async def _publisher(self, client: aiomqtt.Client) -> None:
        store = self._require()
        topic = topic_for(self.region, self.me)
        last_version = -1
        while True:
            version = await store.data_version()
            if version != last_version:
                last_version = version
                while True:
                    batch, feed, upto = await self._next_batch()
                    if upto <= self.cursor:
                        break
                    await asyncio.gather(
                        *(client.publish(topic, f, qos=1) for f in batch),
                        *(client.publish(m.topic, m.payload, qos=1, retain=True) for m in feed),
                    )
                    if self.refused_acks:
                        self._refuse_topic(topic, self.refused_acks[0])
                    self.published += len(batch)
                    self.fed += len(feed)
                    self.cursor = upto
                    data = {"upto": upto, "frames": len(batch), "feed": len(feed)}
                    await self._append(Event(PUBLISHED, self.clock(), self.site, data=data))
            await asyncio.sleep(self.opt.poll_s)

    async def _next_batch(self) -> tuple[list[bytes], list[FeedMessage], int]:
        """The next frames (and feed messages) to publish after the cursor, and the log id they
        reach to."""
        frames: list[bytes] = []
        feed: list[FeedMessage] = []
        upto = self.cursor
        async for rec in self._candidates(self.cursor):
            upto = rec.id
            frame = await self._frame_of(rec)
            if frame is None:
                continue
            frames.append(frame)
            if rec.kind in ("message.created", "message.verified"):
                fed = await self._feed_of(frame)
                feed += [fed] if fed is not None else []
            if len(frames) >= BATCH:
                break
        return frames, feed, upto

    async def _feed_of(self, frame: bytes) -> FeedMessage | None:
        if self.feed_keys is None:
            return None
        msg = self._decode(frame)
        if msg is None:
            return None
        body = msg.envelope.body
        old = None
        if isinstance(body, Bulletin) and body.supersedes is not None:
            for rec in await self._require().events(
                kinds=("message.created", "message.received"), ref=str(body.supersedes)
            ):
                old = old or (self._decode(rec.frame) if rec.frame else None)
        return feed_message(msg, self.region, old)

    def _decode(self, frame: bytes) -> SignedMessage | None:
        assert self.feed_keys is not None
        try:
            return decode(frame, self.feed_keys)
        except DecodeError:
            return None  # verified once already; a roster change since: not for the feed

    async def _candidates(self, after: int) -> AsyncIterator[Record]:
        kinds = (
            "message.created",
            "receipt.created",
            "message.verified",
            "receipt.heard",
            "claim.heard",
        )
        async for rec in self._require().iter_events(
            kinds=kinds, after_id=after, with_personal=True
        ):
            yield rec

    async def _frame_of(self, rec: Record) -> bytes | None:
        if rec.kind == "message.verified":
            # the frame is on the message.received row just before; only a radio frame
            for got in await self._require().events(
                kinds=("message.received",), ref=rec.ref, with_personal=True
            ):
                if got.data.get("from_node") != BRIDGE_NODE and got.frame:
                    return got.frame
            return None
        if rec.kind in ("receipt.heard", "claim.heard") and rec.data.get("from_node") in (
            BRIDGE_NODE,
            None,
        ):
            return None  # came over the bridge (or is our own claim: its receipt goes already)
        return rec.frame

    # -- in -------------------------------------------------------------------------------------

    async def _receiver(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            topic = str(message.topic)
            payload = message.payload
            if not isinstance(payload, bytes | bytearray):
                payload = b""
            try:
                sender = check_incoming(topic, bytes(payload), self.region)
            except BridgeInputError as err:
                await self._rejected(err, topic)
                continue
            if sender == self.me or not self.seen.add(bytes(payload)):
                continue  # our own, back from the broker; or a redelivery
            data = {"topic": topic, "from": str(sender)}
            await self._append(
                Event(FRAME_IN, self.clock(), self.site, data=data, frame=bytes(payload))
            )
            self.taken_in += 1
            nudge(self.home)  # the daemon feeds it to its engine now

    async def _rejected(self, err: BridgeInputError, topic: str) -> None:
        minute = int(self.clock() // 60)
        if minute != self._reject_minute:
            await self._flush_rejects()
            self._reject_minute = minute
        if self._rejects_full < REJECTS_PER_MINUTE:
            self._rejects_full += 1
            data = {"code": err.code, "topic": topic[:80]}
            await self._append(Event(REJECTED, self.clock(), self.site, data=data))
        else:
            self._rejects_counted += 1
        log.warning("refused from the broker: %s (%s)", err.code, topic[:80])

    async def _flush_rejects(self) -> None:
        if self._rejects_counted:
            data = {"counted": self._rejects_counted}
            await self._append(Event(REJECTED, self.clock(), self.site, data=data))
        self._rejects_full = self._rejects_counted = 0

    # -- refused -------------------------------------------------------------------------------

    def _refuse_topic(self, topic: str, reason: str) -> None:
        raise TopicRefused(
            f"{topic}: {reason}", broker=self.broker, topic=topic, reason=reason, region=self.region
        )

    async def _stop_refused(self, refused: BrokerRefused) -> None:
        await self._append(
            Event(DISCONNECTED, self.clock(), self.site, data={"refused": refused.code,
                                                                "reason": refused.detail})
        )  # fmt: skip
        raise refused

    # -- plumbing -------------------------------------------------------------------------------

    def _require(self) -> Store:
        if self.store is None:
            raise RuntimeError("the bridge's store is not open")
        return self.store

    async def _append(self, event: Event) -> None:
        await self._require().append(event)
