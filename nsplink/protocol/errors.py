"""Typed errors of the message core.

Two families: `ValidationError` (a message we are about to send is wrong; names the field and says
how to fix it) and `DecodeError` (bytes from the radio are not a verified message). Every failure
of decoding ANY byte string is a `DecodeError` subclass, never anything else; each has a stable
`code` for logs and tests and an i18n `key` for people.
"""

from __future__ import annotations

from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, register, t

register(
    {
        "protocol.validation": (
            "Veld '{label}': {hint}",
            "Field '{label}': {hint}",
        ),
        "protocol.decode.malformed": (
            "Onleesbaar bericht ontvangen ({detail}); het is genegeerd.",
            "Unreadable message received ({detail}); it was ignored.",
        ),
        "protocol.decode.version": (
            "Bericht in formaatversie {version}, deze versie van nsplink leest alleen {supported}."
            " Werk nsplink bij.",
            "Message in format version {version}; this nsplink reads only {supported}."
            " Update nsplink.",
        ),
        "protocol.decode.dictionary": (
            "Bericht gebruikt woordenboek {version}, dat deze versie van nsplink niet kent."
            " Werk nsplink bij.",
            "Message uses dictionary {version}, which this nsplink does not know. Update nsplink.",
        ),
        "protocol.decode.type": (
            "Onbekend berichttype {type_code}; werk nsplink bij.",
            "Unknown message type {type_code}; update nsplink.",
        ),
        "protocol.decode.too_large": (
            "Bericht te groot ({detail}); het is genegeerd.",
            "Message too large ({detail}); it was ignored.",
        ),
        "protocol.verify.bad_signature": (
            "Handtekening klopt niet voor bericht van {sender}: het is onderweg veranderd of"
            " vervalst. Niet vertrouwen.",
            "Signature does not match for a message from {sender}: it was altered or forged."
            " Do not trust it.",
        ),
        "protocol.verify.wrong_key": (
            "Bericht van sleutel {sender} gecontroleerd met een andere sleutel ({other});"
            " controleer de deelnemerslijst.",
            "Message from key {sender} checked against a different key ({other});"
            " check the roster.",
        ),
        "protocol.verify.unknown_key": (
            "Bericht van onbekende afzender {sender}: niet op de deelnemerslijst. Niet vertrouwen.",
            "Message from unknown sender {sender}: not on the roster. Do not trust it.",
        ),
        "protocol.verify.revoked": (
            "Bericht van ingetrokken sleutel {sender}: de regio heeft deze sleutel ingetrokken."
            " Niet vertrouwen.",
            "Message from revoked key {sender}: the region revoked this key. Do not trust it.",
        ),
        "protocol.keyring.collision": (
            "Sleutel-id {key_id} van {site} is al in gebruik door {other}; maak voor {site} een"
            " nieuwe sleutel met 'nsplink init --force'.",
            "Key id {key_id} of {site} is already used by {other}; make a new key for {site}"
            " with 'nsplink init --force'.",
        ),
        "protocol.fragment.bad": (
            "Ongeldig berichtdeel ontvangen ({detail}); het is genegeerd.",
            "Invalid message fragment received ({detail}); it was ignored.",
        ),
    }
)


class ProtocolError(NsplinkError):
    code = "protocol"


class ValidationError(ProtocolError):
    """A field of a message to send is missing or out of range. `field` is its dotted name."""

    code = "protocol.validation"
    key = "protocol.validation"

    def __init__(self, field: str, hint_key: str, **params: object) -> None:
        self.field = field
        self.hint_key = hint_key
        self.hint_params = params
        self._label_key = f"field.{field}"
        super().__init__(field, label=field, hint=hint_key, **params)

    def render(self, lang: Lang | None = None) -> str:
        label = t(self._label_key, lang)
        if label == self._label_key:  # a field without a registered label
            label = self.field
        hint = t(self.hint_key, lang, **self.hint_params)
        return t(self.key, lang, label=label, hint=hint)


class KeyIdCollision(ProtocolError):
    code = "protocol.keyring.collision"
    key = "protocol.keyring.collision"


class DecodeError(ProtocolError):
    """Bytes that are not a verified nsplink message. Base of every decode failure."""

    code = "protocol.decode"
    key = "protocol.decode.malformed"


class MalformedFrame(DecodeError):
    code = "protocol.decode.malformed"


class UnsupportedVersion(DecodeError):
    code = "protocol.decode.version"
    key = "protocol.decode.version"


class UnknownDictionary(DecodeError):
    code = "protocol.decode.dictionary"
    key = "protocol.decode.dictionary"


class UnknownMessageType(DecodeError):
    code = "protocol.decode.type"
    key = "protocol.decode.type"


class FrameTooLarge(DecodeError):
    code = "protocol.decode.too_large"
    key = "protocol.decode.too_large"


class BadFragment(DecodeError):
    code = "protocol.fragment.bad"
    key = "protocol.fragment.bad"


class VerifyError(DecodeError):
    """The frame parsed but is not proven to come from its claimed sender."""

    code = "protocol.verify"


class BadSignature(VerifyError):
    code = "protocol.verify.bad_signature"
    key = "protocol.verify.bad_signature"


class WrongKey(VerifyError):
    code = "protocol.verify.wrong_key"
    key = "protocol.verify.wrong_key"


class UnknownKey(VerifyError):
    code = "protocol.verify.unknown_key"
    key = "protocol.verify.unknown_key"


class RevokedKey(VerifyError):
    """The sender's key is on the roster's revocation list (issue 11)."""

    code = "protocol.verify.revoked"
    key = "protocol.verify.revoked"
