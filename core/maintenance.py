"""Operator tasks: online SQLite backup and re-encryption of personal data after a key rotation."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.crypto import PiiCipher
from core.models import User


def backup_sqlite(database_path: Path, target: Path) -> int:
    """Copy a live SQLite database consistently (the backup API, safe while the app writes). Returns pages."""
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(database_path)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
        pages = dest.execute("PRAGMA page_count").fetchone()[0]
        if dest.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise RuntimeError(f"backup {target} failed its integrity check")
        return pages
    finally:
        dest.close()
        source.close()


@dataclass(frozen=True)
class RotationReport:
    checked: int
    reencrypted: int


def reencrypt_personal_data(session: Session, *, cipher: PiiCipher, now: datetime, batch: int = 500) -> RotationReport:
    """Re-encrypt every ID number and phone not under the active key (after adding a new key first in line).

    Old keys must stay configured until this has run; the lookup hashes do not change.
    """
    checked = changed = 0
    last_id = 0
    while True:
        users = session.scalars(select(User).where(User.id > last_id).order_by(User.id).limit(batch)).all()
        if not users:
            break
        for user in users:
            checked += 1
            for column, purpose in (("phone_enc", "phone"), ("id_number_enc", "id_number")):
                token = getattr(user, column)
                if token and cipher.key_id_of(token) != cipher.active_key_id:
                    setattr(user, column, cipher.encrypt(cipher.decrypt(token, purpose=purpose), purpose=purpose))
                    changed += 1
            last_id = user.id
        session.flush()
    audit.record(session, action="pii.reencrypted", now=now, details={"checked": checked, "fields": changed,
                                                                      "key": cipher.active_key_id})
    return RotationReport(checked, changed)
