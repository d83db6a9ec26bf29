"""Certificate configuration, read from the environment next to ``core.settings`` (which it does not extend).

- ``PREFABSKILLS_SIGNING_DIR``: where signing keys live (default ``<instance>/signing``): the Ed25519
  credential keys (``credential-keys/<kid>.pem`` and the ``active`` kid) and, in development, a generated
  self-signed PDF signing certificate (``pdf-signer/``). Keep it outside the database and back it up.
- ``PREFABSKILLS_PDF_SIGNING_KEY`` / ``PREFABSKILLS_PDF_SIGNING_CERT`` (PEM files) and optionally
  ``PREFABSKILLS_PDF_SIGNING_CHAIN``: the PDF signer in production (required there; development generates
  one in the signing dir).
- ``PREFABSKILLS_CERT_ISSUER_NAME``: the platform's name as issuer (training certificates, Open Badges).
- ``PREFABSKILLS_CERT_POLICIES``: JSON overrides per kind, e.g.
  ``{"special_trade": {"validity_months": 24, "renewal_window_months": 3, "reminder_days": [90, 30, 7]}}``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from certificates.policy import DEFAULT_POLICIES, CertificateKind, KindPolicy, policies_with
from core.settings import PREFIX, Settings, SettingsError

DEFAULT_ISSUER_NAME = "装配式建筑产业工人培训与技能认证平台"


@dataclass(frozen=True)
class CertConfig:
    base_url: str
    storage_dir: Path
    signing_dir: Path
    is_production: bool = False
    issuer_name: str = DEFAULT_ISSUER_NAME
    pdf_key_path: Path | None = None
    pdf_cert_path: Path | None = None
    pdf_chain_paths: tuple[Path, ...] = ()
    policies: dict[CertificateKind, KindPolicy] = field(default_factory=lambda: dict(DEFAULT_POLICIES))

    def policy(self, kind: str) -> KindPolicy:
        return self.policies[CertificateKind(kind)]

    @property
    def certificate_dir(self) -> Path:
        return self.storage_dir / "certificates"

    @property
    def bulk_dir(self) -> Path:
        return self.storage_dir / "bulk-verifications"


def config_from(settings: Settings, environ: dict[str, str] | None = None) -> CertConfig:
    env = os.environ if environ is None else environ

    def get(name: str) -> str:
        return env.get(PREFIX + name, "")

    try:
        policies = policies_with(json.loads(get("CERT_POLICIES") or "{}"))
    except (ValueError, TypeError) as exc:
        raise SettingsError(f"{PREFIX}CERT_POLICIES: {exc}") from None
    key, cert = get("PDF_SIGNING_KEY"), get("PDF_SIGNING_CERT")
    if settings.is_production and not (key and cert):
        raise SettingsError(f"production needs {PREFIX}PDF_SIGNING_KEY and {PREFIX}PDF_SIGNING_CERT")
    return CertConfig(
        base_url=settings.base_url.rstrip("/"),
        storage_dir=Path(settings.storage_dir),
        signing_dir=Path(get("SIGNING_DIR") or Path(settings.instance_path) / "signing"),
        is_production=settings.is_production,
        issuer_name=get("CERT_ISSUER_NAME") or DEFAULT_ISSUER_NAME,
        pdf_key_path=Path(key) if key else None,
        pdf_cert_path=Path(cert) if cert else None,
        pdf_chain_paths=tuple(Path(p) for p in get("PDF_SIGNING_CHAIN").split(",") if p.strip()),
        policies=policies,
    )
