"""LoRa time on air and the Meshtastic firmware's timing rules, as pure functions.

Sans-IO: nothing here reads a clock or draws random numbers itself. Functions that the firmware
randomises take the random draw as an argument (`slots`), so the simulator and the daemon's
scheduler can share them and tests can pin them.

Sources (meshtastic/firmware, see docs/radio.md §2-§4): `MeshRadio.h` modemPresetToParams,
`RadioInterface.cpp` computeSlotTimeMsec / getTxDelayMsec / getTxDelayMsecWeighted /
getRetransmissionMsec, `RadioLibInterface.h` (preamble 16, explicit header, CRC, LDRO rule).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from nsplink.errors import NsplinkError


class AirtimeError(NsplinkError):
    code = "airtime.bad_length"
    key = "airtime.bad_length"


class ModemParamsError(NsplinkError):
    code = "airtime.bad_params"
    key = "airtime.bad_params"


class UnknownPresetError(NsplinkError):
    code = "airtime.unknown_preset"
    key = "airtime.unknown_preset"


HEADER_LEN = 16  # Meshtastic PacketHeader: to, from, id, flags, channel hash, next_hop, relay_node
MAX_PHY_PAYLOAD = 255  # RadioInterface.h MAX_LORA_PAYLOAD_LEN
MAX_ENCRYPTED_LEN = MAX_PHY_PAYLOAD - HEADER_LEN  # 239: the encoded Data must fit in this
DATA_PAYLOAD_LEN = 233  # meshtastic Constants.DATA_PAYLOAD_LEN (the API's own cap)
PKC_OVERHEAD = 12  # MESHTASTIC_PKC_OVERHEAD for PKI-encrypted DMs
PRIVATE_APP = 256

CW_MIN = 3
CW_MAX = 8
PROCESSING_TIME_MS = 4500  # RadioInterface.h PROCESSING_TIME_MSEC
SNR_MIN = -20  # getCWsize's SNR range
SNR_MAX = 10
HOP_RELIABLE = 3  # default hop_limit
HOP_MAX = 7
NUM_RELIABLE_RETX = 3  # transmissions in total for a want_ack packet from us


@dataclass(frozen=True)
class ModemParams:
    """LoRa PHY settings. `cr` is the coding-rate denominator (4/5 .. 4/8 -> 5..8)."""

    sf: int
    bw_hz: int
    cr: int
    preamble: int = 16
    explicit_header: bool = True
    crc: bool = True
    ldro: bool = False

    def __post_init__(self) -> None:
        if not 5 <= self.sf <= 12:
            raise ModemParamsError(f"spreading factor {self.sf} not in 5..12")
        if not 5 <= self.cr <= 8:
            raise ModemParamsError(f"coding rate 4/{self.cr} not in 4/5..4/8")
        if self.bw_hz <= 0:
            raise ModemParamsError(f"bandwidth {self.bw_hz} Hz")
        if not 6 <= self.preamble <= 65535:
            raise ModemParamsError(f"preamble {self.preamble} symbols")

    @classmethod
    def meshtastic(cls, sf: int, bw_hz: int, cr: int) -> ModemParams:
        """The firmware's settings: preamble 16, explicit header, CRC on, LDRO iff Tsym >= 16 ms."""
        return cls(sf=sf, bw_hz=bw_hz, cr=cr, ldro=(2**sf) * 1000.0 / bw_hz >= 16.0)


# MeshRadio.h modemPresetToParams (master 2.8.0); BW in Hz. TINY_* (ham 2 m) left out.
PRESETS: dict[str, ModemParams] = {
    "SHORT_TURBO": ModemParams.meshtastic(7, 500_000, 5),
    "SHORT_FAST": ModemParams.meshtastic(7, 250_000, 5),
    "SHORT_SLOW": ModemParams.meshtastic(8, 250_000, 5),
    "MEDIUM_FAST": ModemParams.meshtastic(9, 250_000, 5),
    "MEDIUM_SLOW": ModemParams.meshtastic(10, 250_000, 5),
    "MEDIUM_TURBO": ModemParams.meshtastic(9, 500_000, 5),
    "LONG_TURBO": ModemParams.meshtastic(11, 500_000, 8),
    "LONG_FAST": ModemParams.meshtastic(11, 250_000, 5),
    "LONG_MODERATE": ModemParams.meshtastic(11, 125_000, 8),
    "LONG_SLOW": ModemParams.meshtastic(12, 125_000, 8),
    "LITE_FAST": ModemParams.meshtastic(9, 125_000, 5),
    "LITE_SLOW": ModemParams.meshtastic(10, 125_000, 5),
    "NARROW_FAST": ModemParams.meshtastic(7, 62_500, 6),
    "NARROW_SLOW": ModemParams.meshtastic(8, 62_500, 6),
}

# the firmware's default, and our profiles' and scenarios' unless they say otherwise
DEFAULT_PRESET = "LONG_FAST"

# RadioInterface.cpp PRESETS_EU_868 (master): the presets the firmware keeps in EU_868.
EU868_PRESETS: tuple[str, ...] = (
    "LONG_FAST",
    "LONG_SLOW",
    "MEDIUM_SLOW",
    "MEDIUM_FAST",
    "SHORT_SLOW",
    "SHORT_FAST",
    "LONG_MODERATE",
)


def preset(name: str) -> ModemParams:
    """Look a preset up by name (case-insensitive), with a typed error for a typo."""
    params = PRESETS.get(name.strip().upper())
    if params is None:
        raise UnknownPresetError(preset=name, choices=", ".join(EU868_PRESETS))
    return params


def eu868_preset(name: str) -> str:
    """The preset's name as the firmware spells it, if EU_868 keeps it (any case); else the
    typed error naming the ones it keeps. What a scenario or profile may set a radio to."""
    value = name.strip().upper()
    if value not in EU868_PRESETS:
        raise UnknownPresetError(preset=name, choices=", ".join(EU868_PRESETS))
    return value


def symbol_time_ms(params: ModemParams) -> float:
    return (1 << params.sf) * 1000.0 / params.bw_hz


def time_on_air_ms(phy_payload_len: int, params: ModemParams) -> float:
    """Semtech AN1200.13 time on air of a LoRa frame carrying `phy_payload_len` bytes."""
    if not 0 <= phy_payload_len <= MAX_PHY_PAYLOAD:
        raise AirtimeError(length=phy_payload_len, limit=MAX_PHY_PAYLOAD)
    tsym = symbol_time_ms(params)
    ih = 0 if params.explicit_header else 1
    crc = 1 if params.crc else 0
    de = 1 if params.ldro else 0
    numerator = 8 * phy_payload_len - 4 * params.sf + 28 + 16 * crc - 20 * ih
    n_payload = 8 + max(math.ceil(numerator / (4 * (params.sf - 2 * de))) * params.cr, 0)
    return (params.preamble + 4.25) * tsym + n_payload * tsym


@functools.lru_cache(maxsize=4096)  # the simulator asks for the same few lengths all the time
def firmware_airtime_ms(phy_payload_len: int, params: ModemParams) -> int:
    """What the firmware books for one frame: RadioLib getTimeOnAir / 1000, truncated to ms."""
    return int(time_on_air_ms(phy_payload_len, params))


def _varint_len(value: int) -> int:
    n = 1
    while value >= 0x80:
        value >>= 7
        n += 1
    return n


def data_wire_len(
    payload_len: int,
    *,
    portnum: int = PRIVATE_APP,
    want_response: bool = False,
    request_id: int = 0,
    from_us: bool = True,
) -> int:
    """Encoded size of the `Data` protobuf the firmware encrypts (AES-CTR adds no bytes).

    Counted: portnum (tag + varint), payload (tag + length varint + bytes), want_response (2 B
    when set), request_id (fixed32, 5 B when set) and bitfield (2 B: Router.cpp perhapsEncode sets
    has_bitfield on every packet we originate). Not counted: master's XEdDSA signature on
    broadcasts (2.8 only), dest/source/reply_id/emoji (not set by our traffic).
    """
    n = 0
    if portnum:
        n += 1 + _varint_len(portnum)
    if payload_len:
        n += 1 + _varint_len(payload_len) + payload_len
    if want_response:
        n += 2
    if request_id:
        n += 5
    if from_us:
        n += 2
    return n


def max_app_payload(portnum: int = PRIVATE_APP, *, pki: bool = False) -> int:
    """Largest payload the firmware accepts on `portnum` (231 B on ports 256..511, not 233)."""
    budget = MAX_ENCRYPTED_LEN - (PKC_OVERHEAD if pki else 0)
    best = 0
    for n in range(DATA_PAYLOAD_LEN + 1):
        if data_wire_len(n, portnum=portnum) <= budget:
            best = n
    return best


def packet_phy_len(
    data_payload_len: int,
    *,
    portnum: int = PRIVATE_APP,
    want_response: bool = False,
    request_id: int = 0,
    pki: bool = False,
) -> int:
    """Bytes on air for an app payload: 16-byte header + encoded Data (+12 for a PKI DM)."""
    wire = data_wire_len(
        data_payload_len, portnum=portnum, want_response=want_response, request_id=request_id
    )
    return HEADER_LEN + wire + (PKC_OVERHEAD if pki else 0)


def packet_airtime_ms(
    data_payload_len: int,
    params: ModemParams,
    *,
    portnum: int = PRIVATE_APP,
    want_response: bool = False,
    request_id: int = 0,
    pki: bool = False,
) -> float:
    """Time on air of a Meshtastic packet carrying `data_payload_len` application bytes."""
    phy = packet_phy_len(
        data_payload_len,
        portnum=portnum,
        want_response=want_response,
        request_id=request_id,
        pki=pki,
    )
    return time_on_air_ms(phy, params)


@functools.cache
def slot_time_ms(params: ModemParams) -> int:
    """computeSlotTimeMsec: CAD (2.5 symbols) + propagation + turnaround + MAC, as a uint32."""
    return int(max(2.25, 2 + 0.5) * symbol_time_ms(params) + 0.2 + 0.4 + 7)


def _arduino_map(x: float, in_min: int, in_max: int, out_min: int, out_max: int) -> int:
    # Arduino's long map(): the float argument is truncated toward zero, then integer maths
    # with C division (truncation toward zero).
    num = (int(x) - in_min) * (out_max - out_min)
    den = in_max - in_min
    q = abs(num) // abs(den)
    return (q if (num >= 0) == (den > 0) else -q) + out_min


def cw_from_channel_util(channel_util_pct: float) -> int:
    return _cw_from_cu(int(channel_util_pct))


@functools.cache
def _cw_from_cu(pct: int) -> int:
    return _arduino_map(pct, 0, 100, CW_MIN, CW_MAX)


def cw_from_snr(snr_db: float) -> int:
    """getCWsize. Above +10 dB the firmware's unclamped map keeps growing (9 at +16 dB); below
    -20 dB it would wrap a uint8, so we hold it at CW_MIN there."""
    return _cw_from_snr(int(snr_db))


@functools.cache
def _cw_from_snr(snr: int) -> int:
    return max(CW_MIN, _arduino_map(snr, SNR_MIN, SNR_MAX, CW_MIN, CW_MAX))


def tx_delay_window(channel_util_pct: float) -> int:
    """Number of slots getTxDelayMsec draws from: random(0, 2^CW) -> 0 .. window-1."""
    return int(2 ** cw_from_channel_util(channel_util_pct))


def tx_delay_ms(params: ModemParams, slots: int) -> int:
    """Delay before sending an own packet, for a draw `slots` in range(tx_delay_window(cu))."""
    return slots * slot_time_ms(params)


def rebroadcast_window(snr_db: float, *, router: bool) -> int:
    """Number of slots getTxDelayMsecWeighted draws from (ROUTER: 2·CW, others: 2^CW)."""
    return _rebroadcast_window(int(snr_db), router)


@functools.cache  # a simulated node asks at every frame it hears
def _rebroadcast_window(snr: int, router: bool) -> int:
    cw = _cw_from_snr(snr)
    return 2 * cw if router else int(2**cw)


def rebroadcast_delay_slots(*, router: bool, slots: int) -> int:
    """getTxDelayMsecWeighted in slots, for a draw `slots` in range(rebroadcast_window(...)).
    Non-routers first wait out the routers' whole window (2·CWmax slots)."""
    return slots if router else 2 * CW_MAX + slots


def rebroadcast_delay_ms(params: ModemParams, snr_db: float, *, router: bool, slots: int) -> int:
    """getTxDelayMsecWeighted in ms (`snr_db` only sizes the window the draw came from)."""
    return rebroadcast_delay_slots(router=router, slots=slots) * slot_time_ms(params)


def rebroadcast_delay_range_ms(
    params: ModemParams, snr_db: float, *, router: bool
) -> tuple[int, int]:
    """(min, max) rebroadcast delay in ms for a packet heard at `snr_db`."""
    last = rebroadcast_window(snr_db, router=router) - 1
    return (
        rebroadcast_delay_ms(params, snr_db, router=router, slots=0),
        rebroadcast_delay_ms(params, snr_db, router=router, slots=last),
    )


def late_rebroadcast_delay_ms(params: ModemParams, snr_db: float) -> int:
    """getTxDelayMsecWeightedWorst: the ROUTER_LATE window, and half the cap on a requeue."""
    slot = slot_time_ms(params)
    return 2 * CW_MAX * slot + int(2 ** cw_from_snr(snr_db)) * slot


def retry_timeout_ms(
    packet_airtime: float, params: ModemParams, channel_util_pct: float = 0.0
) -> int:
    """getRetransmissionMsec: how long a want_ack sender waits before its next transmission.
    `packet_airtime` is the firmware's (truncated) airtime of the packet in ms."""
    cw = cw_from_channel_util(channel_util_pct)
    slots = 2**cw + 2 * CW_MAX + 2 ** ((CW_MAX + CW_MIN) // 2)
    return int(2 * int(packet_airtime) + slots * slot_time_ms(params) + PROCESSING_TIME_MS)
