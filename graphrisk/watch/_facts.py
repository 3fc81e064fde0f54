"""Network facts behind the watchlist: circles, the contagion cascade and related parties.

This module is where the network signals read the other analyses (the one other
reader is :func:`graphrisk.watch.signals.key_person_links`, which takes the holdings
of the persons named in ``events.csv`` from :mod:`graphrisk.ownership.holdings`):

* guarantee circles from :func:`graphrisk.network.circles.circle_labels` (strongly connected
  components of the guarantee graph with >= 2 members, ids ``C001`` … as in
  :mod:`graphrisk.network.metrics`);
* the deterministic cascade of SPEC §6 from :mod:`graphrisk.contagion`, seeded with
  the enterprises whose status is ``defaulted``: who else falls (and in which round)
  and the guarantee calls on each guarantor;
* related pairs (SPEC §4) from :func:`graphrisk.ownership.related.related_parties`, kept only
  when they touch a given set of enterprises.

Each reader degrades gracefully: when a module is missing (an older installation)
the signal it feeds is left out and a note says so; the guarantee calls then come
from :func:`npl_guarantee_calls`, a documented upper bound.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from graphrisk.contagion.cascade import capacities, cascade, compile_model
from graphrisk.network.circles import circle_labels
from graphrisk.network.committees import label_ids
from graphrisk.network.graph import Network, analysis
from graphrisk.ownership.related import RelatedPairMasks, parse_rules, related_pair_masks
from graphrisk.params import KeyFirmParams, RelatedParams, WarningParams
from graphrisk.watch.signals import CONDITION_DEFAULTED, NetworkFacts, condition

__all__ = ["network_facts", "circle_facts", "cascade_facts", "npl_guarantee_calls",
           "related_pairs", "watchlist_pairs"]


def circle_facts(net: Network) -> tuple[np.ndarray, list[str]]:
    """Circle label of each entity (-1: none) and the display id of each label.

    Uses :mod:`graphrisk.network.circles` (labels ranked by risk).  O(n + m).
    """
    labels = circle_labels(net)
    k = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    return labels, label_ids("C", k)


def npl_guarantee_calls(net: Network, cond: np.ndarray | None = None) -> np.ndarray:
    """Guarantee calls per guarantor without the cascade: an upper bound (万元).

    A guarantee naming a loan counts ``min(amount, balance)`` when the loan is
    non-performing or its borrower defaulted; a guarantee without ``loan_id`` counts
    ``min(amount, the borrower's non-performing balance)`` (all its balance when it
    defaulted).  Co-guarantors are not shared pro rata, hence "upper bound".  O(m).
    """
    cond = condition(net) if cond is None else cond
    bal = net.l_balance
    npl_by = np.bincount(net.l_borrower, weights=bal * net.l_npl, minlength=net.n)
    all_by = net.borrowings()
    dflt = cond == CONDITION_DEFAULTED
    at_stake = np.where(dflt[net.g_dst], all_by[net.g_dst], npl_by[net.g_dst])
    named = net.g_loan >= 0
    li = np.where(named, net.g_loan, 0)
    if len(bal):
        loan_bad = named & (net.l_npl[li] | dflt[net.g_dst])
        at_stake = np.where(named, np.where(loan_bad, bal[li], 0.0), at_stake)
    called = np.minimum(net.g_amount, at_stake)
    return np.bincount(net.g_src, weights=called, minlength=net.n)


def cascade_facts(net: Network, *, recovery: float = 0.0, cond: np.ndarray | None = None,
                  ) -> tuple[np.ndarray, np.ndarray, str, list[str]]:
    """Run the cascade seeded with the defaulted enterprises.

    Returns
    -------
    round : ndarray of int or None
        Round in which each entity fell (0: seed, -1: did not fall); None without
        :mod:`graphrisk.contagion`.
    calls : ndarray of float
        Calls on each guarantor (万元): the cascade's, or :func:`npl_guarantee_calls`.
    source : str
        ``"cascade"`` or ``"npl_guarantees"``.
    notes : list of str

    Notes
    -----
    The cost of :func:`graphrisk.contagion.cascade`: O(Σ guarantees and loans of the
    defaulted · log).
    """
    cond = condition(net) if cond is None else cond
    seeds = np.flatnonzero((cond == CONDITION_DEFAULTED) & (net.kind == 0))
    rounds = np.full(net.n, -1, dtype=np.int64)
    calls = np.zeros(net.n)
    if not len(seeds):
        return rounds, calls, "cascade", []
    cap, warnings = capacities(net)
    res = cascade(compile_model(net, cap, recovery), seeds)
    rounds[res.defaulted] = res.round
    np.add.at(calls, net.g_src[res.guarantee], res.call)
    notes = [f"cascade: {w}" for w in warnings[:3]]
    if len(warnings) > 3:
        notes.append(f"cascade: … {len(warnings) - 3} more capacity warnings")
    return rounds, calls, "cascade", notes


def _important(params: RelatedParams | KeyFirmParams, rules: Sequence[str] | None
               ) -> tuple[RelatedParams, Sequence[str] | None]:
    """Return the related-party parameters and rules a KeyFirmParams stands for."""
    if isinstance(params, KeyFirmParams):
        return RelatedParams(equity_threshold=params.related_equity), rules or params.related_rules
    return params, rules


def _as_frame(pairs: RelatedPairMasks) -> tuple[pd.DataFrame, list[str]]:
    notes = [f"related parties: {w}" for w in pairs.warnings()]
    if not len(pairs):
        return pd.DataFrame({"a": pd.Series([], dtype=np.int64),
                             "b": pd.Series([], dtype=np.int64),
                             "rules": pd.Series([], dtype=object)}), notes
    return pd.DataFrame({"a": pairs.a, "b": pairs.b, "rules": pairs.rule_lists()}), notes


def related_pairs(net: Network, around: ArrayLike, params: RelatedParams | KeyFirmParams, *,
                  rules: Sequence[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Find the related pairs (SPEC §4) that touch the entities ``around``.

    Parameters
    ----------
    net : Network
    around : array of int
        Entity indices; a pair is kept when one of its two ends is among them.
    params : RelatedParams or KeyFirmParams
        A :class:`~graphrisk.params.KeyFirmParams` means the *important* relations:
        its ``related_rules``, equity and common-owner threshold ``related_equity``.
    rules : list of str, optional
        Rule codes (default: all five, or the KeyFirmParams' ``related_rules``).

    Returns
    -------
    pairs : DataFrame
        Columns ``a``, ``b`` (entity indices) and ``rules`` (list of codes).
    notes : list of str
        The related-party warnings (rules that could not be evaluated for lack of
        data).

    Notes
    -----
    The cost of :func:`graphrisk.ownership.related.related_parties` (holdings, then sparse
    products block by block) plus O(pairs) to filter the rule masks; no evidence is
    built.  Memory O(kept pairs).
    """
    params, rules = _important(params, rules)
    among = np.asarray(around, dtype=np.int64)
    if not len(among):
        none = np.zeros(0, dtype=np.int64)
        return _as_frame(RelatedPairMasks(none, none, none, ()))[0], []
    return _as_frame(related_pair_masks(net, params=params, rules=rules, among=among))


def watchlist_pairs(net: Network, key_params: KeyFirmParams, related: RelatedParams,
                    key_firms: ArrayLike, troubled: ArrayLike
                    ) -> tuple[tuple[pd.DataFrame, list[str]], tuple[pd.DataFrame, list[str]]]:
    """Find, in one pass when the parameters allow, both related-pair sets of the watchlist.

    The watchlist needs the *important* related pairs around the key firms
    (:func:`related_pairs` with ``key_params``) and the related pairs around the
    troubled firms (with ``related``, all five rules).  When both read holdings the
    same way (``RelatedParams(equity_threshold=key_params.related_equity) ==
    related``), one pass over the union of the rules and of the two entity sets
    gives both, exactly as two passes would (each rule's bit of a pair is computed
    on its own); otherwise two passes run.

    Returns
    -------
    (pairs, notes) around ``key_firms``, and (pairs, notes) around ``troubled``, as
    :func:`related_pairs` returns them.

    Examples
    --------
    >>> kp = KeyFirmParams()
    >>> (kpairs, _), (tpairs, _) = watchlist_pairs(net, kp, RelatedParams(), [0], [2])
    >>> kpairs.equals(related_pairs(net, [0], kp)[0])
    True
    >>> tpairs.equals(related_pairs(net, [2], RelatedParams())[0])
    True
    """
    kparams, krules = _important(key_params, None)
    kfirms = np.asarray(key_firms, dtype=np.int64)
    tfirms = np.asarray(troubled, dtype=np.int64)
    if kparams != related or not len(kfirms) or not len(tfirms):
        return related_pairs(net, kfirms, key_params), related_pairs(net, tfirms, related)
    every = parse_rules(None)
    krules = parse_rules(krules)
    both = related_pair_masks(net, params=related, rules=every,
                              among=np.union1d(kfirms, tfirms))
    return (_as_frame(both.select(krules, kfirms)), _as_frame(both.select(every, tfirms)))


@analysis(params=WarningParams)
def network_facts(net: Network, *, params: WarningParams | None = None,
                  cond: np.ndarray | None = None,
                  related: tuple[pd.DataFrame, list[str]] | None = None) -> NetworkFacts:
    """Gather the circles, cascade and related pairs of troubled firms, for the signals.

    Related pairs whose only rule is ``guarantee`` are dropped: the guarantor and
    borrower signals already report them.  ``related`` gives the pairs around the
    troubled firms and their notes when they are already known (see
    :func:`watchlist_pairs`); by default they are computed.

    O(n + m) plus the cascade and the related-party stream (see the functions above).
    """
    assert params is not None  # filled in by @analysis
    cond = condition(net) if cond is None else cond
    facts = NetworkFacts()
    facts.circle, facts.circle_ids = circle_facts(net)
    facts.cascade_round, facts.calls, facts.calls_source, notes = cascade_facts(
        net, recovery=params.recovery, cond=cond)
    facts.notes += notes
    troubled = np.flatnonzero((cond > 0) & (net.kind == 0))
    pairs, notes = related_pairs(net, troubled, params.related) if related is None else related
    if pairs is not None and len(pairs):
        # a pair related only by guarantees is already a guarantor/borrower signal
        pairs = pairs[[set(r) != {"guarantee"} for r in pairs["rules"]]]
    facts.related = pairs
    facts.notes += notes
    return facts
