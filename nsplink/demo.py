"""`make demo`: the real round trip of the message core, until the daemon exists.

An NSP builds a noodhulpmelding, signs and encodes it into one frame, and the CP decodes and
verifies it; then an altered byte is caught, and a 4 KiB bulletin travels as fragments in
shuffled order. Keys are made in memory for the demo only. Sizes on air are the whole LoRa
payload: 16-byte Meshtastic header + the `Data` protobuf around our frame.
"""

from __future__ import annotations

import os
import random
import time

from meshtastic.protobuf import mesh_pb2

from nsplink import protocol as p
from nsplink.config import DEFAULT_PORTNUM
from nsplink.i18n import current_lang, register, t

register(
    {
        "demo.title": (
            "nsplink demo: van melding tot geverifieerd bericht",
            "nsplink demo: from report to verified message",
        ),
        "demo.built": (
            "NSP {site} maakt: {type} (prioriteit {prio})",
            "NSP {site} builds: {type} (priority {prio})",
        ),
        "demo.frame": (
            "Ondertekend frame: {frame} bytes (max {max}); op de radio: {air} bytes"
            " (16 kop + {data} Data).",
            "Signed frame: {frame} bytes (max {max}); on air: {air} bytes"
            " (16 header + {data} Data).",
        ),
        "demo.text": (
            "Tekst: {raw} bytes, gecomprimeerd {comp} bytes.",
            "Text: {raw} bytes, compressed {comp} bytes.",
        ),
        "demo.verified": (
            "CP ontvangt bericht {id} van {site}: handtekening klopt.",
            "CP receives message {id} from {site}: signature verified.",
        ),
        "demo.tampered": (
            "Eén byte veranderd onderweg -> geweigerd: {error}",
            "One byte altered on the way -> refused: {error}",
        ),
        "demo.fragments": (
            "Mededeling van {chars} tekens: {frames} delen van hooguit {max} bytes, in willekeurige"
            " volgorde ontvangen en weer samengevoegd: {ok}.",
            "Bulletin of {chars} characters: {frames} fragments of at most {max} bytes, received in"
            " shuffled order and reassembled: {ok}.",
        ),
        "demo.rates": (
            "Snelheid: {enc:.0f} berichten/s coderen+tekenen, {dec:.0f}/s decoderen+controleren.",
            "Speed: {enc:.0f} messages/s encode+sign, {dec:.0f}/s decode+verify.",
        ),
        "demo.ok": ("ja", "yes"),
    }
)


def on_air(frame: bytes, portnum: int = DEFAULT_PORTNUM) -> int:
    """Bytes of the LoRa payload for one frame: header + Data (portnum, payload, bitfield)."""
    return 16 + mesh_pb2.Data(portnum=portnum, payload=frame, bitfield=0).ByteSize()  # type: ignore[arg-type]


def main() -> int:
    lang = current_lang()
    nsp, cp = p.Identity(os.urandom(32)), p.Identity(os.urandom(32))
    roster = p.KeyRing(
        [
            p.PeerKey("NSP Dorpshuis Ammerzoden", "nsp", nsp.public_key),
            p.PeerKey("CP Rivierenland", "cp", cp.public_key),
        ]
    )
    report = p.Emergency(
        incident=p.Incident.APP,
        services=p.Services.A,
        people_involved=1,
        life_threat=p.Answer.JA,
        conscious=p.Answer.JA,
        breathing=p.Answer.NEE,
        street="Kerkstraat",
        number="12a",
        place="Ammerzoden",
        access="2e verdieping, lift doet het niet",
        callback=p.Callback.NSP,
        text="Thuisbeademing werkt nog 2 uur op de accu. Mevrouw is benauwd."
        " Dochter wacht op het NSP.",
    )
    env = p.Envelope(
        nsp.key_id,
        seq=1,
        created=p.minutes_since_epoch(time.time()),
        body=report,
        priority=p.suggested_priority(report),
    )
    print(t("demo.title", lang))
    print(t("demo.built", lang, site="Dorpshuis Ammerzoden", type=report.TYPE.label(lang),
            prio=env.priority.label(lang)))  # fmt: skip
    for name in ("incident", "street", "number", "place", "life_threat", "breathing", "text"):
        value = getattr(report, name)
        shown = value.label(lang) if isinstance(value, p.Code) else value
        print(f"  {t('field.emergency.' + name, lang)}: {shown}")

    frame = p.encode(env, nsp)
    texts = "\x00".join(report.texts()).encode()
    from nsplink.protocol.compress import compress_texts

    print(t("demo.text", lang, raw=len(texts), comp=len(compress_texts(report.texts()))))
    air = on_air(frame)
    print(t("demo.frame", lang, frame=len(frame), max=p.MAX_FRAME, air=air, data=air - 16))
    print("  " + frame.hex())

    msg = p.decode(frame, roster)
    assert msg.envelope == env
    print(t("demo.verified", lang, id=msg.id, site=msg.signer.site))

    tampered = bytearray(frame)
    tampered[20] ^= 0x01
    try:
        p.decode(bytes(tampered), roster)
    except p.DecodeError as err:
        print(t("demo.tampered", lang, error=err.render(lang)))

    words = [
        "Vanaf",
        "morgen",
        "is",
        "er",
        "drinkwater",
        "bij",
        "de",
        "sporthal.",
        "Neem",
        "zelf",
        "flessen",
        "mee.",
    ]
    rng = random.Random(1)
    body = " ".join(rng.choice(words) + str(rng.randint(1, 99)) for _ in range(600))[:4096]
    bulletin = p.Bulletin("Drinkwater en opvang", body, env.created + 720, "Veiligheidsregio")
    long_env = p.Envelope(cp.key_id, 1, env.created, bulletin, p.Priority.P3, p.ALL_NSPS)
    frames = p.to_frames(p.encode(long_env, cp))
    rng.shuffle(frames)
    rx = p.Receiver(roster)
    results = [rx.receive(f, now=float(i)) for i, f in enumerate(frames)]
    whole = [r for r in results if r is not None]
    ok = t("demo.ok", lang) if whole and whole[0].envelope == long_env else "NEE/NO"
    print(t("demo.fragments", lang, chars=len(body), frames=len(frames),
            max=max(map(len, frames)), ok=ok))  # fmt: skip

    n = 300
    t0 = time.perf_counter()
    signed = [p.encode(env, nsp) for _ in range(n)]
    t1 = time.perf_counter()
    for f in signed:
        p.decode(f, roster)
    t2 = time.perf_counter()
    print(t("demo.rates", lang, enc=n / (t1 - t0), dec=n / (t2 - t1)))
    return 0 if whole else 1


if __name__ == "__main__":
    raise SystemExit(main())
