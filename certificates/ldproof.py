"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C VC Data Integrity EdDSA).

Why Data Integrity rather than VC-JWT: Open Badges 3.0 verifiers and wallets read the credential as JSON-LD,
and a Data Integrity proof keeps the credential a plain, readable JSON document with the proof beside
it (a JWT would wrap it in an opaque base64 envelope); the proof also survives re-serialisation because
it signs the RDF canonical form, not the bytes. The cost is RDF canonicalisation, done here with ``pyld``
and the JSON-LD contexts shipped in ``certificates/contexts`` — the document loader never touches the
network and refuses any other context.

Algorithm (spec §3.3): canonicalise the proof options (the proof without ``proofValue``, with the
document's ``@context``) and the document without its proof using RDFC-1.0 (URDNA2015); sign
``SHA-256(canonical proof options) || SHA-256(canonical document)`` with Ed25519; ``proofValue`` is the
signature in multibase base58-btc.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

from certificates import multibase

CONTEXT_DIR = Path(__file__).resolve().parent / "contexts"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
LOCAL_CONTEXTS = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-context-3.0.3.json",
}
CRYPTOSUITE = "eddsa-rdfc-2022"


class ProofInvalid(ValueError):
    """The proof is missing, malformed, or does not verify."""


@lru_cache(maxsize=16)
def _context_document(url: str) -> dict:
    return json.loads((CONTEXT_DIR / LOCAL_CONTEXTS[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options=None) -> dict:
    """Serve the shipped contexts only; anything else is an error (no network, no file system)."""
    if url not in LOCAL_CONTEXTS:
        raise jsonld.JsonLdError(f"context not available offline: {url}", "jsonld.LoadDocumentError",
                                 code="loading document failed")
    return {"contextUrl": None, "documentUrl": url, "document": _context_document(url)}


def canonicalize(document: dict, loader=document_loader) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document."""
    return jsonld.normalize(copy.deepcopy(document), {"algorithm": "URDNA2015", "format": "application/n-quads",
                                                      "documentLoader": loader})


def _hash_data(document: dict, proof_options: dict, loader) -> bytes:
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof_options.items() if k != "proofValue"}
    options["@context"] = unsigned["@context"]
    return (hashlib.sha256(canonicalize(options, loader).encode()).digest()
            + hashlib.sha256(canonicalize(unsigned, loader).encode()).digest())


def create_proof(document: dict, *, private_key: Ed25519PrivateKey, verification_method: str,
                 created: datetime, loader=document_loader) -> dict:
    """The Data Integrity proof object for ``document`` (which must not carry a proof yet)."""
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    signature = private_key.sign(_hash_data(document, options, loader))
    return {**options, "proofValue": multibase.encode_base58btc(signature)}


def verify_proof(document: dict, public_key: Ed25519PublicKey, loader=document_loader) -> dict:
    """Check the document's single ``eddsa-rdfc-2022`` proof; return it, or raise ``ProofInvalid``."""
    proofs = document.get("proof")
    proof = proofs[0] if isinstance(proofs, list) and len(proofs) == 1 else proofs
    if not isinstance(proof, dict) or proof.get("cryptosuite") != CRYPTOSUITE or \
            proof.get("type") != "DataIntegrityProof" or proof.get("proofPurpose") != "assertionMethod":
        raise ProofInvalid("expected one DataIntegrityProof with eddsa-rdfc-2022 for assertionMethod")
    try:
        signature = multibase.decode_base58btc(proof.get("proofValue", ""))
        public_key.verify(signature, _hash_data(document, proof, loader))
    except (InvalidSignature, ValueError) as exc:
        raise ProofInvalid("signature does not verify") from exc
    return proof
