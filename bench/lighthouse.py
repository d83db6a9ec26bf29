"""Lighthouse (mobile) on the lesson, exam and verification pages: performance and accessibility, median of 3.

    make lighthouse                      # npm ci in bench/lighthouse, then this
    python -m bench.lighthouse --runs 3

Builds a fresh SQLite database the way ``make run`` does (db upgrade, content sync, demo seed), issues one
certificate to the demo worker and registers a new learner, serves the app with gunicorn on loopback, logs
both in (the demo worker starts the demo exam as the start button does; the learner opens a lesson not yet
studied), then runs the Lighthouse pinned in bench/lighthouse/package.json against Debian's Chromium with the
session cookie as an extra header, ``--runs`` times per page with the default mobile form factor and
simulated throttling. Nothing leaves the machine: the npm install happens before. Prints the median scores,
key metrics and the audits that lost points; writes bench/results/lighthouse.json. Exits 1 when a median
score is under the budget.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit
from urllib.request import HTTPCookieProcessor, Request, build_opener

from bench.exam_day import environment, free_port, save_result, serve, stop

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE_DIR = ROOT / "bench" / "lighthouse"
CHROME = "/usr/bin/chromium"
BUDGET = 95  # DESIGN §8: Lighthouse mobile performance and accessibility ≥ 95
DEMO_WORKER = ("13900000001", "Demo1234")  # `flask demo seed` registers them for today's demo exam
LEARNER = ("13900000099", "Learner1234", "53011219950101456")  # new here: sees a lesson not yet studied
LESSON = "/courses/hoisting/lessons/02-sling-angles"  # a lesson with a diagram and a table
PAGES = ("lesson", "exam", "verify")
METRICS = {"fcp_ms": "first-contentful-paint", "lcp_ms": "largest-contentful-paint", "tbt_ms": "total-blocking-time",
           "cls": "cumulative-layout-shift", "si_ms": "speed-index", "bytes": "total-byte-weight"}


def flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "app", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(env: dict[str, str]) -> str:
    """Database like ``make run``, a certificate for the demo worker and a new learner; returns the
    certificate's verification path."""
    flask(env, "db", "upgrade")
    flask(env, "content", "sync")
    flask(env, "demo", "seed")
    os.environ.update(env)
    from sqlalchemy import select

    from app import create_app
    from certificates.issuance import Draft, create_certificate
    from certificates.models import SourceType
    from certificates.policy import CertificateKind
    from core import accounts
    from core.clock import utcnow
    from core.db import transaction
    from core.demo import demo_id_number
    from core.models import Organisation, OrgKind
    from exams.models import Registration

    app = create_app()
    state = app.extensions["prefabskills"]
    with app.app_context(), state.session_factory() as session, transaction(session):
        holder = accounts.find_by_phone(session, state.cipher, DEMO_WORKER[0])
        accounts.register_worker(session, cipher=state.cipher, phone=LEARNER[0], password=LEARNER[1], name="新学员",
                                 id_number=demo_id_number(LEARNER[2]), consent=True, now=utcnow())
        base = session.scalar(select(Organisation).where(Organisation.kind == OrgKind.TRAINING_BASE)
                              .order_by(Organisation.id))
        registration = session.scalar(select(Registration).where(Registration.user_id == holder.id))
        draft = Draft(kind=CertificateKind.SKILL_LEVEL, holder=holder, issuer_org=base, issuer_name=base.name,
                      skill_code="HOIST", skill_name="建筑起重信号司索工", level="五级/初级工")
        cert = create_certificate(session, draft=draft, source_type=SourceType.REGISTRATION,
                                  source_id=registration.id, config=app.extensions["certificates"], now=utcnow())
        path = f"/verify/{cert.serial}?{urlencode({'t': cert.token})}"
    state.engine.dispose()
    return path


def _field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]+)"', html)
    if not match:
        raise RuntimeError(f"no {name} on the page")
    return match.group(1)


class Browser:
    """A cookie-keeping HTTP client on the served app, logged in as one user."""

    def __init__(self, base: str, phone: str, password: str):
        self.base, self.jar = base, CookieJar()
        self.http = build_opener(HTTPCookieProcessor(self.jar))
        login = self.get("/login")
        landed = self.post("/login", {"csrf_token": _field(login, "csrf_token"), "phone": phone, "password": password})
        if landed.startswith("/login"):  # a refused login answers 401, which urllib raises; this is a safety net
            raise RuntimeError(f"could not log in as {phone}")

    def get(self, path: str) -> str:
        return self.http.open(urljoin(self.base, path), timeout=30).read().decode()

    def post(self, path: str, data: dict[str, str]) -> str:
        """Posts a form; returns the path it ended on after redirects."""
        request = Request(urljoin(self.base, path), data=urlencode(data).encode(), method="POST")
        return self.http.open(request, timeout=30).geturl().removeprefix(self.base)

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def start_exam(worker: Browser) -> str:
    """Starts the demo worker's exam as the start button does; returns the exam page's path."""
    mine = worker.get("/exams/mine")
    start = re.search(r'action="(/exams/sessions/\d+/start)"', mine)
    if not start:
        raise RuntimeError("the demo worker has no exam to start: did `flask demo seed` create the demo exam?")
    exam_path = worker.post(start.group(1), {"csrf_token": _field(mine, "csrf_token")})
    if not re.fullmatch(r"/exams/attempts/\d+", exam_path):
        raise RuntimeError(f"starting the demo exam ended on {exam_path}")
    return exam_path


def lighthouse_cmd(url: str, out: Path, cookie: str | None) -> list[str]:
    cmd = ["npx", "--no-install", "lighthouse", url, "--only-categories=performance,accessibility",
           "--chrome-flags=--headless=new --no-sandbox", "--output=json", f"--output-path={out}", "--quiet"]
    if cookie:
        cmd.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    return cmd


def run_lighthouse(url: str, out: Path, cookie: str | None) -> dict:
    env = {**os.environ, "CHROME_PATH": CHROME}
    done = subprocess.run(lighthouse_cmd(url, out, cookie), cwd=LIGHTHOUSE_DIR, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    if done.returncode or not out.exists():
        raise RuntimeError(f"lighthouse failed on {url}:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(out.read_text())


HINTS = ("render-blocking-resources", "uses-long-cache-ttl", "unused-javascript", "unused-css-rules",
         "uses-responsive-images", "unsized-images", "uses-text-compression")


def _lost(key: str, audit: dict) -> dict:
    items = (audit.get("details") or {}).get("items") or []
    where = [i["node"].get("selector", "") if isinstance(i.get("node"), dict) else urlsplit(i.get("url", "")).path
             for i in items][:3]
    return {"audit": key, "score": audit["score"], "detail": audit.get("displayValue", ""), "where": where}


def summarise(report: dict) -> dict:
    """Scores (0-100), metrics, every weighted audit that lost points, and the hints that say why."""
    audits, categories = report["audits"], report["categories"]
    row = {name: round(categories[name]["score"] * 100) for name in ("performance", "accessibility")}
    for key, audit_id in METRICS.items():
        value = audits[audit_id].get("numericValue")
        row[key] = round(value, 3) if key == "cls" else round(value or 0)
    row["lost"] = [_lost(f"{name}:{ref['id']}", audits[ref["id"]])
                   for name in ("performance", "accessibility") for ref in categories[name]["auditRefs"]
                   if ref.get("weight") and audits[ref["id"]].get("score") is not None
                   and audits[ref["id"]]["score"] < 1]
    # Opportunities and diagnostics carry no weight in the score but say why a metric is slow.
    row["lost"] += [_lost(f"hint:{audit_id}", audits[audit_id]) for audit_id in HINTS
                    if audits.get(audit_id, {}).get("score") is not None and audits[audit_id]["score"] < 0.9]
    return row


def median_row(runs: list[dict]) -> dict:
    """Median scores and metrics; each audit that lost points with its run count and worst showing."""
    out = {key: statistics.median(r[key] for r in runs) for key in ("performance", "accessibility", *METRICS)}
    worst: dict[str, dict] = {}
    for lost in (item for r in runs for item in r["lost"]):
        seen = worst.setdefault(lost["audit"], {**lost, "runs": 0})
        seen["runs"] += 1
        if lost["score"] < seen["score"]:
            seen.update(score=lost["score"], detail=lost["detail"], where=lost["where"])
    out["lost"] = sorted(worst.values(), key=lambda x: x["audit"])
    return out


def measure(runs: int, keep: bool, only: list[str]) -> dict[str, dict]:
    """Fresh database and server; ``runs`` Lighthouse runs per page; the per-page medians and runs."""
    workdir = Path(tempfile.mkdtemp(prefix="prefab-lighthouse-"))
    env = environment(f"sqlite:///{workdir / 'lighthouse.sqlite3'}", workdir)
    results: dict[str, dict] = {}
    try:
        verify_path = prepare(env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve("app:create_app()", env, port)
        try:
            worker = Browser(base, *DEMO_WORKER)
            learner = Browser(base, *LEARNER[:2])
            exam_path = start_exam(worker)
            for name, path, page_cookie in [("lesson", LESSON, learner.cookie()), ("exam", exam_path, worker.cookie()),
                                            ("verify", verify_path, None)]:
                if name not in only:
                    continue
                rows = []
                for n in range(runs):
                    rows.append(summarise(run_lighthouse(base + path, workdir / f"{name}-{n + 1}.json", page_cookie)))
                    print(f"{name} run {n + 1}: performance {rows[-1]['performance']}, "
                          f"accessibility {rows[-1]['accessibility']}", flush=True)
                    time.sleep(1)
                results[name] = {"path": re.sub(r"t=[^&]+", "t=…", path), "median": median_row(rows), "runs": rows}
        finally:
            stop(server)
    finally:
        if keep:
            print(f"reports kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


def print_report(summary: dict) -> bool:
    """A Markdown table of the medians and the audits that lost points; True when a median misses the budget."""
    print(json.dumps({k: v for k, v in summary.items() if k != "pages"}))
    print("| page | performance | accessibility | FCP ms | LCP ms | TBT ms | CLS | bytes |")
    print("|---|---|---|---|---|---|---|---|")
    below = False
    for name, result in summary["pages"].items():
        m = result["median"]
        below |= m["performance"] < BUDGET or m["accessibility"] < BUDGET
        print(f"| {name} | {m['performance']:g} | {m['accessibility']:g} | {m['fcp_ms']:g} | {m['lcp_ms']:g} | "
              f"{m['tbt_ms']:g} | {m['cls']:g} | {m['bytes']:g} |")
    for name, result in summary["pages"].items():
        for lost in result["median"]["lost"]:
            where = f" at {', '.join(lost['where'])}" if lost["where"] else ""
            print(f"  {name}: {lost['audit']} lost points in {lost['runs']}/{len(result['runs'])} runs "
                  f"(worst {lost['score']:.2f}{', ' + lost['detail'] if lost['detail'] else ''}){where}")
    if below:
        print(f"a median score is under the budget of {BUDGET}", file=sys.stderr)
    return below


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (median reported)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory with the JSON reports")
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES), help="pages to measure")
    args = parser.parse_args()
    if not (LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse").exists():
        print("bench/lighthouse/node_modules is missing: run `cd bench/lighthouse && npm ci` (or `make lighthouse`)",
              file=sys.stderr)
        return 2
    if not Path(CHROME).exists():
        print(f"{CHROME} is missing: apt-get install -y chromium", file=sys.stderr)
        return 2
    started, load_before = datetime.now(UTC), os.getloadavg()
    pages = measure(args.runs, args.keep, args.pages)
    version = json.loads((LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "package.json").read_text())["version"]
    summary = {"date": started.isoformat(timespec="seconds"), "lighthouse": version, "cores": os.cpu_count(),
               "load_before": [round(x, 2) for x in load_before],
               "load_after": [round(x, 2) for x in os.getloadavg()], "runs_per_page": args.runs, "budget": BUDGET,
               "pages": pages}
    save_result("lighthouse", summary)
    return 1 if print_report(summary) else 0


if __name__ == "__main__":
    sys.exit(main())
