"""Benchmark of default contagion (SPEC §6) and cutting strategies (SPEC §7).

On generated datasets (``graphrisk generate --enterprises N --seed 1``) it measures:

* the Monte Carlo of ``graphrisk simulate --runs R`` (scenarios, cascades, per-lender
  tails, systemic importance), and the same cascades run by the straightforward
  dict-based reference of ``tests/reference_cascade.py`` — time-boxed and
  extrapolated to R runs — with the ratio, after checking that both give the same
  losses on the runs the reference finished;
* ``graphrisk recommend --budget K``: the time, the plan's loss reduction and each
  baseline's.

Usage::

    python bench/bench_contagion.py                       # 100k enterprises
    python bench/bench_contagion.py --sizes 10000,100000 --runs 1000 --budget 10

Generated datasets are kept in ``--workdir`` and reused.  Machine load matters
(``os.getloadavg`` is printed with the figures).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from graphrisk.contagion.cascade import capacities, compile_model  # noqa: E402
from graphrisk.contagion.debtrank import debtrank_importance  # noqa: E402
from graphrisk.contagion.montecarlo import (  # noqa: E402
    draw_scenarios,
    monte_carlo,
    pd_vector,
    run_scenarios,
    systemic_importance,
)
from graphrisk.io.load import load_dataset  # noqa: E402
from graphrisk.mitigation.plan import recommend  # noqa: E402
from graphrisk.network.graph import build_network  # noqa: E402
from graphrisk.params import ContagionParams, StrategyParams  # noqa: E402
from tests.reference_cascade import reference_cascade  # noqa: E402


def dataset(n: int, workdir: Path) -> Path:
    out = workdir / f"g{n}"
    if not (out / "enterprises.csv").exists():
        subprocess.run([sys.executable, "-m", "graphrisk", "generate", "--enterprises", str(n),
                        "--seed", "1", "-o", str(out), "--force"], check=True)
    return out


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def reference_runs(ds, net, cap, scen, seconds: float):
    """The dict-based cascade on the scenarios, until ``seconds`` have passed."""
    capd = {net.ids[i]: float(cap[i]) for i in range(net.n) if np.isfinite(cap[i])}
    loans = list(zip(net.l_id, net.ids[net.l_borrower], net.ids[net.l_lender],
                     net.l_balance.tolist(), strict=True))
    loan_ids = net.l_id
    types = ds.tables["guarantees"]["type"].fillna("").replace("", "joint_several").tolist()
    gs = [(g, net.ids[s], net.ids[d], a, loan_ids[k] if k >= 0 else None, ty)
          for g, s, d, a, k, ty in zip(net.g_id, net.g_src, net.g_dst, net.g_amount.tolist(),
                                       net.g_loan, types, strict=True)]
    losses, t0 = [], time.perf_counter()
    for k in range(scen.runs):
        seeds = net.ids[scen.nodes[scen.indptr[k]:scen.indptr[k + 1]]].tolist()
        ref = reference_cascade(capd, loans, gs, seeds)
        losses.append(sum(ref["loss"].values()))
        if time.perf_counter() - t0 > seconds:
            break
    return np.array(losses), time.perf_counter() - t0


def bench(n: int, args) -> dict:
    path = dataset(n, args.workdir)
    ds, t_load = timed(load_dataset, path)
    print(f"\n== {n:,} enterprises ({path}); load {t_load:.1f} s, "
          f"load average {os.getloadavg()[0]:.1f}")
    params = ContagionParams(runs=args.runs, seed=1)
    rep, t_mc = timed(monte_carlo, ds, params=params)
    print(f"simulate --runs {args.runs}: {t_mc:.1f} s (after loading); expected loss "
          f"{rep['expected_loss']:,.0f} 万元, ES99 {rep['tail']['es99']:,.0f}, "
          f"{rep['expected_defaults']:.0f} defaults a run")
    # the cascades alone, vectorised vs dict-based, on the same scenarios
    net = build_network(ds)
    cap, _ = capacities(net)
    model = compile_model(net, cap)
    scen = draw_scenarios(pd_vector(ds, params=params)[0], args.runs, 1)
    out, t_vec = timed(run_scenarios, model, scen)
    ref, t_ref = reference_runs(ds, net, cap, scen, args.ref_seconds)
    k = len(ref)
    assert np.allclose(ref, out.loss[:k], rtol=1e-9, atol=1e-6), "reference disagrees"
    t_ref_all = t_ref / k * args.runs
    note = "" if k == args.runs else f" (extrapolated from {k} runs in {t_ref:.0f} s)"
    print(f"cascades of {args.runs} runs: vectorised {t_vec:.2f} s, dict-based "
          f"{t_ref_all:.1f} s{note}: {t_ref_all / t_vec:.0f}× faster; losses agree on {k} runs")
    n_ent = len(ds.tables["enterprises"])
    (si, _), t_si = timed(systemic_importance, model, np.arange(n_ent))
    (dr, _), t_dr = timed(debtrank_importance, model, np.arange(n_ent))
    print(f"systemic importance of {n_ent:,} enterprises: cascade {t_si:.1f} s "
          f"({int((si > 0).sum()):,} above 0), DebtRank {t_dr:.1f} s")
    result = {"n": n, "load": t_load, "monte_carlo": t_mc, "vectorised": t_vec,
              "reference": t_ref_all, "reference_runs": k, "importance": t_si,
              "debtrank": t_dr}
    if n in args.recommend_sizes:
        sp = StrategyParams(budget=args.budget)
        rec, t_rec = timed(recommend, ds, params=ContagionParams(runs=args.runs, seed=1),
                           sparams=sp)
        print(f"recommend --budget {args.budget}: {t_rec:.1f} s (after loading), "
              f"{len(rec['actions'])} actions, {rec['evaluations']} evaluations; expected loss "
              f"{rec['loss_before']:,.0f} → {rec['loss_after']:,.0f} "
              f"(−{rec['reduction']:,.0f} 万元)")
        for a in rec["actions"]:
            print(f"  {a['step']:>2} {a['strategy']:<13} {a['loss_before'] - a['loss_after']:>10,.0f}"
                  f"  {a['description_en'][:90]}")
        for rule, b in rec["baselines"].items():
            print(f"  baseline {rule:<15} reduction {b['reduction']:>10,.0f} 万元; the plan does "
                  f"{rec['reduction'] - b['reduction']:,.0f} better")
        result.update(recommend=t_rec, reduction=rec["reduction"],
                      baselines={r: b["reduction"] for r, b in rec["baselines"].items()})
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000", help="comma-separated enterprise counts")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--budget", type=int, default=10)
    ap.add_argument("--recommend-sizes", default="100000",
                    help="sizes on which recommend is timed")
    ap.add_argument("--ref-seconds", type=float, default=60.0,
                    help="time box of the dict-based reference")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/graphrisk-bench"))
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.recommend_sizes = {int(s) for s in args.recommend_sizes.split(",") if s}
    for n in (int(s) for s in args.sizes.split(",")):
        bench(n, args)


if __name__ == "__main__":
    main()
