"""Guarantee-network commands: ``circles``, ``committees``, ``chains`` and ``exposure`` (SPEC §5, §9)."""

from __future__ import annotations

import click

from graphrisk.cli.base import (
    Output,
    dataset_argument,
    default_of,
    emit,
    load_options,
    main,
    open_dataset,
    output_options,
)
from graphrisk.params import ChainParams, CircleParams, CommitteeParams
from graphrisk.report.fields import (
    BORROWER_LENDERS,
    CHAIN_ENTITIES,
    CIRCLES,
    COMMITTEES,
    CONCENTRATION,
    EXPOSURE_BORROWERS,
    EXPOSURE_CHAINS,
    GROUPS,
)

_MAX_LISTED = 4  # members shown in one table cell


def _short(items, limit: int = _MAX_LISTED) -> str:
    items = list(items)
    text = ";".join(items[:limit])
    return text + (f";…(+{len(items) - limit})" if len(items) > limit else "")


def _pct(x: float) -> str:
    return f"{x:.1%}"


def _yes(flag: bool) -> str:
    return "yes 是" if flag else "no 否"


@main.command()
@dataset_argument
@click.option("--max-cycle-length", default=default_of(CircleParams, "max_cycle_length"), show_default=True, type=int, metavar="K",
              help="Longest simple cycle listed per circle (cost grows exponentially).")
@click.option("--max-cycles", default=default_of(CircleParams, "max_cycles"), show_default=True, type=int, metavar="N",
              help="Cycles kept per circle, shortest first (cycles_truncated tells).")
@click.option("--focus-exposure", default=default_of(CircleParams, "focus_exposure"), show_default=True, type=float,
              metavar="AMOUNT", help="Focus member: loans + guarantees given above this (万元).")
@click.option("--committee-banks", default=default_of(CircleParams, "committee_banks"), show_default=True, type=int, metavar="N",
              help="Watch 关注 a circle whose members owe at least N banks …")
@click.option("--committee-microloans", default=default_of(CircleParams, "committee_microloans"), show_default=True, type=int, metavar="N",
              help="… or at least N microloan companies.")
@load_options
@output_options
def circles(dataset, max_cycle_length, max_cycles, focus_exposure, committee_banks,
            committee_microloans, encoding, strict, fmt, output):
    """Guarantee groups (担保群), circles (担保圈) and the pattern of every guarantee.

    Groups are weakly connected components of the guarantee graph, circles strongly
    connected ones (>= 2 members).  Circles are ranked by their members' loan
    balance, then size, and list their creditors, non-performing share, watch 关注
    (members owe >= 3 banks or >= 5 microloan companies), whether a creditors'
    committee (债权人委员会) is due for a member (see `graphrisk committees`), focus
    members and their simple cycles.
    Each guarantee gets its patterns: mutual 互保, circle 循环担保, joint 联保,
    star 一保多, chain 担保链, single.  Table and CSV show the circles.

    Example:  graphrisk circles datasets/demo --format json -o circles.json
    """
    from graphrisk.network.graph import build_network
    from graphrisk.network.metrics import analyze_circles
    from graphrisk.params import CircleParams

    params = CircleParams(max_cycle_length=max_cycle_length, max_cycles=max_cycles,
                          focus_exposure=focus_exposure, committee_banks=committee_banks,
                          committee_microloans=committee_microloans)
    ds = open_dataset(dataset, encoding, strict)
    doc = analyze_circles(build_network(ds), params=params)
    if fmt == "json":  # the tables are for people: not built for a JSON document
        emit(Output(doc), fmt, output)
        return
    s = doc["summary"]
    text = "\n".join([
        f"{dataset}: {s['guarantees']} guarantees, {s['groups']} groups 担保群 "
        f"(largest {s['largest_group_size']}), {s['circles']} circles 担保圈 "
        f"(largest {s['largest_circle_size']}, {s['entities_in_circles']} entities), "
        f"{s['mutual_pairs']} mutual pairs 互保",
        "patterns 担保模式: " + ", ".join(f"{k} {v}" for k, v in s["patterns"].items()),
        f"circles with a creditors' committee due 需组建债委会: {s['creditor_committees']}, "
        f"watched 关注: {s['watch']}; cycles listed {s['cycles_listed']}"
        + (" (truncated: raise --max-cycles)" if s["cycles_truncated"] else ""),
        f"focus enterprises 重点协调 (exposure > {doc['params']['focus_exposure']:,.0f} 万元): "
        f"{s['focus_enterprises']}" + (": " + _short(f["name"] or f["id"] for f in doc["focus"])
                                      if doc["focus"] else ""),
    ])
    headers = CIRCLES.labels("id", "size", "members", "loan_total", "npl_share",
                             "guarantee_total", "bank_count", "microloan_count", "watch",
                             "creditor_committee", "focus_members", "cycles")
    rows = [[c["id"], c["size"], _short(c["names"]), c["loan_total"], _pct(c["npl_share"]),
             c["guarantee_total"], c["bank_count"], c["microloan_count"], _yes(c["watch"]),
             _yes(c["creditor_committee"]),
             _short(m["name"] for m in c["member_details"] if m["focus"]),
             f"{c['cycle_count']}{'+' if c['cycles_truncated'] else ''}"]
            for c in doc["circles"]]
    g_headers = GROUPS.labels("id", "size", "edges", "loan_total", "circles", "members")
    g_rows = [[g["id"], g["size"], g["edges"], g["loan_total"], _short(g["circles"]),
               _short(g["members"])] for g in doc["groups"]]
    tables = [("circles, riskiest first (担保圈, 按风险排序; 万元)", headers, rows),
              ("groups (担保群; 万元)", g_headers, g_rows)]
    emit(Output(doc, tables, text), fmt, output)


@main.command()
@dataset_argument
@click.option("--min-debt", default=default_of(CommitteeParams, "min_debt"), show_default=True, type=float,
              metavar="AMOUNT", help="A debtor is large from this debt (loan balances, 万元).")
@click.option("--banks", default=default_of(CommitteeParams, "banks"), show_default=True, type=int, metavar="N",
              help="Committee when a large troubled debtor owes at least N banks …")
@click.option("--microloans", default=default_of(CommitteeParams, "microloans"), show_default=True, type=int, metavar="N",
              help="… or at least N microloan companies.")
@click.option("--watch-banks", default=default_of(CircleParams, "committee_banks"), show_default=True, type=int, metavar="N",
              help="Watch 关注 a circle or group whose members owe at least N banks …")
@click.option("--watch-microloans", default=default_of(CircleParams, "committee_microloans"), show_default=True, type=int,
              metavar="N", help="… or at least N microloan companies.")
@load_options
@output_options
def committees(dataset, min_debt, banks, microloans, watch_banks, watch_microloans, encoding,
               strict, fmt, output):
    """Creditors' committees (债权人委员会): per debtor, circle and guarantee group.

    A committee is due for a debtor in default or distress (status defaulted or
    distressed, a non-performing loan, or a credit-risk event) whose debt reaches
    --min-debt and who owes at least --banks creditor banks or --microloans microloan
    companies, or whose major default (defaulted or non-performing) involves banks,
    microloan companies and other institutions at once (mixed).  Circles and groups
    are watched 关注 when their members owe --watch-banks banks or --watch-microloans
    microloan companies, and need a committee only through a member.  Table and CSV
    list the debtors, each with its reasons.

    Example:  graphrisk committees datasets/demo --min-debt 1000 --banks 2
    """
    from graphrisk.network.committees import committees as run_committees
    from graphrisk.network.graph import build_network
    from graphrisk.params import CircleParams, CommitteeParams

    params = CommitteeParams(min_debt=min_debt, banks=banks, microloans=microloans)
    cparams = CircleParams(committee_banks=watch_banks, committee_microloans=watch_microloans)
    ds = open_dataset(dataset, encoding, strict)
    doc = run_committees(build_network(ds), params=params, circle_params=cparams)
    emit(_committees_output(str(dataset), doc), fmt, output)


def _committees_output(dataset: str, doc: dict) -> Output:
    s, p = doc["summary"], doc["params"]
    text = "\n".join([
        f"{dataset}: {s['troubled']} enterprises in default or distress 违约或困难, "
        f"{s['debtors']} with debt >= {p['min_debt']:,.0f} 万元 ({s['below_min_debt']} below)",
        f"creditors' committees due 需组建债委会: {s['committees']} (>= {p['banks']} banks "
        f"{s['by_banks']}, >= {p['microloans']} microloan companies {s['by_microloans']}, "
        f"mixed major default {s['mixed']})",
        f"circles 担保圈: {s['circles_committee']} with a committee, {s['circles_watch']} watched "
        f"关注; groups 担保群: {s['groups_committee']} with a committee, {s['groups_watch']} "
        "watched",
    ])
    headers = COMMITTEES.labels("debtor", "name", "status", "debt", "banks", "microloans",
                                "others", "mixed", "creditor_committee", "circle", "reasons",
                                "reasons_en")
    rows = [[d["debtor"], d["name"], d["status"], d["debt"], d["banks"], d["microloans"],
             d["others"], _yes(d["mixed"]), _yes(d["creditor_committee"]), d["circle"] or "",
             "；".join(r["zh"] for r in d["reasons"]),
             "; ".join(r["en"] for r in d["reasons"])] for d in doc["debtors"]]

    def flagged(schema, records):
        keys = ("id", "size", "members", "bank_count", "microloan_count", "other_count",
                "watch", "creditor_committee", "committee_debtors", "committee_reasons")
        return schema.labels(*keys), [
            [r["id"], r["size"], _short(r["names"]), r["bank_count"], r["microloan_count"],
             r["other_count"], _yes(r["watch"]), _yes(r["creditor_committee"]),
             _short(r["committee_debtors"]), "；".join(x["zh"] for x in r["reasons"])]
            for r in records]

    c_headers, c_rows = flagged(CIRCLES, doc["circles"])
    g_headers, g_rows = flagged(GROUPS, doc["groups"])
    return Output(doc, [("debtors in default or distress, committees first "
                         "(违约或困难的大额债务人; 万元)", headers, rows),
                        ("circles watched or with a committee (担保圈)", c_headers, c_rows),
                        ("groups watched or with a committee (担保群)", g_headers, g_rows)],
                  text)


@main.command()
@dataset_argument
@click.argument("entity_id", metavar="ID")
@click.option("--direction", type=click.Choice(["up", "down"]), required=True,
              help="down: whom ID backs (its contingent liabilities); "
                   "up: ID's guarantors and theirs.")
@click.option("--depth", default=default_of(ChainParams, "depth"), show_default=True, type=int, metavar="N",
              help="Longest chain followed, in guarantees.")
@click.option("--max-paths", default=default_of(ChainParams, "max_paths"), show_default=True, type=int, metavar="P",
              help="Chains listed per entity reached, shortest first.")
@load_options
@output_options
def chains(dataset, entity_id, direction, depth, max_paths, encoding, strict, fmt, output):
    """Guarantee chains (担保链) of one entity, cycle-safe, up to a depth.

    Lists every entity reached within --depth guarantees with its distance (hops),
    the chains from ID (simple paths, shortest first) and amount_at_stake: the
    widest chain, i.e. the largest smallest guarantee along a chain — the most a
    call can carry between that entity and ID.

    Example:  graphrisk chains datasets/demo 91331122MA2G8T3A0F --direction down --depth 4
    """
    from graphrisk.network.chains import guarantee_chains
    from graphrisk.network.graph import build_network
    from graphrisk.params import ChainParams

    params = ChainParams(depth=depth, max_paths=max_paths)
    ds = open_dataset(dataset, encoding, strict)
    doc = guarantee_chains(build_network(ds), entity_id, direction=direction, params=params)
    s = doc["summary"]
    what = "whom it backs (下游/被担保方)" if direction == "down" else "its guarantors (上游/担保方)"
    text = (f"{entity_id} {doc['root_name']}: {s['entities']} entities within {depth} "
            f"guarantees, {what}; by hops " +
            ", ".join(f"{h}: {c}" for h, c in s["by_hops"].items()) +
            f"; their loans {s['loan_total']:,.2f} 万元" +
            ("" if s["paths_complete"] else "; some chains not listed (raise --max-paths)"))
    headers = CHAIN_ENTITIES.labels()
    name = {e["id"]: e["name"] or e["id"] for e in doc["entities"]}
    name[doc["root"]] = doc["root_name"] or doc["root"]
    rows = []
    for e in doc["entities"]:
        first = e["paths"][0] if e["paths"] else []
        route = [first[0]["from"] if direction == "down" else first[0]["to"]] if first else []
        route += [st["to"] if direction == "down" else st["from"] for st in first]
        route = [name.get(i, i) for i in route]
        rows.append([e["id"], e["name"], e["hops"], e["amount_at_stake"], e["direct_amount"],
                     e["loan_balance"], "→".join(route) if direction == "down"
                     else "←".join(route)])
    emit(Output(doc, [("chains (担保链; 万元)", headers, rows)], text), fmt, output)


@main.command()
@dataset_argument
@click.option("--lender", metavar="BANK", help="A lender: its book by group, circle and chain.")
@click.option("--borrower", metavar="ID", help="An entity: every lender exposed to it.")
@click.option("--depth", default=default_of(ChainParams, "exposure_depth"), show_default=True, type=int, metavar="N",
              help="Guarantee links followed behind each loan / around the borrower.")
@click.option("--top", default=default_of(ChainParams, "top_chains"), show_default=True, type=int,
              metavar="K", help="Largest chains listed (--lender).")
@load_options
@output_options
def exposure(dataset, lender, borrower, depth, top, encoding, strict, fmt, output):
    """Bank exposure through guarantees (银行担保链风险敞口).

    --lender BANK: the bank's loans grouped by the borrower's guarantee group and
    circle (balance and share of the book), the contingent chain behind each borrower
    (guarantors up to --depth, their debts and what they owe this bank) and the
    largest chains.  --borrower ID: every lender exposed to ID directly (its loans),
    through guarantees it gave (loans of whom it backs) or received (its guarantors'
    loans).

    Example:  graphrisk exposure datasets/demo --lender I01 --depth 3
    """
    from graphrisk.network.exposure import borrower_exposure, lender_exposure
    from graphrisk.network.graph import build_network
    from graphrisk.params import ChainParams

    if bool(lender) == bool(borrower):
        raise click.UsageError("give exactly one of --lender BANK or --borrower ID")
    params = ChainParams(exposure_depth=depth, top_chains=top)
    ds = open_dataset(dataset, encoding, strict)
    net = build_network(ds)
    if lender:
        doc = lender_exposure(net, lender, params=params)
        emit(_lender_output(doc), fmt, output)
    else:
        doc = borrower_exposure(net, borrower, params=params)
        emit(_borrower_output(doc), fmt, output)


def _lender_output(doc: dict) -> Output:
    b, le = doc["book"], doc["lender"]
    text = "\n".join([
        f"{le['id']} {le['name']} ({le['type']}): {b['loans']} loans to {b['borrowers']} "
        f"borrowers, {b['balance']:,.2f} 万元, non-performing {_pct(b['npl_share'])}, "
        f"guaranteed {_pct(b['guaranteed_share'])}",
        f"in guarantee groups 担保群 {b['in_groups']:,.2f} ({_pct(b['in_groups_share'])}), "
        f"in circles 担保圈 {b['in_circles']:,.2f} ({_pct(b['in_circles_share'])})",
    ])
    conc_h = CONCENTRATION.labels()

    def conc(rows):
        return [[r["id"], r["balance"], _pct(r["share"]), r["npl_balance"], r["loans"],
                 r["borrowers"]] for r in rows]

    bor_h = EXPOSURE_BORROWERS.labels()
    bor = [[r["id"], r["name"], r["group"] or "", r["circle"] or "", r["balance"],
            _short(f"{c['name'] or c['id']}({c['hops']})" for c in r["chain"]), r["chain_debt"],
            r["lender_balance"]] for r in doc["borrowers"]]
    top_h = EXPOSURE_CHAINS.labels("borrower", "name", "size", "lender_balance", "total_debt",
                                   "circle")
    top = [[r["borrower_id"], r["name"], r["size"], r["lender_balance"], r["total_debt"],
            r["circle"] or ""] for r in doc["largest_chains"]]
    return Output(doc, [("borrowers and the chains behind them (借款人及其担保链; 万元)",
                         bor_h, bor),
                        ("by guarantee group (按担保群集中度)", conc_h, conc(doc["by_group"])),
                        ("by circle (按担保圈集中度)", conc_h, conc(doc["by_circle"])),
                        ("largest chains (最大担保链)", top_h, top)], text)


def _borrower_output(doc: dict) -> Output:
    b, s = doc["borrower"], doc["summary"]
    text = (f"{b['id']} {b['name']}: loans {b['loan_balance']:,.2f} 万元, gave "
            f"{b['guarantees_given']:,.2f}, received {b['guarantees_received']:,.2f}; "
            f"group {b['group'] or '-'}, circle {b['circle'] or '-'}; "
            f"{s['lenders']} lenders exposed, total {s['total_exposure']:,.2f} 万元")
    headers = BORROWER_LENDERS.labels()
    rows = [[r["lender_id"], r["name"], r["type"], r["direct"]["balance"],
             r["guarantees_given"]["amount_at_stake"],
             r["guarantees_received"]["amount_at_stake"], r["total_exposure"]]
            for r in doc["lenders"]]
    return Output(doc, [("lenders exposed (受影响贷款人; 万元)", headers, rows)], text)
