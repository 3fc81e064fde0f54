"""Neo4j store benchmark: load, reload, read back, annotate and the query library.

Needs a running Neo4j (``bash scripts/neo4j.sh start``; ``NEO4J_URI`` etc. from the
environment, default ``bolt://127.0.0.1:7688``).  The dataset is the generated one of
the issue (``graphrisk generate --enterprises 100000 --seed 1``), written once under
``bench/data/`` (ignored by git) and reused.  **The database is wiped** (graphrisk
labels only).

Steps and what is timed:

``validate``   read + validate the CSV files (:func:`graphrisk.io.load_dataset`)
``wipe``       delete the previous graph (not part of the load figure)
``load``       :func:`graphrisk.neo4j.load.store_dataset` into the empty database:
               schema, nodes, relationships — the rows/s figure (target >= 20k)
``reload``     the same dataset again (idempotent MERGE; pre-flight conflict check and
               the read of properties about to change included)
``read``       :func:`graphrisk.neo4j.read.read_dataset` (read back + validate)
``annotate``   :func:`graphrisk.neo4j.annotate.annotate` (analyses + writes)
``q:<name>``   one run of each library query with typical parameters

Usage::

    python bench/bench_neo4j.py                          # 100k enterprises, seed 1
    python bench/bench_neo4j.py --enterprises 10000 --batch-size 10000
    python bench/bench_neo4j.py --json bench/out/neo4j.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from graphrisk.errors import GraphRiskError  # noqa: E402
from graphrisk.neo4j.connection import Neo4jParams  # noqa: E402


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def timed(results: list, step: str, fn, *, rows: int | None = None, detail=""):
    t0, c0 = time.perf_counter(), _cpu()
    out = fn()
    sec = time.perf_counter() - t0
    rec = {"step": step, "seconds": round(sec, 3), "client_cpu": round(_cpu() - c0, 3)}
    if rows is not None:
        rec["rows"] = rows
        rec["rows_per_second"] = round(rows / sec) if sec > 0 else None
    if callable(detail):
        detail = detail(out)
    if detail:
        rec["detail"] = detail
    results.append(rec)
    rate = f"{rec['rows_per_second']:>9,} rows/s" if rows else " " * 16
    print(f"{step:34s} {sec:8.2f} s  {rate}  {detail}", flush=True)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--enterprises", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=5000)
    ap.add_argument("--data", type=Path, default=None, help="dataset folder (default: "
                    "bench/data/neo4j_g<N>_s<seed>, generated when missing)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--no-queries", action="store_true")
    args = ap.parse_args(argv)

    from graphrisk.io.load import load_dataset
    from graphrisk.neo4j import connection as ns
    from graphrisk.neo4j.queries import run_query

    os.environ.setdefault("NEO4J_URI", "bolt://127.0.0.1:7688")
    params = Neo4jParams.from_env()
    data = args.data or HERE / "data" / f"neo4j_g{args.enterprises}_s{args.seed}"
    results: list[dict] = []
    if not (data / "enterprises.csv").exists():
        from graphrisk.synth import GeneratorParams, generate, write_dataset

        timed(results, "generate", lambda: write_dataset(
            generate(args.enterprises, seed=args.seed, params=GeneratorParams.profile("stress")),
            data), detail=str(data))
    ds = timed(results, "validate", lambda: load_dataset(data),
               detail=lambda d: ", ".join(f"{k} {v:,}" for k, v in d.counts().items()))
    rows = int(sum(ds.counts().values()))
    try:
        store = ns.connect(params)
    except GraphRiskError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    with store:
        timed(results, "wipe", store.wipe)
        rep = timed(results, "load (empty database)", lambda: ns.store_dataset(
            ds, store, batch_size=args.batch_size), rows=rows,
            detail=lambda r: f"{r.nodes_created:,} nodes, {r.relationships_created:,} rels")
        timed(results, "reload (idempotent)", lambda: ns.store_dataset(
            ds, store, batch_size=args.batch_size), rows=rows,
            detail=lambda r: f"{r.nodes_created} nodes created")
        timed(results, "read back + validate", lambda: ns.read_dataset(store), rows=rows)
        ann = timed(results, "annotate", lambda: ns.annotate(ds, store),
                    detail=lambda r: "; ".join(r["notes"]) or "all analyses")
        if not args.no_queries:
            g, lo, sh = ds.tables["guarantees"], ds.tables["loans"], ds.tables["shareholdings"]
            top_g = g["guarantor_id"].value_counts().index[0]
            top_b = g["borrower_id"].value_counts().index[0]
            bank = lo["lender_id"].value_counts().index[0]
            holder = sh["holder_id"].value_counts().index[0]
            company = sh["company_id"].value_counts().index[0]
            enterprise = ds.tables["enterprises"]["id"].iloc[0]
            for name, p in [("guarantee_circles", {"max_length": 6}),
                            ("mutual_pairs", {}),
                            ("chain_downstream", {"id": top_g}),
                            ("chain_upstream", {"id": top_b}),
                            ("bank_exposure_by_group", {"bank": bank}),
                            ("bank_exposure_by_group_live", {"bank": bank}),
                            ("equity_holdings", {"id": holder}),
                            ("beneficial_owners", {"id": company}),
                            ("equity_related", {"id": enterprise}),
                            ("key_enterprises", {})]:
                timed(results, f"q:{name}", lambda n=name, p=p: run_query(store, n, p),
                      detail=lambda r: f"{len(r.rows):,} rows")
    load = next(r for r in results if r["step"].startswith("load"))
    print(f"\nload: {rows:,} rows in {load['seconds']:.1f} s = {load['rows_per_second']:,} "
          f"rows/s (target 20,000); annotate notes: {ann['notes'] or 'none'}")
    doc = {"enterprises": args.enterprises, "seed": args.seed, "batch_size": args.batch_size,
           "rows": rows, "uri": params.uri, "load_report": rep.as_dict(), "steps": results}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False), "utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
