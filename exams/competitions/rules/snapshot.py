"""Result snapshots: canonical JSON text and its SHA-256, so a published result can be proved unchanged.

The text is the stored artefact; the hash is computed over exactly those bytes (UTF-8), keys sorted, no
insignificant whitespace. Numbers are written as strings by the caller (Decimal text), never floats.
"""

import hashlib
import json


def canonical_json(payload: object) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
