"""The five related-party rules of SPEC §4 as sparse structures over enterprise *ranks*.

Enterprises are numbered by the sorted order of their ids (rank), so that a pair
``(x, y)`` with ``x < y`` is also ``a < b`` in id order.  Each rule is one of

* **explicit** — an upper-triangular ``n_e × n_e`` CSR matrix of qualifying pairs
  (``equity``, ``lending``, ``guarantee``): at most one entry per shareholding,
  loan or guarantee, so never more than the input;
* **shared member** — an incidence matrix ``members × enterprises`` whose pairs are
  the enterprises sharing a member (``common_owner``: owners with h ≥ T;
  ``management``: persons in a key post, and the directors/senior managers for the
  "more than half" test).  These pairs are never materialised all at once: they
  come out block by block as ``Incᵀ[block] · Inc`` (see :mod:`graphrisk.ownership.related`),
  and groups come from the incidence itself.

The evidence of each pair is built lazily from sorted arrays, block by block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from graphrisk.domain.glossary import MANAGEMENT_ROLES, SENIOR_ROLES
from graphrisk.network.graph import KIND_CODES, Network
from graphrisk.ownership.holdings import EPS, holding_closure
from graphrisk.params import RelatedParams

__all__ = ["BITS", "Ranks", "ExplicitRule", "SharedRule", "equity_rule", "common_owner_rule",
           "lending_rule", "guarantee_rule", "management_rules", "lookup"]

_ENT = KIND_CODES["Enterprise"]
#: bit of each rule in a pair's mask (management has two criteria)
BITS = {"equity": 1, "common_owner": 2, "lending": 4, "guarantee": 8,
        "key_post": 16, "senior_majority": 32}


@dataclass
class Ranks:
    """Enterprise ranks.

    ``glob[r]`` is the entity index of rank ``r``; ``of[i]`` the rank of entity ``i``
    (-1 when it is not an enterprise).
    """

    glob: np.ndarray
    of: np.ndarray

    @classmethod
    def of_network(cls, net: Network) -> Ranks:
        """Rank the enterprises of ``net`` by the sorted order of their ids."""
        ent = np.flatnonzero(net.kind == _ENT)
        glob = ent[np.argsort(net.ids[ent].astype(str), kind="stable")]
        of = np.full(net.n, -1, dtype=np.int64)
        of[glob] = np.arange(len(glob))
        return cls(glob, of)

    @property
    def n(self) -> int:
        """Return the number of enterprises."""
        return len(self.glob)


@dataclass
class ExplicitRule:
    """Qualifying pairs as an upper-triangular matrix, plus what evidence needs."""

    code: str
    pairs: sp.csr_matrix
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class SharedRule:
    """Pairs of enterprises sharing a member of ``inc`` (members × enterprises)."""

    code: str
    inc: sp.csr_matrix
    inc_t: sp.csr_matrix = None  # computed by __post_init__
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Store ``inc`` as a sorted CSR matrix and compute its transpose ``inc_t``."""
        self.inc = sp.csr_matrix(self.inc)
        self.inc.sort_indices()
        self.inc_t = sp.csr_matrix(self.inc.T)
        self.inc_t.sort_indices()

    def cost(self) -> np.ndarray:
        """Per enterprise: entries its row of ``incᵀ · inc`` costs to compute."""
        deg = np.diff(self.inc.indptr).astype(np.float64)
        return self.inc_t @ deg


def upper(lo: np.ndarray, hi: np.ndarray, n: int) -> sp.csr_matrix:
    """Build the binary upper-triangular matrix of the pairs (lo < hi assumed)."""
    M = sp.csr_matrix((np.ones(len(lo)), (lo, hi)), shape=(n, n))
    M.sum_duplicates()
    M.data[:] = 1.0
    M.sort_indices()
    return M


def lookup(M: sp.csr_matrix, rows: npt.ArrayLike, cols: npt.ArrayLike) -> np.ndarray:
    """Return the values ``M[rows[i], cols[i]]`` (0 where absent), vectorised (M: sorted CSR)."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    if M.nnz == 0 or not len(rows):
        return np.zeros(len(rows))
    n = M.shape[1]
    keys = np.repeat(np.arange(M.shape[0], dtype=np.int64), np.diff(M.indptr)) * n + M.indices
    want = rows * n + cols
    pos = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
    return np.where(keys[pos] == want, M.data[pos], 0.0)


# ------------------------------------------------------------------ equity, owners
def ownership_in_ranks(net: Network, ranks: Ranks, params: RelatedParams) -> sp.csr_matrix:
    """Return h(·, ·) for all holders (rows: entities, columns: enterprise ranks), percent."""
    H = holding_closure(net, params=params.ownership).tocoo()
    col = ranks.of[H.col]
    keep = col >= 0
    M = sp.csr_matrix((H.data[keep], (H.row[keep], col[keep])), shape=(net.n, ranks.n))
    M.sort_indices()
    return M


def equity_rule(net: Network, ranks: Ranks, H: sp.csr_matrix, threshold: float) -> ExplicitRule:
    """``equity``: h(X,Y) ≥ T or h(Y,X) ≥ T, both enterprises."""
    Hc = H.tocoo()
    a = ranks.of[Hc.row]
    keep = a >= 0
    a, b, v = a[keep], Hc.col[keep].astype(np.int64), Hc.data[keep]
    He = sp.csr_matrix((v, (a, b)), shape=(ranks.n, ranks.n))  # enterprise rows, any share
    He.sort_indices()
    q = v >= threshold - EPS
    lo, hi = np.minimum(a[q], b[q]), np.maximum(a[q], b[q])
    return ExplicitRule("equity", upper(lo, hi, ranks.n), {"He": He, "threshold": threshold})


def common_owner_rule(net: Network, ranks: Ranks, H: sp.csr_matrix, threshold: float
                      ) -> SharedRule:
    """``common_owner``: a third party P with h(P,X) ≥ T and h(P,Y) ≥ T."""
    B = H.copy()
    B.data[B.data < threshold - EPS] = 0.0
    B.eliminate_zeros()
    owners = np.flatnonzero(np.diff(B.indptr) >= 2)  # an owner of one firm pairs nothing
    Bo = sp.csr_matrix(B[owners])
    return SharedRule("common_owner", Bo, data={"owners": owners, "H": Bo})


# ------------------------------------------------------------------------ lending
def lending_rule(net: Network, ranks: Ranks, capital: np.ndarray, ratio: float
                 ) -> tuple[ExplicitRule, list[str]]:
    """Build ``lending``: loans between X and Y reach ``ratio`` % of X's or of Y's capital.

    The balances of the loans between X and Y, either way, with an enterprise lender,
    against ``capital`` in rank space (NaN when unknown).
    """
    warnings: list[str] = []
    a, b = ranks.of[net.l_borrower], ranks.of[net.l_lender]
    m = (a >= 0) & (b >= 0) & (a != b)
    idx = np.flatnonzero(m)
    lo, hi = np.minimum(a[m], b[m]), np.maximum(a[m], b[m])
    key = lo * ranks.n + hi
    order = np.argsort(key, kind="stable")
    idx, lo, hi, key = idx[order], lo[order], hi[order], key[order]
    ukey, start, inv = np.unique(key, return_index=True, return_inverse=True)
    total = np.bincount(inv, weights=net.l_balance[idx], minlength=len(ukey))
    plo, phi = ukey // max(ranks.n, 1), ukey % max(ranks.n, 1)
    cap_lo, cap_hi = capital[plo], capital[phi]
    limit = ratio / 100.0
    with np.errstate(invalid="ignore"):
        q = (total >= limit * cap_lo - EPS) | (total >= limit * cap_hi - EPS)
    blind = np.isnan(cap_lo) & np.isnan(cap_hi)
    if blind.any():
        ex = ", ".join(f"{net.ids[ranks.glob[x]]}–{net.ids[ranks.glob[y]]}"
                       for x, y in zip(plo[blind][:3], phi[blind][:3], strict=True))
        warnings.append(f"lending: {int(blind.sum())} pair(s) of enterprises with loans between "
                        f"them cannot be evaluated: neither has paid_in_capital or "
                        f"registered_capital (e.g. {ex})")
    if not len(net.l_id):
        warnings.append("lending: the dataset has no loans (loans.csv missing or empty); "
                        "the rule had nothing to evaluate")
    data = {"key": key, "loan": idx, "ukey": ukey, "start": start, "total": total,
            "capital": capital}
    return ExplicitRule("lending", upper(plo[q], phi[q], ranks.n), data), warnings


# ---------------------------------------------------------------------- guarantee
def guarantee_rule(net: Network, ranks: Ranks, ratio: float) -> tuple[ExplicitRule, list[str]]:
    """Build ``guarantee``: guarantees given by one for the other reach ``ratio`` %.

    The ratio is to the other's total borrowings (the sum of its loan balances).
    """
    warnings: list[str] = []
    g, b = ranks.of[net.g_src], ranks.of[net.g_dst]
    m = (g >= 0) & (b >= 0) & (g != b)
    idx = np.flatnonzero(m)
    g, b = g[m], b[m]
    n_e = max(ranks.n, 1)
    okey = g * n_e + b
    ukey, inv = np.unique(okey, return_inverse=True)
    amount = np.bincount(inv, weights=net.g_amount[idx], minlength=len(ukey))
    ug, ub = ukey // n_e, ukey % n_e
    borrow = net.borrowings()[ranks.glob[ub]] if len(ub) else np.zeros(0)
    blind = borrow <= 0
    q = ~blind & (amount >= ratio / 100.0 * borrow - EPS)
    if blind.any():
        ex = ", ".join(f"{net.ids[ranks.glob[x]]} for {net.ids[ranks.glob[y]]}"
                       for x, y in zip(ug[blind][:3], ub[blind][:3], strict=True))
        what = ("the dataset has no loans (loans.csv missing or empty)" if not len(net.l_id)
                else f"{len(np.unique(ub[blind]))} guaranteed enterprise(s) have no loans")
        warnings.append(f"guarantee: {what}, so {int(blind.sum())} guarantee relation(s) "
                        f"cannot be tested against the borrower's total borrowings "
                        f"(e.g. {ex})")
    if not len(net.g_id):
        warnings.append("guarantee: the dataset has no guarantees (guarantees.csv missing or "
                        "empty); the rule had nothing to evaluate")
    lo, hi = np.minimum(ug[q], ub[q]), np.maximum(ug[q], ub[q])
    ukey_u = np.minimum(g, b) * n_e + np.maximum(g, b)
    order = np.argsort(ukey_u, kind="stable")
    data = {"key": ukey_u[order], "guarantee": idx[order], "okey": ukey, "amount": amount,
            "borrowings": borrow, "qualifies": q, "ratio": ratio}
    return ExplicitRule("guarantee", upper(lo, hi, ranks.n), data), warnings


# --------------------------------------------------------------------- management
def management_rules(net: Network, ranks: Ranks
                     ) -> tuple[SharedRule, SharedRule, dict[str, np.ndarray]]:
    """Build ``management``: the key-post and the director/senior-manager incidences.

    The key-post incidence gives the same person in a key post of both; the
    director/senior-manager incidence serves the "more than half" test.

    Returns the two incidences and the positions sorted by company rank (for the
    evidence).
    """
    ds = net.dataset
    pos = ds.tables["positions"]
    person = net.index.get_indexer(pos["person_id"].to_numpy(dtype=object)).astype(np.int64)
    cidx = net.index.get_indexer(pos["company_id"].to_numpy(dtype=object))
    comp = np.where(cidx >= 0, ranks.of[np.maximum(cidx, 0)], -1)
    roles = pos["role"].to_numpy(dtype=object)
    ok = (person >= 0) & (comp >= 0)
    person, comp, roles = person[ok], comp[ok], roles[ok]
    people, pinv = np.unique(person, return_inverse=True)

    def incidence(mask: np.ndarray) -> sp.csr_matrix:
        M = sp.csr_matrix((np.ones(int(mask.sum())), (pinv[mask], comp[mask])),
                          shape=(len(people), ranks.n))
        M.sum_duplicates()
        M.data[:] = 1.0
        return M

    key = incidence(pd.Series(roles).isin(MANAGEMENT_ROLES).to_numpy())
    senior = incidence(pd.Series(roles).isin(SENIOR_ROLES).to_numpy())
    sizes = np.asarray(senior.sum(axis=0)).ravel()
    order = np.lexsort((person, comp))
    evidence = {"comp": comp[order], "person": person[order], "role": roles[order]}
    return (SharedRule("management", key, data={"people": people}),
            SharedRule("management", senior, data={"people": people, "sizes": sizes}),
            evidence)
