"""Issue 19: bytes on air of a conversation step. A 120-character question from a CP (sealed to
the report's NSP, with its NAVR state) and a 120-character answer (sealed to the CPs), each with
the delivery receipt that confirms it, and their share of a busy hour's airtime on LONG_FAST."""

from __future__ import annotations

from nsplink import protocol as p
from nsplink.lora.airtime import packet_airtime_ms, packet_phy_len, preset

NOW = 1_767_000_000.0
BUSY_HOUR_PAIRS = 20  # questions answered in the busiest hour of an exercise (assumed)
DUTY_PCT = 10.0  # EU868 869.4-869.65 MHz sub-band
QUESTION = (
    "Is de brand uit? Hoeveel mensen zijn er nog binnen, en kan iemand bij de achterdeur "
    "op de brandweer wachten? Graag snel."
)[:120]
ANSWER = (
    "Brand is uit. Nog twee bewoners binnen op de eerste verdieping, lopen niet zelf. "
    "Buurman wacht bij de achterdeur op jullie."
)[:120]


def _frames(msg: p.SignedMessage) -> list[bytes]:
    return p.to_frames(msg.frame, p.MAX_FRAME)


def main() -> None:
    cp, nsp = p.Identity(bytes(range(1, 33))), p.Identity(bytes(range(40, 72)))
    seal_secret = bytes(range(80, 112))
    seal_public = p.seal_public_key(seal_secret)
    report = p.MessageId(nsp.key_id, 4711)
    q = p.Note(p.NoteKind.QUESTION, QUESTION, "Anna", report, p.State.NAVR)
    a = p.Note(p.NoteKind.REPLY, ANSWER, "Piet", report)
    me_cp, me_nsp = p.PeerKey("cp", "cp", cp.public_key), p.PeerKey("n", "nsp", nsp.public_key)
    qd = p.Draft(q, p.Destination.to_site(nsp.key_id), p.Priority.P1,
                 seal_to=p.box_public_of(nsp.public_key), seal_with=seal_secret)  # fmt: skip
    qm = p.build_message(qd, cp, 812, NOW, me_cp)
    am = p.build_message(
        p.Draft(a, p.ALL_CPS, p.Priority.P1, seal_to=seal_public), nsp, 4712, NOW, me_nsp
    )
    triage = p.build_message(
        p.Draft(p.Receipt.build(p.ReceiptKind.TRIAGE, {report: p.State.NAVR}),
                p.Destination.to_site(nsp.key_id), p.Priority.P1), cp, 813, NOW, me_cp)  # fmt: skip
    to_cp = p.Destination.to_site(cp.key_id)
    ack_q = p.build_message(
        p.Draft(p.Receipt.build(p.ReceiptKind.DELIVERY, {qm.id: p.State.ONTV}), to_cp,
                p.Priority.P1), nsp, 4713, NOW, me_nsp)  # fmt: skip
    ack_a = p.build_message(
        p.Draft(p.Receipt.build(p.ReceiptKind.DELIVERY, {am.id: p.State.ONTV}),
                p.Destination.to_site(nsp.key_id), p.Priority.P1), cp, 814, NOW, me_cp)  # fmt: skip
    modem = preset("LONG_FAST")
    total_ms = 0.0
    print(f"{'what':<44}{'frames':>7}{'nsplink B':>10}{'on air B':>9}{'airtime ms':>11}")
    for label, msg in (
        ("question, 120 chars, sealed (CP -> NSP)", qm),
        ("  its triage receipt NAVR (CP -> NSP)", triage),
        ("  NSP's delivery receipt", ack_q),
        ("answer, 120 chars, sealed (NSP -> CPs)", am),
        ("  CP's delivery receipt", ack_a),
    ):
        frames = _frames(msg)
        air = sum(packet_phy_len(len(f)) for f in frames)
        ms = sum(packet_airtime_ms(len(f), modem) for f in frames)
        total_ms += ms
        print(f"{label:<44}{len(frames):>7}{len(msg.frame):>10}{air:>9}{ms:>11.0f}")
    hour_ms = BUSY_HOUR_PAIRS * total_ms
    print(f"one question + answer with receipts: {total_ms:.0f} ms on LONG_FAST")
    print(f"busy hour, {BUSY_HOUR_PAIRS} pairs: {hour_ms / 1000:.1f} s = "
          f"{100 * hour_ms / 3_600_000:.2f} % of the hour, "
          f"{100 * hour_ms / (3_600_000 * DUTY_PCT / 100):.1f} % of the {DUTY_PCT:.0f} % "
          "duty-cycle budget (one transmitter, no retries or relaying)")  # fmt: skip


if __name__ == "__main__":
    main()
