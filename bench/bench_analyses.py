"""Benchmark: the network commands as a user runs them — circles, related, watchlist, exposure.

For one dataset (a folder of CSV files, a workbook, or a snapshot store made by
``graphrisk ingest``), each command runs in a fresh Python process through the real
command line (``graphrisk.cli.main``) and writes its JSON to a file:

* ``circles``   — ``circles DS --format json -o F`` (groups, circles, patterned edges);
* ``related``   — ``related DS --format json --max-pairs 0 -o F`` (the pair count, the
  count per rule and the related-party groups; no pair evidence);
* ``watchlist`` — ``watchlist DS --format json -o F`` (key enterprises, signals, levels;
  the related pairs are found in one pass for both its uses);
* ``exposure``  — ``exposure DS --lender TOP --format json -o F`` for the lender with
  the largest loan book.

Each run reports the time spent reading the dataset (``load``: CSV parsing and
validation, or opening a store), building the network arrays (``network``), the
rest (``analysis+output``: the analysis and writing the JSON), the total wall time,
the peak resident memory of the process, the size of the output and the load
average of the machine when the run started (the figures mean little on a busy
machine).

Usage::

    python bench/bench_analyses.py /path/to/dataset
    python bench/bench_analyses.py STORE --commands circles,watchlist --out bench/out/a

Outputs go to ``bench/out/analyses/<dataset name>/`` (git-ignored) with a
``results.json``.  Run it alone: at 1M enterprises a command takes several GB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ("circles", "related", "watchlist", "exposure")

#: the driver run in each fresh process: times the load and the network build by
#: wrapping the functions the commands call, then runs the command line itself
DRIVER = r"""
import json, resource, sys, time
import graphrisk.cli.base as base
import graphrisk.network.graph as graph
from graphrisk.cli import main

spent = {"load": 0.0, "network": 0.0}

def timed(name, fn):
    def run(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start
    return run

base.read_source = timed("load", base.read_source)
graph.build_network = timed("network", graph.build_network)
start = time.perf_counter()
try:
    main.main(sys.argv[1:], prog_name="graphrisk", standalone_mode=False)
finally:
    total = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("BENCH " + json.dumps({**spent, "total": total, "peak_mb": peak}), file=sys.stderr)
"""


def top_lender(dataset: Path) -> str:
    """Return the id of the lender with the largest total loan balance."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if (dataset / "tables" / "loans.parquet").exists():
        import pyarrow.parquet as pq

        loans = pq.read_table(dataset / "tables" / "loans.parquet",
                              columns=["lender_id", "balance"])
    else:
        import pyarrow.csv as pcsv

        loans = pcsv.read_csv(dataset / "loans.csv", convert_options=pcsv.ConvertOptions(
            include_columns=["lender_id", "balance"],
            column_types={"lender_id": pa.string(), "balance": pa.float64()}))
    by = loans.group_by("lender_id").aggregate([("balance", "sum")])
    best = pc.index(by["balance_sum"], pc.max(by["balance_sum"]))
    return str(by["lender_id"][best.as_py()])


def command_args(name: str, dataset: Path, out: Path) -> list[str]:
    """Return the command line of one benchmarked command."""
    target = str(out / f"{name}.json")
    base = [str(dataset), "--format", "json", "-o", target]
    if name == "related":
        return ["related", *base, "--max-pairs", "0"]
    if name == "exposure":
        return ["exposure", *base, "--lender", top_lender(dataset)]
    return [name, *base]


def run(name: str, dataset: Path, out: Path) -> dict:
    """Run one command in a fresh process; return its figures."""
    args = command_args(name, dataset, out)
    load_avg = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", DRIVER, *args], capture_output=True,
                          text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    line = next((x for x in proc.stderr.splitlines() if x.startswith("BENCH ")), None)
    if proc.returncode or line is None:
        raise SystemExit(f"{name} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    fig = json.loads(line[6:])
    size = (out / f"{name}.json").stat().st_size
    return {"command": name, "load_s": fig["load"], "network_s": fig["network"],
            "analysis_output_s": fig["total"] - fig["load"] - fig["network"],
            "total_s": fig["total"], "process_s": wall, "peak_mb": fig["peak_mb"],
            "output_mb": size / 2**20, "load_average": load_avg}


def main() -> None:
    """Parse the arguments, run the commands one after the other, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset", type=Path, help="dataset folder, workbook or snapshot store")
    ap.add_argument("--commands", default=",".join(COMMANDS),
                    help=f"comma-separated, among {', '.join(COMMANDS)}")
    ap.add_argument("--out", type=Path, default=None,
                    help="output folder (default bench/out/analyses/<dataset name>)")
    a = ap.parse_args()
    dataset = a.dataset.resolve()
    out = (a.out or ROOT / "bench" / "out" / "analyses" / dataset.name).resolve()
    out.mkdir(parents=True, exist_ok=True)
    names = [c.strip() for c in a.commands.split(",") if c.strip()]
    bad = [c for c in names if c not in COMMANDS]
    if bad:
        raise SystemExit(f"unknown command(s) {bad}; use {', '.join(COMMANDS)}")
    print(f"{dataset.name}: one fresh process per command, JSON to {out}")
    print(f"{'command':<10} {'load s':>8} {'network s':>9} {'analysis+output s':>17} "
          f"{'total s':>8} {'peak MB':>8} {'output MB':>9} {'load avg':>8}")
    results = []
    for name in names:
        r = run(name, dataset, out)
        results.append(r)
        print(f"{name:<10} {r['load_s']:8.1f} {r['network_s']:9.1f} "
              f"{r['analysis_output_s']:17.1f} {r['total_s']:8.1f} {r['peak_mb']:8.0f} "
              f"{r['output_mb']:9.1f} {r['load_average']:8.2f}", flush=True)
    (out / "results.json").write_text(json.dumps({"dataset": dataset.name,
                                                  "results": results}, indent=2))


if __name__ == "__main__":
    main()
