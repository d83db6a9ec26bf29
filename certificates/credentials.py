"""Open Badges 3.0: the certificate as an ``AchievementCredential``, and the published status list.

- Issuer: the platform's profile (``<base>/issuer``), which lists every credential key as a Multikey; the
  training base that assessed the holder is ``credentialSubject.source``.
- Subject: no ID number and no plain name; an ``IdentityObject`` with the salted SHA-256 of the holder's name
  lets a verifier who knows the name check it. The serial is ``licenseNumber``.
- ``credentialStatus``: a ``BitstringStatusListEntry`` (purpose ``revocation``) into the list published at
  ``<base>/credentials/status/<n>``; its bit is set when the certificate is revoked or superseded. Suspension
  is temporary and shows on the verification page and API, not in the revocation list.
- Proof: ``eddsa-rdfc-2022`` Data Integrity (see ``certificates.ldproof`` for why not VC-JWT).

A credential is signed once and stored; it keeps verifying after a key rotation because old public keys stay
published.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime

from certificates import keys, statuslist
from certificates.config import CertConfig
from certificates.ldproof import CREDENTIALS_V2, OB_V3, create_proof
from certificates.models import Certificate
from certificates.policy import CertificateKind, level_number
from certificates.storage import credential_path, store_once

_ACHIEVEMENT_TYPES = {
    CertificateKind.TRAINING: "CertificateOfCompletion",
    CertificateKind.SKILL_LEVEL: "Certificate",
    CertificateKind.SPECIAL_TRADE: "License",
    CertificateKind.COMPETITION_AWARD: "Award",
}
_CRITERIA = {
    CertificateKind.TRAINING: "完成课程全部课时的学习，并且练习测验平均成绩达到课程规定的合格线。",
    CertificateKind.SKILL_LEVEL: "理论知识考试和操作技能考核（两名以上考评员独立评分）各自达到60分（满分100分）；"
                                 "二级、一级另经专家委员会综合评审。",
    CertificateKind.SPECIAL_TRADE: "特种作业安全技术理论考核和实际操作考核均合格；"
                                   "证书有效期2年，到期前3个月内办理延期。",
    CertificateKind.COMPETITION_AWARD: "在职业技能竞赛中按竞赛规则取得相应名次或奖项。",
}


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_id(config: CertConfig) -> str:
    return f"{config.base_url}/issuer"


def status_list_url(config: CertConfig, list_number: int) -> str:
    return f"{config.base_url}/credentials/status/{list_number}"


def unsigned_credential(cert: Certificate, config: CertConfig, *, salt: str) -> dict:
    kind = CertificateKind(cert.kind)
    list_number, index = statuslist.position_of(cert.id)
    level = f" {cert.level}" if cert.level else ""
    award = f" {cert.award}" if cert.award else ""
    name_hash = hashlib.sha256((cert.holder_name + salt).encode()).hexdigest()
    subject: dict = {
        "type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "identityHash": f"sha256${name_hash}", "identityType": "name",
                        "hashed": True, "salt": salt}],
        "licenseNumber": cert.serial,
        "achievement": {
            "id": f"urn:prefabskills:achievement:{kind}:{cert.skill_code.lower()}"
                  + (f":level-{level_number(cert.level)}" if level_number(cert.level) else ""),
            "type": ["Achievement"],
            "achievementType": _ACHIEVEMENT_TYPES[kind],
            "name": f"{cert.skill_name}{level}{award}",
            "description": f"{cert.title}：{cert.skill_name}{level}{award}",
            "criteria": {"narrative": _CRITERIA[kind]},
            "fieldOfStudy": cert.skill_name,
            "humanCode": cert.skill_code,
            "inLanguage": "zh-CN",
        },
    }
    if cert.issuer_org_id is not None:
        subject["source"] = {"id": f"urn:prefabskills:org:{cert.issuer_org_id}", "type": ["Profile"],
                             "name": cert.issuer_name}
    credential: dict = {
        "@context": [CREDENTIALS_V2, OB_V3],
        "id": f"{config.base_url}/api/v1/certificates/{cert.serial}/credential",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id(config), "type": ["Profile"], "name": config.issuer_name, "url": config.base_url},
        "name": cert.title,
        "description": f"{cert.title} · {cert.skill_name}{level}{award} · {cert.issuer_name}",
        "validFrom": _iso(cert.valid_from or cert.issued_at),
        "awardedDate": _iso(cert.issued_at),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{status_list_url(config, list_number)}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": status_list_url(config, list_number),
        },
    }
    if cert.expires_at:
        credential["validUntil"] = _iso(cert.expires_at)
    return credential


def sign(document: dict, config: CertConfig, *, now: datetime) -> dict:
    key = keys.active_key(config.signing_dir, now=now, may_create=not config.is_production)
    proof = create_proof(document, private_key=key.private, created=now,
                         verification_method=f"{issuer_id(config)}#{key.kid}")
    return {**document, "proof": [proof]}


def stored_credential(cert: Certificate, config: CertConfig, *, now: datetime) -> bytes:
    """The signed credential (JSON bytes), signed and stored on first request, the same bytes ever after."""
    path = credential_path(config, cert)
    if path.is_file():
        return path.read_bytes()
    signed = sign(unsigned_credential(cert, config, salt=secrets.token_hex(8)), config, now=now)
    return store_once(path, json.dumps(signed, ensure_ascii=False, indent=2).encode())


def status_list_credential(config: CertConfig, *, list_number: int, revoked_ids: list[int], now: datetime) -> dict:
    """The signed ``BitstringStatusListCredential`` for one list, computed from the current states."""
    url = status_list_url(config, list_number)
    document = {
        "@context": [CREDENTIALS_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(config),
        "validFrom": _iso(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": statuslist.encode({statuslist.position_of(i)[1] for i in revoked_ids}),
        },
    }
    return sign(document, config, now=now)


def issuer_profile(config: CertConfig) -> dict:
    """The issuer's Profile with every public key (old ones included, so old credentials keep verifying)."""
    ident = issuer_id(config)
    methods = [{"id": f"{ident}#{k.kid}", "type": "Multikey", "controller": ident, "publicKeyMultibase": k.multibase}
               for k in keys.all_keys(config.signing_dir)]
    return {
        "@context": [CREDENTIALS_V2, OB_V3, "https://w3id.org/security/multikey/v1"],
        "id": ident, "type": ["Profile"], "name": config.issuer_name, "url": config.base_url,
        "verificationMethod": methods, "assertionMethod": [m["id"] for m in methods],
        "jwks_uri": f"{config.base_url}/.well-known/jwks.json",
    }
