"""Province scale on one machine: each goal of the snapshot-store work, CSV path beside store.

For every dataset folder given (generate them first, e.g.
``graphrisk generate -n 1000000 --seed 1 -o bench/data/r1m`` and
``... --profile stress -o bench/data/s1m``), the script

1. times ``graphrisk validate FOLDER`` (the CSV path: read + validate),
2. ingests the folder into ``FOLDER.store`` (``graphrisk ingest``),
3. times opening the store and building the network,
4. runs each command of the goal table once on the CSV folder and once on the store,

each as a fresh ``graphrisk`` process under ``/usr/bin/time`` (wall seconds, peak
resident memory of the process), with the size of what it wrote.  The ratio is CSV
time / store time of the same command in the same run.  The load average before each
step is printed, since the machine may be shared.

    python bench/bench_scale.py bench/data/r100k bench/data/s100k
    python bench/bench_scale.py bench/data/r1m --skip-csv report --markdown bench/out/scale.md

``--skip-csv NAME,...`` leaves out the CSV runs of slow commands (their ratio is then
empty); ``--only NAME,...`` runs a subset of the commands; ``--reuse-store`` skips the
validate and ingest steps when ``FOLDER.store`` exists.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: command name -> (arguments after the dataset, goal in seconds at 1M, output kind)
COMMANDS = {
    "circles": (["--format", "json", "-o", "{out}/circles.json"], 15, "file"),
    "related": (["--max-pairs", "0", "--format", "json", "-o", "{out}/related.json"], 30, "file"),
    "watchlist": (["--format", "json", "-o", "{out}/watchlist.json"], 60, "file"),
    "simulate-1000": (["--runs", "1000", "--format", "json", "-o", "{out}/mc.json"], 60, "file"),
    "simulate-10000": (["--runs", "10000", "--format", "json", "-o", "{out}/mc10k.json"], 300,
                       "file"),
    "recommend": (["--budget", "10", "--runs", "200", "--format", "json", "-o",
                   "{out}/plan.json"], 300, "file"),
    "report": (["-o", "{out}/report", "-q"], 180, "dir"),
}
#: the command each name runs
VERB = {"simulate-1000": "simulate", "simulate-10000": "simulate"}


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return 0


def timed(args: list[str], log: Path) -> dict:
    """Run *args* under /usr/bin/time; return wall s, peak RSS GB, exit code."""
    tf = log.with_suffix(".time")
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", str(tf), *args],
                              stdout=fh, stderr=subprocess.STDOUT, check=False)
    wall = time.perf_counter() - started
    try:
        _, rss_kb = tf.read_text(encoding="utf-8").split()[-2:]
        rss = int(rss_kb) / 1e6
    except (OSError, ValueError):
        rss = float("nan")
    return {"seconds": round(wall, 1), "peak_gb": round(rss, 2), "exit": proc.returncode,
            "load": round(load, 1)}


def open_store(store: Path, log: Path) -> dict:
    code = ("import time, resource; t = time.perf_counter();"
            "from graphrisk.io.store import open_snapshot;"
            "from graphrisk.network.graph import build_network;"
            f"net = build_network(open_snapshot({str(store)!r}));"
            "print(round(time.perf_counter() - t, 2), net.n)")
    r = timed([sys.executable, "-c", code], log)
    r["note"] = log.read_text(encoding="utf-8").strip().splitlines()[-1]
    return r


def run_dataset(folder: Path, work: Path, names: list[str], skip_csv: set[str],
                reuse: bool = False) -> list[dict]:
    rows: list[dict] = []
    store = folder.with_name(folder.name + ".store")
    exe = shutil.which("graphrisk") or "graphrisk"

    def row(step: str, source: str, r: dict, out: Path | None = None, goal: float | None = None,
            **extra) -> dict:
        d = {"dataset": folder.name, "step": step, "source": source, **r, "goal_s": goal,
             "written_mb": round(_size(out) / 1e6, 1) if out is not None else None, **extra}
        rows.append(d)
        print(json.dumps(d, ensure_ascii=False), flush=True)
        return d

    if not (reuse and store.exists()):
        row("validate", "csv", timed([exe, "validate", str(folder)], work / "validate.log"))
        if store.exists():
            shutil.rmtree(store)
        row("ingest", "csv", timed([exe, "ingest", str(folder), "-o", str(store)],
                                   work / "ingest.log"), store, 30)
    row("open + build", "store", open_store(store, work / "open.log"), goal=5)
    for name in names:
        tail, goal, _ = COMMANDS[name]
        verb = VERB.get(name, name)
        results = {}
        for source, data in (("csv", folder), ("store", store)):
            if source == "csv" and name in skip_csv:
                continue
            out = work / f"{name}-{source}"
            out.mkdir(parents=True, exist_ok=True)
            args = [exe, verb, str(data), *[a.format(out=out) for a in tail]]
            r = timed(args, work / f"{name}-{source}.log")
            results[source] = row(name, source, r, out, goal)
        if "csv" in results and results["store"]["seconds"]:
            results["store"]["ratio_csv_over_store"] = round(
                results["csv"]["seconds"] / results["store"]["seconds"], 1)
    return rows


def markdown(rows: list[dict]) -> str:
    head = ("| dataset | step | source | wall s | goal s | peak GB | written MB | "
            "CSV ÷ store | load avg |\n|---|---|---|---:|---:|---:|---:|---:|---:|")
    lines = [head]
    for r in rows:
        lines.append("| {dataset} | {step} | {source} | {seconds} | {goal} | {peak_gb} | "
                     "{written} | {ratio} | {load} |".format(
                         goal=r.get("goal_s") or "", written=r.get("written_mb") or "",
                         ratio=r.get("ratio_csv_over_store", ""), **r))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("datasets", nargs="+", type=Path)
    ap.add_argument("--only", default=",".join(COMMANDS))
    ap.add_argument("--skip-csv", default="")
    ap.add_argument("--reuse-store", action="store_true",
                    help="use FOLDER.store as it is (no validate/ingest rows)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--markdown", type=Path)
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n]
    unknown = set(names) - set(COMMANDS)
    if unknown:
        ap.error(f"unknown command(s): {', '.join(sorted(unknown))}")
    rows: list[dict] = []
    for folder in args.datasets:
        with tempfile.TemporaryDirectory(prefix=f"scale-{folder.name}-") as tmp:
            rows += run_dataset(folder, Path(tmp), names, set(args.skip_csv.split(",")) - {""},
                                args.reuse_store)
    text = markdown(rows)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
