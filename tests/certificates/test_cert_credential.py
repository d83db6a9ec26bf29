"""Open Badges 3.0: schema-valid AchievementCredential, eddsa-rdfc-2022 proof checked independently, key
rotation, and the Bitstring Status List that follows revocation."""

import base64
import copy
import gzip
import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

from certificates import keys, ldproof
from certificates.lifecycle import revoke_certificate
from core.clock import utcnow
from tests.certificates.cert_world import base_with_admin, make_cert, worker

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("PREFABSKILLS_SHARED", REPO.parent / "shared"))
OB = SHARED / "fixtures" / "openbadges"
CONTEXT_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
}
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@pytest.fixture(scope="module")
def fixtures() -> Path:
    if not OB.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Open Badges fixtures not found at {OB}")
        pytest.skip(f"Open Badges fixtures not found at {OB}; set PREFABSKILLS_SHARED")
    return OB


# -- an independent verifier: pyld + cryptography, nothing from certificates.* ------------------------------

def fixture_loader(url, options=None):
    """Contexts from the shared fixtures (not the app's copies); anything else fails."""
    if url not in CONTEXT_FILES:
        raise jsonld.JsonLdError(f"offline: {url}", "jsonld.LoadDocumentError", code="loading document failed")
    return {"contextUrl": None, "documentUrl": url,
            "document": json.loads((OB / "contexts" / CONTEXT_FILES[url]).read_text(encoding="utf-8"))}


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + B58.index(char)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + raw


def canon(doc: dict) -> bytes:
    return jsonld.normalize(copy.deepcopy(doc), {"algorithm": "URDNA2015", "format": "application/n-quads",
                                                 "documentLoader": fixture_loader}).encode()


def independent_verify(document: dict, public_key: Ed25519PublicKey) -> None:
    """W3C vc-di-eddsa §3.3.2 (verify proof, eddsa-rdfc-2022); raises InvalidSignature."""
    proofs = document["proof"]
    proof = dict(proofs[0] if isinstance(proofs, list) else proofs)
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    value = proof.pop("proofValue")
    assert value.startswith("z")
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    proof["@context"] = unsigned["@context"]
    digest = hashlib.sha256(canon(proof)).digest() + hashlib.sha256(canon(unsigned)).digest()
    public_key.verify(b58decode(value[1:]), digest)


def key_from_jwks(jwks: dict, verification_method: str) -> Ed25519PublicKey:
    kid = verification_method.rsplit("#", 1)[1]
    [jwk] = [k for k in jwks["keys"] if k["kid"] == kid]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    x = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    return Ed25519PublicKey.from_public_bytes(x)


# -- fixtures ------------------------------------------------------------------------------------------------

@pytest.fixture
def app_config(app):
    return app.extensions["certificates"]


@pytest.fixture
def cert(session, cipher, app_config):
    org, admin = base_with_admin(session, cipher, name="昆明装配式建筑实训基地")
    holder = worker(session, cipher, name="张晓明")
    made = make_cert(session, holder=holder, org=org, config=app_config, now=utcnow())
    session.commit()
    made.admin = admin
    return made


def _credential(client, cert) -> dict:
    resp = client.get(f"/api/v1/certificates/{cert.serial}/credential?t={cert.token}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "application/ld+json"
    return resp.get_json(force=True)


# -- tests ---------------------------------------------------------------------------------------------------

def test_our_proof_code_reproduces_the_w3c_test_vector(fixtures):
    pair = json.loads((fixtures / "vc-di-eddsa" / "keyPair.json").read_text())
    signed = json.loads((fixtures / "vc-di-eddsa" / "signedDataInt.json").read_text())
    expected = signed.pop("proof")
    private = Ed25519PrivateKey.from_private_bytes(b58decode(pair["privateKeyMultibase"][1:])[2:])
    proof = ldproof.create_proof(signed, private_key=private, verification_method=expected["verificationMethod"],
                                 created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC), loader=fixture_loader)
    assert proof == expected


def test_the_credential_validates_against_the_ob3_schema(fixtures, client, cert):
    schema = json.loads((fixtures / "schema" / "achievementcredential.json").read_text())
    credential = _credential(client, cert)
    jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker()).validate(credential)
    subject = credential["credentialSubject"]
    assert subject["licenseNumber"] == cert.serial
    assert subject["achievement"]["name"] == "建筑起重信号司索工 五级/初级工"
    assert subject["source"]["name"] == "昆明装配式建筑实训基地"
    assert credential["credentialStatus"]["type"] == "BitstringStatusListEntry"
    text = json.dumps(credential, ensure_ascii=False)
    assert "张晓明" not in text  # the name only as a salted hash


def test_the_proof_verifies_with_the_key_from_the_jwks_endpoint(fixtures, client, cert):
    credential = _credential(client, cert)
    jwks = client.get("/.well-known/jwks.json").get_json(force=True)
    independent_verify(credential, key_from_jwks(jwks, credential["proof"][0]["verificationMethod"]))
    name_id = credential["credentialSubject"]["identifier"][0]
    assert name_id["identityHash"] == "sha256$" + hashlib.sha256(("张晓明" + name_id["salt"]).encode()).hexdigest()


def test_any_changed_value_breaks_the_proof(fixtures, client, cert):
    credential = _credential(client, cert)
    jwks = client.get("/.well-known/jwks.json").get_json(force=True)
    key = key_from_jwks(jwks, credential["proof"][0]["verificationMethod"])

    def leaves(node, path=()):
        if isinstance(node, dict):
            for k, v in node.items():
                if k not in ("@context", "proof"):
                    yield from leaves(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from leaves(v, (*path, i))
        elif isinstance(node, str):
            yield path

    checked = 0
    for path in leaves(credential):
        forged = copy.deepcopy(credential)
        target = forged
        for step in path[:-1]:
            target = target[step]
        original = target[path[-1]]
        if path[-1] == "type" or original in ("Profile", "Achievement", "AchievementSubject", "IdentityObject"):
            continue  # changing a type name makes a different (unsignable) graph; covered by others
        target[path[-1]] = original + "X" if not original.endswith("Z") else original.replace("Z", "+08:00")
        with pytest.raises(InvalidSignature):
            independent_verify(forged, key)
        checked += 1
    assert checked >= 15


def test_credentials_keep_verifying_after_a_key_rotation(fixtures, client, cert, session, cipher, app_config):
    before = client.get(f"/api/v1/certificates/{cert.serial}/credential?t={cert.token}").get_data()
    old_kid = json.loads(before)["proof"][0]["verificationMethod"].rsplit("#", 1)[1]
    new_kid = keys.rotate(app_config.signing_dir, now=utcnow())
    assert new_kid != old_kid
    second = make_cert(session, holder=worker(session, cipher, name="李四"), org=None, config=app_config,
                       now=utcnow())
    session.commit()
    jwks = client.get("/.well-known/jwks.json").get_json(force=True)
    assert {old_kid, new_kid} <= {k["kid"] for k in jwks["keys"]}
    again = client.get(f"/api/v1/certificates/{cert.serial}/credential?t={cert.token}").get_data()
    assert again == before  # signed once, stored, the same bytes ever after
    independent_verify(json.loads(again), key_from_jwks(jwks, json.loads(again)["proof"][0]["verificationMethod"]))
    fresh = _credential(client, second)
    assert fresh["proof"][0]["verificationMethod"].endswith("#" + new_kid)
    independent_verify(fresh, key_from_jwks(jwks, fresh["proof"][0]["verificationMethod"]))
    profile = client.get("/issuer").get_json(force=True)
    assert {m["id"].rsplit("#", 1)[1] for m in profile["verificationMethod"]} >= {old_kid, new_kid}


def _bit(client, entry) -> bool:
    listing = client.get(urlsplit(entry["statusListCredential"]).path)
    assert listing.status_code == 200
    document = listing.get_json(force=True)
    jwks = client.get("/.well-known/jwks.json").get_json(force=True)
    independent_verify(document, key_from_jwks(jwks, document["proof"][0]["verificationMethod"]))
    encoded = document["credentialSubject"]["encodedList"]
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    index = int(entry["statusListIndex"])
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_the_status_list_follows_revocation(fixtures, client, cert, session):
    entry = _credential(client, cert)["credentialStatus"]
    assert entry["statusPurpose"] == "revocation"
    assert _bit(client, entry) is False
    revoke_certificate(session, certificate=session.merge(cert), actor_id=cert.admin.id, reason="证书信息造假",
                       now=utcnow())
    session.commit()
    assert _bit(client, entry) is True


def test_an_unknown_status_list_is_404(client, cert):
    assert client.get("/credentials/status/99").status_code == 404
    assert client.get("/credentials/status/0").status_code == 404
