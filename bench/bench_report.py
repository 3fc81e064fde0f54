"""Benchmark: ``graphrisk report`` end to end, with the time of every part.

Runs ``graphrisk report DATASET -o OUT -v`` in a child process (so its peak memory is
its own: ``getrusage(RUSAGE_CHILDREN).ru_maxrss``), reads the timing log the command
writes on standard error with ``-v`` (one line per part: the analyses, then the
pages, the workbook and the JSON), measures what was written (total, per kind, the
largest files) and opens ``network.html`` and ``circles.html`` in headless Chromium
(``tests/browser_support.py``) to time how long each takes to be ready, and saves a
screenshot of each next to the JSON result.

Usage::

    python bench/bench_report.py bench/data/s100k --skip strategies
    python bench/bench_report.py --generate 100000 --profile stress --skip strategies
    python bench/bench_report.py DATASET --out bench/out/report-1m --json bench/out/report-1m.json

Goals at 1M enterprises (issue #15): <= 3 min, <= 4 GB peak, <= 300 MB written, the
network page <= 25 MB and ready in Chromium in <= 10 s.  Run it alone: at 1M it uses
several GB.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LINE = re.compile(r"^time (\S+(?: \S+)*?)\s+([\d.]+) s\s+peak\s+([\d.]+) GB")
READY = {"network.html": "window.graphrisk && graphrisk.ready",
         "circles.html": "window.graphriskIndex && graphriskIndex.ready"}


def generated(n: int, profile: str, seed: int) -> Path:
    from graphrisk.synth import GeneratorParams, generate, write_dataset

    folder = ROOT / "bench" / "data" / f"report_{profile}_{n}_s{seed}"
    if not (folder / "enterprises.csv").exists():
        write_dataset(generate(n, seed=seed, params=GeneratorParams.profile(profile)), folder)
    return folder


def run_report(dataset: Path, out: Path, extra: list[str]) -> dict:
    cmd = [sys.executable, "-c", "from graphrisk.cli import main; main()", "report",
           str(dataset), "-o", str(out), "-v", *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        sys.exit(f"report failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    parts = {}
    for line in proc.stderr.splitlines():
        m = LINE.match(line)
        if m:
            parts[m.group(1)] = {"seconds": float(m.group(2)), "peak_gb": float(m.group(3))}
    return {"wall_s": round(wall, 1),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
            "peak_rss_gb": round(after.ru_maxrss / 1e6, 2), "parts": parts,
            "load_average": os.getloadavg()}


def sizes(out: Path) -> dict:
    files = [p for p in out.rglob("*") if p.is_file()]
    kinds: dict[str, int] = {}
    for p in files:
        rel = p.relative_to(out)
        key = rel.parts[0] if len(rel.parts) > 1 else rel.name
        kinds[key] = kinds.get(key, 0) + p.stat().st_size
    largest = sorted(files, key=lambda p: -p.stat().st_size)[:8]
    return {"total_mb": round(sum(kinds.values()) / 1e6, 1),
            "by_kind_mb": {k: round(v / 1e6, 2) for k, v in sorted(kinds.items())},
            "largest_mb": {str(p.relative_to(out)): round(p.stat().st_size / 1e6, 2)
                           for p in largest}}


def open_times(out: Path, shots: Path) -> dict:
    from tests.browser_support import Browser, find_chromium

    exe = find_chromium()
    if exe is None:
        return {"note": "no Chromium found"}
    res = {}
    with Browser(exe) as browser:
        for name, ready in READY.items():
            page = browser.new_page()
            t0 = time.perf_counter()
            page.goto((out / name).as_uri(), ready=ready, timeout=120)
            res[name] = {"ready_s": round(time.perf_counter() - t0, 2),
                         "console_errors": page.console_errors()[:3]}
            time.sleep(0.5)  # let the first frame settle before the screenshot
            page.screenshot(shots / f"{name}.png")
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dataset", nargs="?", type=Path)
    ap.add_argument("--generate", type=int, help="generate N enterprises instead")
    ap.add_argument("--profile", default="stress")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "report")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--skip", action="append", default=[])
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    dataset = args.dataset or generated(args.generate, args.profile, args.seed)
    extra = [x for s in args.skip for x in ("--skip", s)]
    if args.runs:
        extra += ["--runs", str(args.runs)]
    if args.out.exists():
        shutil.rmtree(args.out)
    result = {"dataset": str(dataset), "args": extra, **run_report(dataset, args.out, extra)}
    result["output"] = sizes(args.out)
    shots = args.out.parent / f"{args.out.name}-shots"
    shots.mkdir(parents=True, exist_ok=True)
    if not args.no_browser:
        result["browser"] = open_times(args.out, shots)
    print(f"{dataset}: wall {result['wall_s']} s, CPU {result['cpu_s']} s, peak "
          f"{result['peak_rss_gb']} GB, written {result['output']['total_mb']} MB, load "
          f"{', '.join(f'{x:.1f}' for x in result['load_average'])}")
    for part, v in result["parts"].items():
        print(f"  {part:<18} {v['seconds']:8.2f} s   peak {v['peak_gb']:5.2f} GB")
    for k, v in result["output"]["by_kind_mb"].items():
        print(f"  {k:<24} {v:8.2f} MB")
    for k, v in result.get("browser", {}).items():
        print(f"  open {k:<18} {v}")
    path = args.json or args.out.parent / f"{args.out.name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
