"""Personal fields sealed with a per-message key that lives outside the hash chain.

The chained row keeps only ciphertext (XSalsa20-Poly1305 via PyNaCl's SecretBox); the key sits in
`personal_keys`, which is not chained and may be erased after the retention term. After erasure
the ciphertext is noise, yet the chain over it still verifies.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

import nacl.exceptions
import nacl.secret
import nacl.utils

from nsplink.store.events import canonical_json

KEY_SIZE = nacl.secret.SecretBox.KEY_SIZE


def new_key() -> bytes:
    return bytes(nacl.utils.random(KEY_SIZE))


def seal(key: bytes, personal: Mapping[str, Any] | None, frame: bytes | None) -> bytes:
    body: dict[str, Any] = {"p": dict(personal) if personal is not None else None}
    if frame is not None:
        body["f"] = base64.b64encode(frame).decode("ascii")
    plain = canonical_json(body, "personal").encode("utf-8")
    return bytes(nacl.secret.SecretBox(key).encrypt(plain))


def unseal(key: bytes, sealed: bytes) -> tuple[dict[str, Any] | None, bytes | None] | None:
    """(personal fields, sealed frame), or None when the blob does not open with this key."""
    try:
        body = json.loads(nacl.secret.SecretBox(key).decrypt(sealed))
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        return None
    if not isinstance(body, dict):
        return None
    personal = body.get("p")
    frame = body.get("f")
    return (
        personal if isinstance(personal, dict) else None,
        base64.b64decode(frame) if isinstance(frame, str) else None,
    )
