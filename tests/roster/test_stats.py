from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from certificates.policy import CertificateKind
from exams.competitions.models import FinalAward
from roster import charts, stats
from roster.build import refresh_roster
from tests.certificates.cert_world import config_for, make_cert, pass_theory, practical_setup, score_practical
from tests.competitions.world import build_comp_world
from tests.exams.world import build_world
from tests.factories import NOW, make_worker
from tests.roster.roster_world import build_roster_world, employ

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def world(session, cipher, tmp_path):
    """The roster world (李建国: HOIST 三级 in enterprise A, 王志强: an expired card in B, 赵红梅: no certificate)
    plus 周: HOIST 五级 and 三级 and GROUT 四级 in A; 吴: a HOIST training certificate and a SIGNAL card expiring in
    20 days (issued 1 Feb 04:00 Beijing time) in B; two more certificates expiring in 45 and 80 days."""
    w = build_roster_world(session, cipher, tmp_path)
    config = config_for(tmp_path)
    zhou, wu = make_worker(session, cipher, name="周立新"), make_worker(session, cipher, name="吴海涛")
    employ(session, w.ent_a, zhou)
    employ(session, w.ent_b, wu)
    for level in ("五级/初级工", "三级/高级工"):
        make_cert(session, holder=zhou, org=w.base, config=config, level=level)
    make_cert(session, holder=zhou, org=w.base, config=config, level="四级/中级工", skill="GROUT",
              skill_name="钢筋套筒灌浆连接工")
    make_cert(session, holder=wu, org=w.base, config=config, kind=CertificateKind.TRAINING, level="")
    make_cert(session, holder=wu, org=w.base, config=config, kind=CertificateKind.SPECIAL_TRADE, level="",
              skill="SIGNAL", now=datetime(2026, 1, 31, 20, 0, tzinfo=UTC), expires_at=NOW + timedelta(days=20))
    for days in (45, 80, 100):
        make_cert(session, holder=w.skilled, org=w.base, config=config, kind=CertificateKind.SPECIAL_TRADE,
                  level="", skill="SIGNAL", now=NOW - timedelta(days=700), expires_at=NOW + timedelta(days=days))
    refresh_roster(session, now=NOW)
    w.zhou, w.wu = zhou, wu
    return w


def test_certified_workers_by_skill_count_each_worker_once_at_the_best_level(session, world):
    by_skill = {s.code: s for s in stats.certified_by_skill(session)}
    assert by_skill["HOIST"].by_level == {3: 2, None: 1} and by_skill["HOIST"].name == "建筑起重信号司索工"
    assert by_skill["GROUT"].by_level == {4: 1} and by_skill["GROUT"].name == "钢筋套筒灌浆连接工"
    assert by_skill["SIGNAL"].total == 2  # 吴's card and 李's three cards; 王's expired card does not count
    assert [s.code for s in stats.certified_by_skill(session)][0] == "HOIST"


def test_certified_workers_by_best_level_and_by_region(session, world):
    assert stats.certified_by_level(session) == {5: 0, 4: 0, 3: 2, 2: 0, 1: 0}
    assert stats.certified_by_region(session) == [("云南省昆明市", 2), ("广东省深圳市", 1)]
    assert stats.certified_by_region(session, top=1) == [("云南省昆明市", 2), ("", 1)]


def test_certified_by_month_uses_beijing_months_and_skips_training(session, world):
    months = stats.certified_by_month(session, now=NOW)
    assert len(months) == 12 and months[0][0] == "2025-04" and months[-1][0] == "2026-03"
    found = dict(months)
    # 吴's card was issued on 31 Jan at 20:00 UTC, 1 Feb in Beijing; 李 and 周 in March; 吴's training: no
    assert (found["2026-01"], found["2026-02"], found["2026-03"]) == (0, 1, 2)


def test_expiring_certificates_fall_into_30_60_90_day_bands(session, world):
    [signal] = stats.expiring_certificates(session, now=NOW)
    assert signal.by_band == {30: 1, 60: 1, 90: 1}
    totals = stats.totals(session, now=NOW)
    assert (totals.workers, totals.certified, totals.expiring_90) == (5, 3, 3)


def test_pass_rates_by_training_base_follow_the_level_result_rule(session, cipher, tmp_path):
    exam = build_world(session, cipher, tmp_path, candidates=4)
    practical = practical_setup(session, cipher, exam)
    passed, below, redline, _pending = exam.candidates
    pass_theory(session, exam, passed)
    score_practical(session, practical, passed)
    pass_theory(session, exam, below, correct=False)  # theory 0 %: failed whatever the practical
    pass_theory(session, exam, redline)
    score_practical(session, practical, redline, violated=True)  # a red line fails a 90 % practical
    session.flush()
    [rate] = stats.pass_rates_by_base(session)
    assert (rate.org_id, rate.passed, rate.failed, rate.pending) == (exam.base.id, 1, 2, 1)
    assert rate.rate == 33.3 and rate.name == exam.base.name


def test_medals_by_organisation_count_a_team_once_and_rank_gold_first(session, cipher):
    comp = build_comp_world(session, cipher, competitors=3, commit=False)  # two from enterprise A, one from B
    ent_a, ent_b = comp.enterprises
    first, third = (c for c in comp.competitors if c.enterprise_org_id == ent_a.id)
    [second] = (c for c in comp.competitors if c.enterprise_org_id == ent_b.id)
    members = [make_worker(session, cipher) for _ in range(4)]

    def award(competitor, user, code, rank):
        session.add(FinalAward(event_id=comp.event.id, competitor_id=competitor.id, user_id=user.id, award=code,
                               rank=rank, snapshot_sha256="0" * 64, decided_at=NOW))

    award(first, members[0], "gold", 1)
    award(first, members[1], "gold", 1)  # a two-person team: one medal
    award(first, members[0], "technical_expert", 1)  # a title, not a medal
    award(second, members[2], "silver", 2)
    award(third, members[3], "bronze", 3)
    session.flush()
    medals = stats.medals_by_organisation(session)
    assert [(m.name, m.medals) for m in medals] == [(ent_a.name, {"gold": 1, "silver": 0, "bronze": 1}),
                                                    (ent_b.name, {"gold": 0, "silver": 1, "bronze": 0})]


def test_month_bounds_are_beijing_calendar_months():
    bounds = stats.month_bounds(datetime(2026, 1, 31, 16, 30, tzinfo=UTC), months=2)  # 1 Feb 00:30 in Beijing
    assert [b[0] for b in bounds] == ["2026-01", "2026-02"]
    assert bounds[1][1:] == (datetime(2026, 1, 31, 16, 0, tzinfo=UTC), datetime(2026, 2, 28, 16, 0, tzinfo=UTC))


# -- charts ---------------------------------------------------------------------------------------------------------

def _svg(markup) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    chart_id = root.get("aria-labelledby").split()[0].removesuffix("-title")
    assert root.find(f"{SVG}title").get("id") == f"{chart_id}-title"
    assert root.find(f"{SVG}desc").get("id") == f"{chart_id}-desc"
    return root


def test_bar_chart_is_well_formed_escapes_labels_and_scales_bars():
    root = _svg(charts.bar_chart("c1", "合格率 <基地>", "说明 & 口径", [("甲 <script>", 50.0), ("乙", 100.0)],
                                 empty="暂无数据", max_value=100, fmt=lambda v: f"{v:.1f}%"))
    assert root.find(f"{SVG}title").text == "合格率 <基地>"
    bars = [g.findall(f"{SVG}rect")[1] for g in root.findall(f"{SVG}g")]
    widths = [float(b.get("width")) for b in bars]
    assert widths[1] == pytest.approx(2 * widths[0])
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "甲 <scri…" in texts and "50.0%" in texts  # long labels are shortened; the bar's title has it all
    assert root.find(f"{SVG}g/{SVG}title").text == "甲 <script>：50.0%"


def test_stacked_and_column_charts_are_well_formed_and_show_every_series():
    root = _svg(charts.stacked_bar_chart("c2", "奖牌", "按单位", ["甲企业", "乙企业"],
                                         [charts.Series("金牌", [1, 0], "#c9a227"), charts.Series("银牌", [2, 1])],
                                         empty="暂无数据"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"金牌", "银牌", "甲企业", "3", "1"} <= set(texts)
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "甲企业：金牌 1，银牌 2" in titles
    columns = _svg(charts.column_chart("c3", "每月", "近 12 个月", [("1月\n2026", 0), ("2月", 4)], empty="无"))
    labels = ["".join(t.itertext()) for t in columns.iter(f"{SVG}text")]
    assert {"1月2026", "2月", "4"} <= set(labels)
    assert [t.text for t in columns.iter(f"{SVG}title")][1:] == ["1月 2026：0", "2月：4"]


def test_an_empty_chart_says_so_instead_of_drawing_an_empty_frame():
    for markup in (charts.bar_chart("e1", "标题", "说明", [], empty="暂无数据"),
                   charts.stacked_bar_chart("e2", "标题", "说明", ["甲"], [charts.Series("金牌", [0])],
                                            empty="暂无数据"),
                   charts.column_chart("e3", "标题", "说明", [("2026-01", 0)], empty="暂无数据")):
        root = _svg(markup)
        assert [t.text for t in root.iter(f"{SVG}text")] == ["暂无数据"] and not list(root.iter(f"{SVG}rect"))
