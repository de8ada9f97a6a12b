"""Typed errors of the message core.

Two families: `ValidationError` (a message we are about to send is wrong; names the field and says
how to fix it) and `DecodeError` (bytes from the radio are not a verified message). Every failure
of decoding ANY byte string is a `DecodeError` subclass, never anything else; each has a stable
`code` for logs and tests, a catalog `key` and its `params`. No text lives here: people read
`nsplink.texts.render_error(err, lang)`, with the texts in nsplink/texts/protocol.py.
"""

from __future__ import annotations

from nsplink.errors import NsplinkError


class ProtocolError(NsplinkError):
    code = "protocol"


class ValidationError(ProtocolError):
    """A field of a message to send is missing or out of range. `field` is its dotted name,
    `hint_key` the catalog key of how to fix it, `hint_params` that hint's parameters."""

    code = "protocol.validation"
    key = "protocol.validation"

    def __init__(self, field: str, hint_key: str, **params: object) -> None:
        self.field = field
        self.hint_key = hint_key
        self.hint_params = params
        super().__init__(field, hint=hint_key, **params)


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
