"""At phone size, in the real exam page served by gunicorn: the candidate answers, loses the network for 60 s
while answering more, reloads offline, comes back online, opens a second tab on the same attempt and answers
in both tabs. Every answer the server acknowledged is stored with the highest sequence number the phone sent
for its question, and what is stored is the last answer given in the page (DESIGN.md §6)."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from core.clock import utcnow
from exams.models import Answer, AttemptEvent
from tests.chaos.harness import POSTGRES_PASS_ONLY, SHARED_PG_URL
from tests.exams.world import build_world
from tests.factories import PASSWORD

pytestmark = POSTGRES_PASS_ONLY

OFFLINE_S = 60
PHONE = {"width": 360, "height": 740}
READ_FIELD = """f => {
  const inputs = [...f.querySelectorAll('input')];
  const on = inputs.filter(i => i.checked).map(i => i.value);
  if (f.dataset.kind === 'multiple') return on.sort();
  if (f.dataset.kind === 'truefalse') return on.length ? on[0] === 'true' : null;
  return on.length ? on[0] : null;
}"""
ALL_SAVED = """() => {
  const msg = document.getElementById('t-msg').dataset;
  return document.getElementById('pending').textContent === '' &&
    [...document.querySelectorAll('.save-state')].every(p => ![msg.unsaved, msg.saving].includes(p.textContent));
}"""


class Candidate:
    """Gives answers in a tab and remembers the last one given per question."""

    def __init__(self, questions: dict[int, tuple[str, list[str]]]) -> None:
        self.questions = questions
        self.given: dict[int, object] = {}
        self.rng = random.Random(7)

    def _new_value(self, qid: int) -> object:
        kind, keys = self.questions[qid]
        while True:
            if kind == "multiple":
                value = sorted(self.rng.sample(keys, self.rng.randint(1, len(keys))))
            elif kind == "truefalse":
                value = self.rng.random() < 0.5
            else:
                value = self.rng.choice(keys)
            if value != self.given.get(qid):
                return value

    def answer(self, page, qid: int) -> None:
        kind, keys = self.questions[qid]
        value = self._new_value(qid)
        field = page.locator(f'fieldset.question[data-qid="{qid}"]')
        if kind == "multiple":
            for key in keys:
                field.locator(f'input[value="{key}"]').set_checked(key in value)
        elif kind == "truefalse":
            field.locator(f'input[value="{"true" if value else "false"}"]').check()
        else:
            field.locator(f'input[value="{value}"]').check()
        self.given[qid] = value

    def shown(self, page) -> dict[int, object]:
        return {qid: page.locator(f'fieldset.question[data-qid="{qid}"]').evaluate(READ_FIELD) for qid in self.given}


def test_answers_survive_a_60_second_cut_a_reload_and_a_second_tab(rig, chaos_browser, tmp_path):
    url = rig.database(SHARED_PG_URL)
    cipher = rig.cipher(url)
    with rig.session(url) as session:
        world = build_world(session, cipher, tmp_path / "bank", starts_at=utcnow() - timedelta(minutes=1),
                            duration_s=1800)
        phone = cipher.decrypt(world.candidates[0].phone_enc, purpose="phone")
    server = rig.app_server(url)
    context = chaos_browser.new_context(base_url=server.url, viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                        has_touch=True, locale="zh-CN")
    rig.stack.callback(context.close)
    context.set_default_timeout(30_000)

    sent, acked, script_errors = [], [], []  # (question id, seq, response)

    def watch(page) -> None:
        def on_request(request) -> None:
            if request.method == "PUT" and "/answers/" in request.url:
                body = request.post_data_json
                sent.append((int(request.url.rsplit("/", 1)[1]), body["seq"], body["response"]))

        def on_response(response) -> None:
            request = response.request
            if request.method == "PUT" and "/answers/" in request.url and response.status == 200:
                body = request.post_data_json
                acked.append((int(request.url.rsplit("/", 1)[1]), body["seq"], body["response"]))

        page.on("request", on_request)
        page.on("response", on_response)
        page.on("pageerror", lambda exc: script_errors.append(str(exc)))

    page = context.new_page()
    watch(page)
    page.goto("/login")
    page.fill("#phone", phone)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto("/exams/mine")
    page.click("text=开始考试")
    page.wait_for_selector("#paper")
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => caches.open('lessons-v1').then(c => c.match(location.href)).then(r => !!r)")
    rows = page.eval_on_selector_all("fieldset.question", "fs => fs.map(f => [Number(f.dataset.qid), f.dataset.kind,"
                                     " [...f.querySelectorAll('input')].map(i => i.value)])")
    candidate = Candidate({qid: (kind, keys) for qid, kind, keys in rows})
    q = [qid for qid, _kind, _keys in rows]

    for i in (0, 1, 2):
        candidate.answer(page, q[i])
    page.wait_for_function(ALL_SAVED)

    context.set_offline(True)
    cut_at = time.monotonic()
    candidate.answer(page, q[3])
    page.wait_for_timeout(3_000)
    candidate.answer(page, q[4])
    candidate.answer(page, q[0])
    assert page.inner_text("#pending") != ""
    page.wait_for_timeout(6_000)  # a replay tick passes while offline
    page.reload()  # still offline: the service worker's copy, answers from the phone's storage
    page.wait_for_selector("#paper")
    assert candidate.shown(page) == candidate.given
    candidate.answer(page, q[5])
    candidate.answer(page, q[1])
    page.wait_for_timeout(max(0.0, cut_at + OFFLINE_S - time.monotonic()) * 1000)
    acked_while_offline = len(acked)
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")

    tab = context.new_page()  # a second tab on the same attempt: same phone storage, same device id
    watch(tab)
    tab.goto(page.url)
    tab.wait_for_selector("#paper")
    assert candidate.shown(tab) == candidate.given
    candidate.answer(tab, q[2])
    candidate.answer(tab, q[6])
    tab.wait_for_function(ALL_SAVED)
    page.bring_to_front()  # back in the first tab, which still has the page it loaded offline
    candidate.answer(page, q[2])
    candidate.answer(page, q[7])
    page.wait_for_function(ALL_SAVED)
    tab.wait_for_function(ALL_SAVED)
    assert candidate.shown(page) == candidate.given == candidate.shown(tab)  # each tab shows the other's answers

    with rig.session(url) as session:
        stored = {a.question_version_id: a for a in session.scalars(select(Answer))}
        applied = Counter((e.question_version_id, e.seq) for e in session.scalars(
            select(AttemptEvent).where(AttemptEvent.kind == "save_applied")))
    highest_sent = {}
    for qid, seq, _response in sent:
        highest_sent[qid] = max(seq, highest_sent.get(qid, 0))
    assert acked_while_offline < len(acked)
    assert {qid for qid, _seq, _r in acked} == set(candidate.given) == set(stored)
    assert {qid: stored[qid].seq for qid in stored} == highest_sent, "a stored answer is not the newest sent"
    assert all(stored[qid].seq >= seq for qid, seq, _r in acked)
    last_given = {qid: sorted(v) if isinstance(v, list) else v for qid, v in candidate.given.items()}
    last_stored = {qid: sorted(a.response) if isinstance(a.response, list) else a.response for qid, a in stored.items()}
    assert last_stored == last_given, "the stored answers are not the last ones given in the page"
    assert [k for k, n in applied.items() if n > 1] == []
    assert not [e for e in script_errors if "net::" not in e]
