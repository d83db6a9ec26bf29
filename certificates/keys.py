"""Ed25519 credential signing keys: files in the signing dir, one per key id, never in the database.

Layout: ``<signing dir>/credential-keys/<kid>.pem`` (PKCS#8, mode 0600) and ``active`` (the kid that signs
new credentials). Rotation adds a key and moves ``active``; old keys stay so credentials signed with them
keep verifying (every key is published in the JWKS and the issuer profile). Development creates the first
key on demand; production expects ``flask certificates rotate-key`` to have been run once.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certificates import multibase

KEY_DIR = "credential-keys"
ACTIVE = "active"
_ED25519_PUB_PREFIX = b"\xed\x01"  # multicodec ed25519-pub


class SigningKeyMissing(RuntimeError):
    """No credential key and not allowed to create one (production)."""


@dataclass(frozen=True)
class CredentialKey:
    kid: str
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def public_bytes(self) -> bytes:
        return self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def multibase(self) -> str:
        """``z6Mk…``: the Multikey form used by Data Integrity verification methods."""
        return multibase.encode_base58btc(_ED25519_PUB_PREFIX + self.public_bytes)

    def jwk(self) -> dict:
        x = base64.urlsafe_b64encode(self.public_bytes).decode().rstrip("=")
        return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": self.kid, "use": "sig", "alg": "EdDSA"}


def _dir(signing_dir: Path) -> Path:
    return Path(signing_dir) / KEY_DIR


def _write_new_key(folder: Path, now: datetime) -> str:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    kid = f"{now:%Y%m%d}-{secrets.token_hex(4)}"
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(folder / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return kid


def rotate(signing_dir: Path, *, now: datetime) -> str:
    """Create a new key and make it the active one; returns its kid. Old keys are kept."""
    folder = _dir(signing_dir)
    kid = _write_new_key(folder, now)
    tmp = folder / f".{ACTIVE}.{kid}"
    tmp.write_text(kid)
    os.replace(tmp, folder / ACTIVE)
    _load.cache_clear()
    return kid


def ensure_active(signing_dir: Path, *, now: datetime, may_create: bool) -> str:
    """The active kid, creating the first key when allowed (two processes racing agree on one)."""
    folder = _dir(signing_dir)
    active = folder / ACTIVE
    if active.exists():
        return active.read_text().strip()
    if not may_create:
        raise SigningKeyMissing(f"no credential signing key in {folder}; run `flask certificates rotate-key`")
    kid = _write_new_key(folder, now)
    try:
        fd = os.open(active, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created the first key at the same moment: use theirs
        with contextlib.suppress(FileNotFoundError):
            (folder / f"{kid}.pem").unlink()
        return active.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(kid)
    return kid


@lru_cache(maxsize=64)
def _load(path: str, mtime_ns: int) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    return key


def load_key(signing_dir: Path, kid: str) -> CredentialKey:
    path = _dir(signing_dir) / f"{kid}.pem"
    if "/" in kid or not path.is_file():
        raise KeyError(kid)
    return CredentialKey(kid, _load(str(path), path.stat().st_mtime_ns))


def active_key(signing_dir: Path, *, now: datetime, may_create: bool) -> CredentialKey:
    return load_key(signing_dir, ensure_active(signing_dir, now=now, may_create=may_create))


def all_keys(signing_dir: Path) -> list[CredentialKey]:
    """Every key, newest kid first (kids start with their creation date)."""
    folder = _dir(signing_dir)
    if not folder.is_dir():
        return []
    return [load_key(signing_dir, p.stem) for p in sorted(folder.glob("*.pem"), reverse=True)]


def jwks(signing_dir: Path) -> dict:
    return {"keys": [key.jwk() for key in all_keys(signing_dir)]}
