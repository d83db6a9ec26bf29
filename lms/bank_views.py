"""Staff pages for a training base's question banks: import (Moodle XML, GIFT, Aiken) and export.

Every page is for base administrators and examiners of the base (and platform admins). Another
organisation, or another organisation's bank, answers 404; a member of the base without one of those
roles gets 403.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from core.access import check_org_access
from core.clock import utcnow
from core.db import transaction
from core.errors import DomainError, NotFound
from core.models import Organisation, OrgKind
from core.views import ACCOUNT_LINKS
from core.web import attach_error, client_ip, db, roles_required_page
from lms import banks
from lms.bank_forms import BankForm, ImportForm
from lms.models import QuestionBank
from lms.queries import catalogue
from lms.questions.messages import KIND_LABELS, msg

bp = Blueprint("banks", __name__, template_folder="templates")
ACCOUNT_LINKS.append((_l("题库管理"), "banks.my_banks"))
PER_PAGE = 100
# Moodle question types the platform does not import, as staff know them.
SKIPPED_TYPE_LABELS = {
    "essay": _l("问答题"), "match": _l("匹配题"), "description": _l("说明文字"), "multianswer": _l("嵌入式完形填空"),
    "ordering": _l("排序题"), "calculated": _l("计算题"), "calculatedsimple": _l("简单计算题"),
    "calculatedmulti": _l("计算选择题"), "randomsamatch": _l("随机匹配题"), "ddwtos": _l("拖放填空题"),
    "gapselect": _l("下拉填空题"), "ddimageortext": _l("拖放图片题"), "ddmarker": _l("拖放标记题"),
}


def _scope(org_id: int, bank_id: int | None = None) -> tuple[Organisation, QuestionBank | None]:
    """The base (and bank) the request is about: 404 before 403, so other tenants' ids reveal nothing."""
    org = db().get(Organisation, org_id)
    if org is None or org.kind != OrgKind.TRAINING_BASE:
        raise NotFound()
    check_org_access(current_user, org.id)
    bank = None
    if bank_id is not None:
        bank = banks.bank_in_org(db(), org.id, bank_id)
        if bank is None:
            raise NotFound()
    check_org_access(current_user, org.id, *banks.BANK_STAFF_ROLES)
    return org, bank


@bp.get("/banks")
@roles_required_page(lambda user: bool(banks.bases_staffed_by(db(), user)))
def my_banks():
    """The bases whose banks the user manages; straight to the banks when there is only one."""
    bases = banks.bases_staffed_by(db(), current_user)
    if len(bases) == 1:
        return redirect(url_for("banks.bank_list", org_id=bases[0].id))
    return render_template("lms/banks/bases.html", bases=bases)


@bp.route("/orgs/<int:org_id>/banks", methods=["GET", "POST"])
@login_required
def bank_list(org_id: int):
    """The base's banks and a form to create one. 404 for another organisation, 403 for other roles."""
    org, _bank = _scope(org_id)
    form = BankForm()
    form.set_courses(catalogue(db()))
    if form.validate_on_submit():
        try:
            with transaction(db()):
                bank = banks.create_bank(db(), actor_id=current_user.id, org=org, name=form.name.data,
                                         course_id=form.chosen_course_id, now=utcnow())
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("已建立题库：%(name)s", name=bank.name), "success")
            return redirect(url_for("banks.bank_page", org_id=org.id, bank_id=bank.id))
    return render_template("lms/banks/list.html", org=org, form=form,
                           banks=banks.banks_of_org(db(), org.id)), 422 if form.errors else 200


@bp.get("/orgs/<int:org_id>/banks/<int:bank_id>")
@login_required
def bank_page(org_id: int, bank_id: int):
    """The bank's questions, page by page, with the import form. 404 for another organisation's bank."""
    org, bank = _scope(org_id, bank_id)
    return _render_bank(org, bank, ImportForm())


@bp.post("/orgs/<int:org_id>/banks/<int:bank_id>/import")
@login_required
def import_file(org_id: int, bank_id: int):
    """Import an uploaded file, all or nothing; the page lists what was imported, skipped and refused."""
    org, bank = _scope(org_id, bank_id)
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            with transaction(db()):
                report = banks.import_into_bank(
                    db(), actor_id=current_user.id, bank=bank, filename=upload.filename or "", data=upload.read(),
                    file_format=form.file_format.data or None, skip_errors=form.skip_errors.data, now=utcnow(),
                    ip=client_ip())
        except DomainError as exc:
            attach_error(form, exc)
    failed = report is None or report.is_refused
    return _render_bank(org, bank, form, report, status=422 if failed else 200)


@bp.get("/orgs/<int:org_id>/banks/<int:bank_id>/export.xml")
@login_required
def export_file(org_id: int, bank_id: int):
    """The bank as a Moodle XML download. 404 for another organisation's bank."""
    _org, bank = _scope(org_id, bank_id)
    with transaction(db()):
        export = banks.export_bank(db(), actor_id=current_user.id, bank=bank, now=utcnow(), ip=client_ip())
    return Response(export.xml, mimetype="application/xml", headers={
        "Content-Disposition": _attachment(bank.name, fallback=f"bank-{bank.id}"), "Cache-Control": "no-store"})


def _render_bank(org: Organisation, bank: QuestionBank, form: ImportForm, report: banks.BankImport | None = None,
                 status: int = 200):
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = banks.bank_questions(db(), bank.id, page=page, per_page=PER_PAGE)
    kinds = {kind: msg(label) for kind, label in KIND_LABELS.items()}
    return render_template("lms/banks/bank.html", org=org, bank=bank, form=form, report=report, rows=rows,
                           total=total, page=page, pages=max(-(-total // PER_PAGE), 1), kinds=kinds,
                           skipped_types=SKIPPED_TYPE_LABELS), status


def _attachment(name: str, *, fallback: str) -> str:
    """Content-Disposition for ``<name>.xml``: an ASCII filename for old clients, RFC 5987 filename* for all."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip("-.") or fallback
    return f"attachment; filename=\"{ascii_name}.xml\"; filename*=UTF-8''{quote(name + '.xml', safe='')}"
