"""Related parties (关联方) between enterprises and related-party groups (SPEC §4).

Two enterprises X and Y are related when one of these rules holds (thresholds are
:class:`~graphrisk.params.RelatedParams`; holdings in the mode of SPEC §3):

``equity`` 股权关联
    h(X,Y) ≥ 25 % or h(Y,X) ≥ 25 %.
``common_owner`` 共同股东
    some third party P (enterprise, person or institution) has h(P,X) ≥ 25 % and
    h(P,Y) ≥ 25 % (the same threshold as ``equity``).
``lending`` 资金借贷
    the balances of the loans between X and Y, either direction, with an enterprise
    as lender, reach 50 % of X's or of Y's own capital (``paid_in_capital``, else
    ``registered_capital``; zero or missing capital is unknown).
``guarantee`` 担保关联
    the guarantees given by one for the other reach 10 % of the other's total
    borrowings (the sum of its loan balances); a borrower without loans cannot be
    tested, and a warning says so.
``management`` 管理关联
    the same person is ``legal_representative``, ``chairman``, ``general_manager`` or
    ``actual_controller`` of both — any of these posts in each (criterion
    ``key_post``); or, after 42号公告 第二条(五) ("一方半数以上董事或者半数以上高级管理人员
    …同时担任另一方的董事或者高级管理人员"), more than half of one's directors
    (``chairman``, ``director``) or more than half of one's senior managers
    (``general_manager``, ``cfo``) hold a seat in the other (a director or senior
    manager post, or its legal representative: 公司法 第十条; a legal representative
    with no such post recorded in the firm counts among its directors).
    ``RelatedParams.management_majority`` chooses the reading: ``separately`` (the
    default; criteria ``director_majority``, ``manager_majority``) counts the
    directors and the senior managers each on their own; ``combined`` (criterion
    ``senior_majority``) counts them together.  Exactly half is not more than half.

A related-party *group* (关联企业群) is a connected component of the related
relation with at least two members.

Scale
-----
A state holding company holding ≥ 25 % of k firms makes k(k-1)/2 ``common_owner``
pairs; a person who is the legal representative of k firms does the same for
``management``.  Such pairs are never built all at once:

* groups come from one graph holding the explicit pairs (equity, lending,
  guarantee: at most one per input row) plus the owner–company and person–company
  *incidences* as stars — O(nnz) nodes and edges, components by
  ``scipy.sparse.csgraph`` in about a second at 1M;
* the pairs are produced in blocks of enterprises (by id): for a block, the shared
  pairs are the rows of ``Incᵀ[block] · Inc``; blocks are sized so that each product
  stays below ``block_budget`` entries.  Counting the pairs costs one pass without
  evidence: O(Σ_P k_P²) sparse work over all owners/persons P, linear memory;
* :meth:`RelatedParties.pairs` (and :func:`iter_related_pairs`) streams them with
  their evidence, in ``(a, b)`` order with ``a < b``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from graphrisk.domain.glossary import RELATED_RULES
from graphrisk.errors import ParameterError
from graphrisk.io.dataset import Dataset
from graphrisk.network.committees import id_positions
from graphrisk.network.graph import Network, analysis
from graphrisk.ownership._evidence import Evidence
from graphrisk.ownership._rules import (
    BITS,
    MAJORITY_BITS,
    MANAGEMENT_BITS,
    ExplicitRule,
    MajorityRule,
    Ranks,
    SharedRule,
    common_owner_rule,
    equity_rule,
    guarantee_rule,
    lending_rule,
    management_rules,
    ownership_in_ranks,
)
from graphrisk.params import RelatedParams

__all__ = ["RelatedParties", "related_parties", "iter_related_pairs", "related_pairs_frame",
           "related_pair_masks", "RelatedPairMasks", "pair_frame", "parse_rules", "BITS"]

_MGMT = MANAGEMENT_BITS


def parse_rules(rules: str | Sequence[str] | None) -> tuple[str, ...]:
    """Return the rule codes of a list or a comma-separated string, in SPEC order.

    >>> parse_rules("management, equity")
    ('equity', 'management')
    """
    if rules is None:
        return tuple(RELATED_RULES)
    if isinstance(rules, str):
        rules = [r for r in (x.strip() for x in rules.split(",")) if r]
    bad = [r for r in rules if r not in RELATED_RULES]
    if bad or not rules:
        raise ParameterError(f"unknown related-party rule(s) {', '.join(map(repr, bad))}; "
                             f"use {', '.join(RELATED_RULES)}" if bad else
                             "no related-party rule selected")
    return tuple(r for r in RELATED_RULES if r in rules)


@dataclass
class RelatedParties:
    """The result of :func:`related_parties`.

    Attributes
    ----------
    pair_count : int
        Distinct related pairs (any rule).
    rule_counts : dict
        Pairs per rule (a pair related by two rules counts in both).
    groups : list of list of str
        Related-party groups (enterprise ids, sorted), largest first.
    warnings : list of str
        Rules (or parts of them) that could not be evaluated for lack of data.
    """

    rules: tuple[str, ...]
    params: RelatedParams
    pair_count: int
    rule_counts: dict[str, int]
    groups: list[list[str]]
    warnings: list[str]
    _ctx: _Context = field(repr=False)

    def pairs(self, max_pairs: int | None = None, max_paths: int = 10
              ) -> Iterator[dict[str, Any]]:
        """Stream the related pairs with their evidence, ordered by ``(a, b)``.

        Each pair is ``{"a", "b", "a_name", "b_name", "rules", "evidence"}`` with
        ``a < b``; ``evidence`` has one entry per rule that holds.
        """
        yield from self._ctx.iter_pairs(max_pairs, max_paths)

    def as_dict(self, max_pairs: int | None = None) -> dict[str, Any]:
        """Return the JSON document of ``graphrisk related`` (pairs materialised)."""
        pairs = list(self.pairs(max_pairs))
        return {"pairs": pairs, "groups": [{"members": g, "size": len(g)} for g in self.groups],
                "pair_count": self.pair_count, "rule_counts": self.rule_counts,
                "warnings": self.warnings, "rules": list(self.rules),
                "mode": self.params.ownership.mode,
                "truncated": max_pairs is not None and self.pair_count > len(pairs)}


def _capital(net: Network) -> np.ndarray:
    """Return each entity's own capital (``Dataset.capital``; NaN for non-enterprises)."""
    capital = net.dataset.capital()
    out = np.full(net.n, np.nan)
    pos = id_positions(net, capital.index.to_numpy(dtype=object))
    out[pos[pos >= 0]] = capital.to_numpy(dtype=np.float64)[pos >= 0]
    return out


def _rule_warnings(no_holdings: bool, notes: dict[str, list[str]], rules: Sequence[str]
                   ) -> list[str]:
    """Return the warnings of a pass with ``rules``, in the order the rules are built."""
    out = []
    if no_holdings and ("equity" in rules or "common_owner" in rules):
        which = " and ".join(r for r in ("equity", "common_owner") if r in rules)
        out.append(f"{which}: the dataset has no shareholdings "
                   "(shareholdings.csv missing or empty); nothing to evaluate")
    for code in ("lending", "guarantee", "management"):
        if code in rules:
            out += notes[code]
    return out


def _rule_bits(rules: Sequence[str]) -> int:
    """Return the bit mask of rule codes (``management``: all its criteria)."""
    bits = 0
    for code in rules:
        bits |= _MGMT if code == "management" else BITS[code]
    return bits


@dataclass
class RelatedPairMasks:
    """Related pairs without evidence: entity indices and the rule bits of each pair.

    Attributes
    ----------
    a, b : ndarray of int64
        Entity indices of the two enterprises, ``ids[a] < ids[b]``, ordered by
        ``(a, b)`` in id order.
    mask : ndarray of int64
        Rule bits of each pair (:data:`BITS`; ``management`` has several).
    rules : tuple of str
        The rules evaluated.
    """

    a: np.ndarray
    b: np.ndarray
    mask: np.ndarray
    rules: tuple[str, ...]
    no_holdings: bool = field(default=False, repr=False)
    notes: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        """Return the number of pairs."""
        return len(self.a)

    def warnings(self) -> list[str]:
        """Return the rules (or parts of them) that could not be evaluated for lack of data."""
        return _rule_warnings(self.no_holdings, self.notes, self.rules)

    def select(self, rules: str | Sequence[str] | None = None,
               among: npt.ArrayLike | None = None) -> RelatedPairMasks:
        """Return the pairs that a pass with only ``rules`` and ``among`` would find.

        ``rules`` must be among :attr:`rules`; each kept pair's mask keeps only their
        bits, and a pair with none of them is dropped.  ``among`` keeps the pairs with
        an end among these entity indices.

        >>> pm = related_pair_masks(net)
        >>> sub = pm.select("lending,guarantee", among=net.positions(["E4"]))
        >>> net.ids[sub.a].tolist(), net.ids[sub.b].tolist(), sub.rule_lists()
        (['E1'], ['E4'], [['lending']])
        """
        codes = self.rules if rules is None else parse_rules(rules)
        missing = [c for c in codes if c not in self.rules]
        if missing:
            raise ParameterError(f"rule(s) {', '.join(missing)} were not evaluated")
        m = self.mask & _rule_bits(codes)
        keep = m != 0
        if among is not None:
            n = int(max(self.a.max(initial=-1), self.b.max(initial=-1))) + 1
            on = np.zeros(n, dtype=bool)
            wanted = np.asarray(among, dtype=np.int64)
            on[wanted[wanted < n]] = True
            keep &= on[self.a] | on[self.b]
        return RelatedPairMasks(self.a[keep], self.b[keep], m[keep], codes,
                                self.no_holdings, self.notes)

    def rule_lists(self) -> list[list[str]]:
        """Return the rule codes of each pair (a new list per pair), in SPEC order."""
        if not len(self.mask):
            return []
        masks, inverse = np.unique(self.mask, return_inverse=True)
        table = [_codes(int(x)) for x in masks.tolist()]
        return [table[i][:] for i in inverse.tolist()]


@dataclass
class _Block:
    """Pairs of one block: ranks ``row < col`` and the rule bit ``data`` of each."""

    row: np.ndarray
    col: np.ndarray
    data: np.ndarray

    @property
    def nnz(self) -> int:
        """Return the number of pairs."""
        return len(self.row)


class _Context:
    """Rule structures shared by the counting pass and the pair stream."""

    def __init__(self, ds: Dataset, net: Network, params: RelatedParams,
                 rules: tuple[str, ...], block_budget: int) -> None:
        self.ds, self.net, self.params, self.rules = ds, net, params, rules
        self.ranks = ranks = Ranks.of_network(net)
        # what could not be evaluated, per rule; equity and common_owner share one note
        self._notes: dict[str, list[str]] = {code: [] for code in RELATED_RULES}
        self._no_holdings = False
        self.explicit: list[tuple[int, ExplicitRule]] = []
        self.shared: list[tuple[int, SharedRule]] = []
        self.majority: MajorityRule | None = None
        t = ds.tables
        T = params.equity_threshold
        if "equity" in rules or "common_owner" in rules:
            self._no_holdings = not len(t["shareholdings"])
            H = ownership_in_ranks(net, ranks, params)
            if "equity" in rules:
                self.explicit.append((BITS["equity"], equity_rule(net, ranks, H, T)))
            if "common_owner" in rules:
                self.shared.append((BITS["common_owner"], common_owner_rule(net, ranks, H, T)))
        if "lending" in rules:
            cap = _capital(net)[ranks.glob]
            cap[~(cap > 0)] = np.nan
            rule, w = lending_rule(net, ranks, cap, params.lending_ratio)
            self.explicit.append((BITS["lending"], rule))
            self._notes["lending"] += w
        if "guarantee" in rules:
            rule, w = guarantee_rule(net, ranks, params.guarantee_ratio)
            self.explicit.append((BITS["guarantee"], rule))
            self._notes["guarantee"] += w
        self.positions: dict[str, np.ndarray] | None = None
        if "management" in rules:
            if not len(t["positions"]):
                self._notes["management"].append(
                    "management: the dataset has no positions (positions.csv missing or "
                    "empty); nothing to evaluate")
            key, majority, self.positions = management_rules(net, ranks,
                                                             params.management_majority)
            self.shared.append((BITS["key_post"], key))
            self.majority = majority
        self.warnings = self.warnings_for(rules)
        self.evidence = Evidence(self)
        self.bounds = self._bounds(block_budget)

    def warnings_for(self, rules: Sequence[str]) -> list[str]:
        """Return the warnings a pass with only ``rules`` (a subset of ours) would give."""
        return _rule_warnings(self._no_holdings, self._notes, rules)

    def _bounds(self, budget: int) -> np.ndarray:
        """Return the rank bounds of blocks of about ``budget`` entries each."""
        n = self.ranks.n
        cost = np.ones(n)
        for _, shared in self.shared:
            cost += shared.cost()
        if self.majority is not None:
            cost += self.majority.cost()
        for _, explicit in self.explicit:
            cost += np.diff(explicit.pairs.indptr)
        cum = np.cumsum(cost)
        cuts = np.searchsorted(cum, np.arange(budget, cum[-1] if n else 0, budget))
        return np.unique(np.concatenate([[0], cuts, [n]])).astype(np.int64)

    def block(self, r0: int, r1: int) -> _Block:
        """Related pairs (a, b) with r0 ≤ a < r1 and a < b, sorted; data = rule bit mask."""
        n = self.ranks.n
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        bits: list[np.ndarray] = []

        def add(M: sp.csr_matrix, bit: int, mask: np.ndarray | None = None) -> None:
            r = np.repeat(np.arange(r1 - r0, dtype=np.int64), np.diff(M.indptr)) + r0
            c = M.indices.astype(np.int64)
            keep = c > r if mask is None else (c > r) & mask
            rows.append(r[keep])
            cols.append(c[keep])
            bits.append(np.full(int(keep.sum()), bit, dtype=np.int64))

        for bit, explicit in self.explicit:
            add(explicit.pairs[r0:r1], bit)
        for bit, shared in self.shared:
            add(sp.csr_matrix(shared.inc_t[r0:r1] @ shared.inc), bit)
        if self.majority is not None:
            for bit, C, qualifies in self.majority.products(r0, r1):
                add(C, bit, qualifies)
        key = np.concatenate(rows) * max(n, 1) + np.concatenate(cols)
        pair_bits = np.concatenate(bits)
        order = np.argsort(key, kind="stable")
        key, pair_bits = key[order], pair_bits[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else key
        mask = np.bitwise_or.reduceat(pair_bits, starts) if len(key) else pair_bits
        key = key[starts]
        return _Block(key // max(n, 1), key % max(n, 1), mask)

    def count(self) -> tuple[int, dict[str, int], tuple[np.ndarray, np.ndarray]]:
        """Count the pairs, in all and per rule, in one pass over the blocks.

        Also returns the pairs related by a "more than half" criterion of
        ``management`` and no key post (for the groups).
        """
        total, counts = 0, dict.fromkeys(self.rules, 0)
        extra_a: list[np.ndarray] = []
        extra_b: list[np.ndarray] = []
        for r0, r1 in zip(self.bounds[:-1], self.bounds[1:], strict=False):
            U = self.block(int(r0), int(r1))
            total += U.nnz
            for code in self.rules:
                bit = _MGMT if code == "management" else BITS[code]
                counts[code] += int(((U.data & bit) != 0).sum())
            only = ((U.data & MAJORITY_BITS) != 0) & ((U.data & BITS["key_post"]) == 0)
            extra_a.append(U.row[only])
            extra_b.append(U.col[only])
        return total, counts, (np.concatenate(extra_a or [np.zeros(0, np.int64)]),
                               np.concatenate(extra_b or [np.zeros(0, np.int64)]))

    def groups(self, extra: tuple[np.ndarray, np.ndarray]) -> list[list[str]]:
        """Return the related-party groups (sorted enterprise ids), largest first.

        ``extra`` are the pairs no rule structure holds (a "more than half" criterion
        of ``management`` without a key post).
        """
        n = self.ranks.n
        row_parts, col_parts, offset = [extra[0]], [extra[1]], n
        for _, explicit in self.explicit:
            c = explicit.pairs.tocoo()
            row_parts.append(c.row)
            col_parts.append(c.col)
        for _, shared in self.shared:
            c = shared.inc.tocoo()
            row_parts.append(c.row.astype(np.int64) + offset)
            col_parts.append(c.col)
            offset += shared.inc.shape[0]
        rows = np.concatenate(row_parts).astype(np.int64)
        cols = np.concatenate(col_parts).astype(np.int64)
        G = sp.csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)),
                          shape=(offset, offset))
        _, labels = connected_components(G, directed=False)
        lab = labels[:n]
        sizes = np.bincount(lab, minlength=labels.max() + 1 if len(labels) else 0)
        members = np.flatnonzero(sizes[lab] >= 2) if n else np.zeros(0, np.int64)
        # largest group first, then by its smallest rank (= first id); ids sorted inside
        first = np.full(len(sizes), n, dtype=np.int64)
        np.minimum.at(first, lab[members], members)
        order = members[np.lexsort((members, first[lab[members]], -sizes[lab[members]]))]
        cuts = np.flatnonzero(np.diff(lab[order])) + 1
        ids = self.net.ids[self.ranks.glob]
        return [part.tolist() for part in np.split(ids[order], cuts)] if len(order) else []

    def iter_pairs(self, max_pairs: int | None, max_paths: int) -> Iterator[dict[str, Any]]:
        """Stream the pairs with their evidence, block by block (at most ``max_pairs``)."""
        left = max_pairs
        for r0, r1 in zip(self.bounds[:-1], self.bounds[1:], strict=False):
            U = self.block(int(r0), int(r1))
            if left is not None:
                U = _Block(U.row[:left], U.col[:left], U.data[:left])
            if not U.nnz:
                continue
            yield from self.evidence.pairs(U.row.astype(np.int64), U.col.astype(np.int64),
                                           U.data, max_paths)
            self.evidence.clear()
            if left is not None:
                left -= U.nnz
                if left <= 0:
                    return


@analysis(params=RelatedParams)
def related_parties(net: Network, *, params: RelatedParams | None = None,
                    rules: str | Sequence[str] | None = None, block_budget: int = 4_000_000
                    ) -> RelatedParties:
    """Find the related pairs (counted), related-party groups and warnings; pairs on demand.

    Parameters
    ----------
    net : Network or Dataset
    params : RelatedParams
        Ownership mode, thresholds and the reading of the management majority
        (``management_majority``: ``separately`` or ``combined``).
    rules : list of str or str, optional
        Rule codes to apply (default: all five).
    block_budget : int
        Most pair candidates computed at once (bounds memory).

    Returns
    -------
    RelatedParties
        ``pair_count``, ``rule_counts``, ``groups``, ``warnings``; iterate
        :meth:`RelatedParties.pairs` for the pairs with their evidence.

    Examples
    --------
    >>> rp = related_parties(net)
    >>> rp.pair_count, rp.rule_counts, rp.groups
    (4, {'equity': 3, 'common_owner': 3, 'lending': 1, 'guarantee': 2, 'management': 1},
     [['E1', 'E2', 'E3', 'E4']])
    >>> pair = next(rp.pairs())
    >>> pair["a"], pair["b"], pair["evidence"]["common_owner"]
    ('E1', 'E2', {'owners': [{'owner_id': 'P1', 'name': '张三', 'a_pct': 60.0, 'b_pct': 30.0}]})

    On the demo at its date 2026-03-31 the guarantees G006, G012 and G014 have ended, and
    with them the only link of 饮料–玻璃, 机械–五金 and 置业–水泥 (66 pairs undated):

    >>> related_parties(demo_net).pair_count
    63

    Notes
    -----
    Holdings as :func:`graphrisk.ownership.holding_closure`; then O(rows) for the
    explicit rules, O(Σ_P k_P²) sparse work for the shared-member rules (k_P: firms
    sharing owner or person P) and O(N) for the components over N = entities +
    owners + persons.  See the module notes.
    """
    ds = net.dataset
    if not isinstance(params, RelatedParams):
        raise ParameterError("params must be a RelatedParams")
    codes = parse_rules(rules)
    ctx = _Context(ds, net, params, codes, block_budget)
    total, counts, extra = ctx.count()
    return RelatedParties(codes, params, total, counts, ctx.groups(extra), ctx.warnings, ctx)


@analysis(params=RelatedParams)
def iter_related_pairs(net: Network, *, params: RelatedParams | None = None,
                       rules: str | Sequence[str] | None = None, max_pairs: int | None = None
                       ) -> Iterator[dict[str, Any]]:
    """Stream the related pairs with their evidence (see :func:`related_parties`).

    Examples
    --------
    >>> for pair in iter_related_pairs(net):
    ...     print(pair["a"], pair["b"], pair["rules"])
    E1 E2 ['equity', 'common_owner', 'guarantee', 'management']
    E1 E3 ['equity', 'common_owner']
    E1 E4 ['lending']
    E2 E3 ['equity', 'common_owner', 'guarantee']
    """
    assert params is not None  # filled in by @analysis
    ds = net.dataset
    ctx = _Context(ds, net, params, parse_rules(rules), 4_000_000)
    yield from ctx.iter_pairs(max_pairs, 10)


def _codes(mask: int) -> list[str]:
    """Return the rule codes of a pair's bit mask, in SPEC order."""
    return [c for c in RELATED_RULES
            if mask & (_MGMT if c == "management" else BITS[c])]


@analysis(params=RelatedParams)
def related_pair_masks(net: Network, *, params: RelatedParams | None = None,
                       rules: str | Sequence[str] | None = None,
                       among: npt.ArrayLike | None = None) -> RelatedPairMasks:
    """Return all related pairs without evidence, as arrays of indices and rule bits.

    Parameters
    ----------
    net, params, rules
        As :func:`related_parties`.
    among : array of int, optional
        Keep only the pairs with at least one end among these entity indices.

    Returns
    -------
    RelatedPairMasks
        One pass computes the pairs of several rule sets and entity sets at once:
        :meth:`RelatedPairMasks.select` gives what a pass with fewer rules, or with a
        smaller ``among``, would have found, and its warnings.

    Notes
    -----
    One pass over the blocks of :func:`related_parties` (no evidence); memory
    O(pairs kept) — mind the pair count when a huge common owner is present.

    Examples
    --------
    >>> pm = related_pair_masks(net, rules="lending,guarantee")
    >>> len(pm), pm.rule_lists()
    (3, [['guarantee'], ['lending'], ['guarantee']])
    """
    assert params is not None  # filled in by @analysis
    ds = net.dataset
    codes = parse_rules(rules)
    ctx = _Context(ds, net, params, codes, 4_000_000)
    keep = None
    if among is not None:
        keep = np.zeros(ctx.ranks.n, dtype=bool)
        r = ctx.ranks.of[np.asarray(among, dtype=np.int64)]
        keep[r[r >= 0]] = True
    a_parts, b_parts, m_parts = [], [], []
    for r0, r1 in zip(ctx.bounds[:-1], ctx.bounds[1:], strict=False):
        U = ctx.block(int(r0), int(r1))
        sel = slice(None) if keep is None else keep[U.row] | keep[U.col]
        a_parts.append(U.row[sel])
        b_parts.append(U.col[sel])
        m_parts.append(U.data[sel])
    a = np.concatenate(a_parts or [np.zeros(0, np.int64)]).astype(np.int64)
    b = np.concatenate(b_parts or [np.zeros(0, np.int64)]).astype(np.int64)
    m = np.concatenate(m_parts or [np.zeros(0, np.int64)]).astype(np.int64)
    return RelatedPairMasks(ctx.ranks.glob[a], ctx.ranks.glob[b], m, codes,
                            ctx._no_holdings, {k: list(v) for k, v in ctx._notes.items()})


@analysis(params=RelatedParams)
def related_pairs_frame(net: Network, *, params: RelatedParams | None = None,
                        rules: str | Sequence[str] | None = None,
                        among: npt.ArrayLike | None = None) -> pd.DataFrame:
    """Return all related pairs without evidence, as a DataFrame (for other analyses).

    Parameters
    ----------
    net, params, rules
        As :func:`related_parties`.
    among : array of int, optional
        Keep only the pairs with at least one end among these entity indices.

    Returns
    -------
    DataFrame
        ``a``, ``b`` (entity indices of ``net``), ``a_id``, ``b_id`` (``a_id < b_id``)
        and ``rules`` (list of rule codes); ``frame.attrs["warnings"]`` lists the rules
        that could not be evaluated for lack of data.

    Notes
    -----
    :func:`related_pair_masks` as a frame.

    Examples
    --------
    >>> related_pairs_frame(net, rules="lending,guarantee")[["a_id", "b_id", "rules"]]
      a_id b_id      rules
    0   E1   E2  [guarantee]
    1   E1   E4    [lending]
    2   E2   E3  [guarantee]
    """
    assert params is not None  # filled in by @analysis
    return pair_frame(net, related_pair_masks(net, params=params, rules=rules, among=among))


def pair_frame(net: Network, pairs: RelatedPairMasks) -> pd.DataFrame:
    """Return :class:`RelatedPairMasks` as the frame of :func:`related_pairs_frame`."""
    frame = pd.DataFrame({"a": pairs.a, "b": pairs.b, "a_id": net.ids[pairs.a],
                          "b_id": net.ids[pairs.b], "rules": pairs.rule_lists()})
    frame.attrs["warnings"] = pairs.warnings()
    return frame
