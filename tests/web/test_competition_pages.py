"""Competition pages and API over HTTP: setup, scheme files, the judge's page and marks, locks, results."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from core.clock import utcnow
from exams.competitions import locks, recheck, results
from exams.competitions.demo import SLEEVE_GROUTING
from exams.competitions.models import Appeal, Competition, CompetitorMember, Event, MarkEvent, Module
from exams.competitions.scheme_files import write_xlsx, write_yaml
from tests.competitions.world import GOOD, build_comp_world, complete_event, lock, mark_module
from tests.conftest import login_as
from tests.factories import make_worker


@pytest.fixture
def world(session, cipher):
    return build_comp_world(session, cipher, competitors=3)


def _base(world) -> str:
    return f"/orgs/{world.base.id}/competitions/{world.competition.id}"


def test_organiser_creates_a_competition_and_an_event(client, cipher, world, session):
    token = login_as(client, cipher, world.admin)
    resp = client.post(f"/orgs/{world.base.id}/competitions", data={"csrf_token": token, "title": "第二届竞赛"})
    assert resp.status_code == 302
    created = session.scalar(select(Competition).where(Competition.title == "第二届竞赛"))
    resp = client.post(f"/orgs/{world.base.id}/competitions/{created.id}/events",
                       data={"csrf_token": token, "event-code": "DZ", "event-title": "预制构件吊装",
                             "event-kind": "team"})
    assert resp.status_code == 302
    session.rollback()
    assert session.scalar(select(Event.kind).where(Event.competition_id == created.id)) == "team"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "预制构件吊装" in page and "竞赛规则" in page


def test_judges_and_supervisors_may_not_set_up(client, cipher, world):
    token = login_as(client, cipher, world.supervisor)
    resp = client.post(f"/orgs/{world.base.id}/competitions", data={"csrf_token": token, "title": "x"})
    assert resp.status_code == 403
    assert client.get(_base(world)).status_code == 200  # staff may read


def test_scheme_round_trips_through_yaml_and_xlsx(client, cipher, world):
    token = login_as(client, cipher, world.admin)
    url = f"{_base(world)}/events/{world.event.id}"
    yaml_file = client.get(url + "/scheme.yaml")
    assert yaml_file.status_code == 200 and yaml_file.data == write_yaml(SLEEVE_GROUTING)
    xlsx_file = client.get(url + "/scheme.xlsx")
    assert xlsx_file.data[:2] == b"PK"
    for name, data in (("s.yaml", yaml_file.data), ("s.xlsx", xlsx_file.data)):
        resp = client.post(url + "/scheme", data={"csrf_token": token, "scheme-file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data", follow_redirects=True)
        assert "评分标准已导入：2 个模块，满分 40 分" in resp.get_data(as_text=True)


def test_a_bad_scheme_file_names_the_line_and_imports_nothing(client, cipher, world):
    token = login_as(client, cipher, world.admin)
    url = f"{_base(world)}/events/{world.event.id}"
    bad = "modules:\n  - code: A\n    title: 模块\n    aspects:\n      - {code: A1, title: 读数, kind: measurement, " \
          "max_marks: 5, nominal: 1}\n      - {code: A2, title: 评价, kind: judgement, max_marks: 3}\n"
    resp = client.post(url + "/scheme", data={"csrf_token": token, "scheme-file": (io.BytesIO(bad.encode()), "s.yaml")},
                       content_type="multipart/form-data", follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "第 5 行" in page and "第 6 行" in page and "评分标准已导入" not in page
    assert write_yaml(SLEEVE_GROUTING) == client.get(url + "/scheme.yaml").data


def test_a_bad_xlsx_names_the_row(client, cipher, world):
    from openpyxl import load_workbook

    token = login_as(client, cipher, world.admin)
    book = load_workbook(io.BytesIO(write_xlsx(SLEEVE_GROUTING)))
    book.active["E4"] = "opinion"  # row 4: A3's kind
    out = io.BytesIO()
    book.save(out)
    resp = client.post(f"{_base(world)}/events/{world.event.id}/scheme",
                       data={"csrf_token": token, "scheme-file": (io.BytesIO(out.getvalue()), "s.xlsx")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "第 4 行" in resp.get_data(as_text=True) and "opinion" in resp.get_data(as_text=True)
    garbage = client.post(f"{_base(world)}/events/{world.event.id}/scheme",
                          data={"csrf_token": token, "scheme-file": (io.BytesIO(b"PK\x03\x04junk"), "s.xlsx")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "无法读取 XLSX 文件" in garbage.get_data(as_text=True)


def test_the_judge_page_shows_station_codes_never_names(client, cipher, world):
    login_as(client, cipher, world.judges[0])
    page = client.get(f"/judge/modules/{world.module('A').id}").get_data(as_text=True)
    assert all(c.station_code in page for c in world.competitors)
    assert not any(c.name in page for c in world.competitors)
    assert "judge.js" in page and "<script>" not in page


def test_only_assigned_judges_reach_the_judge_page_and_api(client, cipher, world):
    login_as(client, cipher, world.admin)
    assert client.get(f"/judge/modules/{world.module('A').id}").status_code == 404
    url = f"/api/v1/competitions/{world.competition.id}/modules/{world.module('A').id}/sheet"
    assert client.get(url).status_code == 404


def test_marks_over_the_api_are_idempotent(client, cipher, world, session):
    token = login_as(client, cipher, world.judges[0])
    url = f"/api/v1/competitions/{world.competition.id}/modules/{world.module('A').id}/marks"
    body = {"competitor_id": world.competitors[0].id, "aspect_id": world.aspect("A1").id, "value": "12.05",
            "round": 1, "seq": 1, "device_id": "tab-1", "client_at": "2026-03-02T01:30:00Z"}
    first = client.post(url, json=body, headers={"X-CSRFToken": token})
    again = client.post(url, json=body, headers={"X-CSRFToken": token})
    assert first.status_code == 200 and first.get_json()["applied"] and again.get_json()["duplicate"]
    bad = client.post(url, json={**body, "seq": 2, "value": 1.5}, headers={"X-CSRFToken": token})
    assert bad.status_code == 422 and bad.get_json()["field"] == "value"
    reused = client.post(url, json={**body, "value": "11.9"}, headers={"X-CSRFToken": token})
    assert reused.status_code == 409 and reused.get_json()["error"] == "seq_reused"
    session.rollback()
    assert session.scalar(select(func.count(MarkEvent.id))) == 1


def test_module_control_shows_progress_and_the_chief_signs_and_decodes(client, cipher, world, session):
    mark_module(session, world, "A")
    for judge in world.judges:
        locks.sign_module(session, module_id=world.module("A").id, actor=judge, now=utcnow())
    session.commit()
    token = login_as(client, cipher, world.chief)
    url = f"{_base(world)}/modules/{world.module('A').id}"
    page = client.get(url).get_data(as_text=True)
    assert "完成" in page and world.competitors[0].name not in page
    client.post(url + "/sign", data={"csrf_token": token})
    client.post(url + "/decode", data={"csrf_token": token})
    assert world.competitors[0].name in client.get(url).get_data(as_text=True)


def test_unlock_over_http_needs_a_second_person(client, cipher, world, session):
    mark_module(session, world, "A")
    lock(session, world, "A")
    session.commit()
    url = f"{_base(world)}/modules/{world.module('A').id}"
    token = login_as(client, cipher, world.chief)
    client.post(url + "/unlock", data={"csrf_token": token, "unlock-reason": "复核发现读数错误"})
    page = client.post(url + "/approve", data={"csrf_token": token, "request_id": "1"}, follow_redirects=True)
    assert "第二人" in page.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    token = login_as(client, cipher, world.admin)
    page = client.get(url).get_data(as_text=True)
    request_id = page.split('name="request_id" value="')[1].split('"')[0]
    client.post(url + "/approve", data={"csrf_token": token, "request_id": request_id})
    session.rollback()
    session.expire_all()
    assert session.get(Module, world.module("A").id).locked_at is None


def _finished(session, world):
    world.event.recheck_top = 10
    complete_event(session, world, lambda n: {**GOOD, "B3": str(35 + 3 * n)})
    now = utcnow()
    for item in recheck.draw_recheck(session, event=world.event, actor=world.admin, seed=5, now=now):
        recheck.record_recheck(session, item_id=item.id, event=world.event, actor=world.supervisor, items_checked=9,
                               errors_found=0, note="", now=now)
    results.publish_provisional(session, event=world.event, actor=world.chief, now=now - timedelta(hours=3))
    session.commit()


def test_results_api_is_staff_only_until_final_then_public_without_account_ids(client, cipher, world, session):
    _finished(session, world)
    url = f"/api/v1/competitions/{world.competition.id}/results"
    assert client.get(url).status_code == 404
    login_as(client, cipher, world.admin)
    staff = client.get(url).get_json()
    assert staff["events"][0]["status"] == "provisional"
    assert client.get(f"/competitions/{world.competition.id}/results").status_code == 404
    results.finalise_event(session, event=world.event, now=utcnow())
    session.commit()
    public = client.application.test_client().get(url)
    doc = public.get_json()["events"][0]
    assert public.status_code == 200 and doc["status"] == "final" and len(doc["sha256"]) == 64
    assert [r["rank"] for r in doc["rows"]] == [1, 2, 3] and "members" not in doc["rows"][0]
    page = client.get(f"/competitions/{world.competition.id}/results").get_data(as_text=True)
    assert doc["sha256"] in page and "1.4826" in page and "优胜奖" in page


def test_scores_api_for_organisers_and_the_chief_judge_only(client, cipher, world, session):
    mark_module(session, world, "A")
    session.commit()
    url = f"/api/v1/competitions/{world.competition.id}/scores"
    login_as(client, cipher, world.judges[0])
    assert client.get(url).status_code == 404
    login_as(client, cipher, world.chief)
    doc = client.get(url).get_json()
    module = doc["events"][0]["modules"][0]
    assert len(module["marks"]) == 3 * 3 * 4 and module["marks"][0]["name"] is None
    assert {c["status"] for c in module["cells"]} == {"done"}


def test_leaderboard_is_public_counts_locked_modules_and_can_be_frozen(client, cipher, world, session):
    mark_module(session, world, "A")
    lock(session, world, "A", decode=False)
    session.commit()
    board = client.get(f"/competitions/{world.competition.id}/leaderboard").get_data(as_text=True)
    assert "已锁定模块 1 / 2" in board and world.competitors[0].station_code in board
    assert world.competitors[0].name not in board
    token = login_as(client, cipher, world.chief)
    client.post(f"{_base(world)}/leaderboard", data={"csrf_token": token})
    mark_module(session, world, "B")
    lock(session, world, "B", decode=False)
    session.commit()
    frozen = client.get(f"/competitions/{world.competition.id}/leaderboard").get_data(as_text=True)
    assert "排行榜已冻结" in frozen and "已锁定模块 1 / 2" in frozen


def test_staff_pages_render(client, cipher, world, session):
    _finished(session, world)
    login_as(client, cipher, world.admin)
    base = _base(world)
    for url in (f"/orgs/{world.base.id}/competitions", base, f"{base}/events/{world.event.id}",
                f"{base}/events/{world.event.id}/results", f"{base}/events/{world.event.id}/analytics",
                f"{base}/modules/{world.module('B').id}", "/competitions/mine"):
        assert client.get(url).status_code == 200, url


def test_the_shared_contract_check_finds_the_competition_routes(app):
    script = Path(__file__).resolve().parents[3] / "shared" / "contract" / "check_openapi.py"
    if not script.exists():
        pytest.skip("shared/contract/check_openapi.py not found beside the repo")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        out = subprocess.run([sys.executable, str(script), f"http://127.0.0.1:{server.server_port}"],
                             capture_output=True, text=True, timeout=60).stdout
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert "/competitions/" not in out, out


def test_recheck_over_http_records_the_supervisors_check(client, cipher, world, session):
    complete_event(session, world)
    session.commit()
    base = f"{_base(world)}/events/{world.event.id}/results"
    token = login_as(client, cipher, world.admin)
    client.post(base + "/recheck-draw", data={"csrf_token": token})
    client.post("/logout", data={"csrf_token": token})
    token = login_as(client, cipher, world.supervisor)
    page = client.get(base).get_data(as_text=True)
    item_id = page.split('name="recheck-item_id" value="')[1].split('"')[0]
    client.post(base + "/recheck", data={"csrf_token": token, "recheck-item_id": item_id,
                                         "recheck-items_checked": "9", "recheck-errors_found": "0"})
    assert "已复核 1 / 3 人" in client.get(base).get_data(as_text=True)


def test_a_competitor_appeals_with_evidence_and_an_uninvolved_organiser_rules(client, cipher, world, session):
    worker = make_worker(session, cipher)
    session.add(CompetitorMember(competitor_id=world.competitors[0].id, user_id=worker.id))
    _finished(session, world)
    world.event.appeal_closes_at = utcnow() + timedelta(hours=1)  # published 3 h ago: reopen the window for the test
    session.commit()
    token = login_as(client, cipher, worker)
    url = f"/competitions/{world.competition.id}/appeal"
    resp = client.post(url, data={"csrf_token": token, "appeal-event_id": str(world.event.id),
                                  "appeal-text": "B 模块完成时间记录有误，请调阅录像复核。",
                                  "appeal-files": (io.BytesIO(b"%PDF-1.4 test"), "记录表.pdf")},
                       content_type="multipart/form-data", follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "申诉已提交" in page and "记录表.pdf" in page
    appeal_id = page.split('name="more-appeal_id" value="')[1].split('"')[0]
    more = client.post(url + "/evidence", data={"csrf_token": token, "more-appeal_id": appeal_id,
                                                "more-files": (io.BytesIO(b"\x89PNG\r\n\x1a\nxx"), "现场.png")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "现场.png" in more.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    token = login_as(client, cipher, world.admin)
    results_url = f"{_base(world)}/events/{world.event.id}/results"
    page = client.get(results_url).get_data(as_text=True)
    evidence_url = next(part.split('"')[0] for part in page.split('href="') if "/evidence/" in part)
    download = client.get(evidence_url)
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    client.post(results_url + "/ruling", data={"csrf_token": token, "ruling-appeal_id": appeal_id,
                                               "ruling-outcome": "dismissed", "ruling-ruling": "经调阅录像，无误。"})
    session.rollback()
    assert session.get(Appeal, int(appeal_id)).status == "dismissed"
