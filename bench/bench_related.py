"""Ownership and related-party benchmark on generated datasets (10k–1M enterprises).

For each size, one fresh Python process loads ``bench/data/gen_<N>_s1`` (written by
``graphrisk generate --enterprises N --seed 1 --profile stress -o DIR`` when missing) once and times:

``load``              :func:`graphrisk.io.load_dataset` + :func:`graphrisk.network.graph.build_network`
``holdings_pt``       all holdings ≥ 1 % of every holder, passthrough (T = 25 %)
``holdings_mul``      the same in multiply mode (floor 0.01 %, depth 10)
``related``           :func:`graphrisk.ownership.related.related_parties`: all five rules, the exact
                      pair count per rule and the related-party groups
``pairs``             streaming the pairs with their evidence, JSON-encoded (time-boxed
                      by ``--stream-seconds``; beyond it the rate is extrapolated to all
                      pairs and the row says so)

Each row gives the step's seconds, the process's peak RSS during the step (it includes
the loaded dataset, sampled every 20 ms) and how far the step grew it (Δ RSS).

On the ``--naive`` size (100k by default) a second process runs straightforward
versions, each on a random sample within ``--naive-seconds`` and extrapolated:
``naive_mul`` (per holder, ``networkx.all_simple_paths`` to every reachable company,
products summed), ``naive_pt`` (per holder, the passthrough fixed point on Python
dicts) and ``naive_related`` (a loop over enterprise pairs testing the five rules with
dict look-ups; holdings taken from the fast result, so only the pair loop is timed).

Usage::

    python bench/bench_related.py                        # 10k, 100k, 1M; naive on 100k
    python bench/bench_related.py --sizes 10000 --naive 10000
    python bench/bench_related.py --json bench/out/related.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / "data"

_PRELUDE = """
import json, os, resource, sys, threading, time
sys.path.insert(0, {repo!r})
_PAGE = os.sysconf("SC_PAGE_SIZE") / 2**20
def cur_rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE
def report(**kw):
    kw.setdefault("maxrss_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print("@@" + json.dumps(kw), flush=True)
def timed(fn):
    # run fn; return (result, seconds, peak RSS during the call, its growth over the start)
    base = cur_rss()
    peak = [base]
    stop = threading.Event()
    def poll():
        while not stop.is_set():
            peak[0] = max(peak[0], cur_rss())
            stop.wait(0.02)
    th = threading.Thread(target=poll, daemon=True)
    th.start()
    t0 = time.perf_counter()
    out = fn()
    sec = time.perf_counter() - t0
    stop.set()
    th.join()
    peak[0] = max(peak[0], cur_rss())
    return out, sec, peak[0], peak[0] - base
"""

_FAST = """
from graphrisk.io import load_dataset
from graphrisk.network.graph import build_network
from graphrisk.ownership import holding_closure
from graphrisk.params import OwnershipParams
from graphrisk.ownership.related import related_parties
t0 = time.perf_counter()
ds = load_dataset({path!r})
net = build_network(ds)
report(step="load", seconds=time.perf_counter() - t0,
       detail=f"{{net.n:,}} entities, {{len(net.h_src):,}} shareholdings, "
              f"{{len(ds.tables['positions']):,}} posts")
for step, mode in (("holdings_pt", "passthrough"), ("holdings_mul", "multiply")):
    H, sec, peak, grow = timed(lambda: holding_closure(net, OwnershipParams(mode), min_pct=1.0))
    report(step=step, seconds=sec, maxrss_mb=peak, delta_mb=grow,
           detail=f"{{H.nnz:,}} holdings >= 1 %, {{int((H.data >= 25).sum()):,}} >= 25 %")
    del H
rp, sec, peak, grow = timed(lambda: related_parties(ds, net=net))
counts = ", ".join(f"{{k}} {{v:,}}" for k, v in rp.rule_counts.items())
report(step="related", seconds=sec, maxrss_mb=peak, delta_mb=grow,
       detail=f"{{rp.pair_count:,}} pairs ({{counts}}); {{len(rp.groups):,}} groups, "
              f"largest {{max(map(len, rp.groups), default=0):,}}",
       pair_count=rp.pair_count)
def stream():
    n = chars = 0
    t0 = time.perf_counter()
    for p in rp.pairs():
        chars += len(json.dumps(p, ensure_ascii=False))
        n += 1
        if n % 1000 == 0 and time.perf_counter() - t0 > {stream_seconds}:
            break
    return n, chars
(n, chars), sec, peak, grow = timed(stream)
full = n >= rp.pair_count
est = sec if full else sec * rp.pair_count / max(n, 1)
report(step="pairs", seconds=est, estimated=not full, maxrss_mb=peak, delta_mb=grow,
       detail=(f"{{n:,}} pairs with evidence, {{chars / 2**20:,.0f}} MB of JSON, "
               f"{{n / max(sec, 1e-9):,.0f}} pairs/s" +
               ("" if full else f"; extrapolated from {{n:,}} pairs in {{sec:.0f}} s")))
"""

_NAIVE = """
import random
import networkx as nx
import numpy as np
from graphrisk.io import load_dataset
from graphrisk.network.graph import build_network
from graphrisk.domain.glossary import MANAGEMENT_ROLES, SENIOR_ROLES
from graphrisk.ownership import holding_closure
from graphrisk.params import OwnershipParams
ds = load_dataset({path!r})
net = build_network(ds)
rng = random.Random(0)
budget = {naive_seconds}
G = nx.DiGraph()
d = {{}}
for a, b, p in zip(net.h_src.tolist(), net.h_dst.tolist(), net.h_pct.tolist()):
    d[a, b] = d.get((a, b), 0.0) + p / 100
    G.add_edge(a, b, w=d[a, b])
holders = sorted({{a for a, _ in d}})
out_of = {{}}
for (a, b), w in d.items():
    out_of.setdefault(a, []).append((b, w))

def naive_mul(a):
    res = {{}}
    for c in nx.descendants(G, a):
        s = 0.0
        for path in nx.all_simple_paths(G, a, c, cutoff=10):
            s += float(np.prod([G.edges[u, v]["w"] for u, v in zip(path, path[1:])]))
        if s >= 0.01:
            res[c] = s
    return res

def naive_pt(a, T=0.25):
    q = set()
    while True:
        h = {{}}
        for m in [a] + sorted(q):
            for c, w in out_of.get(m, ()):
                if c != a and (m == a or m != c):
                    h[c] = h.get(c, 0.0) + w
        new = {{m for m, v in h.items() if v >= T}}
        if new == q:
            return h
        q = new

def sample(step, fn, items, total):
    rng.shuffle(items)
    t0 = time.perf_counter()
    k = 0
    for x in items:
        fn(x)
        k += 1
        if time.perf_counter() - t0 > budget:
            break
    sec = time.perf_counter() - t0
    report(step=step, seconds=sec * total / max(k, 1), estimated=k < total,
           detail=f"{{k:,}} of {{total:,}} in {{sec:.0f}} s, extrapolated")

sample("naive_mul", naive_mul, list(holders), len(holders))
sample("naive_pt", naive_pt, list(holders), len(holders))

# pairwise related: dicts for every rule, then a loop over pairs of enterprises
H = holding_closure(net, OwnershipParams()).tocoo()
h = dict(zip(zip(H.row.tolist(), H.col.tolist()), H.data.tolist()))
owners_of = {{}}
for (p, c), v in h.items():
    if v >= 25:
        owners_of.setdefault(c, set()).add(p)
cap = ds.capital().reindex(net.ids).to_numpy(dtype=float)
bal, gua, borrow = {{}}, {{}}, net.borrowings()
for b, l, v in zip(net.l_borrower.tolist(), net.l_lender.tolist(), net.l_balance.tolist()):
    if net.kind[l] == 0:
        bal[frozenset((b, l))] = bal.get(frozenset((b, l)), 0.0) + v
for g, b, v in zip(net.g_src.tolist(), net.g_dst.tolist(), net.g_amount.tolist()):
    gua[g, b] = gua.get((g, b), 0.0) + v
posts = {{}}
pos = ds.tables["positions"]
pidx = net.positions(pos["person_id"]).tolist()
cidx = net.positions(pos["company_id"]).tolist()
for p, c, r in zip(pidx, cidx, pos["role"].tolist()):
    posts.setdefault(c, {{}}).setdefault(p, set()).add(r)
ents = np.flatnonzero(net.kind == 0).tolist()

def related(x, y):
    rules = []
    if h.get((x, y), 0) >= 25 or h.get((y, x), 0) >= 25:
        rules.append("equity")
    if (owners_of.get(x, set()) & owners_of.get(y, set())) - {{x, y}}:
        rules.append("common_owner")
    v = bal.get(frozenset((x, y)), 0.0)
    if v and (v >= 0.5 * cap[x] or v >= 0.5 * cap[y]):
        rules.append("lending")
    for g, b in ((x, y), (y, x)):
        if borrow[b] > 0 and gua.get((g, b), 0.0) >= 0.1 * borrow[b]:
            rules.append("guarantee")
            break
    px, py = posts.get(x, {{}}), posts.get(y, {{}})
    key = any(px[p] & MANAGEMENT_ROLES and py.get(p, set()) & MANAGEMENT_ROLES for p in px)
    sx = {{p for p, r in px.items() if r & SENIOR_ROLES}}
    sy = {{p for p, r in py.items() if r & SENIOR_ROLES}}
    if key or len(sx & sy) > len(sx) / 2 or len(sx & sy) > len(sy) / 2:
        rules.append("management")
    return rules

n_pairs = len(ents) * (len(ents) - 1) // 2
t0 = time.perf_counter()
k = 0
while time.perf_counter() - t0 < budget:
    for _ in range(1000):
        x, y = rng.sample(ents, 2)
        related(x, y)
    k += 1000
sec = time.perf_counter() - t0
report(step="naive_related", seconds=sec * n_pairs / k, estimated=True,
       detail=f"{{k:,}} of {{n_pairs:,}} pairs in {{sec:.0f}} s, extrapolated")
"""


def dataset(n: int) -> Path:
    path = DATA / f"gen_{n}_s1"
    if not (path / "enterprises.csv").exists():
        print(f"generating {path} …", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "graphrisk", "generate", "--enterprises", str(n),
                        "--seed", "1", "--profile", "stress", "-o", str(path), "--force"],
                       cwd=REPO, check=True)
    return path


def run_child(body: str, n: int, timeout: float, **fmt) -> list[dict]:
    code = textwrap.dedent(_PRELUDE.format(repo=str(REPO))) + textwrap.dedent(body.format(**fmt))
    rows = []
    try:
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=REPO)
        t_end = time.perf_counter() + timeout
        for line in proc.stdout:
            if line.startswith("@@"):
                r = json.loads(line[2:])
                r["n"] = n
                rows.append(r)
                print(_row(r), file=sys.stderr, flush=True)
            if time.perf_counter() > t_end:
                proc.kill()
                rows.append({"n": n, "step": "…", "error": f"timed out after {timeout:.0f} s"})
                break
        proc.wait()
        if proc.returncode not in (0, -9):
            tail = (proc.stderr.read().strip().splitlines() or ["no output"])[-1]
            rows.append({"n": n, "step": "…", "error": tail[:200]})
    except OSError as e:  # pragma: no cover
        rows.append({"n": n, "step": "…", "error": str(e)})
    return rows


def _row(r: dict) -> str:
    if "error" in r:
        return f"{r['n']:>11,}  {r['step']:<14}  {'—':>9}  {'—':>9}  {'—':>9}  {r['error']}"
    sec = f"{'~' if r.get('estimated') else ''}{r['seconds']:,.1f}"
    traced = f"{r['delta_mb']:,.0f} MB" if r.get("delta_mb") is not None else "—"
    return (f"{r['n']:>11,}  {r['step']:<14}  {sec:>9}  {r['maxrss_mb']:6,.0f} MB  "
            f"{traced:>9}  {r.get('detail', '')}")


def _ratios(rows: list[dict]) -> list[str]:
    by = {(r["n"], r["step"]): r for r in rows if "error" not in r}
    out = []
    for fast, slow in (("holdings_mul", "naive_mul"), ("holdings_pt", "naive_pt"),
                       ("related", "naive_related")):
        for (n, step), r in by.items():
            if step == slow and (n, fast) in by:
                ratio = r["seconds"] / max(by[n, fast]["seconds"], 1e-9)
                out.append(f"{n:>11,}  {slow} / {fast} = {ratio:,.1f}× "
                           f"(~{r['seconds']:,.1f} s vs {by[n, fast]['seconds']:,.2f} s; the "
                           "naive time extrapolated from a sample)")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000",
                    help="comma-separated numbers of enterprises (default: %(default)s)")
    ap.add_argument("--naive", default="100000",
                    help="sizes on which to run the naive versions ('' for none)")
    ap.add_argument("--naive-seconds", type=float, default=30,
                    help="time box of each naive sample (default: %(default)s)")
    ap.add_argument("--stream-seconds", type=float, default=60,
                    help="time box of the pair stream (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per process")
    ap.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = ap.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    naive = {int(s.replace("_", "")) for s in args.naive.split(",") if s.strip()}
    head = (f"{'enterprises':>11}  {'step':<14}  {'seconds':>9}  {'peak RSS':>9}  "
            f"{'Δ RSS':>9}  notes")
    print(head, file=sys.stderr)
    rows = []
    for n in sizes:
        path = dataset(n)
        rows += run_child(_FAST, n, args.timeout, path=str(path),
                          stream_seconds=args.stream_seconds)
        if n in naive:
            rows += run_child(_NAIVE, n, args.timeout, path=str(path),
                              naive_seconds=args.naive_seconds)
    print(head)
    print("-" * len(head))
    for r in rows:
        print(_row(r))
    ratios = _ratios(rows)
    if ratios:
        print()
        print("\n".join(ratios))
    print("\n~: extrapolated from a time-boxed sample; peak RSS: the process during the step "
          "(it includes the loaded dataset); Δ RSS: how much the step added to it")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"results": rows}, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
