"""Default contagion (违约传染): the deterministic cascade of SPEC §6.

Definitions
-----------
*Exhaust the principal debtor first* (先穷尽主债务人、后担保人).  When b defaults, its
*estate* (its capacity: ``net_assets``, floored at 0) is shared pro rata among all its
obligations, pari passu: its own loans and the calls on it as a guarantor.  It pays
the share ``ρ_b = min(1, estate_b / (loans_b + calls_b))`` of each; a loan's
*shortfall* is what is left, times ``1 − r`` (r: ``--recovery``, an extra haircut)::

    shortfall(l) = balance(l) · (1 − ρ_b) · (1 − r)

The shortfall is *called* on b's guarantors: first the guarantees naming that loan,
pro rata to their amounts and never above them; what is left of all of b's loans then
goes to b's guarantees without ``loan_id``, pro rata and never above their amounts
(so such a guarantee is called for several loans of b up to its amount in total)::

    call(g on loan l)  = amount(g) · min(1, shortfall(l) / Σ amounts on l)
    residual(l)        = max(0, shortfall(l) − Σ amounts on l)
    call(g without loan) = amount(g) · min(1, Σ_l residual(l) / Σ amounts without loan)

By guarantee type: a ``joint_several`` (连带责任保证) guarantor is called in the round
b defaults; a ``general`` (一般保证, 先诉抗辩权) guarantor one round later, after b's
estate is settled, for what remains; a ``collateral`` (抵押) or ``pledge`` (质押)
provider pays its call in full from the pledged asset and does not default through
it (the call does not count against its capacity).

A guarantor *defaults* when the other calls on it exceed its *capacity*: an
enterprise's ``net_assets`` (missing → 0 with a warning, negative → 0); persons and
institutions never default unless a capacity is given.  The test is "exceeds": a
guarantor exactly at capacity survives.  Round 0 holds the seeds; a guarantor called
beyond capacity in round r defaults in round r + 1, its estate is shared as above and
its own loans become short, and so on until nothing changes.  Since the calls on a
defaulted firm lower what its estate pays on its loans, which raises the calls on its
own guarantors, the shortfalls and calls are settled to their fixed point (every
increase passed on, until it is below 1e-13 of the debt) before the default test.

Settlement: a guarantor in default pays the share ρ of each call on it (its
obligations then include every call of every round); any other pays in full.  A call
left unpaid is not moved to co-guarantors.  The *lender's loss* on a defaulted loan
is its shortfall minus what the guarantors paid on it (a guarantee without a loan pays
the borrower's loans pro rata to their residuals); lenders' losses do not propagate
further (only guarantees carry contagion in this model).  An entity whose capacity is
unlimited (a person or institution without ``--capacity``) has nothing known in its
estate: forced into default, it pays nothing.

Implementation
--------------
The vectorised engine is :mod:`graphrisk.contagion._engine` (its names are re-exported
here): many cascades at once, event-driven, ``O(defaults + guarantees called)`` per
cascade and settling step.  A plain dict-based reference implementation,
``tests/reference_cascade.py``, follows the wording above literally; the tests
compare the two on random networks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from graphrisk.contagion._engine import (
    GENERAL,
    JOINT,
    SECURED,
    TYPE_CODES,
    CascadeModel,
    Propagation,
    Workspace,
    cell_calls,
    compile_model,
    edge_flows,
    guarantee_calls,
    guarantee_types,
    loan_flows,
    model_calls,
    propagate,
    ranges,
    run_losses,
    sorted_unique,
    unpaid_share,
)
from graphrisk.errors import ParameterError, UnknownEntityError
from graphrisk.network.graph import Network, analysis
from graphrisk.params import ContagionParams

__all__ = ["CascadeModel", "Propagation", "CascadeResult", "Workspace", "capacities",
           "guarantee_calls", "guarantee_types", "compile_model", "cell_calls", "model_calls",
           "unpaid_share", "propagate", "run_losses", "edge_flows", "loan_flows", "cascade",
           "simulate_defaults", "ranges", "sorted_unique", "JOINT", "GENERAL", "SECURED",
           "TYPE_CODES"]


@analysis()
def capacities(net: Network, *, capacity: Mapping[str, float] | None = None
               ) -> tuple[np.ndarray, list[str]]:
    """Return the capacity of every entity to pay guarantee calls (万元), and the warnings.

    Enterprises: ``net_assets`` (missing → 0, negative → 0; a warning lists the
    guarantors concerned).  Persons and institutions: ``inf`` (they never default).
    ``capacity`` maps ids to capacities that replace these (any kind of entity).

    Examples
    --------
    >>> cap, warnings = capacities(net, capacity={"P1": 250})
    >>> dict(zip(net.ids[:5], cap[:5].tolist())), warnings
    ({'E1': 100.0, 'E2': 50.0, 'E3': 20.0, 'E4': 80.0, 'P1': 250.0}, [])

    Raises
    ------
    UnknownEntityError
        An id of ``capacity`` is not in the dataset.
    ParameterError
        A capacity given is negative or not a number.
    """
    ds = net.dataset
    cap = np.full(net.n, np.inf)
    na = ds.tables["enterprises"]["net_assets"].to_numpy(dtype=np.float64)
    k = len(na)
    cap[:k] = np.where(np.isnan(na), 0.0, np.maximum(na, 0.0))
    guarantor = np.zeros(net.n, dtype=bool)
    guarantor[net.g_src] = True
    warnings: list[str] = []
    for bad, what in ((np.isnan(na), "no net_assets"), (na < 0, "negative net_assets")):
        idx = np.flatnonzero(bad & guarantor[:k])
        if idx.size:
            shown = ", ".join(net.ids[idx[:5]])
            more = f" and {idx.size - 5} more" if idx.size > 5 else ""
            warnings.append(f"{idx.size} enterprise guarantor(s) have {what}; their capacity "
                            f"is taken as 0 万元: {shown}{more}")
    for key, given in (capacity or {}).items():
        try:
            value = float(given)
        except (TypeError, ValueError):
            raise ParameterError(f"capacity of {key!r} is not a number: {given!r}") from None
        if np.isnan(value) or value < 0:
            raise ParameterError(f"capacity of {key!r} must be >= 0, got {value}")
        cap[net.positions(key)[0]] = value
    return cap, warnings


@dataclass(frozen=True, eq=False)
class CascadeResult:
    """One deterministic cascade.

    Attributes
    ----------
    defaulted, round, rho : ndarray
        Entity indices in the order they defaulted, the round of each (seeds: 0) and
        the share of its obligations its estate pays.
    seeds : int
        The first ``seeds`` entries of ``defaulted`` are the seeds.
    rounds : int
        Last round in which something defaulted (0: the seeds brought nobody down).
    guarantee, call, paid : ndarray
        Called guarantees (indices into the network's ``g_*``; call > 0) with call and
        payment.
    loan, estate, shortfall, loan_paid, loss : ndarray
        Defaulted loans (indices into ``l_*``) with what the borrower's estate paid,
        the shortfall, the guarantors' payments and the lender's loss.
    lender : ndarray
        The lender of each defaulted loan.
    """

    defaulted: np.ndarray
    round: np.ndarray
    rho: np.ndarray
    seeds: int
    rounds: int
    guarantee: np.ndarray
    call: np.ndarray
    paid: np.ndarray
    loan: np.ndarray
    estate: np.ndarray
    shortfall: np.ndarray
    loan_paid: np.ndarray
    loss: np.ndarray
    lender: np.ndarray

    @property
    def total_loss(self) -> float:
        """Return the lenders' total loss (万元)."""
        return float(self.loss.sum())

    def by_lender(self) -> dict[int, float]:
        """Return lender index → loss, largest first (lenders of defaulted loans only)."""
        s = pd.Series(self.loss).groupby(self.lender).sum().sort_values(ascending=False,
                                                                        kind="stable")
        return {int(k): float(v) for k, v in s.items()}


def cascade(model: CascadeModel, seeds: npt.ArrayLike) -> CascadeResult:
    """Run the deterministic cascade from seed entity indices.

    Examples
    --------
    E1 defaults: its estate (100) pays 10 % of its loan L1 (1000), so 900 is short and
    its guarantor E2 (capacity 50) is called for 800 and falls in round 1.  E2's estate
    (50) pays 50 / (500 + 800) of its loan L2 and of that call; its guarantors E1 (on
    L2) and E3 (一般保证, one round later) are called, and E3 (capacity 20) falls in
    round 3:

    >>> cap, _ = capacities(net)
    >>> res = cascade(compile_model(net, cap), net.positions(["E1"]))
    >>> net.ids[res.defaulted].tolist(), res.round.tolist(), round(res.total_loss, 2)
    (['E1', 'E2', 'E3'], [0, 1, 3], 1393.93)

    Notes
    -----
    ``O(Σ guarantees and loans of the defaulted · settling steps)``; see :func:`propagate`.
    """
    seed = np.unique(np.asarray(seeds, dtype=np.int64))
    if seed.size and (seed.min() < 0 or seed.max() >= model.n):
        raise UnknownEntityError("seed index out of range")
    prop = propagate(model, seed, 1)
    edges = edge_flows(model, prop)
    loans = loan_flows(model, prop, edges)
    called = edges["call"] > 0
    return CascadeResult(
        defaulted=prop.keys, round=prop.rounds, rho=prop.rho, seeds=len(seed),
        rounds=int(prop.rounds.max()) if len(prop.rounds) else 0,
        guarantee=model.e_guar[edges["edge"][called]], call=edges["call"][called],
        paid=edges["paid"][called], loan=loans["loan"], estate=loans["estate"],
        shortfall=loans["shortfall"], loan_paid=loans["paid"], loss=loans["loss"],
        lender=model.l_lender[loans["loan"]])


@analysis(params=ContagionParams)
def simulate_defaults(net: Network, defaults: Iterable[str] = (), *,
                      params: ContagionParams | None = None, from_status: bool = False,
                      capacity: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Build the ``simulate`` report of one deterministic cascade (SPEC §6, §9).

    Parameters
    ----------
    net : Network or Dataset
    defaults : iterable of str
        Seed entity ids.
    params : ContagionParams
        ``recovery`` and ``tolerance`` are used.
    from_status : bool
        Also seed every enterprise whose ``status`` is ``defaulted``.
    capacity : dict, optional
        Capacities (万元) that replace the defaults of :func:`capacities`.

    Returns
    -------
    dict
        ``defaults`` [{id, name, kind, round, seed, given, coverage}] (coverage: the
        share of its obligations its estate pays), ``losses`` {total, balance, estate,
        shortfall, guarantor_payments, by_lender {lender id: loss}}, ``lenders``
        [{lender_id, name, loss}], ``guarantees`` [{id, guarantor_id, guarantor_name,
        borrower_id, borrower_name, type, amount, call, paid}] (the guarantees called),
        ``loans`` [{id, borrower_id, lender_id, balance, estate, shortfall, paid, loss}]
        (the defaulted loans), ``rounds``, ``recovery``, ``warnings``.

    Raises
    ------
    ParameterError
        No seed given.
    UnknownEntityError
        A seed id is unknown.

    Examples
    --------
    >>> rep = simulate_defaults(net, ["E1"])
    >>> [d["id"] for d in rep["defaults"]]
    ['E1', 'E2', 'E3']
    >>> {k: round(v, 2) for k, v in rep["losses"]["by_lender"].items()}
    {'B1': 1346.25, 'M1': 47.68, 'B2': 0.0}
    """
    assert params is not None  # filled in by @analysis
    ds = net.dataset
    seeds = [str(d) for d in defaults]
    if from_status:
        e = ds.tables["enterprises"]
        seeds += e.loc[e["status"] == "defaulted", "id"].tolist()
    if not seeds:
        raise ParameterError("no seed default: give --default ID (or --from-status with "
                             "enterprises whose status is defaulted)")
    given = set(map(str, defaults))
    pos = net.positions(list(dict.fromkeys(seeds)))
    cap, warnings = capacities(net, capacity=capacity)
    res = cascade(compile_model(net, cap, params.recovery, tolerance=params.tolerance), pos)
    names, kinds = ds.names(), ds.entity_kind
    rows = []
    for i, r, rho in zip(res.defaulted.tolist(), res.round.tolist(), res.rho.tolist(),
                         strict=True):
        eid = net.ids[i]
        rows.append({"id": eid, "name": names.get(eid, ""), "kind": kinds.get(eid, ""),
                     "round": r, "seed": r == 0, "given": eid in given, "coverage": rho})
    g = ds.tables["guarantees"]
    order = np.argsort(res.guarantee, kind="stable")
    guarantees = [{"id": net.g_id[k], "guarantor_id": g["guarantor_id"].iat[k],
                   "guarantor_name": names.get(g["guarantor_id"].iat[k], ""),
                   "borrower_id": g["borrower_id"].iat[k],
                   "borrower_name": names.get(g["borrower_id"].iat[k], ""),
                   "type": g["type"].iat[k] if "type" in g else "joint_several",
                   "amount": float(net.g_amount[k]),
                   "call": float(res.call[j]), "paid": float(res.paid[j])}
                  for j, k in zip(order.tolist(), res.guarantee[order].tolist(), strict=True)]
    lo = ds.tables["loans"]
    by_lender = res.by_lender()
    loans = [{"id": net.l_id[k], "borrower_id": lo["borrower_id"].iat[k],
              "lender_id": lo["lender_id"].iat[k], "balance": float(net.l_balance[k]),
              "estate": float(res.estate[j]), "shortfall": float(res.shortfall[j]),
              "paid": float(res.loan_paid[j]), "loss": float(res.loss[j])}
             for j, k in enumerate(res.loan.tolist())]
    return {
        "mode": "cascade", "recovery": params.recovery,
        "defaults": rows,
        "losses": {"total": res.total_loss, "balance": float(net.l_balance[res.loan].sum()),
                   "estate": float(res.estate.sum()), "shortfall": float(res.shortfall.sum()),
                   "guarantor_payments": float(res.paid.sum()),
                   "by_lender": {net.ids[k]: v for k, v in by_lender.items()}},
        "lenders": [{"lender_id": net.ids[k], "name": names.get(net.ids[k], ""), "loss": v}
                    for k, v in by_lender.items()],
        "guarantees": guarantees, "loans": loans, "rounds": res.rounds,
        "warnings": warnings,
    }
