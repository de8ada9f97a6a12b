"""Airtime against published vectors and docs/radio.md tables; Data sizes against real protobuf."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from meshtastic.protobuf import mesh_pb2

from nsplink.i18n import t
from nsplink.lora import airtime as at
from nsplink.lora.airtime import PRESETS, ModemParams
from nsplink.texts import render_error


def lorawan(sf: int, bw_khz: int, cr: int = 5) -> ModemParams:
    # the calculators' settings: preamble 8, explicit header, CRC, LDRO for BW125 SF11/12
    return ModemParams(
        sf=sf, bw_hz=bw_khz * 1000, cr=cr, preamble=8, ldro=bw_khz == 125 and sf >= 11
    )


# docs/radio.md §3 test vectors (avbentem/airtime-calculator; the SF12 row worked by hand)
VECTORS = [
    (14, 7, 125, 5, 46.336),
    (15, 7, 125, 5, 46.336),
    (16, 7, 125, 5, 51.456),
    (25, 7, 125, 5, 61.696),
    (14, 7, 250, 5, 23.168),
    (16, 7, 250, 5, 25.728),
    (25, 7, 250, 5, 30.848),
    (14, 7, 125, 8, 61.696),
    (16, 7, 125, 8, 69.888),
    (25, 7, 125, 8, 86.272),
    (14, 8, 125, 5, 82.432),
    (15, 8, 125, 5, 92.672),
    (25, 8, 125, 5, 113.152),
    (14, 11, 125, 5, 659.456),
    (25, 11, 125, 5, 823.296),
    (51, 12, 125, 5, 2465.792),
    (10, 7, 125, 5, 41.216),
    (10, 12, 125, 5, 991.232),
]


@pytest.mark.parametrize(("pl", "sf", "bw", "cr", "ms"), VECTORS)
def test_published_vectors_within_0_01_ms(pl: int, sf: int, bw: int, cr: int, ms: float) -> None:
    assert abs(at.time_on_air_ms(pl, lorawan(sf, bw, cr)) - ms) < 0.01


# docs/radio.md §3 Meshtastic table (PHY payload 36 / 116 / 253 / 255 B), printed to 0.1 ms
TABLE = {
    "SHORT_FAST": (42.6, 101.5, 201.3, 203.9),
    "SHORT_SLOW": (80.1, 182.5, 356.6, 361.7),
    "MEDIUM_FAST": (150.0, 324.1, 641.5, 641.5),
    "MEDIUM_SLOW": (279.6, 607.2, 1160.2, 1180.7),
    "LONG_FAST": (518.1, 1132.5, 2115.6, 2156.5),
    "LONG_MODERATE": (1511.4, 3870.7, 7934.0, 7934.0),
    "LONG_SLOW": (3022.8, 7217.2, 14295.0, 14295.0),
    "NARROW_FAST": (193.0, 475.6, 954.9, 967.2),
    "NARROW_SLOW": (361.5, 853.0, 1688.6, 1713.2),
    "LITE_FAST": (300.0, 648.2, 1283.1, 1283.1),
    "LITE_SLOW": (559.1, 1214.5, 2320.4, 2361.3),
    "SHORT_TURBO": (21.3, 50.8, 100.7, 102.0),
    "MEDIUM_TURBO": (75.0, 162.0, 320.8, 320.8),
    "LONG_TURBO": (345.1, 836.6, 1623.0, 1655.8),
}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_meshtastic_preset_table(name: str) -> None:
    got = [at.time_on_air_ms(n, PRESETS[name]) for n in (36, 116, 253, 255)]
    for g, want in zip(got, TABLE[name], strict=True):
        assert abs(g - want) <= 0.05 + 1e-9, (name, got)


def test_every_eu868_preset_is_tabled_and_uses_meshtastic_phy() -> None:
    assert set(at.EU868_PRESETS) == {
        "LONG_FAST",
        "LONG_SLOW",
        "MEDIUM_SLOW",
        "MEDIUM_FAST",
        "SHORT_SLOW",
        "SHORT_FAST",
        "LONG_MODERATE",
    }
    for name in at.EU868_PRESETS:
        p = PRESETS[name]
        assert (p.preamble, p.explicit_header, p.crc) == (16, True, True)
        assert p.ldro == (at.symbol_time_ms(p) >= 16.0)
        assert p.bw_hz <= 250_000  # fits the 869.4-869.65 MHz band
    assert PRESETS["LONG_MODERATE"].ldro and PRESETS["LONG_SLOW"].ldro
    assert not PRESETS["LONG_FAST"].ldro  # 8.192 ms symbols


def test_firmware_truncates_to_whole_ms() -> None:
    assert at.firmware_airtime_ms(36, PRESETS["LONG_FAST"]) == 518
    assert at.firmware_airtime_ms(255, PRESETS["LONG_FAST"]) == 2156


@pytest.mark.parametrize("bad", [-1, 256, 10_000])
def test_bad_length_is_a_typed_error(bad: int) -> None:
    with pytest.raises(at.AirtimeError) as exc:
        at.time_on_air_ms(bad, PRESETS["LONG_FAST"])
    assert exc.value.code == "airtime.bad_length"
    assert "pakketlengte" in render_error(exc.value, "nl")
    assert "255" in render_error(exc.value, "en")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sf": 4, "bw_hz": 125_000, "cr": 5},
        {"sf": 13, "bw_hz": 125_000, "cr": 5},
        {"sf": 7, "bw_hz": 0, "cr": 5},
        {"sf": 7, "bw_hz": 125_000, "cr": 9},
        {"sf": 7, "bw_hz": 125_000, "cr": 4},
    ],
)
def test_bad_modem_params(kwargs: dict[str, int]) -> None:
    with pytest.raises(at.ModemParamsError):
        ModemParams(**kwargs)


def test_preset_lookup() -> None:
    assert at.preset(" long_fast ") is PRESETS["LONG_FAST"]
    with pytest.raises(at.UnknownPresetError) as exc:
        at.preset("LANG_FAST")
    nl = render_error(exc.value, "nl")
    assert "LANG_FAST" in nl and "Onbekende" in nl
    assert t("airtime.unknown_preset", "en", preset="x", choices="y").startswith("Unknown")


@given(
    st.integers(0, 255),
    st.sampled_from(sorted(PRESETS)),
)
def test_airtime_grows_with_length(n: int, name: str) -> None:
    p = PRESETS[name]
    a = at.time_on_air_ms(n, p)
    assert a > 0
    if n < 255:
        assert at.time_on_air_ms(n + 1, p) >= a


# -- the Data wrapping, checked against the real protobuf encoder -----------------------------


@given(
    st.integers(0, 233),
    st.sampled_from([1, 5, 67, 256, 300, 511]),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_data_wire_len_matches_protobuf(n: int, port: int, want_response: bool, rid: int) -> None:
    d = mesh_pb2.Data(
        portnum=port, payload=b"\xaa" * n, want_response=want_response, request_id=rid
    )
    d.bitfield = 0  # perhapsEncode sets has_bitfield on everything we originate
    assert at.data_wire_len(n, portnum=port, want_response=want_response, request_id=rid) == len(
        d.SerializeToString()
    )


def test_largest_payload_on_a_private_port_is_231_not_233() -> None:
    assert at.max_app_payload(256) == 231
    assert at.packet_phy_len(231) == 255
    assert at.packet_phy_len(232) == 256  # the firmware answers TOO_LARGE
    assert at.max_app_payload(256, pki=True) == 219
    assert at.max_app_payload(1) == 232  # one-byte port number


def test_packet_airtime_counts_header_and_wrapping() -> None:
    lf = PRESETS["LONG_FAST"]
    # 100 payload bytes -> 16 header + 100 + 3 (port 256) + 2 (tag, len) + 2 (bitfield)
    assert at.packet_phy_len(100) == 123
    assert at.packet_airtime_ms(100, lf) == at.time_on_air_ms(123, lf)
    assert at.packet_airtime_ms(100, lf, pki=True) == at.time_on_air_ms(135, lf)


# -- timing rules -----------------------------------------------------------------------------

SLOTS = {
    "LONG_FAST": 28,
    "MEDIUM_SLOW": 17,
    "MEDIUM_FAST": 12,
    "SHORT_SLOW": 10,
    "SHORT_FAST": 8,
    "LONG_MODERATE": 48,
    "LONG_SLOW": 89,
}


@pytest.mark.parametrize(("name", "slot"), sorted(SLOTS.items()))
def test_slot_times(name: str, slot: int) -> None:
    assert at.slot_time_ms(PRESETS[name]) == slot


def test_rebroadcast_delay_ranges_long_fast() -> None:
    lf = PRESETS["LONG_FAST"]
    assert at.rebroadcast_delay_range_ms(lf, -20, router=False) == (448, 644)
    assert at.rebroadcast_delay_range_ms(lf, 10, router=False) == (448, 7588)
    assert at.rebroadcast_delay_range_ms(lf, 10, router=True) == (0, 420)
    # far (low SNR) clients always go no later than near ones can
    assert at.rebroadcast_window(-15, router=False) < at.rebroadcast_window(5, router=False)


def test_cw_mapping_follows_arduino_map() -> None:
    assert at.cw_from_channel_util(0) == 3
    assert at.cw_from_channel_util(19.9) == 3
    assert at.cw_from_channel_util(20) == 4
    assert at.cw_from_channel_util(100) == 8
    assert at.cw_from_snr(-20) == 3
    assert at.cw_from_snr(-30) == 3  # held at CWmin rather than wrapping
    assert at.cw_from_snr(-15) == 3  # (5 * 5) // 30 = 0
    assert at.cw_from_snr(-14.9) == 4  # truncated toward zero to -14, not floored to -15
    assert at.cw_from_snr(10) == 8
    assert at.cw_from_snr(16) == 9  # the firmware does not clamp above +10 dB
    assert at.tx_delay_window(0) == 8
    assert at.tx_delay_ms(PRESETS["LONG_FAST"], 7) == 196


def test_retry_timeouts() -> None:
    lf, ls = PRESETS["LONG_FAST"], PRESETS["LONG_SLOW"]
    assert at.retry_timeout_ms(at.firmware_airtime_ms(36, lf), lf) == 7104  # "≈ 7.1 s"
    assert math.isclose(
        at.retry_timeout_ms(at.firmware_airtime_ms(36, ls), ls) / 1000, 15.5, abs_tol=0.05
    )
    # a busier channel widens the window
    assert at.retry_timeout_ms(518, lf, 100) > at.retry_timeout_ms(518, lf, 0)


def test_late_window() -> None:
    lf = PRESETS["LONG_FAST"]
    assert at.late_rebroadcast_delay_ms(lf, 10) == 2 * 8 * 28 + 256 * 28


def test_rebroadcast_window_is_the_firmwares_formula_at_every_snr() -> None:
    """The window is kept per whole dB (the firmware casts the SNR to int): the kept answer is
    2·CW for routers and 2^CW for others, with CW from the SNR as `cw_from_snr` gives it."""
    for tenth in range(-400, 300):
        snr = tenth / 10 + 0.05
        cw = at.cw_from_snr(snr)
        assert at.rebroadcast_window(snr, router=True) == 2 * cw
        assert at.rebroadcast_window(snr, router=False) == int(2**cw)
