from __future__ import annotations

import csv
import gc
import io
import tracemalloc

import pytest
from openpyxl import load_workbook

from core.errors import ValidationFailed
from roster import export
from roster.build import refresh_roster
from roster.search import RosterFilters
from tests.factories import NOW
from tests.roster.bulk_rows import add_entries
from tests.roster.roster_world import build_roster_world


@pytest.fixture
def world(session, cipher, tmp_path):
    w = build_roster_world(session, cipher, tmp_path)
    refresh_roster(session, now=NOW)
    return w


def _job(actor, *, scope=None, filters=RosterFilters(), file_format="csv") -> export.ExportJob:
    return export.ExportJob(export_id="ab12cd34", file_format=file_format, actor_id=actor.id, org_id=None,
                            exporter="陈主任", role="专家委员·省装配式建筑专家委员会", purpose="技师评审", at=NOW,
                            filters=filters, scope=frozenset(scope) if scope is not None else None)


def _csv(session, job) -> tuple[list[list[str]], export.Tally]:
    tally = export.Tally()
    batches = export.entry_batches(session, job.filters, scope=job.scope, now=NOW, size=2)
    data = b"".join(export.csv_chunks(batches, job, export.labels(), tally, description="范围：全部人员"))
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")))), tally


def test_csv_starts_and_ends_with_the_watermark_and_holds_masked_id_numbers_only(session, cipher, world):
    rows, tally = _csv(session, _job(world.committee))
    watermark = ("导出人 陈主任（专家委员·省装配式建筑专家委员会） 导出时间 2026-03-02 09:30 "
                 "仅限 技师评审 使用 编号 ab12cd34")
    assert rows[0] == [watermark] and rows[-1] == [watermark]
    assert rows[2][:3] == ["姓名", "身份证号（脱敏）", "出生年份"]
    body = {r[0]: r for r in rows[3:-2]}
    assert set(body) == {"李建国", "王志强", "赵红梅"}
    skilled = body["李建国"]
    assert skilled[1] == world.skilled.id_number_masked and skilled[4] == world.ent_a.name
    assert "建筑起重信号司索工·三级/高级工·有效" in skilled[5] and skilled[6] == "三级/高级工"
    assert "金牌" in body["赵红梅"][8]
    assert rows[-2] == ["合计 3 人（导出完毕）"] and (tally.rows, tally.complete) == (3, True)
    text = "\n".join(",".join(r) for r in rows)
    for user in (world.skilled, world.expired, world.medallist):
        assert cipher.decrypt(user.id_number_enc, purpose="id_number") not in text


def test_enterprise_scope_exports_only_its_own_workers(session, world):
    rows, tally = _csv(session, _job(world.hr_a, scope={world.ent_a.id}))
    assert [r[0] for r in rows[3:-2]] == ["李建国"] and tally.rows == 1


def test_filters_apply_to_the_export(session, world):
    rows, _ = _csv(session, _job(world.committee, filters=RosterFilters(status="expired")))
    assert [r[0] for r in rows[3:-2]] == ["王志强"]


def test_text_cells_that_look_like_formulas_are_neutralised_in_csv_and_xlsx(session, world, tmp_path):
    world.ent_a.name = "=HYPERLINK(\"http://evil\",\"点我\")"
    world.ent_a.region = "@SUM(1+1)"
    refresh_roster(session, now=NOW)
    rows, _ = _csv(session, _job(world.committee, scope={world.ent_a.id}))
    assert rows[3][3] == "'@SUM(1+1)" and rows[3][4].startswith("'=HYPERLINK")
    path = tmp_path / "x.xlsx"
    job = _job(world.committee, scope={world.ent_a.id}, file_format="xlsx")
    export.write_xlsx(path, export.entry_batches(session, job.filters, scope=job.scope, now=NOW), job,
                      export.labels(), export.Tally(), description="")
    sheet = load_workbook(path).active
    cell = sheet.cell(row=4, column=5)
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")
    assert sheet.cell(row=4, column=4).value == "'@SUM(1+1)"


def test_xlsx_carries_the_watermark_in_rows_page_header_and_footer(session, world, tmp_path):
    path, tally = tmp_path / "roster.xlsx", export.Tally()
    job = _job(world.committee, file_format="xlsx")
    export.write_xlsx(path, export.entry_batches(session, job.filters, scope=None, now=NOW), job, export.labels(),
                      tally, description="范围：全部人员")
    sheet = load_workbook(path).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == job.watermark() and values[1][0] == "范围：全部人员"
    assert values[2][:2] == ("姓名", "身份证号（脱敏）")
    assert {r[0] for r in values[3:6]} == {"李建国", "王志强", "赵红梅"}
    assert values[-1][0] == "合计 3 人" and (tally.rows, tally.complete) == (3, True)
    assert "陈主任" in sheet.oddHeader.center.text and "技师评审" in sheet.oddHeader.center.text
    assert "&P" in sheet.oddFooter.center.text and sheet.freeze_panes == "A4"


def test_xlsx_stops_at_the_row_limit_and_says_so(session, world, tmp_path):
    path, tally = tmp_path / "cut.xlsx", export.Tally()
    job = _job(world.committee, file_format="xlsx")
    export.write_xlsx(path, export.entry_batches(session, job.filters, scope=None, now=NOW), job, export.labels(),
                      tally, description="", max_rows=2)
    values = [row[0] for row in load_workbook(path).active.iter_rows(values_only=True)]
    assert (tally.rows, tally.truncated, tally.complete) == (2, True, False)
    assert "行数上限" in values[-2] and values[-1] == "合计 2 人"


def test_purpose_is_required_one_line_and_short():
    assert export.clean_purpose("  技师\n评审  ") == "技师 评审"
    with pytest.raises(ValidationFailed) as missing:
        export.clean_purpose("   ")
    assert missing.value.field == "purpose" and "用途" in missing.value.message
    with pytest.raises(ValidationFailed):
        export.clean_purpose("很" * 41)


def test_file_name_repeats_the_watermark_without_path_characters(world):
    job = _job(world.committee)
    job = export.ExportJob(**{**job.__dict__, "exporter": "陈/主任", "purpose": "评审:材料"})
    name = job.filename("人才库名册", "csv")
    assert name == "人才库名册_陈-主任_20260302-0930_仅限评审-材料使用_ab12cd34.csv"


def _peak(run) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_as_the_row_count_grows(session, world, tmp_path):
    job = _job(world.committee)

    def csv_run():
        for _chunk in export.csv_chunks(export.entry_batches(session, job.filters, scope=None, now=NOW), job,
                                        export.labels(), export.Tally(), description=""):
            pass
        session.expunge_all()

    def xlsx_run():
        export.write_xlsx(tmp_path / "flat.xlsx", export.entry_batches(session, job.filters, scope=None, now=NOW), job,
                          export.labels(), export.Tally(), description="")
        session.expunge_all()

    csv_run(), xlsx_run()  # warm the caches (compiled statements, openpyxl's imports) on the world's 3 rows
    add_entries(session, 2_000)
    small = (_peak(csv_run), _peak(xlsx_run))
    add_entries(session, 18_000, start=2_000)
    large = (_peak(csv_run), _peak(xlsx_run))
    # ten times the rows: a batch-at-a-time writer stays level (peaks of about 8 MB here); keeping the rows or
    # the file in memory would add 6 MB or more for the extra 18,000 rows
    assert large[0] < small[0] + 2_000_000, (small, large)
    assert large[1] < small[1] + 2_000_000, (small, large)
