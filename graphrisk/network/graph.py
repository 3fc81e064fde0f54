"""The property graph of SPEC §2, in two forms built from one :class:`Dataset`.

* :func:`to_networkx` — a ``networkx.MultiDiGraph`` with typed node and edge
  attributes, for exploration and small subgraphs.  Entities are keyed by their id;
  loans by :func:`loan_key` (``"loan:<id>"``) because loan ids have a namespace of
  their own.  Every edge carries ``rel`` (a relationship name of the glossary;
  ``type`` stays free for the guarantee type).
* :func:`build_network` — a :class:`Network` of integer-indexed numpy arrays (and
  scipy sparse matrices on demand) that the analyses use at 1M-enterprise scale.
  It is about 60× smaller in memory than the networkx graph.

Direction is the same in both: guarantor → borrower, holder → company,
borrower → loan → lender.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Concatenate, ParamSpec, TypeVar

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from graphrisk.domain.glossary import (
    BORROWED,
    CLASSIFICATION,
    ENTERPRISE,
    ENTITY_KINDS,
    GUARANTEES,
    HOLDS_POSITION,
    HOLDS_SHARES,
    INSTITUTION,
    LENT_BY,
    LOAN,
    PERSON,
)
from graphrisk.errors import ParameterError, UnknownEntityError
from graphrisk.io.dataset import Dataset, network_arrays
from graphrisk.params import defaults

__all__ = ["Network", "build_network", "to_networkx", "loan_key", "KIND_CODES", "as_network",
           "analysis"]

#: integer code of each entity kind in :attr:`Network.kind`
KIND_CODES = {k: i for i, k in enumerate(ENTITY_KINDS)}  # Enterprise 0, Person 1, Institution 2


def loan_key(loan_id: str) -> str:
    """Return the networkx node key of a loan.

    >>> loan_key("L001")
    'loan:L001'
    """
    return f"loan:{loan_id}"


def _records(frame: pd.DataFrame, drop: tuple[str, ...] = ("line",)) -> list[dict[str, Any]]:
    cols = [c for c in frame.columns if c not in drop]
    out: list[dict[str, Any]] = []
    for rec in frame[cols].to_dict("records"):
        out.append({k: v for k, v in rec.items()
                    if not (v is None or v == "" or (isinstance(v, float) and np.isnan(v))
                            or v is pd.NA)})
    return out


def to_networkx(ds: Dataset, *, loans: bool = True) -> nx.MultiDiGraph:
    """Return the property graph as a networkx ``MultiDiGraph``.

    Parameters
    ----------
    ds : Dataset
    loans : bool
        Include ``Loan`` nodes with ``BORROWED``/``LENT_BY`` edges (default True).

    Returns
    -------
    MultiDiGraph
        Node attribute ``kind`` is ``Enterprise``, ``Person``, ``Institution`` or
        ``Loan``; the other attributes are the input columns (missing values left out).
        Edge attribute ``rel`` is the relationship name (``GUARANTEES`` …); the other
        attributes are the input columns.  ``GUARANTEES`` edges are keyed by the
        guarantee id.

    Examples
    --------
    >>> G = to_networkx(ds)
    >>> G.nodes["P1"]
    {'kind': 'Person', 'name': '张三'}
    >>> G.edges["E2", "E1", "G1"]
    {'rel': 'GUARANTEES', 'id': 'G1', 'amount': 800.0, 'loan_id': 'L1', 'type': 'joint_several'}
    """
    G = nx.MultiDiGraph()
    for table, kind in (("enterprises", ENTERPRISE), ("persons", PERSON),
                        ("institutions", INSTITUTION)):
        for rec in _records(ds.tables[table]):
            G.add_node(rec.pop("id"), kind=kind, **rec)
    for rec in _records(ds.tables["shareholdings"]):
        G.add_edge(rec.pop("holder_id"), rec.pop("company_id"), rel=HOLDS_SHARES, **rec)
    for rec in _records(ds.tables["positions"]):
        G.add_edge(rec.pop("person_id"), rec.pop("company_id"), rel=HOLDS_POSITION, **rec)
    if loans:
        for rec in _records(ds.tables["loans"]):
            key = loan_key(rec["id"])
            borrower, lender = rec.pop("borrower_id"), rec.pop("lender_id")
            G.add_node(key, kind=LOAN, borrower_id=borrower, lender_id=lender, **rec)
            G.add_edge(borrower, key, rel=BORROWED)
            G.add_edge(key, lender, rel=LENT_BY)
    for rec in _records(ds.tables["guarantees"]):
        gid = rec.pop("id")
        G.add_edge(rec.pop("guarantor_id"), rec.pop("borrower_id"), key=gid, rel=GUARANTEES,
                   id=gid, **rec)
    return G


@dataclass(frozen=True, eq=False)
class Network:
    """Integer-indexed arrays of the graph; entity ``i`` is ``ids[i]``.

    Attributes
    ----------
    ids : ndarray of object
        Entity ids: enterprises first, then persons, then institutions.
    kind : ndarray of int8
        :data:`KIND_CODES` of each entity.
    g_src, g_dst, g_amount, g_loan, g_id
        Guarantees: guarantor index, borrower index, amount (万元), index of the loan
        secured (``-1`` for none), guarantee id.
    h_src, h_dst, h_pct
        Shareholdings: holder, company, share in percent.
    l_borrower, l_lender, l_balance, l_npl, l_id
        Loans: borrower, lender, balance (万元), non-performing flag, loan id.
    """

    ids: np.ndarray
    kind: np.ndarray
    g_src: np.ndarray
    g_dst: np.ndarray
    g_amount: np.ndarray
    g_loan: np.ndarray
    g_id: np.ndarray
    h_src: np.ndarray
    h_dst: np.ndarray
    h_pct: np.ndarray
    l_borrower: np.ndarray
    l_lender: np.ndarray
    l_balance: np.ndarray
    l_npl: np.ndarray
    l_id: np.ndarray
    ds: Dataset | None = field(default=None, repr=False)

    @property
    def dataset(self) -> Dataset:
        """Return the :class:`Dataset` this network was built from (names, statuses, dates …)."""
        if self.ds is None:
            raise ParameterError("this network was built without its dataset; use "
                                 "build_network(ds)")
        return self.ds

    @property
    def n(self) -> int:
        """Return the number of entities."""
        return len(self.ids)

    @cached_property
    def index(self) -> pd.Index:
        """Return ``ids`` as a :class:`pandas.Index` (id → entity index), built once."""
        return pd.Index(self.ids)

    def positions(self, ids: str | Iterable[str]) -> np.ndarray:
        """Return the indices of one entity id or of several.

        Raises
        ------
        UnknownEntityError
            For an id that is not an entity of the network.

        Examples
        --------
        >>> net.positions(["E2", "B1"]), net.positions("E1")
        (array([1, 5]), array([0]))
        """
        wanted = [ids] if isinstance(ids, str) else list(ids)
        pos = self.index.get_indexer(wanted)
        if (pos < 0).any():
            bad = [i for i, p in zip(wanted, pos, strict=True) if p < 0]
            raise UnknownEntityError(f"unknown entity id(s): {', '.join(map(repr, bad[:5]))}")
        return pos

    def guarantee_matrix(self, weight: str | None = "amount") -> sp.csr_matrix:
        """n×n CSR matrix, guarantor (row) → borrower (column); parallel edges summed.

        ``weight=None`` gives the edge count per pair instead of the amount.

        >>> net.guarantee_matrix()[[0, 1]].toarray()[:, :3]  # E1 and E2 guarantee each other
        array([[  0., 400.,   0.],
               [800.,   0.,   0.]])
        """
        data = self.g_amount if weight == "amount" else np.ones(len(self.g_src))
        return sp.csr_matrix((data, (self.g_src, self.g_dst)), shape=(self.n, self.n))

    def holding_matrix(self) -> sp.csr_matrix:
        """n×n CSR matrix, holder (row) → company (column), share as a fraction."""
        return sp.csr_matrix((self.h_pct / 100.0, (self.h_src, self.h_dst)),
                             shape=(self.n, self.n))

    def borrowings(self) -> np.ndarray:
        """Total loan balance owed by each entity (万元)."""
        return np.bincount(self.l_borrower, weights=self.l_balance, minlength=self.n)

    def worst_classification(self) -> np.ndarray:
        """Return each entity's worst loan classification (五级分类) as a code.

        The code indexes :data:`~graphrisk.domain.glossary.CLASSIFICATION` (0 normal …
        4 loss); -1 for an entity without loans.  O(loans).

        >>> [list(CLASSIFICATION)[c] if c >= 0 else "" for c in net.worst_classification()[:4]]
        ['normal', 'substandard', 'loss', 'normal']
        """
        classes = self.dataset.tables["loans"]["classification"]
        codes = pd.Categorical(classes, categories=list(CLASSIFICATION)).codes.astype(np.int64)
        codes[codes < 0] = 0  # validation fills a missing classification with normal
        worst = np.full(self.n, -1, dtype=np.int64)
        np.maximum.at(worst, self.l_borrower, codes)
        return worst


def build_network(ds: Dataset) -> Network:
    """Build the compact array form of a dataset (see :class:`Network`).

    Runs in O(rows) with pandas hash joins (:func:`~graphrisk.io.dataset.network_arrays`):
    about 2 s for 1M enterprises; a dataset opened from a snapshot store brings its
    arrays, and the build costs nothing.

    Examples
    --------
    >>> demo_network = build_network(demo)
    >>> demo_network.n, demo_network.guarantee_matrix().shape
    (89, (89, 89))
    """
    arrays, index = network_arrays(ds)
    net = Network(**arrays, ds=ds)
    if index is not None:
        object.__setattr__(net, "index", index)  # reuse the index the joins built
    return net


def as_network(obj: Network | Dataset) -> Network:
    """Return *obj* as a :class:`Network`: a network as it is, a dataset built into one.

    Raises
    ------
    TypeError
        For anything else.

    Examples
    --------
    >>> as_network(net) is net, as_network(ds).n
    (True, 8)
    """
    if isinstance(obj, Network):
        return obj
    if isinstance(obj, Dataset):
        return build_network(obj)
    raise TypeError(f"expected a Network or a Dataset, got {type(obj).__name__}")


P = ParamSpec("P")
R = TypeVar("R")


def analysis(**classes: type) -> Callable[[Callable[Concatenate[Network, P], R]],
                                          Callable[Concatenate[Network | Dataset, P], R]]:
    """Decorate an analysis ``f(net, ..., *, params=None, ...)``.

    The one place where arguments are normalised (as networkx's ``argmap`` does): the
    first argument may be a :class:`Network` or a :class:`Dataset` (built into a
    network once, here), and each keyword named in *classes* that is missing or None
    becomes an instance of its class, so the analysis always sees its parameters.

    Examples
    --------
    >>> from graphrisk.params import CircleParams
    >>> @analysis(params=CircleParams)
    ... def largest(net, *, params=None):
    ...     return net.n, params.max_cycle_length
    >>> largest(net), largest(ds, params=CircleParams(max_cycle_length=3))
    ((8, 6), (8, 3))
    """

    def decorate(fn: Callable[Concatenate[Network, P], R]
                 ) -> Callable[Concatenate[Network | Dataset, P], R]:
        normalised = defaults(**classes)(fn)

        @functools.wraps(fn)
        def wrapper(net: Network | Dataset, /, *args: P.args, **kwargs: P.kwargs) -> R:
            return normalised(as_network(net), *args, **kwargs)

        return wrapper

    return decorate
