"""Roster exports, printable roster and public notice, statistics dashboard.

- ``/roster/export.csv`` and ``/roster/export.xlsx``: the search page's filters plus ``purpose``; committee
  members export the whole roster, enterprise HR only its own workers (the search page's scope rule).
  Streamed in keyset batches from a read-only session; watermarked; audited at start and at the end.
- ``/roster/print`` (preview) and ``/roster/roster.pdf``: the 名册, A4 landscape, at most
  ``export.PDF_MAX_ROWS`` people (beyond that: a message, nothing printed); audited.
- ``/roster/notice`` (form and preview) and ``/roster/notice.pdf``: the 公示表, committee only; audited.
- ``/roster/stats``: charts and tables, committee only.

Every page answers 403 to users without roster access; the notice and the statistics 403 to enterprise HR.
"""

from __future__ import annotations

import tempfile
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from core.clock import utcnow
from core.db import make_session_factory, transaction
from core.errors import ValidationFailed
from core.forms import ROLE_LABELS
from core.models import Role
from core.web import client_ip, db, replica_db, roles_required_page, state
from roster import charts, export, notice, search, stats
from roster.access import COMMITTEE_ROLES, is_committee, may_use_roster, roster_scope

bp = Blueprint("roster_reports", __name__, template_folder="templates")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- helpers ---------------------------------------------------------------------------------------------------

def _role(user) -> tuple[str, int | None]:
    """The role the export is made in, as "专家委员·某委员会", and that organisation's id."""
    for wanted in (*COMMITTEE_ROLES, Role.ENTERPRISE_HR):
        for m in user.memberships:
            if m.role == wanted:
                return f"{ROLE_LABELS[wanted]}·{m.org.name}", m.org_id
    return "", None


def _job(file_format: str, filters: search.RosterFilters, purpose: str) -> export.ExportJob:
    scope = roster_scope(current_user)
    role, org_id = _role(current_user)
    return export.ExportJob(export_id=export.new_export_id(), file_format=file_format, actor_id=current_user.id,
                            org_id=org_id, exporter=current_user.name, role=role, purpose=purpose, at=utcnow(),
                            filters=filters, scope=frozenset(scope) if scope is not None else None)


def _filter_args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k in search.RosterFilters.__dataclass_fields__ and v}


def _read_session():
    """A read-only session of its own: on SQLite it never takes the write lock, whatever the export's length."""
    return make_session_factory(state().engine, readonly=True)()


def _batches(job: export.ExportJob):
    with _read_session() as session:
        for batch in export.entry_batches(session, job.filters, scope=job.scope, now=job.at):
            yield batch
            session.rollback()  # nothing written: ends the snapshot, so a slow download holds no transaction


def _record(job: export.ExportJob, action: str, ip: str, tally: export.Tally | None = None) -> None:
    """An audit row, committed at once (the request's session; a streamed body still has its context). The
    commit also ends the request's transaction before a long export, so it holds no lock meanwhile."""
    with transaction(db()):
        export.audit_export(db(), job, action=action, now=utcnow(), ip=ip,
                            rows=tally.rows if tally else None, complete=tally.complete if tally else None)


def _disposition(kind: str, filename: str, fallback: str) -> str:
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def _prepare(file_format: str, back: str):
    """(job, labels) for an export, or a redirect to ``back`` with a message when the purpose is missing."""
    filters, _after = search.parse_filters(request.args)  # ValidationFailed: a 422 page naming the parameter
    try:
        purpose = export.clean_purpose(request.args.get("purpose"))
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return redirect(url_for(back, **_filter_args()))
    return _job(file_format, filters, purpose), export.labels()


# -- exports -----------------------------------------------------------------------------------------------------

@bp.get("/roster/export.csv")
@roles_required_page(may_use_roster)
def export_csv():
    """The filtered roster as CSV, streamed (constant memory); back to the search page when no purpose is given."""
    prepared = _prepare("csv", "roster.index")
    if isinstance(prepared, Response):
        return prepared
    job, lab = prepared
    ip, tally = client_ip(), export.Tally()
    description = export.filters_text(job.filters, lab, scope_all=job.scope is None)
    _record(job, export.STARTED, ip)

    def body():
        try:
            yield from export.csv_chunks(_batches(job), job, lab, tally, description=description)
        finally:
            _record(job, export.FINISHED, ip, tally)

    return Response(stream_with_context(body()), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": _disposition("attachment", job.filename(_("人才库名册"), "csv"),
                                            f"roster-{job.export_id}.csv"),
        "Cache-Control": "private, no-store"})


@bp.get("/roster/export.xlsx")
@roles_required_page(may_use_roster)
def export_xlsx():
    """The filtered roster as XLSX (write-only workbook, streamed to a temporary file, then sent)."""
    prepared = _prepare("xlsx", "roster.index")
    if isinstance(prepared, Response):
        return prepared
    job, lab = prepared
    ip, tally = client_ip(), export.Tally()
    _record(job, export.STARTED, ip)
    # Deleted when closed; send_file closes it after the last byte, so no context manager here.
    target = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        export.write_xlsx(target, _batches(job), job, lab, tally,
                          description=export.filters_text(job.filters, lab, scope_all=job.scope is None))
    except BaseException:
        target.close()
        raise
    finally:
        _record(job, export.FINISHED, ip, tally)
    target.seek(0)
    response = send_file(target, mimetype=XLSX_MIME, max_age=0)
    response.headers["Content-Disposition"] = _disposition("attachment", job.filename(_("人才库名册"), "xlsx"),
                                                           f"roster-{job.export_id}.xlsx")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- printed roster ------------------------------------------------------------------------------------------------

def _page_numbers():
    # {page} and {pages} stand for the page counters: a translation keeps them as they are
    return export.page_counter_css(_("第 {page} 页 共 {pages} 页"))


def _print_page(entries, *, error: str = "", status: int = 200):
    lab = export.labels()
    return render_template("roster/reports/print.html", rows=[export.entry_cells(e, lab) for e in entries], lab=lab,
                           error=error, args=_filter_args(), purpose=request.args.get("purpose", "")), status


def _too_many_rows() -> str:
    return _("符合条件的人员超过 %(n)s 人，无法打印名册；请缩小筛选范围，或导出 CSV/Excel。",
             n=f"{export.PDF_MAX_ROWS:,}")


@bp.get("/roster/print")
@roles_required_page(may_use_roster)
def roster_preview():
    """The 名册 as a page (what the PDF will hold) with the purpose field and the download button."""
    filters, _after = search.parse_filters(request.args)
    entries, more = export.printable_entries(db(), filters, scope=roster_scope(current_user), now=utcnow())
    return _print_page([], error=_too_many_rows()) if more else _print_page(entries)


@bp.get("/roster/roster.pdf")
@roles_required_page(may_use_roster)
def roster_pdf():
    """The 名册 as a PDF: watermark and page numbers on every page; 422 on the preview page beyond the cap."""
    prepared = _prepare("pdf", "roster_reports.roster_preview")
    if isinstance(prepared, Response):
        return prepared
    job, lab = prepared
    entries, more = export.printable_entries(db(), job.filters, scope=roster_scope(current_user), now=job.at)
    if more:
        return _print_page([], error=_too_many_rows(), status=422)
    rows = [export.entry_cells(e, lab) for e in entries]
    pdf = export.render_pdf(render_template(
        "roster/reports/roster_pdf.html", job=job, lab=lab, rows=rows, page_numbers=_page_numbers(),
        description=export.filters_text(job.filters, lab, scope_all=job.scope is None)))
    with transaction(db()):
        export.audit_export(db(), job, action=export.EXPORTED, now=utcnow(), ip=client_ip(), rows=len(rows),
                            complete=True)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": _disposition("inline", job.filename(_("人才库名册"), "pdf"),
                                            f"roster-{job.export_id}.pdf"),
        "Cache-Control": "private, no-store"})


# -- public notice -------------------------------------------------------------------------------------------------

def _committee_org_name() -> str:
    return next((m.org.name for m in current_user.memberships if m.role in COMMITTEE_ROLES), "")


def _notice_request():
    today = utcnow().astimezone(notice.CHINA).date()
    default_contact = _("如有异议，请在公示期内以书面形式向%(org)s反映，并注明真实姓名和联系方式。",
                        org=_committee_org_name())
    return notice.parse_notice(request.args, today=today, default_contact=default_contact)


def _notice_page(req=None, lines=(), *, error: str = "", field: str = "", status: int = 200):
    return render_template("roster/reports/notice.html", req=req, lines=lines, error=error, error_field=field,
                           args=request.args, cn_date=notice.cn_date), status


@bp.get("/roster/notice")
@roles_required_page(is_committee)
def notice_preview():
    """The 公示表 form; with a date range, the list as it will be printed (422 with a message for bad dates)."""
    if "from" not in request.args and "to" not in request.args:
        return _notice_page()
    try:
        req = _notice_request()
    except ValidationFailed as exc:
        return _notice_page(error=exc.message, field=exc.field or "", status=422)
    lines, more = notice.notice_lines(db(), req)
    if more:
        return _notice_page(req, error=_too_many_notice(), status=422)
    return _notice_page(req, lines)


def _too_many_notice() -> str:
    return _("所选日期范围内超过 %(n)s 人，请缩短日期范围后分批公示。", n=f"{notice.NOTICE_MAX_ROWS:,}")


@bp.get("/roster/notice.pdf")
@roles_required_page(is_committee)
def notice_pdf():
    """The 公示表 as a PDF (committee only); audited. Without dates: the form; bad dates: the form with a 422."""
    if "from" not in request.args and "to" not in request.args:
        return redirect(url_for("roster_reports.notice_preview"))
    try:
        req = _notice_request()
    except ValidationFailed as exc:
        return _notice_page(error=exc.message, field=exc.field or "", status=422)
    lines, more = notice.notice_lines(db(), req)
    if more:
        return _notice_page(req, error=_too_many_notice(), status=422)
    now = utcnow()
    pdf = export.render_pdf(render_template("roster/reports/notice_pdf.html", req=req, lines=lines,
                                            org_name=_committee_org_name(), cn_date=notice.cn_date,
                                            page_numbers=_page_numbers(),
                                            made_on=now.astimezone(notice.CHINA).date()))
    _role_label, org_id = _role(current_user)
    with transaction(db()):
        notice.audit_notice(db(), req, rows=len(lines), actor_id=current_user.id, org_id=org_id, now=now,
                            ip=client_ip())
    name = f"{_('公示表')}_{req.start.isoformat()}_{req.end.isoformat()}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": _disposition("inline", name, f"notice-{req.start}-{req.end}.pdf"),
        "Cache-Control": "private, no-store"})


# -- statistics ----------------------------------------------------------------------------------------------------

@bp.get("/roster/stats")
@roles_required_page(is_committee)
def stats_page():
    """Charts (inline SVG) and their data tables; committee only. Aggregates over the whole roster: they read
    the replica when there is one."""
    now, session, lab = utcnow(), replica_db(), export.labels()
    figures = {
        "totals": stats.totals(session, now=now),
        "skills": stats.certified_by_skill(session),
        "levels": stats.certified_by_level(session),
        "regions": stats.certified_by_region(session),
        "months": stats.certified_by_month(session, now=now),
        "rates": stats.pass_rates_by_base(session),
        "expiring": stats.expiring_certificates(session, now=now),
        "medals": stats.medals_by_organisation(session),
    }
    return render_template("roster/reports/stats.html", f=figures, svg=_charts(figures, lab), lab=lab,
                           levels=stats.LEVELS, bands=stats.EXPIRY_BANDS, medals=stats.MEDALS)


def _month_label(month: str, *, first: bool) -> str:
    """"2026-03" as "3月", with the year on a second line under January and under the first column."""
    year, number = month.split("-")
    label = _("%(m)s月", m=int(number))
    return f"{label}\n{year}" if first or number == "01" else label


def _charts(f: dict, lab: export.Labels) -> dict:
    empty = _("暂无数据")
    no_level = _("无等级证书")
    skill_series = [charts.Series(lab.levels[n], [s.by_level.get(n, 0) for s in f["skills"]])
                    for n in stats.LEVELS] + [charts.Series(no_level, [s.by_level.get(None, 0) for s in f["skills"]],
                                                            "#9aa5b1")]
    medal_colours = {"gold": "#c9a227", "silver": "#8e9aa6", "bronze": "#a0642b"}
    band_names = [_("%(n)s 天内", n=d) if i == 0 else _("%(a)s–%(b)s 天", a=stats.EXPIRY_BANDS[i - 1] + 1, b=d)
                  for i, d in enumerate(stats.EXPIRY_BANDS)]
    return {
        "skills": charts.stacked_bar_chart(
            "chart-skills", _("持证人员（按工种）"), _("各工种持有效证书的人数，按该工种最高等级分段。"),
            [s.name for s in f["skills"]], skill_series, empty=empty),
        "levels": charts.bar_chart(
            "chart-levels", _("持证人员（按最高技能等级）"), _("每人只计一次，按所持有效证书的最高等级。"),
            [(lab.levels[n], f["levels"][n]) for n in stats.LEVELS], empty=empty),
        "regions": charts.bar_chart(
            "chart-regions", _("持证人员（按地区）"), _("按当前工作单位所在地区统计持有效证书的人数。"),
            [(r or _("其他/未登记"), n) for r, n in f["regions"]], empty=empty),
        "months": charts.column_chart(
            "chart-months", _("每月新增持证人数"),
            _("近 12 个月每月获得职业技能等级证书或特种作业操作资格证书的人数（北京时间）。"),
            [(_month_label(month, first=i == 0), n) for i, (month, n) in enumerate(f["months"])], empty=empty),
        "rates": charts.bar_chart(
            "chart-rates", _("各培训基地考核合格率"), _("理论与实操均合格的人数占已出结果人数的百分比。"),
            [(r.name, r.rate) for r in f["rates"] if r.rate is not None], empty=empty, max_value=100,
            fmt=lambda v: f"{v:.1f}%"),
        "expiring": charts.stacked_bar_chart(
            "chart-expiring", _("即将到期的证书"), _("今后 30、60、90 天内到期的有效证书数，按工种。"),
            [s.name for s in f["expiring"]],
            [charts.Series(band_names[i], [s.by_band[d] for s in f["expiring"]])
             for i, d in enumerate(stats.EXPIRY_BANDS)], empty=empty),
        "medals": charts.stacked_bar_chart(
            "chart-medals", _("竞赛奖牌（按单位）"), _("职业技能竞赛最终成绩中的金、银、铜牌数，按参赛单位。"),
            [m.name or _("未登记单位") for m in f["medals"]],
            [charts.Series(lab.awards.get(k, k), [m.medals[k] for m in f["medals"]], medal_colours[k])
             for k in stats.MEDALS], empty=empty),
        "band_names": band_names,
    }

