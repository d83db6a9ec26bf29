"""Certificate PDF benchmark: single-render latency and batch throughput (render + PAdES signature + store).

    python -m bench.cert_pdf                 # 60 single renders, then a 30 s batch on every core
    python -m bench.cert_pdf --single 100 --batch-seconds 60 --workers 2

No database: certificates are built in memory with distinct names, serials and issuers, so every render
subsets fonts for new glyphs as production does. Budget (DESIGN.md §8): single p95 ≤ 0.3 s, ≥ 600/min batch.
The reference measured in the same run is the smallest Chinese PDF WeasyPrint makes (one line, one font), so
the ratio survives a noisy machine. Prints a JSON summary and a Markdown row for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from certificates.config import CertConfig
from certificates.models import Certificate
from certificates.pdf import pdf_content, render_signed_pdf
from certificates.policy import CertificateKind
from certificates.serials import make_serial
from certificates.storage import pdf_path, store_once

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
GIVEN = "晓明伟芳娜敏静丽强磊军洋勇艳杰娟涛超秀霞平刚桂英华玉兰建国志红卫东海波鹏飞俊宇浩然子轩梓涵"
BASES = ["昆明市装配式建筑产业工人实训基地", "西安装配式建筑技能培训中心", "云南建投职业技能培训基地",
         "陕西建工装配式建筑实训基地"]


def certificate(n: int) -> Certificate:
    name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)] + GIVEN[(n * 13 + 5) % len(GIVEN)]
    kind = CertificateKind.SPECIAL_TRADE if n % 4 == 3 else CertificateKind.SKILL_LEVEL
    issued = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    return Certificate(
        id=n, serial=make_serial(year=2026, skill="HOIST", sequence=n), token=f"bench-token-{n:08d}",
        kind=kind, state="issued", holder_name=name, issuer_name=BASES[n % len(BASES)],
        title="特种作业操作资格证书" if kind == CertificateKind.SPECIAL_TRADE else "职业技能等级证书",
        skill_code="HOIST", skill_name="建筑起重信号司索工", level="" if n % 4 == 3 else "五级/初级工", award="",
        details={}, issued_at=issued, valid_from=issued,
        expires_at=issued.replace(year=2028) if kind == CertificateKind.SPECIAL_TRADE else None)


def render_and_store(n: int, config: CertConfig) -> float:
    start = time.perf_counter()
    cert = certificate(n)
    store_once(pdf_path(config, cert), render_signed_pdf(pdf_content(cert, config), config))
    return time.perf_counter() - start


def freeze_gc() -> None:
    """What the render job does once per process after its first render (``certificates.jobs``)."""
    gc.collect()
    gc.freeze()


def bare_render(n: int) -> float:
    """The reference: the smallest Chinese PDF WeasyPrint makes (one line, one font), measured in the same run."""
    from weasyprint import HTML

    start = time.perf_counter()
    HTML(string=f'<p style="font-family: Noto Serif CJK SC">证书查验 {n}</p>').write_pdf()
    return time.perf_counter() - start


def _batch_worker(args: tuple[int, int, float, str, str, bool]) -> int:
    first, step, seconds, storage, signing, freeze = args
    config = CertConfig(base_url="https://verify.example.cn", storage_dir=Path(storage), signing_dir=Path(signing))
    render_and_store(first + 10_000_000, config)  # warm up: fonts, CSS, signer
    if freeze:
        freeze_gc()
    deadline, done, n = time.perf_counter() + seconds, 0, first
    while time.perf_counter() < deadline:
        render_and_store(n, config)
        n += step
        done += 1
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--single", type=int, default=60)
    parser.add_argument("--batch-seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--no-gc-freeze", action="store_true",
                        help="keep Python's default GC (full collections of the warm heap add 40-100 ms tails)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = CertConfig(base_url="https://verify.example.cn", storage_dir=Path(tmp) / "storage",
                            signing_dir=Path(tmp) / "signing")
        cold = render_and_store(999_999, config)
        if not args.no_gc_freeze:
            freeze_gc()
        bare_render(0)
        bare = statistics.median(bare_render(n) for n in range(1, args.single + 1))
        times = sorted(render_and_store(n, config) for n in range(1, args.single + 1))
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        size = pdf_path(config, certificate(1)).stat().st_size
        started = time.perf_counter()
        jobs = [(1000 + w, args.workers, args.batch_seconds, str(config.storage_dir), str(config.signing_dir),
                 not args.no_gc_freeze) for w in range(args.workers)]
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            done = sum(pool.map(_batch_worker, jobs))
        elapsed = time.perf_counter() - started
    summary = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "single_cold_s": round(cold, 3), "single_runs": len(times), "single_p50_s": round(statistics.median(times), 3),
        "single_p95_s": round(p95, 3), "single_max_s": round(times[-1], 3), "pdf_bytes": size,
        "bare_weasyprint_p50_s": round(bare, 3), "single_p50_ratio_to_bare": round(statistics.median(times) / bare, 1),
        "batch_workers": args.workers, "batch_seconds": round(args.batch_seconds, 1), "batch_done": done,
        "batch_per_min": round(done / args.batch_seconds * 60),
        "batch_wall_s_incl_warmup": round(elapsed, 1), "gc_freeze_after_warmup": not args.no_gc_freeze,
    }
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    print(f"| certificate PDF (render + sign + store) | single p50 {summary['single_p50_s']} s, "
          f"p95 {summary['single_p95_s']} s | {summary['batch_per_min']}/min on {args.workers} processes | "
          f"p95 ≤ 0.3 s; ≥ 600/min |")


if __name__ == "__main__":
    main()
