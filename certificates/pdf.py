"""The certificate as a signed PDF: A4 landscape, Chinese, QR code to the verification page.

Rendering: a Jinja template (``templates/certificates/pdf.html``, no Flask needed, so the scheduler can
render in batch) through WeasyPrint with the system's Noto CJK fonts. The URL fetcher serves only the
files in ``certificates/pdf_assets`` under the ``asset:`` scheme and refuses everything else (``file:``,
``http(s):``, ``data:``). Signing: PAdES baseline B-B with pyHanko (see ``certificates.pdfsign``).
Stored once per certificate in the storage dir and served from there afterwards.
"""

from __future__ import annotations

import hashlib
import math
import mimetypes
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from certificates.config import CertConfig
from certificates.models import Certificate
from certificates.pdfsign import sign_pdf
from certificates.policy import CertificateKind
from certificates.status import CertificateState
from certificates.storage import pdf_path, store_once
from certificates.verification import local_date

HERE = Path(__file__).resolve().parent
ASSET_DIR = HERE / "pdf_assets"
ASSET_SCHEME = "asset:"


class AssetFetcher(URLFetcher):
    """WeasyPrint fetcher for the app's own PDF assets only."""

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if not url.startswith(ASSET_SCHEME):
            raise ValueError(f"refused URL in certificate PDF: {url[:80]}")
        path = (ASSET_DIR / url[len(ASSET_SCHEME):]).resolve()
        if ASSET_DIR not in path.parents or not path.is_file():
            raise ValueError(f"no such certificate asset: {url[:80]}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


@lru_cache(maxsize=1)
def _stylesheet() -> tuple[CSS, FontConfiguration]:
    fonts = FontConfiguration()
    css = CSS(string=(ASSET_DIR / "certificate.css").read_text(encoding="utf-8"), font_config=fonts,
              url_fetcher=AssetFetcher(), base_url=ASSET_SCHEME)
    return css, fonts


def verify_url(config: CertConfig, cert: Certificate) -> str:
    return f"{config.base_url}/verify/{cert.serial}?t={cert.token}"


def qr_svg(url: str, *, scale: int = 4) -> Markup:
    """The QR code as inline SVG (medium error correction, survives a crease or a smudge)."""
    svg = segno.make(url, error="m", micro=False).svg_inline(scale=scale, border=0, dark="#10233f", omitsize=True)
    return Markup(svg)  # noqa: S704 - segno's own markup: module paths only, no text from the request


@dataclass(frozen=True)
class Seal:
    """The issuer's name set along a round seal's upper arc (120×120 viewBox): one glyph per position."""

    letters: list[tuple[float, float, float, str]]
    font_size: float


def seal_for(issuer: str, *, radius: float = 42.0) -> Seal:
    chars = list(issuer[:20]) or [" "]
    spread = min(260.0, 18.0 * len(chars))
    step = math.radians(spread / len(chars)) * radius  # arc length per glyph
    letters = []
    for i, char in enumerate(chars):
        angle = -spread / 2 + spread * (i + 0.5) / len(chars)
        rad = math.radians(angle - 90)
        letters.append((round(60 + radius * math.cos(rad), 2), round(60 + radius * math.sin(rad), 2),
                        round(angle, 2), char))
    return Seal(letters, round(min(12.0, step * 0.92), 2))


def _cn_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


@dataclass(frozen=True)
class PdfContent:
    """What the PDF shows; built from a certificate so the batch renderer needs no database."""

    serial: str
    kind: str
    title: str
    subtitle: str
    holder_name: str
    statement: str
    fields: list[tuple[str, str]]
    issuer_name: str
    issued_on: str
    platform_name: str
    url: str


_SUBTITLES = {
    CertificateKind.TRAINING: "Certificate of Training Completion",
    CertificateKind.SKILL_LEVEL: "Vocational Skill Level Certificate",
    CertificateKind.SPECIAL_TRADE: "Special Trade Operation Certificate",
    CertificateKind.COMPETITION_AWARD: "Vocational Skills Competition Award",
}


def _statement(cert: Certificate) -> str:
    details = cert.details or {}
    kind = CertificateKind(cert.kind)
    if kind == CertificateKind.TRAINING:
        hours = f"全部{details['hours']}学时的" if details.get("hours") else "全部"
        return f"已完成《{cert.skill_name}》课程{hours}学习，练习测验成绩合格，特发此证明。"
    if kind == CertificateKind.COMPETITION_AWARD:
        return f"在{details.get('competition', '')}中荣获{cert.award}，特发此证，以资鼓励。"
    if kind == CertificateKind.SPECIAL_TRADE:
        return f"经理论考试和实际操作考核合格，准予从事{cert.skill_name}作业。"
    level = "\u2060".join(cert.level)  # word joiners: a level is never broken across two lines
    return f"经理论知识考试和操作技能考核，成绩合格，达到{cert.skill_name}（{level}）职业技能等级要求，特发此证。"


def pdf_content(cert: Certificate, config: CertConfig) -> PdfContent:
    expires = local_date(cert.expires_at)
    fields = [("职业（工种）" if cert.kind != CertificateKind.TRAINING else "培训课程", cert.skill_name)]
    if cert.level:
        fields.append(("等级", cert.level))
    if cert.award:
        fields.append(("奖项", cert.award))
    fields += [("发证机构", cert.issuer_name), ("发证日期", _cn_date(local_date(cert.issued_at))),
               ("有效期至", _cn_date(expires) if expires else "长期有效"), ("证书编号", cert.serial)]
    return PdfContent(serial=cert.serial, kind=str(cert.kind), title=cert.title,
                      subtitle=_SUBTITLES[CertificateKind(cert.kind)], holder_name=cert.holder_name,
                      statement=_statement(cert), fields=fields, issuer_name=cert.issuer_name,
                      issued_on=_cn_date(local_date(cert.issued_at)), platform_name=config.issuer_name,
                      url=verify_url(config, cert))


def render_pdf(content: PdfContent) -> bytes:
    """The unsigned PDF bytes."""
    html = _environment().get_template("certificates/pdf.html").render(
        c=content, qr=qr_svg(content.url), seal=seal_for(content.issuer_name))
    css, fonts = _stylesheet()
    document = HTML(string=html, base_url=ASSET_SCHEME, url_fetcher=AssetFetcher())
    return document.write_pdf(stylesheets=[css], font_config=fonts)


def render_signed_pdf(content: PdfContent, config: CertConfig) -> bytes:
    return sign_pdf(render_pdf(content), config)


# -- storage ------------------------------------------------------------------------------------------------------

def stored_pdf(cert: Certificate, config: CertConfig) -> bytes:
    """The certificate's signed PDF from storage, rendered and stored on first use.

    Sets ``pdf_sha256`` on the row (the caller commits); a stored file that no longer matches that hash is
    refused rather than served.
    """
    path = pdf_path(config, cert)
    if path.is_file():
        data = path.read_bytes()
    else:
        data = store_once(path, render_signed_pdf(pdf_content(cert, config), config))
    digest = hashlib.sha256(data).hexdigest()
    if cert.pdf_sha256 is None:
        cert.pdf_sha256 = digest
    elif cert.pdf_sha256 != digest:
        raise RuntimeError(f"stored PDF of certificate {cert.id} does not match its recorded hash")
    return data


def render_missing_pdfs(session: Session, *, config: CertConfig, limit: int = 200) -> int:
    """Batch job: render and store the PDFs of issued certificates that have none yet (idempotent)."""
    certs = session.scalars(select(Certificate).where(Certificate.state == CertificateState.ISSUED,
                                                      Certificate.pdf_sha256.is_(None))
                            .order_by(Certificate.id).limit(limit)).all()
    for cert in certs:
        stored_pdf(cert, config)
    session.flush()
    return len(certs)
