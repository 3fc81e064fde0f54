"""Commands on default contagion (SPEC §6, §7): ``simulate`` and ``recommend``."""

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
from graphrisk.params import TAIL_KEYS, ContagionParams, StrategyParams
from graphrisk.report.fields import (
    BASELINES,
    CASCADE,
    CASCADE_GUARANTEES,
    LOSS_BY_LENDER,
    PLAN,
    SYSTEMIC,
)


def _capacity(values) -> dict[str, float]:
    out = {}
    for item in values:
        key, sep, amount = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not ID=AMOUNT", param_hint="--capacity")
        try:
            out[key.strip()] = float(amount)
        except ValueError:
            raise click.BadParameter(f"{amount!r} is not a number",
                                     param_hint="--capacity") from None
    return out


def _tail_text(tail: dict) -> str:
    return ", ".join(f"{k.upper()} {tail[k]:,.2f}" for k in TAIL_KEYS)


def _recovery_option(func):
    return click.option("--recovery", type=float, default=default_of(ContagionParams, "recovery"),
                        show_default=True,
                        help="Extra haircut r in [0, 1]: after the borrower's estate has paid "
                             "its share, a loan is short by what is left × (1 − r).")(func)


def _jobs_option(func):
    return click.option("--jobs", type=int, default=None, metavar="N",
                        help="Processes sharing the scenarios (default: the cores available; "
                             "1: this process only). The numbers do not depend on it.")(func)


def _capacity_option(func):
    return click.option("--capacity", "capacity", multiple=True, metavar="ID=AMOUNT",
                        help="Capacity (万元) of an entity, replacing its net_assets (persons "
                             "and institutions never default without one). Repeatable.")(func)


@main.command()
@dataset_argument
@click.option("--default", "defaults", multiple=True, metavar="ID",
              help="An entity that defaults at the start (repeatable). With --runs: forced "
                   "into every scenario.")
@click.option("--from-status", is_flag=True,
              help="Also start from every enterprise whose status is defaulted.")
@_recovery_option
@click.option("--runs", type=int, default=None, metavar="N",
              help="Monte Carlo: N scenarios drawing seed defaults from pd. Without it, one "
                   "deterministic cascade from --default/--from-status.")
@click.option("--seed", type=int, default=default_of(ContagionParams, "seed"), show_default=True,
              help="Seed of the Monte Carlo scenarios (same seed, same numbers).")
@click.option("--model", type=click.Choice(["cascade", "debtrank"]),
              default=default_of(ContagionParams, "model"),
              show_default=True, help="Systemic-importance ranking of the Monte Carlo.")
@click.option("--top", type=int, default=None, metavar="N",
              help="Monte Carlo: list only the N most systemically important enterprises.")
@_jobs_option
@_capacity_option
@load_options
@output_options
def simulate(dataset, defaults, from_status, recovery, runs, seed, model, top, jobs, capacity,
             encoding, strict, fmt, output):
    """Default contagion (违约传染): a cascade through guarantees, or its Monte Carlo.

    A defaulted borrower's loans are called on its guarantors (loan-specific guarantees
    first, pro rata, never above a guarantee's amount); an enterprise called beyond its
    net assets defaults in the next round, and so on.  Reports the defaults and their
    round, calls and payments per guarantee, and each lender's loss (万元).  With
    --runs N: expected loss, VaR/ES 95 %/99 %, per lender, and every enterprise's
    network-adjusted PD and systemic importance.

    Example:  graphrisk simulate datasets/demo --default 91331122MA2C1M4R7M
    """
    from graphrisk.params import ContagionParams

    params = ContagionParams(recovery=recovery, runs=1 if runs is None else runs, seed=seed,
                             model=model, jobs=jobs)
    ds = open_dataset(dataset, encoding, strict)
    cap = _capacity(capacity)
    if runs is None:
        from graphrisk.contagion.cascade import simulate_defaults

        rep = simulate_defaults(ds, defaults, params=params, from_status=from_status, capacity=cap)
        emit(_cascade_output(rep), fmt, output)
    else:
        from graphrisk.contagion.montecarlo import monte_carlo

        rep = monte_carlo(ds, params=params, defaults=defaults, from_status=from_status,
                          capacity=cap, top=top)
        emit(_mc_output(rep), fmt, output)


def _cascade_output(rep: dict) -> Output:
    lo = rep["losses"]
    seeds = sum(d["seed"] for d in rep["defaults"])
    text = [f"cascade from {seeds} seed default(s): {len(rep['defaults'])} default(s) in "
            f"{rep['rounds']} round(s) (违约 {len(rep['defaults'])} 家，{rep['rounds']} 轮)",
            f"lenders' loss 贷款人损失 {lo['total']:,.2f} 万元 = shortfall 敞口 "
            f"{lo['shortfall']:,.2f} − paid by guarantors 担保人代偿 "
            f"{lo['guarantor_payments']:,.2f}"]
    text += [f"warning: {w}" for w in rep["warnings"]]
    tables = [
        ("defaults (违约企业)", CASCADE.labels(),
         [[d["id"], d["name"], d["round"], "yes" if d["seed"] else ""] for d in rep["defaults"]]),
        ("loss by lender (按贷款人, 万元)", LOSS_BY_LENDER.labels("lender_id", "name", "loss"),
         [[r["lender_id"], r["name"], r["loss"]] for r in rep["lenders"]]),
        ("guarantees called (担保代偿, 万元)",
         CASCADE_GUARANTEES.labels(),
         [[g["id"], g["guarantor_name"] or g["guarantor_id"],
           g["borrower_name"] or g["borrower_id"], g["amount"], g["call"], g["paid"]]
          for g in rep["guarantees"]]),
    ]
    return Output(rep, tables, "\n".join(text))


def _mc_output(rep: dict) -> Output:
    text = [f"{rep['runs']} Monte Carlo runs (seed {rep['seed']}, model {rep['model']}, "
            f"recovery {rep['recovery']:g})",
            f"expected loss 预期损失 {rep['expected_loss']:,.2f} 万元; {_tail_text(rep['tail'])}",
            f"expected defaults per run {rep['expected_defaults']:.2f} (of which contagion "
            f"传染 {rep['expected_contagion_defaults']:.2f})"]
    if rep["forced_defaults"]:
        text.append("forced in every run: " + ", ".join(rep["forced_defaults"]))
    text += [f"warning: {w}" for w in rep["warnings"]]
    importance = SYSTEMIC.column("importance")
    label = "DebtRank" if rep["model"] == "debtrank" else importance.label
    tables = [
        ("enterprises (企业: 违约概率 / 网络调整后违约概率 / 系统重要性)",
         [*SYSTEMIC.labels("id", "name", "pd", "network_pd"), label,
          SYSTEMIC.column("contagion_defaults").label],
         [[r["id"], r["name"], f"{r['pd']:.1%}", f"{r['network_pd']:.1%}",
           r["systemic_importance"],
           r["contagion_defaults"]] for r in rep["entities"]]),
        ("loss by lender (按贷款人, 万元)",
         LOSS_BY_LENDER.labels("lender_id", "name", "expected_loss", *TAIL_KEYS),
         [[r["lender_id"], r["name"], r["expected_loss"]] + [r[k] for k in TAIL_KEYS]
          for r in rep["by_lender"]]),
    ]
    return Output(rep, tables, "\n".join(text))


@main.command()
@dataset_argument
@click.option("--budget", type=int, required=True, metavar="K", help="Most actions in the plan.")
@click.option("--amount-budget", type=float, default=None, metavar="AMOUNT",
              help="Most 万元 of guarantees the plan may replace, release or move.")
@click.option("--runs", type=int, default=default_of(ContagionParams, "runs"), show_default=True,
              help="Monte Carlo scenarios every action is scored on.")
@click.option("--seed", type=int, default=default_of(ContagionParams, "seed"), show_default=True,
              help="Seed of the scenarios.")
@_recovery_option
@click.option("--strategies", default=",".join(default_of(StrategyParams, "strategies")),
              show_default=True,
              help="Comma-separated strategies the plan may use.")
@click.option("--objective", type=click.Choice(["expected", *TAIL_KEYS]),
              default=default_of(StrategyParams, "objective"),
              show_default=True, help="What the plan minimises.")
@click.option("--cap-fraction", type=float, default=default_of(StrategyParams, "cap_fraction"),
              show_default=True,
              help="cap: share of a guarantee the guarantor pays now before release.")
@click.option("--max-candidates", type=int, default=default_of(StrategyParams, "max_candidates"),
              show_default=True,
              help="Candidates scored exactly per strategy and step.")
@_jobs_option
@_capacity_option
@load_options
@output_options
def recommend(dataset, budget, amount_budget, runs, seed, recovery, strategies, objective,
              cap_fraction, max_candidates, jobs, capacity, encoding, strict, fmt, output):
    """Plan cutting actions (化解策略) that lower the contagion loss the most.

    Greedy: each step scores every candidate action (replace 担保置换, net_mutual
    打包处置互保债务, share_evenly 平均分摊担保责任, cap 部分代偿后免责, break_circle 破圈)
    on the same Monte Carlo scenarios and applies the best.  Compared with replacing
    as many guarantees chosen at random, by largest amount and by betweenness.

    Example:  graphrisk recommend datasets/demo --budget 5 --seed 1
    """
    from graphrisk.mitigation.plan import recommend as plan
    from graphrisk.params import ContagionParams, StrategyParams

    chosen = tuple(s.strip() for s in strategies.split(",") if s.strip())
    params = ContagionParams(recovery=recovery, runs=runs, seed=seed, jobs=jobs)
    sparams = StrategyParams(strategies=chosen, budget=budget, amount_budget=amount_budget,
                             cap_fraction=cap_fraction, max_candidates=max_candidates,
                             objective=objective)
    ds = open_dataset(dataset, encoding, strict)
    rep = plan(ds, params=params, sparams=sparams, capacity=_capacity(capacity))
    text = [f"{rep['runs']} scenarios (seed {rep['seed']}), objective {rep['objective']}, "
            f"budget {rep['budget']} action(s)",
            f"expected loss 预期损失 {rep['loss_before']:,.2f} → {rep['loss_after']:,.2f} 万元 "
            f"(−{rep['reduction']:,.2f}); {_tail_text(rep['tail_after'])}"]
    if rep["cover_expected_payment"]:
        text.append(f"replacement cover pays {rep['cover_expected_payment']:,.2f} 万元 a run "
                    "on average (counted in the loss)")
    if not rep["actions"]:
        text.append("no action lowers the loss (无可降低损失的措施)")
    text += [f"warning: {w}" for w in rep["warnings"]]
    actions = [[a["step"], a["strategy"], a.get("guarantee_id") or ";".join(a["members"]),
                a["amount"], a["loss_before"], a["loss_after"], a["description_zh"]]
               for a in rep["actions"]]
    baselines = [["plan 方案", len(rep["actions"]), None, rep["loss_after"], rep["reduction"]]]
    baselines += [[rule, b["actions"], b["amount"], b["loss_after"], b["reduction"]]
                  for rule, b in rep["baselines"].items()]
    tables = [
        ("actions (措施, 万元)", PLAN.labels("step", "strategy", "target", "amount", "before",
                                         "after", "description"), actions),
        ("against the baselines (对照, 预期损失 万元)",
         BASELINES.labels(), baselines),
    ]
    emit(Output(rep, tables, "\n".join(text)), fmt, output)
