"""Who owns and who controls a company (SPEC §3).

Owners, beneficial owners (受益所有人) and the ultimate controller (实际控制人 by
shareholding).

Definitions
-----------
*Owners* of C are the entities whose total holding h(·, C) (in the chosen mode of
SPEC §3) reaches the threshold (25 % by default).

*Beneficial owners* (受益所有人, after the PBoC/SAMR 受益所有人信息管理办法, 2024)
are the natural persons who hold at least 25 % of C in ``multiply`` terms (indirect
stakes multiplied along the chain, whatever the mode chosen for the owner list), or
who are registered as C's ``actual_controller``, or who are C's ultimate controller
through shareholdings (below; basis ``control``: the 办法's "通过其他方式实际控制").
When no person qualifies, the
persons in charge of day-to-day management (``general_manager``, else
``legal_representative``) are named instead, with basis ``senior_manager``, as the
办法 prescribes.

*Control* uses ``weakest_link`` holdings (control rights): X's control share of Y is
the sum over simple paths of the smallest share on each path.  The *controller* of Y
is the entity with a control share above 50 % (绝对控股; when several do — a parent
and its own parent — the closest one, i.e. the one controlled by all the others);
failing that, the single largest holder with at least the threshold (相对控股; the
closest one again when a holder's own parents tie with it).  The
*control chain* walks from C to its controller, to that one's controller, and so on;
it ends at the *ultimate controller* (an entity with no controller).  It ends
without one when it comes back to an entity already on the chain (``circular``: a
cross-holding loop with nobody above it).  Two largest holders with equal shares
control nothing (no relative control); two holders each above 50 % of control
rights (possible when weakest-link sums count a hop twice) are both reported,
``joint``.

Everything is computed on the ancestors of C only (the entities with an ownership
path to C), which hold all the information that h(·, C) depends on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order

from graphrisk.errors import ParameterError
from graphrisk.io.dataset import Dataset
from graphrisk.network.graph import KIND_CODES, Network, analysis
from graphrisk.ownership.holdings import (
    EPS,
    holding_closure,
    holding_matrix,
    holding_paths,
    hop_shares,
)
from graphrisk.params import OwnershipParams

__all__ = ["owners_of", "BENEFICIAL_OWNER_PCT", "CONTROL_PCT"]

#: 受益所有人: at least this percent, directly or indirectly (multiply)
BENEFICIAL_OWNER_PCT = 25.0
#: absolute control (绝对控股): more than this percent of control rights
CONTROL_PCT = 50.0
_KIND_NAMES = {v: k for k, v in KIND_CODES.items()}


def _ancestors(D: sp.csr_matrix, c: int) -> np.ndarray:
    """Return the sorted entities with an ownership path to c (c included)."""
    order = breadth_first_order(sp.csr_matrix(D.T), c, directed=True,
                                return_predecessors=False)
    return np.sort(order)


def _controllers(W: sp.csc_matrix, x: int, threshold: float) -> tuple[list[int], str | None]:
    """Find the controllers of local entity x from the control matrix W (percent, CSC)."""
    col = W[:, [x]].toarray().ravel()
    col[x] = 0.0
    cand = np.flatnonzero(col > CONTROL_PCT + EPS)
    basis = "absolute"
    if not len(cand):
        cand = np.flatnonzero(col >= threshold - EPS)
        if not len(cand):
            return [], None
        cand = cand[col[cand] >= col[cand].max() - EPS]
        basis = "relative"
    # the closest candidate is controlled (> 50 %) by the most of the others: a parent
    # and its own parent both control x, the chain goes through the parent first
    inner = (W[cand][:, cand].toarray() > CONTROL_PCT + EPS).sum(axis=0)
    best = cand[inner == inner.max()]
    best = best[col[best] >= col[best].max() - EPS]
    if len(best) == 1:
        return best.tolist(), basis
    return (best.tolist(), "joint") if basis == "absolute" else ([], None)


@analysis(params=OwnershipParams)
def owners_of(net: Network, company: str, *, params: OwnershipParams | None = None,
              max_paths: int | None = None) -> dict[str, Any]:
    """Find the owners, beneficial owners and the ultimate controller of one company.

    Parameters
    ----------
    net : Network or Dataset
    company : str
        Enterprise id.
    params : OwnershipParams
        ``mode`` and ``threshold`` select the owners listed; ``floor`` and
        ``max_depth`` bound the path enumeration.
    max_paths : int, optional
        Keep at most this many paths per owner (largest first).

    Returns
    -------
    dict
        ``company``, ``name``, ``mode``, ``threshold``, ``owners`` (each with
        ``holder_id``, ``name``, ``kind``, ``share_pct``, ``direct_pct``,
        ``multiply_pct``, ``control_pct``, ``beneficial_owner``, ``path_count``,
        ``paths``), ``beneficial_owners`` (``person_id``, ``name``, ``basis``,
        ``multiply_pct``), ``ultimate_controllers`` (``id``, ``name``, ``kind``,
        ``control_pct``), ``control_chain`` and ``circular``.

    Raises
    ------
    UnknownEntityError
        *company* is not in the dataset.
    ParameterError
        *company* is a person or an institution.

    Examples
    --------
    E1 and P1 (through E1) both hold 30 % of E2; E1 is the closer one (P1 controls it),
    so the chain goes E2 ← E1 ← P1:

    >>> rep = owners_of(net, "E2")
    >>> [(step["id"], step["controls"], step["basis"]) for step in rep["control_chain"]]
    [('E1', 'E2', 'relative'), ('P1', 'E1', 'absolute')]
    >>> rep["ultimate_controllers"]
    [{'id': 'P1', 'name': '张三', 'kind': 'Person', 'control_pct': 30.0}]
    >>> owners_of(demo_net, "91331122MA2J0Q7L5Q")["ultimate_controllers"]
    [{'id': 'P001', 'name': '张伟', 'kind': 'Person', 'control_pct': 65.0}]

    Notes
    -----
    Three holding closures (the chosen mode, multiply, weakest_link) on the ancestor
    subgraph of C (sparse): O(a · paths) for a ancestors; the control walk reads one
    column per step.
    """
    assert params is not None  # filled in by @analysis
    ds = net.dataset
    c = int(net.positions(company)[0])
    if net.kind[c] != KIND_CODES["Enterprise"]:
        raise ParameterError(f"{company!r} is a {_KIND_NAMES[int(net.kind[c])].lower()}, "
                             "not a company: only enterprises have shareholders")
    D = holding_matrix(net)
    S = _ancestors(D, c)
    DS = sp.csr_matrix(D[S][:, S])
    DS.sort_indices()
    cl = int(np.searchsorted(S, c))
    kinds = net.kind[S]
    names = ds.names().to_dict() if ds is not None else {}

    H = _closure(net, DS, params, params.mode)
    M = H if params.mode == "multiply" else _closure(net, DS, params, "multiply")
    W = H if params.mode == "weakest_link" else _closure(net, DS, params, "weakest_link")
    hc = H[:, [cl]].toarray().ravel()  # h(·, C) in the chosen mode
    mc = M[:, [cl]].toarray().ravel()  # … in multiply terms
    wc = W[:, [cl]].toarray().ravel()  # … in control terms

    rows = [int(i) for i in np.flatnonzero(hc >= params.threshold - EPS) if i != cl]
    rows.sort(key=lambda i: (-hc[i], net.ids[S[i]]))
    paths = _owner_paths(net, S, DS, rows, cl, params)
    actual, here = _registered(ds, company)
    chain, circular = _control_chain(net, S, W, cl, names, params.threshold)
    ultimate = [] if circular else _ultimate(net, S, kinds, wc, chain)
    bo = _beneficial_owners(net, S, kinds, mc, names, actual, ultimate, here)

    owners = []
    for i in rows:
        hid = net.ids[S[i]]
        owners.append({
            "holder_id": hid, "name": names.get(hid, ""),
            "kind": _KIND_NAMES[int(kinds[i])],
            "share_pct": round(float(hc[i]), 6),
            "direct_pct": round(float(DS[i, cl]) * 100.0, 6),
            "multiply_pct": round(float(mc[i]), 6),
            "control_pct": round(float(wc[i]), 6),
            "beneficial_owner": hid in bo,
            "path_count": len(paths[i]),
            "paths": sorted(paths[i], key=lambda p: -p["share_pct"])[:max_paths],
        })

    return {"company": company, "name": names.get(company, ""), "mode": params.mode,
            "threshold": params.threshold, "owners": owners,
            "beneficial_owners": sorted(bo.values(), key=lambda b: (-b["multiply_pct"],
                                                                     b["person_id"])),
            "ultimate_controllers": ultimate, "control_chain": chain, "circular": circular}


def _closure(net: Network, DS: sp.csr_matrix, params: OwnershipParams, mode: str
             ) -> sp.csc_matrix:
    """Return the holdings on the ancestor subgraph ``DS`` in *mode* (CSC, percent)."""
    if mode == params.mode:
        p = params
    else:
        p = OwnershipParams(mode, params.threshold, params.floor, params.max_depth)
    return sp.csc_matrix(holding_closure(net, params=p, D=DS))


def _owner_paths(net: Network, S: np.ndarray, DS: sp.csr_matrix, rows: list[int], cl: int,
                 params: OwnershipParams) -> dict[int, list[dict[str, Any]]]:
    """Return the paths from each owner (local index of ``rows``) to C (local ``cl``)."""
    paths: dict[int, list[dict[str, Any]]] = {i: [] for i in rows}
    if rows:
        for nodes, vals, rws, via in holding_paths(net, rows, params=params, targets=[cl], D=DS):
            hops = hop_shares(DS, nodes) * 100.0
            for k in range(len(nodes)):
                v = None if via is None or np.isnan(via[k]) else float(via[k]) * 100.0
                d = {"nodes": net.ids[S[nodes[k]]].tolist(),
                     "hops": [round(h, 6) for h in hops[k].tolist()],
                     "share_pct": round(float(vals[k]) * 100.0, 6)}
                if v is not None:
                    d["via"] = net.ids[S[nodes[k, -2]]]
                    d["via_pct"] = round(v, 6)
                paths[rows[rws[k]]].append(d)
    return paths


def _registered(ds: Dataset | None, company: str) -> tuple[set[str], pd.DataFrame | None]:
    """Return the registered ``actual_controller`` persons of *company*, and its positions.

    The positions are None when the dataset has none at all.
    """
    pos = ds.tables["positions"] if ds is not None else None
    if pos is not None and len(pos):
        here = pos[pos["company_id"] == company]
        return set(here.loc[here["role"] == "actual_controller", "person_id"]), here
    return set(), None


def _control_chain(net: Network, S: np.ndarray, W: sp.csc_matrix, cl: int,
                   names: Mapping[str, str], threshold: float
                   ) -> tuple[list[dict[str, Any]], bool]:
    """Walk the control chain up from C (local ``cl``); return it and whether it is circular."""
    chain: list[dict[str, Any]] = []
    x, seen = cl, {cl}
    while True:
        ctl, basis = _controllers(W, x, threshold)
        if not ctl:
            return chain, False
        if any(y in seen for y in ctl):
            return chain, True
        for y in ctl:
            chain.append({"id": net.ids[S[y]], "name": names.get(net.ids[S[y]], ""),
                          "controls": net.ids[S[x]], "control_pct": round(float(W[y, x]), 6),
                          "basis": basis})
        if len(ctl) > 1:
            return chain, False
        x = ctl[0]
        seen.add(x)


def _ultimate(net: Network, S: np.ndarray, kinds: np.ndarray, wc: np.ndarray,
              chain: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the ultimate controllers: the last step(s) of a chain that is not circular."""
    ultimate: list[dict[str, Any]] = []
    if chain:
        last = chain[-1]["controls"]
        for step in chain:
            if step["controls"] == last:
                y = int(np.searchsorted(S, net.positions(step["id"])[0]))
                ultimate.append({"id": step["id"], "name": step["name"],
                                 "kind": _KIND_NAMES[int(kinds[y])],
                                 "control_pct": round(float(wc[y]), 6)})
    return ultimate


def _beneficial_owners(net: Network, S: np.ndarray, kinds: np.ndarray, mc: np.ndarray,
                       names: Mapping[str, str], actual: set[str],
                       ultimate: list[dict[str, Any]], here: pd.DataFrame | None
                       ) -> dict[str, dict[str, Any]]:
    """Return the beneficial owners (受益所有人) by person id, with their basis."""
    person = KIND_CODES["Person"]
    bo: dict[str, dict[str, Any]] = {}
    for i in np.flatnonzero((kinds == person) & (mc >= BENEFICIAL_OWNER_PCT - EPS)):
        pid = net.ids[S[i]]
        bo[pid] = {"person_id": pid, "name": names.get(pid, ""), "basis": ["ownership"],
                   "multiply_pct": round(float(mc[i]), 6)}
    for pid in sorted(actual):
        entry = bo.setdefault(pid, {"person_id": pid, "name": names.get(pid, ""), "basis": [],
                                    "multiply_pct": _pct(mc, S, net, pid)})
        entry["basis"].append("actual_controller")
    for u in ultimate:
        if u["kind"] == "Person":
            entry = bo.setdefault(u["id"], {"person_id": u["id"], "name": u["name"], "basis": [],
                                            "multiply_pct": _pct(mc, S, net, u["id"])})
            entry["basis"].append("control")
    if not bo and here is not None:
        for role in ("general_manager", "legal_representative"):
            people = sorted(set(here.loc[here["role"] == role, "person_id"]))
            for pid in people:
                bo[pid] = {"person_id": pid, "name": names.get(pid, ""),
                           "basis": ["senior_manager"], "multiply_pct": _pct(mc, S, net, pid)}
            if people:
                break
    return bo


def _pct(col: np.ndarray, S: np.ndarray, net: Network, pid: str) -> float:
    """Return ``col`` at entity *pid* (rounded), 0 when it is not among ``S``."""
    i = int(net.index.get_loc(pid))
    j = int(np.searchsorted(S, i))
    return round(float(col[j]), 6) if j < len(S) and S[j] == i else 0.0
