"""The five related-party rules of SPEC §4 as sparse structures over enterprise *ranks*.

Enterprises are numbered by the sorted order of their ids (rank), so that a pair
``(x, y)`` with ``x < y`` is also ``a < b`` in id order.  Each rule is one of

* **explicit** — an upper-triangular ``n_e × n_e`` CSR matrix of qualifying pairs
  (``equity``, ``lending``, ``guarantee``): at most one entry per shareholding,
  loan or guarantee, so never more than the input;
* **shared member** — an incidence matrix ``members × enterprises`` whose pairs are
  the enterprises sharing a member (``common_owner``: owners with h ≥ T;
  ``management``: persons in a key post).  These pairs are never materialised all at
  once: they come out block by block as ``Incᵀ[block] · Inc`` (see
  :mod:`graphrisk.ownership.related`), and groups come from the incidence itself;
* **majority** — the "more than half" test of ``management`` (:class:`MajorityRule`):
  products of the director, senior-manager and board incidences give, block by
  block, how many of one firm's directors (or senior managers) hold a board or
  management seat in the other.

The evidence of each pair is built lazily from sorted arrays, block by block.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from graphrisk.domain.glossary import MANAGEMENT_ROLES, SENIOR_ROLES
from graphrisk.network.committees import id_positions, id_rank
from graphrisk.network.graph import KIND_CODES, Network
from graphrisk.ownership.holdings import EPS, holding_closure
from graphrisk.params import RelatedParams

__all__ = ["BITS", "MAJORITY_BITS", "MANAGEMENT_BITS", "DIRECTOR_ROLES", "MANAGER_ROLES",
           "BOARD_ROLES", "UNPLACED_ROLE", "seat_groups", "Ranks", "ExplicitRule",
           "SharedRule", "MajorityRule", "equity_rule", "common_owner_rule", "lending_rule",
           "guarantee_rule", "management_rules", "lookup"]

_ENT = KIND_CODES["Enterprise"]
#: bit of each rule in a pair's mask; ``management`` has a key-post criterion and the
#: "more than half" criteria: of the directors, of the senior managers (read
#: ``separately``) or of both counted together (``combined``)
BITS = {"equity": 1, "common_owner": 2, "lending": 4, "guarantee": 8,
        "key_post": 16, "senior_majority": 32, "director_majority": 64,
        "manager_majority": 128}
#: the bits of the "more than half" criteria
MAJORITY_BITS = BITS["senior_majority"] | BITS["director_majority"] | BITS["manager_majority"]
#: the bits of every ``management`` criterion
MANAGEMENT_BITS = BITS["key_post"] | MAJORITY_BITS

#: directors (董事): the chairman (董事长) is one of the board
DIRECTOR_ROLES = frozenset({"chairman", "director"})
#: senior managers (高级管理人员: 经理、副经理、财务负责人 …, 42号公告 第二条(五)): of the
#: glossary's posts, the general manager (总经理) and the CFO (财务负责人)
MANAGER_ROLES = frozenset({"general_manager", "cfo"})
#: the seats of the "more than half" test: the glossary's directors and senior
#: managers, with the legal representative, who is by law a director or the manager
#: (公司法 第十条: 由代表公司执行公司事务的董事或者经理担任)
BOARD_ROLES = SENIOR_ROLES
#: a legal representative with no director or senior-manager post recorded in the same
#: firm counts among its directors (the usual case: 董事长 or 执行董事)
UNPLACED_ROLE = "legal_representative"


def seat_groups(posts: set[str] | frozenset[str]) -> tuple[bool, bool, bool]:
    """Tell whether one person's ``posts`` in a firm make a director, a manager, a seat.

    >>> seat_groups({"legal_representative"}), seat_groups({"cfo", "legal_representative"})
    ((True, False, True), (False, True, True))
    """
    placed = bool(posts & (DIRECTOR_ROLES | MANAGER_ROLES))
    director = bool(posts & DIRECTOR_ROLES) or (UNPLACED_ROLE in posts and not placed)
    return director, bool(posts & MANAGER_ROLES), bool(posts & BOARD_ROLES)


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
        """Rank the enterprises of ``net`` by the sorted order of their ids.

        The text order of all ids is sorted once per network (:func:`id_rank`, shared
        with the circle and committee documents).
        """
        ent = np.flatnonzero(net.kind == _ENT)
        glob = ent[np.argsort(id_rank(net)[ent], kind="stable")]
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
@dataclass
class MajorityRule:
    """The "more than half" criterion of ``management`` (42号公告 第二条(五)).

    ``board`` holds each firm's directors and senior managers (persons × firms, the
    seats that count in the *other* firm); ``groups`` the groups whose majority is
    tested, each with its bit: the directors (``director_majority``) and the senior
    managers (``manager_majority``) when the reading is ``separately``, the board
    itself (``senior_majority``) when it is ``combined``.  A group of X has its
    majority in Y when more than half of its members hold a seat of ``board`` in Y.
    """

    reading: str
    board: SharedRule
    groups: list[tuple[int, SharedRule]]

    def cost(self) -> np.ndarray:
        """Per enterprise: entries its rows of the products cost to compute."""
        deg_board = np.diff(self.board.inc.indptr).astype(np.float64)
        total = np.zeros(self.board.inc.shape[1])
        for _, group in self.groups:
            total += group.inc_t @ deg_board
            if group is not self.board:
                total += self.board.inc_t @ np.diff(group.inc.indptr).astype(np.float64)
        return total

    def products(self, r0: int, r1: int
                 ) -> Iterator[tuple[int, sp.csr_matrix, np.ndarray]]:
        """Yield ``(bit, C, qualifies)`` for the rows ``r0:r1`` (firms X) of a block.

        ``C[x, y]`` counts shared people and ``qualifies`` (one flag per stored entry
        of ``C``) says whether a group of X has its majority in Y or a group of Y
        its majority in X.
        """
        board = self.board
        for bit, group in self.groups:
            size = group.data["sizes"]
            # x's group members seated in y: |G_x ∩ B_y|
            C = sp.csr_matrix(group.inc_t[r0:r1] @ board.inc)
            row = np.repeat(np.arange(r0, r1), np.diff(C.indptr))
            if group is board:  # symmetric: |B_x ∩ B_y|, the larger share of either side
                yield bit, C, (C.data > size[row] / 2) | (C.data > size[C.indices] / 2)
                continue
            yield bit, C, C.data > size[row] / 2
            # y's group members seated in x: |B_x ∩ G_y|
            R = sp.csr_matrix(board.inc_t[r0:r1] @ group.inc)
            yield bit, R, R.data > size[R.indices] / 2


def management_rules(net: Network, ranks: Ranks, reading: str = "separately"
                     ) -> tuple[SharedRule, MajorityRule, dict[str, np.ndarray]]:
    """Build ``management``: the key-post incidence and the majority test.

    The key-post incidence gives the same person in a key post (``MANAGEMENT_ROLES``:
    legal representative, chairman, general manager, actual controller) of both —
    any of these posts in each.  The majority test (:class:`MajorityRule`) counts
    directors (``DIRECTOR_ROLES``, with an unplaced legal representative) and senior
    managers (``MANAGER_ROLES``) — in the ``reading`` ``separately`` each group on its
    own, ``combined`` the seats (``BOARD_ROLES``) together.

    Returns the key-post incidence, the majority test and the positions sorted by
    company rank (for the evidence).
    """
    ds = net.dataset
    pos = ds.tables["positions"]
    person = id_positions(net, pos["person_id"])
    cidx = id_positions(net, pos["company_id"])
    comp = np.where(cidx >= 0, ranks.of[np.maximum(cidx, 0)], -1)
    roles = pos["role"].to_numpy(dtype=object)
    ok = (person >= 0) & (comp >= 0)
    person, comp, roles = person[ok], comp[ok], roles[ok]
    people, pinv = np.unique(person, return_inverse=True)
    role_code, role_names = pd.factorize(roles)  # a handful of distinct posts
    is_role = {r: np.isin(role_code, [i for i, name in enumerate(role_names) if name in r])
               for r in (MANAGEMENT_ROLES, BOARD_ROLES, DIRECTOR_ROLES, MANAGER_ROLES)}
    # an unplaced legal representative (no director or manager post in that firm)
    seat = pinv.astype(np.int64) * max(ranks.n, 1) + comp
    placed = np.isin(seat, seat[is_role[DIRECTOR_ROLES] | is_role[MANAGER_ROLES]])
    unplaced = (roles == UNPLACED_ROLE) & ~placed

    def incidence(mask: np.ndarray) -> SharedRule:
        M = sp.csr_matrix((np.ones(int(mask.sum())), (pinv[mask], comp[mask])),
                          shape=(len(people), ranks.n))
        M.sum_duplicates()
        M.data[:] = 1.0
        sizes = np.asarray(M.sum(axis=0)).ravel()  # members per firm
        return SharedRule("management", M, data={"people": people, "sizes": sizes})

    board = incidence(is_role[BOARD_ROLES])
    groups = ([(BITS["senior_majority"], board)] if reading == "combined" else
              [(BITS["director_majority"], incidence(is_role[DIRECTOR_ROLES] | unplaced)),
               (BITS["manager_majority"], incidence(is_role[MANAGER_ROLES]))])
    order = np.lexsort((person, comp))
    evidence = {"comp": comp[order], "person": person[order], "role": roles[order]}
    return (incidence(is_role[MANAGEMENT_ROLES]), MajorityRule(reading, board, groups),
            evidence)
