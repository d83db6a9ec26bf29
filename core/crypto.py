"""Personal-data encryption at rest and keyed lookup hashes.

Ciphertext layout (text, so it fits any column): ``<key id>$<base64(nonce || AES-GCM ciphertext)>``.
Keys live outside the database (settings); the key id lets old rows decrypt after rotation. A keyed
HMAC-SHA256 gives a stable lookup/uniqueness hash that reveals nothing without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class PiiCipher:
    def __init__(self, keys: dict[str, bytes], active_key_id: str, hash_key: bytes) -> None:
        if active_key_id not in keys:
            raise ValueError("active key id not among keys")
        self._raw = dict(keys)
        self._keys = {kid: AESGCM(k) for kid, k in keys.items()}
        self._active = active_key_id
        self._hash_key = hash_key

    def encrypt(self, plaintext: str, *, purpose: str) -> str:
        """Encrypt ``plaintext``; ``purpose`` (e.g. "id_number") is bound as associated data."""
        nonce = os.urandom(12)
        ct = self._keys[self._active].encrypt(nonce, plaintext.encode(), purpose.encode())
        return f"{self._active}${base64.b64encode(nonce + ct).decode()}"

    def decrypt(self, token: str, *, purpose: str) -> str:
        kid, _, b64 = token.partition("$")
        raw = base64.b64decode(b64)
        return self._keys[kid].decrypt(raw[:12], raw[12:], purpose.encode()).decode()

    def key_id_of(self, token: str) -> str:
        return token.partition("$")[0]

    def lookup_hash(self, value: str, *, purpose: str) -> str:
        return hmac.new(self._hash_key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    @property
    def active_key_id(self) -> str:
        return self._active

    @property
    def hash_key(self) -> bytes:
        return self._hash_key

    def raw_key(self, kid: str) -> bytes:
        """A configured key, for building the cipher of the next rotation step."""
        return self._raw[kid]
