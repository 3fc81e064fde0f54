"""Ownership and related-party commands: ``holdings``, ``owners`` and ``related``."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import click

from graphrisk.cli.base import (
    Output,
    dataset_argument,
    default_of,
    echo_err,
    emit,
    load_options,
    main,
    open_dataset,
    output_options,
)
from graphrisk.domain.glossary import OWNERSHIP_MODES, RELATED_RULES
from graphrisk.io.output import is_stream, open_output
from graphrisk.params import OwnershipParams, RelatedParams
from graphrisk.report.fields import (
    BENEFICIAL_OWNERS,
    HOLDINGS,
    OWNERS,
    RELATED_GROUPS,
    RELATED_PAIRS,
)
from graphrisk.report.formats import csv_text, to_json

_MODES = click.Choice(list(OWNERSHIP_MODES))


def ownership_options(func):
    """``--mode``, ``--threshold``, ``--floor``, ``--max-depth``."""
    func = click.option("--max-depth", type=click.IntRange(min=1),
                        default=default_of(OwnershipParams, "max_depth"), show_default=True,
                        help="Longest ownership path followed (multiply, weakest_link).")(func)
    func = click.option("--floor", type=click.FloatRange(0, 100, max_open=True),
                        default=default_of(OwnershipParams, "floor"),
                        show_default=True,
                        help="Prune paths whose share falls below this percent "
                             "(multiply, weakest_link).")(func)
    func = click.option("--threshold", type=click.FloatRange(0, 100, min_open=True),
                        default=default_of(OwnershipParams, "threshold"), show_default=True,
                        help="Passthrough threshold T in percent (42号公告).")(func)
    return click.option("--mode", type=_MODES, default=default_of(OwnershipParams, "mode"),
                        show_default=True,
                        help="How indirect holdings add up (SPEC §3).")(func)


def _params(mode, threshold, floor, max_depth):
    from graphrisk.params import OwnershipParams

    return OwnershipParams(mode=mode, threshold=threshold, floor=floor, max_depth=max_depth)


def _entity_id(text: str) -> str:
    """Normalise an id typed on the command line like the data (NFKC, stripped)."""
    return unicodedata.normalize("NFKC", text).strip()


def _path_text(path: dict) -> str:
    nodes, hops = path["nodes"], path["hops"]
    out = nodes[0]
    for node, hop in zip(nodes[1:], hops, strict=True):
        out += f" -{hop:g}%→ {node}"
    return out


@main.command()
@dataset_argument
@click.argument("holder")
@ownership_options
@click.option("--min-pct", type=click.FloatRange(0, 100), default=0.0, show_default=True,
              help="Leave out holdings below this percent.")
@click.option("--max-paths", type=click.IntRange(min=1), default=20, show_default=True,
              help="Paths listed per holding (the largest contributions first).")
@load_options
@output_options
def holdings(dataset, holder, mode, threshold, floor, max_depth, min_pct, max_paths,
             encoding, strict, fmt, output):
    """Direct and indirect holdings (股权穿透) of HOLDER, with the paths behind each.

    Modes: passthrough (default; once HOLDER holds at least --threshold of a company it
    is deemed to hold what that company holds), multiply (products along simple paths:
    受益所有人) and weakest_link (smallest share on each path: control rights).

    Example:  graphrisk holdings datasets/demo P001 --mode multiply --format json
    """
    from graphrisk.network.graph import build_network
    from graphrisk.ownership.holdings import holdings_of

    ds = open_dataset(dataset, encoding, strict)
    holder = _entity_id(holder)
    ds.kind(holder)  # a clean error for an unknown id
    net = build_network(ds)
    params = _params(mode, threshold, floor, max_depth)
    found = holdings_of(net, holder, params=params, min_pct=min_pct, max_paths=max_paths)
    names = ds.names().to_dict()
    data = {"holder": holder, "name": names.get(holder, ""), "kind": ds.kind(holder),
            "mode": mode, "threshold": threshold,
            "holdings": [h.as_dict(names) for h in found]}
    rows = [[h["company_id"], h["name"], h["share_pct"], h["direct_pct"], h["path_count"],
             _path_text(h["paths"][0]) if h["paths"] else ""] for h in data["holdings"]]
    text = (f"{holder} {data['name']} — {len(rows)} holding(s) (持股), mode {mode} "
            f"{OWNERSHIP_MODES[mode]}" + (f", T = {threshold:g} %" if mode == "passthrough"
                                          else ""))
    headers = HOLDINGS.labels()
    emit(Output(data, [("holdings (持股明细)", headers, rows)], text), fmt, output)


@main.command()
@dataset_argument
@click.argument("company")
@ownership_options
@click.option("--max-paths", type=click.IntRange(min=1), default=20, show_default=True,
              help="Paths listed per owner (the largest contributions first).")
@load_options
@output_options
def owners(dataset, company, mode, threshold, floor, max_depth, max_paths, encoding, strict,
           fmt, output):
    """Owners of COMPANY (股东), beneficial owners (受益所有人), the controller (实际控制人).

    Lists who holds at least --threshold of COMPANY.

    Beneficial owners are natural persons with at least 25 % in multiply terms, or the
    registered actual_controller (failing both: the general manager or legal
    representative).  The ultimate controller is the top of the control chain: each
    step is the holder with more than 50 % of control rights (weakest_link), else the
    single largest holder with at least the threshold.

    Example:  graphrisk owners datasets/demo 91331122MA2J0Q7L5Q --format json
    """
    from graphrisk.network.graph import build_network
    from graphrisk.ownership.owners import owners_of

    ds = open_dataset(dataset, encoding, strict)
    company = _entity_id(company)
    ds.kind(company)  # a clean error for an unknown id
    data = owners_of(build_network(ds), company, params=_params(mode, threshold, floor, max_depth), max_paths=max_paths)
    rows = [[o["holder_id"], o["name"], o["kind"], o["share_pct"], o["direct_pct"],
             o["multiply_pct"], o["control_pct"], "yes" if o["beneficial_owner"] else ""]
            for o in data["owners"]]
    bo = [[b["person_id"], b["name"], ";".join(b["basis"]), b["multiply_pct"]]
          for b in data["beneficial_owners"]]
    ult = ", ".join(f"{u['id']} {u['name']} ({u['control_pct']:g} %)"
                    for u in data["ultimate_controllers"])
    chain = " ← ".join([company] + [f"{s['id']} ({s['control_pct']:g} %, {s['basis']})"
                                    for s in data["control_chain"]])
    text = "\n".join([
        f"{company} {data['name']} — owners ≥ {threshold:g} % (股东), mode {mode}",
        f"ultimate controller (实际控制人): {ult or ('none: cross-holding loop' if data['circular'] else 'none')}",
        f"control chain (控制链): {chain}",
    ])
    headers = OWNERS.labels()
    emit(Output(data, [("owners (股东)", headers, rows),
                       ("beneficial owners (受益所有人)", BENEFICIAL_OWNERS.labels(),
                        bo)], text), fmt, output)


_PAIR_HEADERS = RELATED_PAIRS.labels()


def _pair_row(p: dict) -> list:
    ev = p["evidence"]
    eq = ev.get("equity", {})
    return [p["a"], p["a_name"], p["b"], p["b_name"], ";".join(p["rules"]),
            eq.get("a_in_b_pct"), eq.get("b_in_a_pct"),
            ";".join(o["owner_id"] for o in ev.get("common_owner", {}).get("owners", [])),
            ev.get("lending", {}).get("balance"),
            sum(d["amount"] for d in ev["guarantee"]["directions"]) if "guarantee" in ev else None,
            ";".join(q["person_id"] for q in ev.get("management", {}).get("people", []))]


@main.command()
@dataset_argument
@ownership_options
@click.option("--equity-threshold", type=click.FloatRange(0, 100, min_open=True),
              default=default_of(RelatedParams, "equity_threshold"),
              show_default=True, help="equity and common_owner: holding in percent.")
@click.option("--lending-ratio", type=click.FloatRange(0, min_open=True),
              default=default_of(RelatedParams, "lending_ratio"),
              show_default=True, help="lending: loans between the two as % of capital.")
@click.option("--guarantee-ratio", type=click.FloatRange(0, min_open=True),
              default=default_of(RelatedParams, "guarantee_ratio"),
              show_default=True, help="guarantee: guarantees as % of the other's borrowings.")
@click.option("--management-majority", type=click.Choice(["separately", "combined"]),
              default=default_of(RelatedParams, "management_majority"), show_default=True,
              help="management: more than half of the directors, or of the senior "
                   "managers, each on its own (separately, 42号公告), or of both "
                   "counted together (combined).")
@click.option("--rules", default=",".join(RELATED_RULES), show_default=True,
              help="Comma-separated rules to apply.")
@click.option("--max-pairs", type=click.IntRange(min=0), default=None,
              help="Write at most this many pairs (pair_count still counts them all).")
@click.option("--max-paths", type=click.IntRange(min=1), default=10, show_default=True,
              help="Ownership paths listed per equity pair.")
@load_options
@output_options
def related(dataset, mode, threshold, floor, max_depth, equity_threshold, lending_ratio,
            guarantee_ratio, management_majority, rules, max_pairs, max_paths, encoding,
            strict, fmt, output):
    """Related parties (关联方) by the five rules, with evidence; related groups (关联企业群).

    The rules are those of SPEC §4.

    Rules: equity, common_owner, lending, guarantee, management.  Pairs are written as
    they are found (a < b); a rule that cannot be evaluated for lack of data gives a
    warning (in the JSON and on stderr).

    Example:  graphrisk related datasets/demo --rules equity,guarantee --format json
    """
    from graphrisk.network.graph import build_network
    from graphrisk.ownership.related import related_parties
    from graphrisk.params import RelatedParams

    ds = open_dataset(dataset, encoding, strict)
    params = RelatedParams(ownership=_params(mode, threshold, floor, max_depth),
                           equity_threshold=equity_threshold, lending_ratio=lending_ratio,
                           guarantee_ratio=guarantee_ratio,
                           management_majority=management_majority)
    rp = related_parties(build_network(ds), params=params, rules=rules)
    for w in rp.warnings:
        echo_err(f"warning: {w}")
    groups: list[dict[str, Any]] = [{"members": g, "size": len(g)} for g in rp.groups]
    if fmt in ("json", "csv"):
        _stream(rp, groups, fmt, output, max_pairs, max_paths)
        return
    limit = max_pairs if max_pairs is not None else (None if output else 50)
    rows = [_pair_row(p) for p in rp.pairs(limit, max_paths)]
    counts = ", ".join(f"{k} {v}" for k, v in rp.rule_counts.items())
    text = "\n".join([f"{dataset}: {rp.pair_count} related pair(s) (关联方), "
                      f"{len(groups)} group(s) (关联企业群); mode {mode}",
                      f"by rule: {counts}"] + [f"warning: {w}" for w in rp.warnings])
    if len(rows) < rp.pair_count:
        text += f"\nshowing {len(rows)} of {rp.pair_count} pairs (--format json or csv for all)"
    grows = [[i + 1, g["size"], ";".join(g["members"][:20]) + (" …" if g["size"] > 20 else "")]
             for i, g in enumerate(groups)]
    emit(Output({}, [("pairs (关联方)", _PAIR_HEADERS, rows),
                     ("groups (关联企业群)", RELATED_GROUPS.labels("id", "size", "members"), grows)], text),
         "table", output)


def _stream(rp, groups, fmt, output, max_pairs, max_paths):
    """Write pairs as they come (JSON document or CSV rows); a file is written whole."""
    encoding = "utf-8-sig" if fmt == "csv" and not is_stream(output) else "utf-8"
    with open_output(output, encoding=encoding, newline="") as fh:
        _write_pairs(fh, rp, groups, fmt, max_pairs, max_paths)
    if not is_stream(output):
        echo_err(f"wrote {output}")


def _write_pairs(fh, rp, groups, fmt, max_pairs, max_paths):
    written = 0
    if fmt == "csv":
        fh.write(csv_text(_PAIR_HEADERS, []))
        for p in rp.pairs(max_pairs, max_paths):
            fh.write(csv_text(_PAIR_HEADERS, [_pair_row(p)]).split("\n", 1)[1])
            written += 1
        return
    fh.write('{\n  "pairs": [')
    for p in rp.pairs(max_pairs, max_paths):
        # pairs hold plain, finite values (evidence turns NaN into None)
        fh.write(("\n    " if not written else ",\n    ") +
                 json.dumps(p, ensure_ascii=False))
        written += 1
    fh.write("\n  ]," if written else "],")
    # groups hold ids and sizes only: plain JSON, written without a cleaning pass
    fh.write('\n  "groups": [' + ",".join(
        "\n    " + json.dumps(g, ensure_ascii=False) for g in groups) +
        ("\n  ]," if groups else "],"))
    tail = {"pair_count": rp.pair_count, "rule_counts": rp.rule_counts,
            "warnings": rp.warnings, "rules": list(rp.rules),
            "mode": rp.params.ownership.mode, "truncated": written < rp.pair_count}
    fh.write(to_json(tail)[1:] + "\n")  # without its opening brace
