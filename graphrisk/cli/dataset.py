"""Commands that read and describe a dataset: ``validate`` and ``summary``."""

from __future__ import annotations

import sys


from ..errors import DatasetError
from .base import Output, dataset_argument, emit, load_options, main, open_dataset, output_options


@main.command()
@dataset_argument
@load_options
@output_options
def validate(dataset, encoding, strict, fmt, output):
    """Check a dataset against every rule of the input format.

    Lists every problem as FILE:LINE: message (the header is line 1); exits 1 when
    there is an error, 0 when the data is valid (warnings do not fail).

    Example:  graphrisk validate datasets/demo --format json
    """
    from ..io import load_dataset
    from ..params import LoadOptions

    try:
        ds = load_dataset(dataset, LoadOptions(encoding=encoding, strict=strict))
        errors, warnings, counts, encodings = [], ds.warnings, ds.counts(), ds.encodings
    except DatasetError as e:
        errors, warnings, counts, encodings = e.errors, e.warnings, {}, {}
    data = {"valid": not errors, "errors": [p.as_dict() for p in errors],
            "warnings": [p.as_dict() for p in warnings], "counts": counts,
            "encodings": encodings}
    text = [f"{dataset}: {'valid' if not errors else 'INVALID'} — "
            f"{len(errors)} error(s), {len(warnings)} warning(s)"]
    if encodings:
        text.append("encodings: " + ", ".join(f"{k}={v or 'xlsx'}" for k, v in encodings.items()))
    tables = []
    if counts:
        tables.append(("rows per table (每表行数)", ["table", "rows"], list(counts.items())))
    problems = [("error", str(p)) for p in errors] + [("warning", str(p)) for p in warnings]
    if problems:
        tables.insert(0, ("problems (问题)", ["severity", "problem"], problems))
    emit(Output(data, tables, "\n".join(text)), fmt, output)
    if errors:
        sys.exit(1)


@main.command()
@dataset_argument
@load_options
@output_options
def summary(dataset, encoding, strict, fmt, output):
    """Counts per node and relationship kind; loan and guarantee totals per lender (万元).

    Example:  graphrisk summary datasets/demo
    """
    from ..summary import summarize

    ds = open_dataset(dataset, encoding, strict)
    s = summarize(ds)
    lo, g = s["loans"], s["guarantees"]
    text = "\n".join([
        f"{dataset}",
        "nodes: " + ", ".join(f"{k} {v}" for k, v in s["nodes"].items()),
        "relationships: " + ", ".join(f"{k} {v}" for k, v in s["relationships"].items()),
        f"loans: {lo['count']}, balance {lo['balance']:,.2f} 万元, non-performing "
        f"{lo['npl_balance']:,.2f} 万元 ({lo['npl_ratio']:.1%})",
        f"guarantees: {g['count']}, amount {g['amount']:,.2f} 万元 "
        f"({g['amount_with_loan']:,.2f} tied to a loan)",
    ])
    rows = [[r["lender_id"], r["name"], r["type"], r["loans"], r["balance"], r["npl_balance"],
             r["guaranteed_amount"]] for r in s["by_lender"]]
    headers = ["lender_id", "贷款人", "type", "loans", "balance 余额", "npl 不良",
               "guaranteed 担保"]
    emit(Output(s, [("by lender (按贷款人, 万元)", headers, rows)], text), fmt, output)


