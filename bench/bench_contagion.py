"""Benchmark of default contagion (SPEC §6) and cutting strategies (SPEC §7).

For each dataset (``--data NAME=PATH``, or generated ``graphrisk generate --enterprises N
--seed 1 --profile P`` for each size and profile) it loads the CSV files once (timed
apart: a snapshot store makes the load a few seconds) and then measures, for each
``--jobs`` value:

* ``simulate --runs R`` for each R of ``--runs``: :func:`monte_carlo` (scenarios,
  cascades, per-lender tails, systemic importance) plus writing its JSON output,
  compactly (``--out``); the output size;
* ``recommend --budget K --runs R`` (``--recommend-runs``): the plan, its loss reduction
  and each baseline's;

with the wall time, the peak memory of the process and its workers together (the sum of
their proportional set sizes, sampled every 0.2 s, so pages shared copy-on-write count
once) and the load average.  It checks that every ``jobs`` value gives the same numbers.
``--reference`` also runs the dict-based reference cascade of
``tests/reference_cascade.py`` on the first runs (time-boxed) and checks the losses.

Usage::

    python bench/bench_contagion.py --sizes 100000                     # generated, 100k
    python bench/bench_contagion.py --data stress=DIR --runs 1000,10000 --jobs 1,2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from graphrisk.contagion.cascade import capacities, compile_model  # noqa: E402
from graphrisk.contagion.montecarlo import (  # noqa: E402
    draw_scenarios,
    monte_carlo,
    pd_vector,
    run_scenarios,
)
from graphrisk.io.load import load_dataset  # noqa: E402
from graphrisk.mitigation.plan import recommend  # noqa: E402
from graphrisk.network.graph import build_network  # noqa: E402
from graphrisk.params import ContagionParams, StrategyParams  # noqa: E402
from tests.reference_cascade import reference_cascade  # noqa: E402


class PeakMemory:
    """Sample the summed PSS (MB) of this process and its descendants in a thread."""

    def __init__(self, every: float = 0.2) -> None:
        self.every, self.peak, self._stop = every, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _tree(pid: int) -> list[int]:
        out, todo = [], [pid]
        while todo:
            p = todo.pop()
            out.append(p)
            try:
                for task in os.listdir(f"/proc/{p}/task"):
                    with open(f"/proc/{p}/task/{task}/children") as f:
                        todo += [int(c) for c in f.read().split()]
            except OSError:
                pass
        return out

    @staticmethod
    def _pss(pid: int) -> float:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(self._pss(p) for p in self._tree(os.getpid())))
            self._stop.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(fn, *args, **kwargs):
    """Return ``(result, seconds, peak MB, load average at the end)``."""
    with PeakMemory() as mem:
        t = time.perf_counter()
        out = fn(*args, **kwargs)
        dt = time.perf_counter() - t
    return out, dt, mem.peak, os.getloadavg()[0]


def generated(n: int, profile: str, workdir: Path) -> Path:
    out = workdir / f"{profile}{n}"
    if not (out / "enterprises.csv").exists():
        subprocess.run([sys.executable, "-m", "graphrisk", "generate", "--enterprises", str(n),
                        "--seed", "1", "--profile", profile, "-o", str(out), "--force"],
                       check=True)
    return out


def simulate_and_write(net, params: ContagionParams, out: Path) -> tuple[dict, int]:
    rep = monte_carlo(net, params=params)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(rep, f, ensure_ascii=False, separators=(",", ":"))
    return rep, out.stat().st_size


def reference_check(ds, net, runs: int, seconds: float) -> None:
    """Run the dict-based reference cascade on the first scenarios and compare."""
    cap, _ = capacities(net)
    model = compile_model(net, cap)
    scen = draw_scenarios(pd_vector(net)[0], runs, 1)
    (out, t_vec, _, _) = measure(run_scenarios, model, scen)
    capd = {net.ids[i]: float(cap[i]) for i in range(net.n) if np.isfinite(cap[i])}
    loans = list(zip(net.l_id, net.ids[net.l_borrower], net.ids[net.l_lender],
                     net.l_balance.tolist(), strict=True))
    types = ds.tables["guarantees"]["type"].fillna("").replace("", "joint_several").tolist()
    gs = [(g, net.ids[s], net.ids[d], a, net.l_id[k] if k >= 0 else None, ty)
          for g, s, d, a, k, ty in zip(net.g_id, net.g_src, net.g_dst, net.g_amount.tolist(),
                                       net.g_loan, types, strict=True)]
    losses, t0 = [], time.perf_counter()
    for k in range(runs):
        seeds = net.ids[scen.nodes[scen.indptr[k]:scen.indptr[k + 1]]].tolist()
        losses.append(sum(reference_cascade(capd, loans, gs, seeds)["loss"].values()))
        if time.perf_counter() - t0 > seconds:
            break
    t_ref = time.perf_counter() - t0
    k = len(losses)
    assert np.allclose(losses, out.loss[:k], rtol=1e-9, atol=1e-6), "reference disagrees"
    print(f"  cascades of {runs} runs: vectorised {t_vec:.1f} s; dict-based "
          f"{t_ref / k * runs:.0f} s (from {k} runs): {t_ref / k * runs / t_vec:.0f}× faster; "
          f"losses agree")


def bench(name: str, path: Path, args) -> None:
    (ds, t_load, m_load, la) = measure(load_dataset, path)
    net, t_net, _, _ = measure(build_network, ds)
    n = len(ds.tables["enterprises"])
    print(f"\n== {name}: {n:,} enterprises ({path})\n  CSV load {t_load:.1f} s + network "
          f"{t_net:.1f} s, {m_load:,.0f} MB; load average {la:.1f}")
    if args.reference:
        reference_check(ds, net, 1000, args.ref_seconds)
    args.out.mkdir(parents=True, exist_ok=True)
    for runs in args.runs:
        seen = None
        for jobs in args.jobs:
            p = ContagionParams(runs=runs, seed=1, jobs=jobs)
            out = args.out / f"simulate-{name}-{runs}-j{jobs}.json"
            (rep, size), dt, peak, la = measure(simulate_and_write, net, p, out)
            print(f"  simulate --runs {runs} --jobs {jobs}: {dt:.1f} s (analysis + output), "
                  f"peak {peak:,.0f} MB, output {size / 1e6:.1f} MB; load average {la:.1f}; "
                  f"expected loss {rep['expected_loss']:,.0f} 万元, ES99 "
                  f"{rep['tail']['es99']:,.0f}, {rep['expected_defaults']:,.0f} defaults a run")
            if seen is not None:
                assert rep == seen, f"jobs={jobs} differs"
            seen = rep
            out.unlink()
    if args.budget:
        seen = None
        for jobs in args.jobs:
            p = ContagionParams(runs=args.recommend_runs, seed=1, jobs=jobs)
            rec, dt, peak, la = measure(recommend, net, params=p,
                                        sparams=StrategyParams(budget=args.budget))
            print(f"  recommend --budget {args.budget} --runs {args.recommend_runs} --jobs "
                  f"{jobs}: {dt:.1f} s, peak {peak:,.0f} MB; load average {la:.1f}; "
                  f"{len(rec['actions'])} actions, {rec['evaluations']} evaluations; expected "
                  f"loss {rec['loss_before']:,.0f} → {rec['loss_after']:,.0f} "
                  f"(−{rec['reduction']:,.0f} 万元); baselines "
                  + ", ".join(f"{r} {b['reduction']:,.0f}" for r, b in rec["baselines"].items()))
            if seen is not None:
                assert rec == seen, f"jobs={jobs} differs"
            seen = rec


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", action="append", default=[], metavar="NAME=PATH",
                    help="a dataset folder (repeatable); default: generated ones")
    ap.add_argument("--sizes", default="100000", help="generated: comma-separated sizes")
    ap.add_argument("--profiles", default="stress,realistic", help="generated: profiles")
    ap.add_argument("--runs", default="1000", help="comma-separated scenario counts")
    ap.add_argument("--jobs", default="1,2", help="comma-separated process counts")
    ap.add_argument("--budget", type=int, default=10, help="recommend budget (0: skip)")
    ap.add_argument("--recommend-runs", type=int, default=200)
    ap.add_argument("--reference", action="store_true", help="check the dict-based reference")
    ap.add_argument("--ref-seconds", type=float, default=60.0)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/graphrisk-bench"))
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    args = ap.parse_args(argv)
    args.runs = [int(r) for r in args.runs.split(",") if r]
    args.jobs = [int(j) for j in args.jobs.split(",") if j]
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    sets = [(k, Path(v)) for k, _, v in (d.partition("=") for d in args.data)]
    if not sets:
        args.workdir.mkdir(parents=True, exist_ok=True)
        sets = [(f"{p}-{n}", generated(n, p, args.workdir))
                for n in (int(s) for s in args.sizes.split(",") if s)
                for p in args.profiles.split(",") if p]
    for name, path in sets:
        bench(name, path, args)


if __name__ == "__main__":
    main()
