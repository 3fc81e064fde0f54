"""Metrics of guarantee groups and circles, and the ``circles`` document (SPEC §5, §9).

What a credit officer asks of a circle (担保圈): who is in it, how much its members
guarantee each other, how much they owe and to whom, how much of it is
non-performing, whether a creditors' committee (债权人委员会) is called for, which
members carry the most exposure, and which closed guarantee loops make it up.

Definitions (all amounts in 万元):

``guarantee_total``
    sum of the guarantees whose guarantor and borrower are both members;
``loan_total`` / ``npl_balance`` / ``npl_share``
    loan balances owed by members, the non-performing part (次级/可疑/损失) and its share;
``creditors``
    every lender the members owe a positive balance (institutions and lending
    enterprises), largest balance first; ``bank_count`` / ``microloan_count`` /
    ``other_count`` count them by type (``bank``, ``microloan``, everything else),
    ``creditor_count`` in all (:mod:`graphrisk.network.committees`);
``watch`` 关注
    the members owe ``>= CircleParams.committee_banks`` (3) banks or ``>=
    committee_microloans`` (5) microloan companies (SPEC §5);
``creditor_committee`` 需组建债委会
    true only when a *member* needs a creditors' committee by the debtor rule of
    :mod:`graphrisk.network.committees` (in default or distress, debt ≥ 5,000 万元,
    ≥ 3 creditor banks or ≥ 5 microloan companies, or a mixed major default;
    ``CommitteeParams``); ``committee_debtors`` names them, ``committee_reasons``
    (``code``, ``zh``, ``en``) says why the circle needs a committee or is watched,
    ``troubled_members`` / ``performing`` which members are in default or distress;
``exposure`` of a member
    its own loan balance plus every guarantee it gave (inside or outside the circle):
    what the banks stand to lose if it fails, directly and through the guarantees
    it can no longer honour.  A member is a *focus member* (重点关注) when its exposure
    exceeds ``CircleParams.focus_exposure`` (5,000 万元);
``cycles``
    the simple cycles inside the circle of length <= ``max_cycle_length``, at most
    ``max_cycles`` (shortest first), each as entity ids starting at its smallest id;
    ``cycles_truncated`` says whether more exist.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphrisk.domain.glossary import PATTERNS
from graphrisk.network.chains import entity_names
from graphrisk.network.circles import (
    circle_labels,
    edge_patterns,
    guarantee_groups,
    mutual_pairs,
    pattern_lists,
)
from graphrisk.network.committees import (
    _flat_members,
    debtor_facts,
    label_committees,
    label_ids,
)
from graphrisk.network.cycles import _circle_cycles_flat, gc_paused, simple_adjacency
from graphrisk.network.graph import Network, analysis
from graphrisk.params import CircleParams, CommitteeParams

__all__ = ["circle_metrics", "group_metrics", "analyze_circles", "focus_enterprises",
           "entity_exposure"]


def entity_exposure(net: Network) -> np.ndarray:
    """Return the exposure of each entity: own loan balance + guarantees given (万元).

    >>> entity_exposure(net)[:3]
    array([1400., 1300.,  450.])
    """
    given = np.bincount(net.g_src, weights=net.g_amount, minlength=net.n)
    return net.borrowings() + given


def _npl_by_entity(net: Network) -> np.ndarray:
    return np.bincount(net.l_borrower, weights=net.l_balance * net.l_npl, minlength=net.n)


@analysis(params=CircleParams, committee_params=CommitteeParams)
def circle_metrics(net: Network, *, params: CircleParams | None = None,
                   committee_params: CommitteeParams | None = None,
                   labels: np.ndarray | None = None,
                   group_labels: np.ndarray | None = None) -> list[dict[str, Any]]:
    """Return one record per guarantee circle, riskiest first (see the module docstring).

    Parameters
    ----------
    net : Network or Dataset
        With its dataset, for names and institution types.
    params : CircleParams, optional
        Cycles, focus members and the ``watch`` thresholds.
    committee_params : CommitteeParams, optional
        The debtor rule behind ``creditor_committee``.
    labels, group_labels : ndarray, optional
        Precomputed :func:`~graphrisk.network.circles.circle_labels` /
        :func:`~graphrisk.network.circles.guarantee_groups`.

    Returns
    -------
    list of dict
        Keys ``id`` (``C001`` …), ``group``, ``members`` (ids, sorted), ``names``,
        ``size``, ``edges`` (guarantee records inside), ``mutual_pairs``,
        ``guarantee_total``, ``loan_total``, ``npl_balance``, ``npl_share``,
        ``creditors``, ``creditor_count``, ``bank_count``, ``microloan_count``,
        ``other_count``, ``watch``, ``creditor_committee``, ``committee_debtors``,
        ``troubled_members``, ``performing``, ``committee_reasons``,
        ``focus_members``, ``member_details`` (per member: ``id``, ``name``,
        ``loan_balance``, ``guarantees_given``, ``exposure``, ``focus``), ``cycles``,
        ``cycle_count``, ``cycles_truncated``.

    Examples
    --------
    >>> c = circle_metrics(net)[0]
    >>> c["id"], c["members"], c["cycles"], c["creditor_committee"]
    ('C001', ['E1', 'E2'], [['E1', 'E2']], False)
    >>> c = circle_metrics(demo_net)[0]  # the largest circle of the demo county
    >>> c["size"], c["bank_count"], c["watch"], c["creditor_committee"]
    (6, 4, True, True)
    >>> [r["code"] for r in c["committee_reasons"]], len(c["troubled_members"])
    (['member_committee', 'watch'], 4)

    Notes
    -----
    Vectorised over all circles (``O(n + m + loans)``) except the cycle listing,
    one bounded search per circle of three or more members (see
    :func:`~graphrisk.network.cycles.simple_cycles_bounded`: exponential in
    ``max_cycle_length``, capped by ``max_cycles``).
    """
    assert params is not None and committee_params is not None  # filled in by @analysis
    p = params
    lab = circle_labels(net) if labels is None else labels
    grp = guarantee_groups(net) if group_labels is None else group_labels
    k = int(lab.max()) + 1 if len(lab) and lab.max() >= 0 else 0
    if k == 0:
        return []
    names = entity_names(net)
    ids = label_ids("C", k)
    gids = label_ids("GRP", int(grp.max()) + 1)
    flat, bounds = _flat_members(net, lab, k)
    loans, npl = net.borrowings(), _npl_by_entity(net)
    given = np.bincount(net.g_src, weights=net.g_amount, minlength=net.n)
    exposure = loans + given
    inside = lab >= 0
    loan_total = np.bincount(lab[inside], weights=loans[inside], minlength=k)
    npl_total = np.bincount(lab[inside], weights=npl[inside], minlength=k)
    cs, cd = lab[net.g_src], lab[net.g_dst]
    internal = (cs == cd) & (cs >= 0)
    g_total = np.bincount(cs[internal], weights=net.g_amount[internal], minlength=k)
    g_count = np.bincount(cs[internal], minlength=k)
    pairs = mutual_pairs(net)
    pair_count = np.bincount(lab[pairs[:, 0]], minlength=k)
    creditors = label_committees(net, lab, k, facts=debtor_facts(net, params=committee_params),
                                 banks=p.committee_banks, microloans=p.committee_microloans)

    found = _circle_cycles_flat(simple_adjacency(net), flat, np.diff(bounds),
                                max_length=p.max_cycle_length, max_cycles=p.max_cycles,
                                positions=True)
    all_members = flat
    first_group = grp[flat[np.array(bounds[:-1])]].tolist()
    focus_all = exposure[all_members] > p.focus_exposure
    ids_all, names_all = net.ids[all_members].tolist(), names[all_members].tolist()
    # every member's record at once; each circle takes its slice
    details = [{"id": i, "name": nm, "loan_balance": lo, "guarantees_given": gv,
                "exposure": ex, "focus": f}
               for i, nm, lo, gv, ex, f in zip(ids_all, names_all, loans[all_members].tolist(),
                                               given[all_members].tolist(),
                                               exposure[all_members].tolist(),
                                               focus_all.tolist(), strict=True)]
    focus_ids = net.ids[all_members[focus_all]].tolist()
    focus_bounds = np.r_[0, np.cumsum(focus_all)][bounds].tolist()
    return [{
        "id": cid, "group": gids[first], "members": ids_all[lo:hi], "names": names_all[lo:hi],
        "size": hi - lo, "edges": ge, "mutual_pairs": mp, "guarantee_total": gt,
        "loan_total": lt, "npl_balance": nt, "npl_share": nt / lt if lt > 0 else 0.0,
        **cred,
        "focus_members": focus_ids[f0:f1], "member_details": details[lo:hi],
        "cycles": [[ids_all[i] for i in cy] for cy in cycles],
        "cycle_count": len(cycles), "cycles_truncated": truncated,
    } for cid, first, lo, hi, f0, f1, ge, mp, gt, lt, nt, cred, (cycles, truncated) in zip(
        ids, first_group, bounds[:-1], bounds[1:], focus_bounds[:-1], focus_bounds[1:],
        g_count.tolist(), pair_count.tolist(), g_total.tolist(), loan_total.tolist(),
        npl_total.tolist(), creditors, found, strict=True)]


@analysis(params=CircleParams, committee_params=CommitteeParams)
def group_metrics(net: Network, *, params: CircleParams | None = None,
                  committee_params: CommitteeParams | None = None,
                  labels: np.ndarray | None = None,
                  circle_labels_: np.ndarray | None = None,
                  patterns: dict[str, np.ndarray] | None = None) -> list[dict[str, Any]]:
    """Return one record per guarantee group (担保群), riskiest first.

    Parameters
    ----------
    net : Network or Dataset
    params : CircleParams, optional
        The ``watch`` thresholds (``committee_banks``, ``committee_microloans``).
    committee_params : CommitteeParams, optional
        The debtor rule behind ``creditor_committee``.
    labels, circle_labels_ : ndarray, optional
        Precomputed :func:`~graphrisk.network.circles.guarantee_groups` /
        :func:`~graphrisk.network.circles.circle_labels`.
    patterns : dict of str to ndarray, optional
        Precomputed :func:`~graphrisk.network.circles.edge_patterns`.

    Returns
    -------
    list of dict
        Keys ``id`` (``GRP001`` …), ``members`` (ids, sorted), ``size``, ``edges``
        (guarantee records), ``guarantee_total``, ``loan_total``, ``npl_balance``,
        ``npl_share``, ``circles`` (ids of the circles inside), ``patterns`` (number of
        guarantees carrying each pattern), and the creditor counts and committee flags
        of :func:`~graphrisk.network.committees.label_committees` (``creditors``,
        ``creditor_count``, ``bank_count``, ``microloan_count``, ``other_count``,
        ``watch``, ``creditor_committee``, ``committee_debtors``, ``troubled_members``,
        ``performing``, ``committee_reasons``), as for a circle.

    Examples
    --------
    >>> g = group_metrics(net)[0]
    >>> g["id"], g["members"], g["circles"], g["patterns"]["chain"]
    ('GRP001', ['E1', 'E2', 'E3', 'P1'], ['C001'], 2)
    >>> g["bank_count"], g["microloan_count"], g["watch"], g["troubled_members"]
    (2, 1, False, ['E2', 'E3'])

    Notes
    -----
    Vectorised: ``O(n log n + m + loans log loans)``.
    """
    assert params is not None and committee_params is not None  # filled in by @analysis
    lab = guarantee_groups(net) if labels is None else labels
    clab = circle_labels(net) if circle_labels_ is None else circle_labels_
    k = int(lab.max()) + 1 if len(lab) and lab.max() >= 0 else 0
    if k == 0:
        return []
    flags = edge_patterns(net) if patterns is None else patterns
    flat, bounds = _flat_members(net, lab, k)
    member_ids = net.ids[flat].tolist()
    inside = np.flatnonzero(lab >= 0)
    loans, npl = net.borrowings(), _npl_by_entity(net)
    loan_total = np.bincount(lab[inside], weights=loans[inside], minlength=k).tolist()
    npl_total = np.bincount(lab[inside], weights=npl[inside], minlength=k).tolist()
    eg = lab[net.g_src]
    valid = eg >= 0
    g_total = np.bincount(eg[valid], weights=net.g_amount[valid], minlength=k).tolist()
    g_count = np.bincount(eg[valid], minlength=k).tolist()
    pcounts = list(zip(*[np.bincount(eg[valid & flags[name]], minlength=k).tolist()
                         for name in PATTERNS], strict=True))
    circles_in: dict[int, list[str]] = {}
    if len(clab) and clab.max() >= 0:
        kc = int(clab.max()) + 1
        first = np.full(kc, net.n, dtype=np.int64)
        inside_c = np.flatnonzero(clab >= 0)
        np.minimum.at(first, clab[inside_c], inside_c)
        for cid, g in zip(label_ids("C", kc), lab[first].tolist(), strict=True):
            circles_in.setdefault(g, []).append(cid)
    ids = label_ids("GRP", k)
    names = list(PATTERNS)
    creditors = label_committees(net, lab, k, facts=debtor_facts(net, params=committee_params),
                                 banks=params.committee_banks,
                                 microloans=params.committee_microloans)
    return [{
        "id": gid, "members": member_ids[lo:hi], "size": hi - lo, "edges": count,
        "guarantee_total": gt, "loan_total": lt, "npl_balance": nt,
        "npl_share": nt / lt if lt > 0 else 0.0,
        "circles": circles_in.get(g, []),
        "patterns": dict(zip(names, pc, strict=True)),
        **cred,
    } for g, (gid, lo, hi, count, gt, lt, nt, pc, cred) in enumerate(zip(
        ids, bounds[:-1], bounds[1:], g_count, g_total, loan_total, npl_total, pcounts,
        creditors, strict=True))]


@analysis(params=CircleParams)
def focus_enterprises(net: Network, *, params: CircleParams | None = None,
                      groups: np.ndarray | None = None,
                      circles: np.ndarray | None = None) -> list[dict]:
    """List the focus enterprises (重点协调), in a circle or not (SPEC §5).

    Every enterprise whose exposure exceeds ``CircleParams.focus_exposure`` (5,000 万元).
    Exposure is its own loan balance plus the guarantees it gave (万元).  Largest first,
    each with its group and circle (None when it is in none).  O(n log n).

    >>> [(f["id"], f["exposure"]) for f in focus_enterprises(net,
    ...     params=CircleParams(focus_exposure=1000))]
    [('E1', 1400.0), ('E2', 1300.0)]
    """
    assert params is not None  # filled in by @analysis
    exposure = entity_exposure(net)
    pos = np.flatnonzero((exposure > params.focus_exposure) & (net.kind == 0))
    pos = pos[np.lexsort((pos, -exposure[pos]))]
    glab = guarantee_groups(net) if groups is None else groups
    clab = circle_labels(net) if circles is None else circles
    gids = np.array(label_ids("GRP", int(glab.max()) + 1 if glab.max(initial=-1) >= 0 else 0)
                    + [None], dtype=object)
    cids = np.array(label_ids("C", int(clab.max()) + 1 if clab.max(initial=-1) >= 0 else 0)
                    + [None], dtype=object)
    names = entity_names(net)
    return [{"id": i, "name": nm, "exposure": float(x), "loan_balance": float(b),
             "group": g, "circle": c}
            for i, nm, x, b, g, c in zip(net.ids[pos].tolist(), names[pos].tolist(),
                                         exposure[pos].tolist(), net.borrowings()[pos].tolist(),
                                         gids[glab[pos]].tolist(), cids[clab[pos]].tolist(),
                                         strict=True)]


@analysis(params=CircleParams, committee_params=CommitteeParams)
def analyze_circles(net: Network, *, params: CircleParams | None = None,
                    committee_params: CommitteeParams | None = None) -> dict[str, Any]:
    """Return the document of ``graphrisk circles``: groups, circles, patterned edges, summary.

    Parameters
    ----------
    net : Network or Dataset
    params : CircleParams, optional
    committee_params : CommitteeParams, optional
        The debtor rule behind ``creditor_committee`` (SPEC §5).

    Returns
    -------
    dict
        ``groups`` (:func:`group_metrics`), ``circles`` (:func:`circle_metrics`),
        ``edges`` (one per guarantee record: ``id``, ``guarantor_id``, ``borrower_id``,
        ``amount``, ``patterns``, ``group``, ``circle`` — the circle holding both
        ends, else None), ``summary`` (counts; ``creditor_committees`` and ``watch``
        count circles, ``groups_creditor_committee`` and ``groups_watch`` groups) and
        ``params``.

    Examples
    --------
    The demo at 2026-03-31: 9 groups and 3 circles (with every guarantee 10 and 4:
    G031 linked 矿业 and 石材, G005–G007 made the 酒业 circle):

    >>> doc = analyze_circles(demo_net)
    >>> doc["summary"]["groups"], doc["summary"]["circles"], doc["summary"]["mutual_pairs"]
    (9, 3, 2)
    >>> doc["summary"]["creditor_committees"], doc["summary"]["watch"]
    (1, 1)
    >>> analyze_circles(net)["edges"][0]
    {'id': 'G1', 'guarantor_id': 'E2', 'borrower_id': 'E1', 'amount': 800.0,
     'patterns': ('mutual',), 'group': 'GRP001', 'circle': 'C001'}
    """
    assert params is not None and committee_params is not None  # filled in by @analysis
    with gc_paused():
        return _circles_document(net, params, committee_params)


def _circles_document(net: Network, p: CircleParams, cp: CommitteeParams) -> dict[str, Any]:
    glab, clab = guarantee_groups(net), circle_labels(net)
    flags = edge_patterns(net, params=p)
    groups = group_metrics(net, params=p, committee_params=cp, labels=glab,
                           circle_labels_=clab, patterns=flags)
    circles = circle_metrics(net, params=p, committee_params=cp, labels=clab, group_labels=glab)
    gids = np.array(label_ids("GRP", len(groups)) + [None], dtype=object)
    cids = np.array(label_ids("C", len(circles)) + [None], dtype=object)
    cs, cd = clab[net.g_src], clab[net.g_dst]
    ecirc = np.where((cs == cd) & (cs >= 0), cs, -1)
    edges = [{"id": i, "guarantor_id": s, "borrower_id": d, "amount": amt, "patterns": pat,
              "group": g, "circle": c}
             for i, s, d, amt, pat, g, c in zip(
                 net.g_id.tolist(), net.ids[net.g_src].tolist(), net.ids[net.g_dst].tolist(),
                 net.g_amount.tolist(), pattern_lists(flags), gids[glab[net.g_src]].tolist(),
                 cids[ecirc].tolist(), strict=True)]
    pairs = mutual_pairs(net)
    focus = focus_enterprises(net, params=p, groups=glab, circles=clab)
    summary = {
        "entities": net.n, "guarantees": len(net.g_id),
        "entities_in_groups": int((glab >= 0).sum()), "groups": len(groups),
        "largest_group_size": max((g["size"] for g in groups), default=0),
        "circles": len(circles), "entities_in_circles": int((clab >= 0).sum()),
        "largest_circle_size": max((c["size"] for c in circles), default=0),
        "mutual_pairs": len(pairs),
        "creditor_committees": sum(c["creditor_committee"] for c in circles),
        "watch": sum(c["watch"] for c in circles),
        "groups_creditor_committee": sum(g["creditor_committee"] for g in groups),
        "groups_watch": sum(g["watch"] for g in groups),
        "circle_loan_total": float(sum(c["loan_total"] for c in circles)),
        "focus_members": sum(len(c["focus_members"]) for c in circles),
        "focus_enterprises": len(focus),
        "cycles_listed": sum(c["cycle_count"] for c in circles),
        "cycles_truncated": any(c["cycles_truncated"] for c in circles),
        "patterns": {name: int(f.sum()) for name, f in flags.items()},
    }
    return {"groups": groups, "circles": circles, "edges": edges, "focus": focus,
            "summary": summary,
            "params": {"max_cycle_length": p.max_cycle_length, "max_cycles": p.max_cycles,
                       "focus_exposure": p.focus_exposure,
                       "committee_banks": p.committee_banks,
                       "committee_microloans": p.committee_microloans,
                       "min_debt": cp.min_debt, "debtor_banks": cp.banks,
                       "debtor_microloans": cp.microloans,
                       "joint_degree": p.joint_degree, "star_degree": p.star_degree}}
