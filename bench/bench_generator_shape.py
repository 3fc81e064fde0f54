"""Benchmark: the shape of generated networks against the real network of SPEC's appendix.

For each generator profile and size, one fresh Python subprocess runs
``graphrisk.synth.generate(N, seed=S, params=GeneratorParams.profile(P))`` (optionally
``write_dataset`` too, ``--write``), records its wall time and peak resident memory
(``getrusage(RUSAGE_SELF).ru_maxrss``, taken before the shape is measured), then
measures the shape with graphrisk's own analyses on the generated tables:

* ``circles``: :func:`graphrisk.network.circles.guarantee_circles`, the strongly
  connected components of two or more members that ``graphrisk circles`` reports
  (a mutual pair alone is a circle of two);
* ``mutual pairs``: :func:`graphrisk.network.circles.mutual_pairs`, the reciprocated
  links (persons included; the pairs of two enterprises are shown too);
* ``groups``: :func:`graphrisk.network.circles.guarantee_groups`, weakly connected
  components of two or more members, with the largest and second largest;
* out-degree shares (distinct borrowers per guarantor) among the *entities of the
  guarantee network* (the enterprises, persons and institutions in at least one
  guarantee — what the appendix's 19.7k entities are);
* the share of guarantee records with amount 0, the largest circle.

Counts are printed per 100k enterprises and per 100k entities of the guarantee network;
the appendix figures are per 100k of its ≈ 19.7k entities.  The ``ok`` column says
whether each figure lies within a factor 2 of the appendix (the realistic profile's
goal); ``--json`` writes every row.

Usage::

    python bench/bench_generator_shape.py                       # 100k, every profile
    python bench/bench_generator_shape.py --sizes 100000,1000000 --profiles realistic,stress
    python bench/bench_generator_shape.py --sizes 20000 --seeds 1,2,3

Run the 1M sizes alone: one process at a time, up to ~3 GB each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: the real regional network of SPEC's appendix (≈ 19.7k entities, 14.3k distinct links,
#: 15.4k guarantee records)
APPENDIX = {"entities": 19_700, "links": 14_300, "records": 15_400, "groups": 7_400,
            "largest_group": 539, "second_group": 100, "circles": 20, "max_circle": 7,
            "mutual_pairs": 23, "out0": 0.50, "out1": 0.45, "zero_amount": 0.06}

CHILD = textwrap.dedent("""
    import json, resource, sys, tempfile, time
    import numpy as np
    from graphrisk.io.dataset import Dataset
    from graphrisk.network.circles import guarantee_circles, guarantee_groups, mutual_pairs
    from graphrisk.network.graph import build_network
    from graphrisk.synth import GeneratorParams, generate, write_dataset

    n, seed, profile, write = {n}, {seed}, {profile!r}, {write}
    t0 = time.perf_counter()
    tables = generate(n, seed=seed, params=GeneratorParams.profile(profile))
    t_gen = time.perf_counter() - t0
    t_write = 0.0
    if write:
        with tempfile.TemporaryDirectory() as tmp:
            t1 = time.perf_counter()
            write_dataset(tables, tmp)
            t_write = time.perf_counter() - t1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # the network as load_dataset gives it (validation changes no id): a missing loan_id
    # is the empty string there
    g = tables["guarantees"].copy()
    g["loan_id"] = g["loan_id"].fillna("")
    net = build_network(Dataset({{**tables, "guarantees": g}}))
    circles = [len(c) for c in guarantee_circles(net)]
    groups = np.bincount(guarantee_groups(net) + 1)[1:]
    key = np.unique(net.g_src.astype(np.int64) * net.n + net.g_dst)
    src, dst = key // net.n, key % net.n
    inside = np.zeros(net.n, bool)
    inside[src] = inside[dst] = True
    out = np.bincount(src, minlength=net.n)[inside]
    top = np.sort(groups)[::-1]
    mp = mutual_pairs(net)
    print(json.dumps(dict(
        profile=profile, n=n, seed=seed, gen_s=t_gen, write_s=t_write, rss_mb=rss,
        entities=int(inside.sum()), links=int(key.size), records=int(len(g)),
        circles=len(circles), max_circle=max(circles, default=0),
        mutual_pairs=int(len(mp)), mutual_enterprise=int((net.kind[mp] == 0).all(axis=1).sum()),
        groups=int(groups.size),
        largest_group=int(top[0]) if top.size else 0,
        second_group=int(top[1]) if top.size > 1 else 0,
        out0=float((out == 0).mean()), out1=float((out == 1).mean()),
        out2=float((out >= 2).mean()), max_out=int(out.max()),
        zero_amount=float((g["amount"] == 0).mean()))))
""")


def run_one(n: int, seed: int, profile: str, write: bool) -> dict:
    """Run one generate + shape measurement in a fresh interpreter; return its figures."""
    code = CHILD.format(n=n, seed=seed, profile=profile, write=write)
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=False)
    if res.returncode:
        sys.exit(f"{profile} {n:,}: the child failed\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def per100k(count: float, base: float) -> float:
    return 1e5 * count / base if base else float("nan")


def within2(value: float, target: float) -> str:
    return "ok" if target / 2 <= value <= target * 2 else "MISS"


def table(rows: list[dict]) -> str:
    """Markdown table: the appendix (scaled per 100k entities) beside every run."""
    a = APPENDIX
    head = ("| figure | appendix | " + " | ".join(
        f"{r['profile']} {r['n']:,} s{r['seed']}" for r in rows) + " |")
    lines = [head, "|---|---:|" + "---:|" * len(rows)]

    def row(label: str, ref: str, cells: list[str]) -> None:
        lines.append(f"| {label} | {ref} | " + " | ".join(cells) + " |")

    row("entities in guarantees", f"{a['entities']:,}", [f"{r['entities']:,}" for r in rows])
    row("distinct links / records", f"{a['links']:,} / {a['records']:,}",
        [f"{r['links']:,} / {r['records']:,}" for r in rows])
    for key, label in (("circles", "circles"), ("mutual_pairs", "mutual pairs"),
                       ("groups", "groups")):
        ref = per100k(a[key], a["entities"])
        row(f"{label} per 100k entities", f"{ref:,.0f}",
            [f"{per100k(r[key], r['entities']):,.0f} {within2(per100k(r[key], r['entities']), ref)}"
             for r in rows])
        row(f"{label} per 100k enterprises", "",
            [f"{per100k(r[key], r['n']):,.0f} {within2(per100k(r[key], r['n']), ref)}"
             for r in rows])
    row("mutual pairs between two enterprises", "",
        [f"{per100k(r['mutual_enterprise'], r['entities']):,.0f} per 100k entities"
         for r in rows])
    row("out-degree 0", f"{a['out0']:.0%}",
        [f"{r['out0']:.1%} {within2(r['out0'], a['out0'])}" for r in rows])
    row("out-degree 1", f"{a['out1']:.0%}",
        [f"{r['out1']:.1%} {within2(r['out1'], a['out1'])}" for r in rows])
    row("out-degree >= 2 (max)", f"{1 - a['out0'] - a['out1']:.0%} (dozens)",
        [f"{r['out2']:.1%} ({r['max_out']})" for r in rows])
    row("largest group", f"{a['largest_group']}",
        [f"{r['largest_group']:,} {within2(r['largest_group'], a['largest_group'])}"
         for r in rows])
    row("second-largest group", f"< {a['second_group']}", [f"{r['second_group']:,}" for r in rows])
    row("largest circle", f"<= {a['max_circle']}", [f"{r['max_circle']:,}" for r in rows])
    row("amount-0 records", f"{a['zero_amount']:.0%}", [f"{r['zero_amount']:.1%}" for r in rows])
    row("generate s (+ write s)", "",
        [f"{r['gen_s']:.1f}" + (f" + {r['write_s']:.1f}" if r["write_s"] else "") for r in rows])
    row("peak RSS MB", "", [f"{r['rss_mb']:,.0f}" for r in rows])
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000", help="comma-separated enterprise counts")
    ap.add_argument("--profiles", default="realistic,stress,circle-heavy")
    ap.add_argument("--seeds", default="1", help="comma-separated seeds")
    ap.add_argument("--write", action="store_true", help="also time write_dataset (CSV)")
    ap.add_argument("--json", type=Path, help="write the rows as JSON to this file")
    args = ap.parse_args()
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        for profile in args.profiles.split(","):
            for seed in (int(x) for x in args.seeds.split(",")):
                r = run_one(n, seed, profile, args.write)
                load = os.getloadavg()[0]
                r["load_avg"] = load
                print(f"  {profile} {n:,} seed {seed}: {r['gen_s']:.1f} s, {r['rss_mb']:,.0f} MB "
                      f"(load average {load:.1f})", file=sys.stderr, flush=True)
                rows.append(r)
    print(table(rows))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
