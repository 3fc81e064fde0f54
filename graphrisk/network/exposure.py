"""Bank exposure through the guarantee network: what a lender's analyst asks.

Two views, both with the guarantee chains of :mod:`graphrisk.network.chains` (links, hops and
the widest-chain ``amount_at_stake``; amounts in 万元):

:func:`lender_exposure` — one lender's book (``exposure --lender BANK``)
    its loans grouped by the guarantee group (担保群) and circle (担保圈) of the
    borrower, with each group's and circle's balance and share of the book
    (concentration); per borrower, the loans with the guarantees written on each, and
    the *contingent chain* behind them — the guarantors up to ``depth`` links
    upstream, their own debts (total and owed to this lender), and how much each can
    be called for when the borrower defaults; and the largest chains, ranked by the
    lender's money tied to the chain (its loans to the borrower and to every
    guarantor in the chain: a default anywhere in it hits the same bank twice).

:func:`borrower_exposure` — every lender exposed to one entity (``exposure --borrower ID``)
    ``direct``
        the entity's own loans at that lender;
    ``guarantees_given``
        loans of the entities the borrower backs, directly or down a chain within
        ``depth`` links: when the borrower fails, those loans lose its support.
        ``amount_at_stake`` sums, per such loan-holder, the smaller of its balance at
        the lender and the widest chain from the borrower to it;
    ``guarantees_received``
        loans of the borrower's guarantors (and theirs, within ``depth``): when the
        borrower defaults they are called and may fail on their own loans.
        ``amount_at_stake`` sums, per guarantor, the smaller of its balance at the
        lender and the widest chain from it to the borrower (the most it can be
        called for);
    ``total_exposure`` = direct balance + both amounts at stake.  Each
    ``amount_at_stake`` is an upper bound per lender: the same guarantee can stand
    behind loans of several lenders.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphrisk.errors import ParameterError
from graphrisk.network.chains import entity_names, link_graph, reach
from graphrisk.network.circles import circle_labels, guarantee_groups
from graphrisk.network.committees import id_rank, label_ids, lender_types
from graphrisk.network.cycles import sorted_unique
from graphrisk.network.graph import Network, analysis
from graphrisk.params import ChainParams

__all__ = ["lender_exposure", "borrower_exposure"]


def _labels(net: Network) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    glab, clab = guarantee_groups(net), circle_labels(net)
    gids = np.array(label_ids("GRP", int(glab.max()) + 1 if len(glab) else 0) + [None],
                    dtype=object)
    cids = np.array(label_ids("C", int(clab.max()) + 1 if len(clab) else 0) + [None],
                    dtype=object)
    return glab, clab, gids, cids


def _share(x: float, total: float) -> float:
    return x / total if total > 0 else 0.0


def _concentration(label: np.ndarray, balance: np.ndarray, npl_balance: np.ndarray,
                   borrower: np.ndarray, ids: np.ndarray, total: float) -> list[dict[str, Any]]:
    """Per label >= 0 of the loans: balance, share, npl, loans, borrowers; largest first."""
    keep = label >= 0
    if not keep.any():
        return []
    lab = label[keep]
    k = int(lab.max()) + 1
    bal = np.bincount(lab, weights=balance[keep], minlength=k)
    npl = np.bincount(lab, weights=npl_balance[keep], minlength=k)
    loans = np.bincount(lab, minlength=k)
    pairs = sorted_unique(lab.astype(np.int64) * (int(borrower.max()) + 1) + borrower[keep])
    who = np.bincount(pairs // (int(borrower.max()) + 1), minlength=k)
    used = np.flatnonzero(loans)
    used = used[np.lexsort((used, -bal[used]))]
    return [{"id": ids[g], "balance": b, "share": _share(b, total), "npl_balance": nb,
             "loans": n, "borrowers": w}
            for g, b, nb, n, w in zip(used.tolist(), bal[used].tolist(), npl[used].tolist(),
                                      loans[used].tolist(), who[used].tolist(), strict=True)]


@analysis(params=ChainParams)
def lender_exposure(net: Network, lender: str, *,
                    params: ChainParams | None = None) -> dict[str, Any]:
    """Return a lender's book through the guarantee network (see the module docstring).

    Parameters
    ----------
    net : Network or Dataset
    lender : str
        Id of an institution or a lending enterprise.
    params : ChainParams, optional
        ``exposure_depth`` (3): links followed upstream behind each borrower;
        ``top_chains`` (10): chains listed in ``largest_chains``.

    Returns
    -------
    dict
        ``lender`` (``id``, ``name``, ``type``), ``depth``, ``book`` (``loans``,
        ``borrowers``, ``balance``, ``npl_balance``, ``npl_share``, ``guaranteed``,
        ``in_groups``/``in_circles`` balance and share), ``by_group`` and
        ``by_circle`` (``id``, ``balance``, ``share``, ``npl_balance``, ``loans``,
        ``borrowers``, largest first), ``borrowers`` (``id``, ``name``, ``group``,
        ``circle``, ``balance``, ``loans`` with their ``guarantees``, ``chain``:
        guarantors with ``hops``, ``amount_at_stake``, ``debt``, ``debt_to_lender``,
        ``npl_balance``; ``chain_size``, ``chain_debt``, ``lender_balance``) and
        ``largest_chains``.

    Raises
    ------
    UnknownEntityError
        ``lender`` is not in the dataset.
    ParameterError
        It lends nothing.

    Examples
    --------
    >>> doc = lender_exposure(net, "B1")
    >>> doc["book"]["guaranteed_share"], doc["by_circle"][0]["id"], doc["by_circle"][0]["share"]
    (0.8, 'C001', 1.0)
    >>> [(b["id"], [c["id"] for c in b["chain"]]) for b in doc["borrowers"]]
    [('E1', ['E2', 'E3', 'P1']), ('E2', ['E1', 'E3', 'P1'])]

    Notes
    -----
    One multi-source search upstream from all the lender's borrowers at once:
    ``O(depth · L log L)`` for the ``L`` links within ``depth`` of them.
    """
    ds = net.dataset
    assert params is not None  # filled in by @analysis
    p = params
    li = int(net.positions(lender)[0])
    sel = np.flatnonzero(net.l_lender == li)
    if len(sel) == 0:
        raise ParameterError(f"{lender!r} lends nothing: no loan in loans.csv names it as "
                             "lender_id")
    names = entity_names(net)
    types = lender_types(net)
    glab, clab, gids, cids = _labels(net)
    loans_tab = ds.tables["loans"]
    classification = loans_tab["classification"].to_numpy(dtype=object)
    balance = net.l_balance[sel]
    npl_bal = np.where(net.l_npl[sel], balance, 0.0)
    borrower = net.l_borrower[sel].astype(np.int64)
    total = float(balance.sum())

    debt = net.borrowings()
    npl_all = np.bincount(net.l_borrower, weights=net.l_balance * net.l_npl, minlength=net.n)
    at_lender = np.bincount(borrower, weights=balance, minlength=net.n)
    ids = net.ids
    # guarantees written on each of the lender's loans (sorted by loan)
    on = np.flatnonzero((net.g_loan >= 0) & (net.l_lender[np.maximum(net.g_loan, 0)] == li))
    on = on[np.argsort(net.g_loan[on], kind="stable")]
    covered = np.bincount(net.g_loan[on], weights=net.g_amount[on], minlength=len(net.l_id))
    guaranteed = float(np.minimum(covered[sel], balance).sum())
    g_start = np.searchsorted(net.g_loan[on], sel).tolist()
    g_end = np.searchsorted(net.g_loan[on], sel, side="right").tolist()
    g_rows = [{"guarantee_id": i, "guarantor_id": gi, "amount": am} for i, gi, am in zip(
        net.g_id[on].tolist(), ids[net.g_src[on]].tolist(), net.g_amount[on].tolist(),
        strict=True)]

    # the lender's loans grouped by borrower
    by_b = np.lexsort((sel, borrower))
    roots = sorted_unique(borrower)
    ends: np.ndarray = np.r_[roots, net.n]
    loan_bounds = np.searchsorted(borrower[by_b], ends).tolist()
    loan_rows = [{"id": i, "balance": bl, "classification": cl or "normal", "npl": npl,
                  "guarantees": g_rows[g_start[k]:g_end[k]]}
                 for k, i, bl, cl, npl in zip(
                     by_b.tolist(), net.l_id[sel][by_b].tolist(), balance[by_b].tolist(),
                     classification[sel][by_b].tolist(), net.l_npl[sel][by_b].tolist(),
                     strict=True)]
    npl_b = np.bincount(borrower, weights=npl_bal, minlength=net.n)

    # the contingent chain behind each borrower: one multi-source search upstream
    row, node, hops, width = reach(link_graph(net, "up"), roots, p.exposure_depth)
    order = np.lexsort((node, -width, hops, row))
    row, node, hops, width = row[order], node[order], hops[order], width[order]
    bounds = np.searchsorted(row, np.arange(len(roots) + 1)).tolist()
    chain_debt = np.bincount(row, weights=debt[node], minlength=len(roots))
    chain_lender = np.bincount(row, weights=at_lender[node], minlength=len(roots))
    flat = [{"id": i, "name": nm, "hops": h, "amount_at_stake": w, "debt": d,
             "debt_to_lender": dl, "npl_balance": nb}
            for i, nm, h, w, d, dl, nb in zip(
                ids[node].tolist(), names[node].tolist(), hops.tolist(), width.tolist(),
                debt[node].tolist(), at_lender[node].tolist(), npl_all[node].tolist(),
                strict=True)]
    borrowers = [{
        "id": i, "name": nm, "group": g, "circle": c, "balance": bal, "npl_balance": nb,
        "loans": loan_rows[loan_bounds[k]:loan_bounds[k + 1]],
        "chain": flat[bounds[k]:bounds[k + 1]], "chain_size": bounds[k + 1] - bounds[k],
        "chain_debt": cd, "lender_balance": bal + cl, "total_debt": d + cd,
    } for k, (i, nm, g, c, bal, nb, cd, cl, d) in enumerate(zip(
        ids[roots].tolist(), names[roots].tolist(), gids[glab[roots]].tolist(),
        cids[clab[roots]].tolist(), at_lender[roots].tolist(), npl_b[roots].tolist(),
        chain_debt.tolist(), chain_lender.tolist(), debt[roots].tolist(), strict=True))]
    rank = id_rank(net)[roots]
    lender_bal = at_lender[roots] + chain_lender
    largest = [borrowers[k] for k in np.lexsort((rank, -chain_debt, -lender_bal))[:p.top_chains]]
    borrowers = [borrowers[k] for k in np.lexsort((rank, -at_lender[roots])).tolist()]
    in_groups = float(balance[glab[borrower] >= 0].sum())
    in_circles = float(balance[clab[borrower] >= 0].sum())
    return {
        "lender": {"id": lender, "name": names[li], "type": types[li]},
        "depth": p.exposure_depth,
        "book": {"loans": len(sel), "borrowers": len(roots), "balance": total,
                 "npl_balance": float(npl_bal.sum()),
                 "npl_share": _share(float(npl_bal.sum()), total),
                 "guaranteed": guaranteed, "guaranteed_share": _share(guaranteed, total),
                 "in_groups": in_groups, "in_groups_share": _share(in_groups, total),
                 "in_circles": in_circles, "in_circles_share": _share(in_circles, total)},
        "by_group": _concentration(glab[borrower], balance, npl_bal, borrower, gids, total),
        "by_circle": _concentration(clab[borrower], balance, npl_bal, borrower, cids, total),
        "borrowers": borrowers,
        "largest_chains": [{"borrower_id": r["id"], "name": r["name"],
                            "size": 1 + r["chain_size"],
                            "members": [r["id"]] + [c["id"] for c in r["chain"]],
                            "lender_balance": r["lender_balance"],
                            "total_debt": r["total_debt"],
                            "group": r["group"], "circle": r["circle"]} for r in largest],
    }


@analysis(params=ChainParams)
def borrower_exposure(net: Network, borrower: str, *,
                      params: ChainParams | None = None) -> dict[str, Any]:
    """Return every lender exposed to one entity (see the module docstring).

    Parameters
    ----------
    net : Network or Dataset
    borrower : str
        Entity id (enterprise or person; a guarantor that borrows nothing works too).
    params : ChainParams, optional
        ``exposure_depth`` (3): links followed in each direction.

    Returns
    -------
    dict
        ``borrower`` (``id``, ``name``, ``group``, ``circle``, ``loan_balance``,
        ``npl_balance``, ``guarantees_given``, ``guarantees_received``), ``depth``,
        ``lenders`` (``lender_id``, ``name``, ``type``, ``direct`` {``loans``,
        ``balance``, ``npl_balance``}, ``guarantees_given`` and ``guarantees_received``
        {``entities`` [{``id``, ``hops``, ``balance``, ``amount_at_stake``}],
        ``balance``, ``amount_at_stake``}, ``total_exposure``; largest first) and
        ``summary``.

    Raises
    ------
    UnknownEntityError
        ``borrower`` is not in the dataset.

    Examples
    --------
    >>> doc = borrower_exposure(net, "E2")
    >>> [(r["lender_id"], r["total_exposure"]) for r in doc["lenders"]]
    [('B1', 1700.0), ('B2', 100.0), ('M1', 50.0)]

    Notes
    -----
    Two single-source searches (``O(depth · L log L)``) and a pass over the loans of
    the entities reached.
    """
    assert params is not None  # filled in by @analysis
    p = params
    x = int(net.positions(borrower)[0])
    names = entity_names(net)
    types = lender_types(net)
    glab, clab, gids, cids = _labels(net)
    lenders: dict[int, dict[str, Any]] = {}

    def entry(lender: int) -> dict[str, Any]:
        if lender not in lenders:
            lenders[lender] = {
                "lender_id": net.ids[lender], "name": names[lender], "type": types[lender],
                "direct": {"loans": [], "balance": 0.0, "npl_balance": 0.0},
                "guarantees_given": {"entities": [], "balance": 0.0, "amount_at_stake": 0.0},
                "guarantees_received": {"entities": [], "balance": 0.0,
                                        "amount_at_stake": 0.0}}
        return lenders[lender]

    for lo in np.flatnonzero(net.l_borrower == x).tolist():
        d = entry(int(net.l_lender[lo]))["direct"]
        d["loans"].append(net.l_id[lo])
        d["balance"] += float(net.l_balance[lo])
        d["npl_balance"] += float(net.l_balance[lo]) if net.l_npl[lo] else 0.0
    reached: dict[str, int] = {}
    for channel, direction in (("guarantees_given", "down"), ("guarantees_received", "up")):
        _, node, hops, width = reach(link_graph(net, direction), [x], p.exposure_depth)
        reached[channel] = len(node)
        if len(node) == 0:
            continue
        info = {int(v): (h, w) for v, h, w in zip(node.tolist(), hops.tolist(),
                                                    width.tolist(), strict=True)}
        sel = np.flatnonzero(np.isin(net.l_borrower, node))
        key = net.l_lender[sel].astype(np.int64) * net.n + net.l_borrower[sel]
        order = np.argsort(key, kind="stable")
        sums: dict[tuple[int, int], float] = {}
        for k, b in zip(key[order].tolist(), net.l_balance[sel][order].tolist(), strict=True):
            sums[(k // net.n, k % net.n)] = sums.get((k // net.n, k % net.n), 0.0) + b
        for (lender, e), bal in sums.items():
            h, w = info[e]
            c = entry(lender)[channel]
            stake = min(bal, w)
            c["entities"].append({"id": net.ids[e], "name": names[e], "hops": h,
                                  "balance": bal, "amount_at_stake": stake})
            c["balance"] += bal
            c["amount_at_stake"] += stake
    rows = []
    for r in lenders.values():
        for channel in ("guarantees_given", "guarantees_received"):
            r[channel]["entities"].sort(key=lambda e: (e["hops"], -e["amount_at_stake"],
                                                       e["id"]))
        r["total_exposure"] = (r["direct"]["balance"] + r["guarantees_given"]["amount_at_stake"]
                               + r["guarantees_received"]["amount_at_stake"])
        rows.append(r)
    rows.sort(key=lambda r: (-r["total_exposure"], r["lender_id"]))
    own = np.flatnonzero(net.l_borrower == x)
    return {
        "borrower": {"id": borrower, "name": names[x], "group": gids[glab[x]],
                     "circle": cids[clab[x]],
                     "loan_balance": float(net.l_balance[own].sum()),
                     "npl_balance": float(net.l_balance[own][net.l_npl[own]].sum()),
                     "guarantees_given": float(net.g_amount[net.g_src == x].sum()),
                     "guarantees_received": float(net.g_amount[net.g_dst == x].sum())},
        "depth": p.exposure_depth,
        "lenders": rows,
        "summary": {
            "lenders": len(rows),
            "entities_downstream": reached["guarantees_given"],
            "entities_upstream": reached["guarantees_received"],
            "direct_balance": sum(r["direct"]["balance"] for r in rows),
            "given_amount_at_stake": sum(r["guarantees_given"]["amount_at_stake"] for r in rows),
            "received_amount_at_stake": sum(r["guarantees_received"]["amount_at_stake"]
                                            for r in rows),
            "total_exposure": sum(r["total_exposure"] for r in rows),
        },
    }
