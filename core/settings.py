"""One frozen settings object, read from the environment (``PREFABSKILLS_*``).

Development generates its secrets into ``instance/secrets.json`` on first run; production refuses to
start unless every secret is given explicitly.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "PREFABSKILLS_"


class SettingsError(RuntimeError):
    """The environment does not describe a runnable app."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    instance_path: Path = Path("instance")
    database_url: str = ""
    database_replica_url: str = ""  # optional streaming replica for lagging reads (roster, statistics)
    secret_key: str = ""
    # key id -> 32-byte AES key; the first id in pii_key_order encrypts, all decrypt (rotation).
    pii_keys: dict[str, bytes] = field(default_factory=dict)
    pii_active_key_id: str = ""
    pii_hash_key: bytes = b""
    ratelimit_enabled: bool = True
    ratelimit_storage_url: str = "memory://"
    session_cookie_secure: bool = False
    token_ttl_s: int = 7 * 24 * 3600
    storage_dir: Path = Path("instance/storage")
    smtp_url: str = ""
    max_upload_bytes: int = 5 * 1024 * 1024
    exam_grace_s: int = 60
    base_url: str = "http://127.0.0.1:5000"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from ``environ`` (default ``os.environ``); ``overrides`` win over both."""
        env = dict(os.environ if environ is None else environ)

        def get(name: str, default: str = "") -> str:
            return env.get(PREFIX + name, default)

        mode = str(overrides.get("env") or get("ENV", "development"))
        instance = Path(str(overrides.get("instance_path") or get("INSTANCE_PATH", "instance"))).resolve()
        values: dict[str, object] = {
            "env": mode,
            "instance_path": instance,
            "database_url": get("DATABASE_URL") or f"sqlite:///{instance / 'prefabskills.sqlite3'}",
            "database_replica_url": get("DATABASE_REPLICA_URL"),
            "ratelimit_enabled": get("RATELIMIT_ENABLED", "1") not in {"0", "false", "no"},
            "ratelimit_storage_url": get("RATELIMIT_STORAGE_URL", "memory://"),
            "session_cookie_secure": get("SECURE_COOKIES", "1" if mode == "production" else "0") == "1",
            "storage_dir": Path(get("STORAGE_DIR") or instance / "storage"),
            "smtp_url": get("SMTP_URL"),
            "base_url": get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        }
        if get("EXAM_GRACE_S"):
            values["exam_grace_s"] = int(get("EXAM_GRACE_S"))
        values.update(_secrets(mode, instance, get))
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def _secrets(mode: str, instance: Path, get) -> dict[str, object]:
    given = {
        "secret_key": get("SECRET_KEY"),
        "pii_keys": get("PII_KEYS"),  # "kid1:base64key,kid2:base64key" – first one encrypts
        "pii_hash_key": get("PII_HASH_KEY"),
    }
    if mode == "production":
        missing = [PREFIX + k.upper() for k, v in given.items() if not v]
        if missing:
            raise SettingsError("production needs explicit secrets: " + ", ".join(missing))
    else:
        stored = _dev_secrets(instance)
        given = {k: v or stored[k] for k, v in given.items()}
    keys = _parse_keys(given["pii_keys"])
    return {
        "secret_key": given["secret_key"],
        "pii_keys": keys,
        "pii_active_key_id": next(iter(keys)),
        "pii_hash_key": base64.b64decode(given["pii_hash_key"]),
    }


def _parse_keys(spec: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kid, _, b64 = part.partition(":")
        key = base64.b64decode(b64)
        if not kid or len(key) != 32:
            raise SettingsError(f"{PREFIX}PII_KEYS: key {kid!r} must be 32 bytes, base64")
        keys[kid] = key
    if not keys:
        raise SettingsError(f"{PREFIX}PII_KEYS has no key")
    return keys


def _dev_secrets(instance: Path) -> dict[str, str]:
    """Secrets for development, generated once into ``instance/secrets.json`` (mode 0600)."""
    path = instance / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    instance.mkdir(parents=True, exist_ok=True)
    data = {
        "secret_key": secrets.token_urlsafe(48),
        "pii_keys": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "pii_hash_key": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)
    return data
