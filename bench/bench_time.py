"""Benchmark: the cost of time — the as-of date, comparing periods, the maturity ledger.

For one snapshot store (``graphrisk ingest``), in a fresh Python process per step:

* ``open``         — open the store, no date applied (``dated=False``), network built;
* ``as_of``        — open the store at ``--as-of`` (the exclusion masks, the filtered
  tables and renumbered network arrays), network built; how many rows it excludes;
* ``validate``     — ``graphrisk validate STORE --as-of D --format json -o F`` (every
  excluded row listed as a warning with file and line);
* ``compare``      — the store at ``--previous-as-of`` against itself at ``--as-of``
  (:func:`graphrisk.history.compare.compare_periods`: two watchlists, loan migration,
  circles and groups matched, bank exposure before and after);
* ``maturities``   — ``graphrisk maturities STORE --as-of D --within 30`` (with levels);
* ``watchlist_previous`` — ``graphrisk watchlist STORE --previous ...`` is the same
  work as compare's two watchlists plus the signals over time, so it is not run again.

The same books dated at two dates is not a second quarter (no loan is downgraded), but
the guarantees that end between the dates, the loans that start and the circles that
break make the comparison do its whole work at scale.

Each step reports wall seconds, peak resident memory, output size and the machine's
load average when it started.  Usage::

    python bench/bench_time.py /work/data/r1m.store --as-of 2025-06-30 \\
        --previous-as-of 2025-03-31

Results go to ``bench/out/time/<store name>/results.json`` (git-ignored).
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

DRIVER = r"""
import json, resource, sys, time
t0 = time.perf_counter()
step, store, as_of, prev_as_of, out = sys.argv[1:6]
from graphrisk.io.store import open_snapshot
from graphrisk.network.graph import build_network
info = {}
if step == "open":
    net = build_network(open_snapshot(store, dated=False))
    info["guarantees"] = int(len(net.g_src))
elif step == "as_of":
    net = build_network(open_snapshot(store, as_of=as_of))
    info["guarantees"] = int(len(net.g_src))
    info["excluded"] = int(len(net.dataset.excluded))
elif step == "compare":
    from graphrisk.history.compare import compare_periods
    from graphrisk.io.jsonout import dump_json
    cur = build_network(open_snapshot(store, as_of=as_of))
    prev = build_network(open_snapshot(store, as_of=prev_as_of))
    doc = compare_periods(cur, prev)
    with open(out, "w", encoding="utf-8") as fh:
        dump_json(doc, fh)
    info["summary"] = doc["summary"]
else:
    from graphrisk.cli import main
    args = {"validate": ["validate", store, "--as-of", as_of, "--format", "json", "-o", out],
            "maturities": ["maturities", store, "--as-of", as_of, "--within", "30",
                           "--format", "json", "-o", out]}[step]
    try:
        main(args, standalone_mode=False)
    except SystemExit:
        pass
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
                  **info}, default=str))
"""

STEPS = ("open", "as_of", "validate", "compare", "maturities")


def main() -> None:
    """Run the steps and write ``results.json``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--previous-as-of", required=True)
    ap.add_argument("--steps", default=",".join(STEPS))
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    out = a.out or ROOT / "bench" / "out" / "time" / a.store.name
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    results = {}
    for step in a.steps.split(","):
        target = out / f"{step}.json"
        load = os.getloadavg()[0]
        started = time.perf_counter()
        p = subprocess.run([sys.executable, "-c", DRIVER, step, str(a.store), a.as_of,
                            a.previous_as_of, str(target)], env=env, capture_output=True,
                           text=True, check=False)
        wall = time.perf_counter() - started
        if p.returncode != 0:
            print(p.stderr[-2000:], file=sys.stderr)
            raise SystemExit(f"{step} failed")
        rec = json.loads(p.stdout.strip().splitlines()[-1])
        rec.update(wall=round(wall, 2), load=round(load, 2),
                   output_mb=round(target.stat().st_size / 1e6, 2) if target.exists() else 0)
        results[step] = rec
        print(f"{step:<12} {rec['seconds']:8.1f} s  wall {wall:7.1f} s  peak "
              f"{rec['peak_gb']:5.2f} GB  out {rec['output_mb']:7.2f} MB  load {load:.1f}",
              flush=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n",
                                      encoding="utf-8")


if __name__ == "__main__":
    main()
