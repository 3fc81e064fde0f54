"""Foundation benchmark: generate, load + validate and build the graph at 10k–1M.

Each step runs in a fresh Python subprocess, which reports the wall time of the step,
the CPU time of the whole process and its peak resident memory
(``resource.getrusage(RUSAGE_SELF)``), so one step's memory never hides in another's.
On a shared machine wall times swing with the load; the CPU seconds swing less.  Datasets are written under ``bench/data/`` (ignored
by git) and reused by the later steps.

Steps per size:

``generate``      :func:`graphrisk.synth.generate.generate` + :func:`~graphrisk.synth.write_dataset`
``load``          :func:`graphrisk.io.load_dataset` (read + validate)
``build``         load, then :func:`graphrisk.network.graph.build_network` (the compact array form;
                  the time is the build alone, the memory is the process peak)
``networkx``      load, then :func:`graphrisk.network.graph.to_networkx` (sizes <= 100k only)

Usage::

    python bench/bench_foundation.py                       # 10k, 100k and 1M
    python bench/bench_foundation.py --sizes 10000,100000  # a subset
    python bench/bench_foundation.py --steps generate --json bench/out/gen.json
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
STEPS = ("generate", "load", "build", "networkx")
NETWORKX_MAX = 100_000

_PRELUDE = """
import json, resource, sys, time
sys.path.insert(0, {repo!r})
def report(**kw):
    ru = resource.getrusage(resource.RUSAGE_SELF)
    kw["maxrss_mb"] = ru.ru_maxrss / 1024
    kw["cpu_total"] = ru.ru_utime + ru.ru_stime  # the whole process, imports included
    print("@@" + json.dumps(kw))
"""

_CHILD = {
    "generate": """
from graphrisk.synth import GeneratorParams, generate, write_dataset
t0 = time.perf_counter()
tables = generate({n}, seed={seed}, params=GeneratorParams.profile({profile!r}))
t1 = time.perf_counter()
counts = write_dataset(tables, {path!r})
t2 = time.perf_counter()
report(seconds=t2 - t0, detail=f"generate {{t1 - t0:.1f}} s + write {{t2 - t1:.1f}} s",
       counts=counts)
""",
    "load": """
from graphrisk.io import load_dataset
t0 = time.perf_counter()
ds = load_dataset({path!r})
t1 = time.perf_counter()
report(seconds=t1 - t0, detail=f"{{len(ds.warnings)}} warnings", counts=ds.counts())
""",
    "build": """
from graphrisk.io import load_dataset
from graphrisk.network.graph import build_network
ds = load_dataset({path!r})
t0 = time.perf_counter()
net = build_network(ds)
t1 = time.perf_counter()
report(seconds=t1 - t0, detail=f"{{net.n}} nodes, {{len(net.g_src)}} guarantees (+ load)")
""",
    "networkx": """
from graphrisk.io import load_dataset
from graphrisk.network.graph import to_networkx
ds = load_dataset({path!r})
t0 = time.perf_counter()
g = to_networkx(ds)
t1 = time.perf_counter()
report(seconds=t1 - t0,
       detail=f"{{g.number_of_nodes()}} nodes, {{g.number_of_edges()}} edges (+ load)")
""",
}


def run_step(step: str, n: int, seed: int, path: Path, timeout: float,
             profile: str = "realistic") -> dict:
    """Run one step in a fresh interpreter; return its report (or the failure)."""
    code = textwrap.dedent(_PRELUDE.format(repo=str(REPO))) + textwrap.dedent(
        _CHILD[step].format(n=n, seed=seed, path=str(path), profile=profile))
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"step": step, "n": n, "error": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    for line in proc.stdout.splitlines():
        if line.startswith("@@"):
            out = json.loads(line[2:])
            out.update(step=step, n=n, wall=wall)
            return out
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    if "ModuleNotFoundError" in proc.stderr or "ImportError" in proc.stderr:
        tail = "n/a: " + tail
    return {"step": step, "n": n, "error": tail[:200], "wall": wall}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000",
                    help="comma-separated numbers of enterprises (default: %(default)s)")
    ap.add_argument("--steps", default=",".join(STEPS),
                    help="comma-separated steps among " + ", ".join(STEPS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", default="realistic", choices=("realistic", "stress",
                                                                "circle-heavy"),
                    help="generator profile (datasets go to bench/data/<profile>-g<N>)")
    ap.add_argument("--reuse", action="store_true",
                    help="skip 'generate' when bench/data/g<N> already exists")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per step")
    ap.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = ap.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = set(steps) - set(STEPS)
    if unknown:
        ap.error(f"unknown steps: {sorted(unknown)}")
    DATA.mkdir(parents=True, exist_ok=True)
    results, counts = [], {}
    for n in sizes:
        path = DATA / (f"g{n}" if args.profile == "stress" else f"{args.profile}-g{n}")
        for step in steps:
            if step == "networkx" and n > NETWORKX_MAX:
                continue
            if step == "generate" and args.reuse and (path / "enterprises.csv").exists():
                continue
            if step != "generate" and not (path / "enterprises.csv").exists():
                results.append({"step": step, "n": n, "error": "no dataset (run generate)"})
                continue
            r = run_step(step, n, args.seed, path, args.timeout, args.profile)
            results.append(r)
            if "counts" in r and step == "generate":
                counts[n] = r["counts"]
            print(_row(r), file=sys.stderr, flush=True)
    print(_table(results))
    if counts:
        print()
        print(_counts(counts))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"results": results, "counts": counts}, indent=2,
                                        ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if any("error" in r and not r["error"].startswith("n/a") for r in results) else 0


def _row(r: dict) -> str:
    if "error" in r:
        return f"{r['n']:>9,}  {r['step']:<9}  {r['error']}"
    return (f"{r['n']:>9,}  {r['step']:<9}  {r['seconds']:8.1f} s  "
            f"(cpu {r.get('cpu_total', 0):.1f} s)  {r['maxrss_mb']:8.0f} MB  "
            f"{r.get('detail', '')}")


def _table(results: list[dict]) -> str:
    head = (f"{'enterprises':>11}  {'step':<9}  {'seconds':>8}  {'cpu s':>7}  {'peak RSS':>9}  "
            "notes")
    lines = [head, "-" * len(head)]
    for r in results:
        if "error" in r:
            lines.append(f"{r['n']:>11,}  {r['step']:<9}  {'—':>8}  {'—':>7}  {'—':>9}  "
                         f"{r['error']}")
        else:
            lines.append(f"{r['n']:>11,}  {r['step']:<9}  {r['seconds']:8.1f}  "
                         f"{r.get('cpu_total', 0):7.1f}  {r['maxrss_mb']:6.0f} MB  "
                         f"{r.get('detail', '')}")
    return "\n".join(lines)


def _counts(counts: dict[int, dict[str, int]]) -> str:
    files = list(next(iter(counts.values())))
    sizes = list(counts)
    head = f"{'file':<18}" + "".join(f"{n:>14,}" for n in sizes)
    lines = ["rows per file", head]
    for f in files:
        lines.append(f"{f:<18}" + "".join(f"{counts[n].get(f, 0):>14,}" for n in sizes))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
