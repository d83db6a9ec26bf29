"""Files of a certificate in the storage dir (signed PDF, signed credential): written once, then only read."""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from certificates.config import CertConfig
from certificates.models import Certificate

BULK_RESULT_TTL_S = 24 * 3600
_RESULT_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def folder(config: CertConfig, cert: Certificate) -> Path:
    return config.certificate_dir / f"{cert.id:09d}"


def pdf_path(config: CertConfig, cert: Certificate) -> Path:
    return folder(config, cert) / f"{cert.serial}.pdf"


def credential_path(config: CertConfig, cert: Certificate) -> Path:
    return folder(config, cert) / f"{cert.serial}.credential.json"


def store_once(path: Path, data: bytes) -> bytes:
    """Write ``data`` to ``path`` unless a file is already there; return what the path holds afterwards.

    Two processes racing both write a private temporary file; ``os.link`` refuses to replace an existing
    file, so exactly one wins and the other returns the winner's bytes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    tmp.write_bytes(data)
    try:
        os.link(tmp, path)
    except FileExistsError:
        data = path.read_bytes()
    finally:
        tmp.unlink(missing_ok=True)
    return data


def store_bulk_result(config: CertConfig, org_id: int, data: bytes) -> str:
    """Keep a bulk result file for a day under the enterprise's folder; return its random id."""
    folder = config.bulk_dir / str(org_id)
    folder.mkdir(parents=True, exist_ok=True)
    result_id = secrets.token_urlsafe(18)
    (folder / f"{result_id}.csv").write_bytes(data)
    return result_id


def bulk_result_path(config: CertConfig, org_ids: set[int], result_id: str) -> Path | None:
    if not _RESULT_ID.match(result_id or ""):
        return None
    for org_id in sorted(org_ids):
        path = config.bulk_dir / str(org_id) / f"{result_id}.csv"
        if path.is_file():
            return path
    return None


def remove_old_bulk_results(config: CertConfig, *, now_ts: float | None = None) -> int:
    """Delete result files older than a day (a job); returns how many went."""
    cutoff = (now_ts or time.time()) - BULK_RESULT_TTL_S
    removed = 0
    for path in config.bulk_dir.glob("*/*.csv") if config.bulk_dir.is_dir() else []:
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
