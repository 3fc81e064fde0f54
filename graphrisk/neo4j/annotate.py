"""Writing analysis results back onto the graph, for Neo4j Browser and Bloom users.

:func:`annotate` runs the analyses on a dataset and sets these properties (any older
value of them is removed first, so the graph never mixes two runs):

================================  ===========================================================
property                          meaning (module)
================================  ===========================================================
``group_id``, ``group_size``      guarantee group 担保群 ``GRP001`` … and its number of
                                  members (:mod:`graphrisk.network.circles`)
``circle_id``, ``circle_size``    guarantee circle 担保圈 ``C001`` … and its members
``patterns`` (``GUARANTEES``)     edge patterns (mutual, circle, joint, star, chain, single)
``circle_id`` (``GUARANTEES``)    the circle holding both ends of the guarantee
``related_group_id`` (Enterprise) related-party group 关联企业群 ``RG001`` …
                                  (:mod:`graphrisk.ownership.related`)
``systemic_importance``           loss (万元) its lone default causes beyond its own loans,
``contagion_defaults``            and how many others fall with it
                                  (:mod:`graphrisk.contagion.montecarlo`)
``warning_level`` (Enterprise)    ``blue`` … ``red`` (absent: no signal), with
``warning_level_zh``,             the Chinese label and the reasons, and
``warning_reasons``               (:mod:`graphrisk.watch.watchlist` / :mod:`graphrisk.watch.levels`)
``key_enterprise``,               key enterprise 重点企业 (bool) and the codes of the
``key_criteria`` (Enterprise)     criteria met (:mod:`graphrisk.watch.key_enterprises`)
``creditor_committee``,           on every debtor in default or distress with debt ≥
``committee_reasons``             5,000 万元: whether a creditors' committee 债权人委员会 is
(Enterprise)                      due (bool) and why, in Chinese
                                  (:mod:`graphrisk.network.committees`)
================================  ===========================================================

Group and circle ids are the ones ``graphrisk circles`` prints (ranked: 001 is the
riskiest).  The annotations hold at the date the dataset was analysed at (its
``as_of`` when a date was applied, :func:`graphrisk.io.asof.apply_as_of`): that date is
written on the ``Dataset`` node as ``annotated_as_of`` (removed when no date was
applied), and guarantees not live at it carry no ``patterns``.  An analysis module that is not installed yet is skipped with a note; the
others still run.  Complexity: the analyses' own cost plus O(entities + guarantees)
writes in batches.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import numpy as np

from graphrisk.contagion.cascade import capacities, compile_model
from graphrisk.contagion.montecarlo import systemic_importance
from graphrisk.domain.glossary import ENTITY_KINDS, GUARANTEES, WARNING_LEVELS
from graphrisk.errors import GraphRiskError
from graphrisk.neo4j.connection import (
    DATASET,
    DATASET_ID,
    DELETE_BATCH,
    Neo4jParams,
    Store,
    open_store,
)
from graphrisk.neo4j.connection import chunks as _chunks
from graphrisk.network.circles import circle_labels, edge_patterns, guarantee_groups, pattern_lists
from graphrisk.network.committees import debtor_committees, label_ids
from graphrisk.network.graph import Network, analysis
from graphrisk.ownership.related import related_parties
from graphrisk.watch.watchlist import watchlist

__all__ = ["annotate", "ANNOTATIONS", "EDGE_ANNOTATIONS", "compute_annotations"]

#: node properties written (and cleared) by :func:`annotate`
ANNOTATIONS = ("group_id", "group_size", "circle_id", "circle_size", "related_group_id",
               "systemic_importance",
               "contagion_defaults", "warning_level", "warning_level_zh", "warning_reasons",
               "key_enterprise", "key_criteria", "creditor_committee", "committee_reasons")
#: relationship properties written on ``GUARANTEES``
EDGE_ANNOTATIONS = ("patterns", "circle_id")


def _ranked_ids(prefix: str, labels: np.ndarray) -> np.ndarray:
    """Ids ``<prefix>001`` … of the ranked *labels* (None for label -1)."""
    count = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    names = np.array(label_ids(prefix, count) + [None], dtype=object)
    return names[labels]  # label -1 → the trailing None


def _sizes(labels: np.ndarray) -> list[int | None]:
    """Members of each entity's component (None outside any)."""
    counts = np.bincount(labels[labels >= 0]) if (labels >= 0).any() else np.zeros(0, int)
    return [int(counts[x]) if x >= 0 else None for x in labels.tolist()]


#: the properties of each entity: id → {property: value}
_Nodes = dict[str, dict[str, Any]]


def _put(nodes: _Nodes, ids: Iterable[str], prop: str, values: Iterable[Any]) -> None:
    """Set *prop* on the entities *ids* to *values*, leaving out the None values."""
    for i, v in zip(ids, values, strict=True):
        if v is not None:
            nodes[i][prop] = v


def _put_circles(net: Network, nodes: _Nodes, edges: dict[str, dict[str, Any]]) -> None:
    """Guarantee groups, circles and edge patterns (SPEC §5)."""
    ids = net.ids.tolist()
    glab, clab = guarantee_groups(net), circle_labels(net)
    _put(nodes, ids, "group_id", _ranked_ids("GRP", glab).tolist())
    _put(nodes, ids, "group_size", _sizes(glab))
    cids = _ranked_ids("C", clab)
    _put(nodes, ids, "circle_id", cids.tolist())
    _put(nodes, ids, "circle_size", _sizes(clab))
    cs, cd = clab[net.g_src], clab[net.g_dst]
    edge_circle = np.where((cs == cd) & (cs >= 0), cs, -1)
    ecids = _ranked_ids("C", np.concatenate([clab, edge_circle]))[len(clab):]
    for gid, pats, c in zip(net.g_id.tolist(), pattern_lists(edge_patterns(net)),
                            ecids.tolist(), strict=True):
        edges[gid] = {"patterns": list(pats), "circle_id": c}


def _put_committees(net: Network, nodes: _Nodes) -> None:
    """Creditors' committees of the debtors in default or distress (SPEC §5)."""
    for d in debtor_committees(net):
        node = nodes.get(d["debtor"])
        if node is not None:
            node["creditor_committee"] = d["creditor_committee"]
            node["committee_reasons"] = [r["zh"] for r in d["reasons"]]


def _put_related(net: Network, nodes: _Nodes) -> None:
    """Related-party groups ``RG001`` … (SPEC §4)."""
    groups = related_parties(net).groups
    for i, g in enumerate(groups):
        width = max(3, len(str(len(groups))))
        _put(nodes, g, "related_group_id", [f"RG{i + 1:0{width}d}"] * len(g))


def _put_importance(net: Network, nodes: _Nodes) -> None:
    """Systemic importance (SPEC §6), deterministic: one cascade per entity."""
    ids = net.ids.tolist()
    cap, _ = capacities(net)
    importance, others = systemic_importance(compile_model(net, cap))
    _put(nodes, ids, "systemic_importance", [float(v) for v in importance.tolist()])
    _put(nodes, ids, "contagion_defaults", [int(v) for v in others.tolist()])


def _put_watch(net: Network, nodes: _Nodes) -> None:
    """Key enterprises and warning levels, with the criteria and reasons (SPEC §8)."""
    wl = watchlist(net)
    lv = wl.levels
    _put(nodes, lv.index.tolist(), "key_enterprise", [bool(k) for k in lv["key"].tolist()])
    levels = [v if v in WARNING_LEVELS else None for v in lv["level"].tolist()]
    _put(nodes, lv.index.tolist(), "warning_level", levels)
    _put(nodes, lv.index.tolist(), "warning_level_zh",
         [WARNING_LEVELS[v] if v else None for v in levels])
    for entry in wl.entries:
        node = nodes.get(entry["id"])
        if node is None:
            continue
        if entry.get("criteria"):
            node["key_criteria"] = [c["code"] for c in entry["criteria"]]
        reasons = [r["zh"] for r in entry.get("reasons", []) if r.get("zh")]
        if reasons and node.get("warning_level"):
            node["warning_reasons"] = reasons


@analysis()
def compute_annotations(net: Network) -> tuple[dict[str, dict[str, Any]],
                                               dict[str, dict[str, Any]], list[str]]:
    """Compute the properties to write, without touching any store.

    Returns
    -------
    nodes : dict
        Entity id → {property: value} (only properties with a value).
    edges : dict
        Guarantee id → {"patterns": [...], "circle_id": …}.
    notes : list of str
        The analyses skipped, and why.

    Examples
    --------
    >>> nodes, edges, notes = compute_annotations(net)
    >>> nodes["E1"]["circle_id"], nodes["E1"]["circle_size"], notes
    ('C001', 2, [])
    """
    nodes: _Nodes = {i: {} for i in net.ids.tolist()}
    edges: dict[str, dict[str, Any]] = {}
    notes: list[str] = []

    def skipped(what: str, e: Exception) -> None:
        notes.append(f"{what} skipped: {type(e).__name__}: {e}")

    try:  # guarantee groups, circles, edge patterns (SPEC §5)
        _put_circles(net, nodes, edges)
    except GraphRiskError as e:
        skipped("guarantee groups and circles (graphrisk.network.circles)", e)
    try:  # creditors' committees per debtor (SPEC §5)
        _put_committees(net, nodes)
    except GraphRiskError as e:
        skipped("creditors' committees (graphrisk.network.committees)", e)
    try:  # related-party groups (SPEC §4)
        _put_related(net, nodes)
    except GraphRiskError as e:
        skipped("related-party groups (graphrisk.ownership.related)", e)
    try:  # systemic importance (SPEC §6), deterministic: one cascade per entity
        _put_importance(net, nodes)
    except GraphRiskError as e:
        skipped("systemic importance (graphrisk.contagion.montecarlo)", e)
    try:  # key enterprises and warning levels (SPEC §8)
        _put_watch(net, nodes)
    except GraphRiskError as e:
        skipped("key enterprises and warning levels (graphrisk.watch.watchlist)", e)
    return nodes, edges, notes


@analysis()
def annotate(net: Network, target: Neo4jParams | Store | None = None, *,
             batch_size: int = 5000) -> dict[str, Any]:
    """Run the analyses on *net* and write their results onto the graph in *target*.

    Parameters
    ----------
    net : Network or Dataset
        The dataset analysed — normally the one in the store
        (:func:`graphrisk.neo4j.read.read_dataset`) at its date
        (:func:`graphrisk.io.asof.apply_as_of`); nodes are matched by ``id``.
    target : Neo4jParams or Store, optional
        Default: ``Neo4jParams.from_env()``.
    batch_size : int
        Rows per write transaction.

    Returns
    -------
    dict
        ``{"annotated": {property: count}, "edges_annotated", "missing_in_store",
        "as_of", "notes", "seconds"}`` — ``missing_in_store`` counts dataset ids with
        no node; ``as_of`` is the date the analyses were run at (None: undated).

    Raises
    ------
    StoreError
        The server cannot be reached, or the optional ``neo4j`` driver is not installed.

    Examples
    --------
    With a server holding the demo county:

    .. code-block:: python

        params = Neo4jParams.from_env()
        ds = apply_as_of(read_dataset(params))   # at the stored as_of
        annotate(ds, params)["annotated"]["group_id"]  # 32 (36 with every guarantee)
    """
    ds = net.dataset
    as_of = ds.as_of if ds.dated and ds.as_of else None
    t0 = time.perf_counter()
    nodes, edges, notes = compute_annotations(net)
    kinds = ds.entity_kind
    store, owned = open_store(target)
    try:
        clear = ", ".join(f"n.{p}" for p in ANNOTATIONS)
        for label in ENTITY_KINDS:
            store.run_batched(f"MATCH (n:{label}) CALL {{ WITH n REMOVE {clear} }} "
                              f"IN TRANSACTIONS OF {DELETE_BATCH} ROWS",
                              what="clearing old annotations")
        eclear = ", ".join(f"r.{p}" for p in EDGE_ANNOTATIONS)
        store.run_batched(f"MATCH ()-[r:{GUARANTEES}]->() CALL {{ WITH r REMOVE {eclear} }} "
                          f"IN TRANSACTIONS OF {DELETE_BATCH} ROWS",
                          what="clearing old annotations")
        counts = {p: 0 for p in ANNOTATIONS}
        missing = 0
        for label in ENTITY_KINDS:
            rows = [{"id": i, "props": p} for i, p in nodes.items()
                    if p and kinds.get(i) == label]
            for p in (p for r in rows for p in r["props"]):
                counts[p] += 1
            for chunk in _chunks(rows, batch_size):
                done = store.run(f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) "
                                 "SET n += row.props RETURN count(*) AS n", {"rows": chunk},
                                 what="writing annotations")[0]["n"]
                missing += len(chunk) - done
        rows = [{"id": i, "props": p} for i, p in edges.items()]
        edges_done = 0
        for chunk in _chunks(rows, batch_size):
            edges_done += store.run(f"UNWIND $rows AS row MATCH ()-[r:{GUARANTEES} "
                                    "{id: row.id}]->() SET r += row.props RETURN count(*) AS n",
                                    {"rows": chunk}, what="writing annotations")[0]["n"]
        store.run(f"MERGE (d:{DATASET} {{id: $id}}) SET d.annotated_as_of = date($as_of)",
                  {"id": DATASET_ID, "as_of": as_of}, what="writing annotations")
    finally:
        if owned:
            store.close()
    if missing:
        notes.append(f"{missing} annotated entities of the dataset have no node in the store "
                     "(load the same dataset first)")
    if edges_done < len(edges):
        notes.append(f"{len(edges) - edges_done} guarantees of the dataset have no "
                     f"{GUARANTEES} relationship in the store")
    return {"annotated": {k: v for k, v in counts.items()}, "edges_annotated": edges_done,
            "missing_in_store": missing, "as_of": as_of, "notes": notes,
            "seconds": round(time.perf_counter() - t0, 3)}
