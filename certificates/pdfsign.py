"""PAdES baseline (B-B) signatures on certificate PDFs with pyHanko.

The signer is an X.509 certificate and key: in production given by ``PREFABSKILLS_PDF_SIGNING_KEY`` /
``…_CERT`` (and ``…_CHAIN``); in development a self-signed ECDSA P-256 certificate is generated once into
the signing dir. Any change to a signed PDF breaks the signature: pyHanko's validator reports it as not
intact, or (for an appended revision) as not covering the whole file.

pyHanko's ``SimpleSigner`` re-parses its private key on every signature, which for RSA costs ~0.1 s with
``cryptography``'s key checks; ``_CachedKeySigner`` keeps the parsed key, so signing stays ~10 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import get_pyca_cryptography_hash

from certificates.config import CertConfig

DEV_DIR = "pdf-signer"
FIELD = "PrefabSkillsSignature"
_RESERVED = 16_384


class _CachedKeySigner(signers.SimpleSigner):
    """``SimpleSigner`` that parses its private key once."""

    _pyca_key = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        if self._pyca_key is None:
            self._pyca_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        algo = mechanism.signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if algo == "ecdsa" and isinstance(self._pyca_key, ec.EllipticCurvePrivateKey):
            return self._pyca_key.sign(data, ec.ECDSA(hash_algo))
        if algo == "rsassa_pkcs1v15" and isinstance(self._pyca_key, rsa.RSAPrivateKey):
            return self._pyca_key.sign(data, padding.PKCS1v15(), hash_algo)
        return super().sign_raw(data, digest_algorithm)


def ensure_dev_signer(signing_dir: Path, *, now: datetime | None = None) -> tuple[Path, Path]:
    """Create the development self-signed signer once; return (key path, cert path).

    The pair is written into a private temporary folder that is renamed into place, so a racing process
    either wins or uses the winner's pair: never a key with the other's certificate.
    """
    folder = Path(signing_dir) / DEV_DIR
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    if cert_path.is_file():
        return key_path, cert_path
    Path(signing_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
    now = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "PrefabSkills (development)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "PrefabSkills certificate signer (development)")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    staging = Path(tempfile.mkdtemp(prefix=".pdf-signer-", dir=signing_dir))
    fd = os.open(staging / "key.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    (staging / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    try:
        os.rename(staging, folder)
    except OSError:  # another process put its pair in place first
        shutil.rmtree(staging, ignore_errors=True)
    return key_path, cert_path


def signer_paths(config: CertConfig) -> tuple[Path, Path, tuple[Path, ...]]:
    if config.pdf_key_path and config.pdf_cert_path:
        return config.pdf_key_path, config.pdf_cert_path, config.pdf_chain_paths
    if config.is_production:
        raise RuntimeError("PDF signing key and certificate are not configured")
    key, cert = ensure_dev_signer(config.signing_dir)
    return key, cert, ()


@lru_cache(maxsize=4)
def _signer(key_path: str, cert_path: str, chain: tuple[str, ...], mtime: float) -> signers.PdfSigner:
    simple = _CachedKeySigner.load(key_path, cert_path, ca_chain_files=chain or None)
    if simple is None:
        raise RuntimeError(f"cannot load the PDF signer from {key_path} / {cert_path}")
    meta = signers.PdfSignatureMetadata(field_name=FIELD, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
                                        reason="证书签发 Certificate issuance", location="PrefabSkills")
    return signers.PdfSigner(meta, simple)


def pdf_signer(config: CertConfig) -> signers.PdfSigner:
    key, cert, chain = signer_paths(config)
    mtime = 0.0
    with contextlib.suppress(OSError):
        mtime = max(key.stat().st_mtime, cert.stat().st_mtime)
    return _signer(str(key), str(cert), tuple(map(str, chain)), mtime)


def sign_pdf(pdf: bytes, config: CertConfig) -> bytes:
    """Sign ``pdf`` (PAdES B-B, SHA-256) as a new incremental revision."""
    signer = pdf_signer(config)

    def run() -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        return signer.sign_pdf(writer, bytes_reserved=_RESERVED).getvalue()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    # pyHanko's synchronous API calls asyncio.run(), which refuses to start inside a running event loop
    # (e.g. a process that also drives a browser through Playwright's sync API): sign on a helper thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
