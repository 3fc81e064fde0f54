"""Benchmark: guarantee groups, circles, patterns, metrics and chain queries at scale.

Generates (or reuses) synthetic datasets with ``graphrisk.synth.generate`` (the same data as
``graphrisk generate --enterprises N --seed S -o DIR``), loads them, and times

* ``groups+circles``: ``guarantee_groups`` and ``circle_labels`` (scipy.sparse.csgraph);
* ``patterns``: ``edge_patterns`` on every guarantee;
* ``circles doc``: the whole ``analyze_circles`` document (groups, circles with their
  metrics and bounded cycles, patterned edges, summary) on a fresh network — the
  figure the ``circles`` command pays after loading; budget 30 s at 1M enterprises;
* ``chain down`` / ``chain up``: one ``guarantee_chains`` query from the largest
  guarantor / the most guaranteed borrower, first (building the link index) and warm;
  budget 1 s;
* networkx on the same graph: ``strongly_connected_components``,
  ``weakly_connected_components`` and ``simple_cycles(length_bound=K)``, the last one
  time-boxed (``--nx-timeout``), compared with our uncapped bounded search over every
  circle (both counts are printed; they must agree when networkx finishes).

Usage::

    python bench/bench_circles.py --sizes 10000,100000,1000000
    python bench/bench_circles.py --sizes 100000 --circle-heavy

Datasets are cached under ``bench/data/`` (git-ignored).  Run it alone: it uses both
cores and several GB at 1M.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graphrisk.io.dataset import LoadOptions  # noqa: E402
from graphrisk.io.load import load_dataset  # noqa: E402
from graphrisk.network import cycles as _cycles  # noqa: E402
from graphrisk.network.chains import guarantee_chains  # noqa: E402
from graphrisk.network.circles import circle_labels, edge_patterns, guarantee_groups  # noqa: E402
from graphrisk.network.cycles import circle_cycles  # noqa: E402
from graphrisk.network.graph import build_network  # noqa: E402
from graphrisk.network.metrics import analyze_circles  # noqa: E402
from graphrisk.params import CircleParams  # noqa: E402


def dataset_dir(n: int, seed: int, heavy: bool, base: Path) -> Path:
    from graphrisk.synth import GeneratorParams, generate, write_dataset

    folder = base / f"gen_{'heavy_' if heavy else ''}{n}_s{seed}"
    if not (folder / "enterprises.csv").exists():
        params = GeneratorParams.circle_heavy_preset() if heavy else None
        t = time.perf_counter()
        write_dataset(generate(n, seed=seed, params=params), folder)
        print(f"  generated {folder} in {time.perf_counter() - t:.1f} s", flush=True)
    return folder


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def fresh(net) -> None:
    """Forget what was cached for this network, so the next timing pays for it."""
    _cycles._CACHE.pop(net, None)


def bench_one(n: int, seed: int, heavy: bool, args) -> dict:
    folder = dataset_dir(n, seed, heavy, Path(args.data_dir))
    ds, t_load = timed(lambda: load_dataset(folder, LoadOptions()))
    net, t_net = timed(lambda: build_network(ds))
    r = {"enterprises": n, "variant": "circle-heavy" if heavy else "default",
         "entities": net.n, "guarantees": len(net.g_id), "load_s": t_load, "network_s": t_net}
    p = CircleParams(max_cycle_length=args.max_cycle_length)

    fresh(net)
    (glab, clab), r["groups_circles_s"] = timed(lambda: (guarantee_groups(net),
                                                         circle_labels(net)))
    fresh(net)
    _cycles.simple_adjacency(net)                    # the CSR both share, built once
    _, r["circles_only_s"] = timed(lambda: circle_labels(net))
    _, r["patterns_s"] = timed(lambda: edge_patterns(net, params=p))
    fresh(net)
    doc, r["circles_doc_s"] = timed(lambda: analyze_circles(net, params=p))
    s = doc["summary"]
    r.update(groups=s["groups"], largest_group=s["largest_group_size"], circles=s["circles"],
             largest_circle=s["largest_circle_size"], mutual_pairs=s["mutual_pairs"],
             cycles_listed=s["cycles_listed"], cycles_truncated=s["cycles_truncated"])
    del doc
    gc.collect()

    out_deg = np.bincount(net.g_src, minlength=net.n)
    in_deg = np.bincount(net.g_dst, minlength=net.n)
    for direction, root in (("down", int(out_deg.argmax())), ("up", int(in_deg.argmax()))):
        fresh_doc, t_first = timed(lambda d=direction, x=root: guarantee_chains(net, net.ids[x], direction=d))
        _, t_warm = timed(lambda d=direction, x=root: guarantee_chains(net, net.ids[x], direction=d))
        r[f"chain_{direction}_first_s"] = t_first
        r[f"chain_{direction}_s"] = t_warm
        r[f"chain_{direction}_entities"] = fresh_doc["summary"]["entities"]

    # our bounded search over every circle, uncapped, for the comparison
    members = [np.flatnonzero(clab == c) for c in range(int(clab.max()) + 1)] \
        if clab.max() >= 0 else []
    found, r["our_cycles_s"] = timed(lambda: circle_cycles(
        net, members, max_length=args.max_cycle_length, max_cycles=None))
    r["our_cycles"] = sum(len(c) for c, _ in found)
    del found
    if not args.no_networkx:
        r.update(networkx(net, args))
    return r


def networkx(net, args) -> dict:
    import networkx as nx

    out = {}
    G, out["nx_build_s"] = timed(lambda: _nx_graph(net, nx))
    _, out["nx_scc_s"] = timed(lambda g=G: list(nx.strongly_connected_components(g)))
    _, out["nx_wcc_s"] = timed(lambda g=G: list(nx.weakly_connected_components(g)))
    count, t0, finished = 0, time.perf_counter(), True
    for cyc in nx.simple_cycles(G, length_bound=args.max_cycle_length):
        count += len(cyc) >= 2
        if time.perf_counter() - t0 > args.nx_timeout:
            finished = False
            break
    out["nx_cycles_s"] = time.perf_counter() - t0
    out["nx_cycles"] = count
    out["nx_cycles_finished"] = finished
    del G
    gc.collect()
    return out


def _nx_graph(net, nx):
    G = nx.DiGraph()
    G.add_nodes_from(range(net.n))
    keep = net.g_src != net.g_dst
    G.add_edges_from(zip(net.g_src[keep].tolist(), net.g_dst[keep].tolist(), strict=True))
    return G


def print_table(rows: list[dict]) -> None:
    cols = [("enterprises", "N", "{:,}"), ("variant", "variant", "{}"),
            ("guarantees", "guarantees", "{:,}"), ("circles", "circles", "{:,}"),
            ("largest_circle", "max circle", "{:,}"), ("load_s", "load s", "{:.1f}"),
            ("groups_circles_s", "grp+circ s", "{:.2f}"), ("patterns_s", "patterns s", "{:.2f}"),
            ("circles_doc_s", "circles doc s", "{:.2f}"),
            ("chain_down_s", "chain down s", "{:.3f}"), ("chain_up_s", "chain up s", "{:.3f}"),
            ("chain_down_first_s", "chain 1st s", "{:.2f}"),
            ("our_cycles_s", "our cycles s", "{:.2f}"), ("our_cycles", "our cycles", "{:,}"),
            ("nx_scc_s", "nx scc s", "{:.2f}"), ("nx_wcc_s", "nx wcc s", "{:.2f}"),
            ("nx_cycles_s", "nx cycles s", "{:.1f}"), ("nx_cycles", "nx cycles", "{:,}")]
    cells = [[fmt.format(r[k]) if k in r else "-" for k, _, fmt in cols] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, (_, h, _) in enumerate(cols)]
    print("  ".join(h.rjust(w) for (_, h, _), w in zip(cols, widths, strict=True)))
    for c in cells:
        print("  ".join(x.rjust(w) for x, w in zip(c, widths, strict=True)))
    for r in rows:
        if "nx_cycles" in r:
            ratio = r["nx_scc_s"] / max(r["circles_only_s"], 1e-9)
            note = "finished" if r["nx_cycles_finished"] else (
                f"stopped after {r['nx_cycles_s']:.0f} s (time box)")
            print(f"N={r['enterprises']:,} {r['variant']}: networkx SCC {ratio:.0f}× slower "
                  f"than csgraph; nx simple_cycles {note}, {r['nx_cycles']:,} cycles vs "
                  f"ours {r['our_cycles']:,} in {r['our_cycles_s']:.2f} s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000",
                    help="comma-separated numbers of enterprises")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--circle-heavy", action="store_true",
                    help="use GeneratorParams.circle_heavy_preset() (dense circles)")
    ap.add_argument("--max-cycle-length", type=int, default=6)
    ap.add_argument("--nx-timeout", type=float, default=120.0,
                    help="seconds allowed to networkx simple_cycles per size")
    ap.add_argument("--no-networkx", action="store_true")
    ap.add_argument("--data-dir", default=str(ROOT / "bench" / "data"))
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    rows = []
    for n in [int(x) for x in args.sizes.split(",") if x]:
        print(f"== {n:,} enterprises{' (circle-heavy)' if args.circle_heavy else ''}",
              flush=True)
        rows.append(bench_one(n, args.seed, args.circle_heavy, args))
        print(json.dumps(rows[-1]), flush=True)
    print_table(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
