"""Creditors' committees (债权人委员会): per debtor, per circle and per group (SPEC §5, §9).

The rule is about a *debtor*, not a circle (SPEC §5): "Creditors' committees
(债权人委员会) are about a *debtor*: one in default or distress (status, non-performing
loans or a credit event) with debt ≥ a parameter (default 5,000 万元) and ≥ 3 creditor
banks or ≥ 5 creditor microloan companies, or a major default involving banks,
microloan companies and other institutions at once."  It is the 重庆 rule; the national
《金融机构债权人委员会工作规程》 speaks in the same way of debtors "债务规模较大、存在困难".

Definitions (amounts in 万元; thresholds of :class:`~graphrisk.params.CommitteeParams`):

*troubled* 违约或困难
    an enterprise whose ``status`` is ``defaulted`` or ``distressed``, or that has a
    non-performing loan (次级/可疑/损失), or a credit-risk event (``events.csv``
    category ``credit``);
*major default* 重大违约
    ``status`` ``defaulted`` or a non-performing loan;
``debt``
    the balances of its loans (what it owes);
*creditors*
    the lenders it owes a positive balance, by institution ``type``: ``banks``,
    ``microloans`` and ``others`` — every other lender: guarantee companies, other
    institutions and lending enterprises;
``creditor_committee`` 需组建债委会
    troubled, ``debt >= min_debt`` (5,000), and ``banks >= 3`` or ``microloans >= 5``
    or ``mixed``;
``mixed``
    troubled, ``debt >= min_debt``, a major default, owing at least one bank, one
    microloan company and one other creditor at once.

The *debtors* of :func:`committees` are the troubled enterprises with ``debt >=
min_debt``; each says whether a committee is due and why (Chinese and English).
Persons are never debtors of a committee (the rule is about enterprises).

Per circle (担保圈) and per guarantee group (担保群), :func:`label_committees` counts the
distinct creditors of the members the same way (``bank_count``, ``microloan_count``,
``other_count``, ``creditor_count``) and sets

``watch`` 关注
    the members owe ``>= CircleParams.committee_banks`` (3) banks or ``>=
    CircleParams.committee_microloans`` (5) microloan companies (SPEC §5) — what a
    performing circle gets: it is watched, no committee is called for;
``creditor_committee``
    true only when a member needs a committee (``committee_debtors`` names them);
``performing``
    no member is troubled (``troubled_members`` names those that are).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphrisk.domain.glossary import STATUS
from graphrisk.network.chains import entity_names
from graphrisk.network.circles import circle_labels, guarantee_groups
from graphrisk.network.cycles import network_cache
from graphrisk.network.graph import Network, analysis
from graphrisk.params import CircleParams, CommitteeParams

__all__ = ["committees", "debtor_committees", "debtor_facts", "DebtorFacts",
           "label_committees", "creditor_pairs", "lender_types", "label_ids", "id_rank",
           "table_positions", "id_positions",
           "COMMITTEE_LABELS"]

#: reason code → (中文, English) of the facts a committee decision rests on
COMMITTEE_LABELS: dict[str, tuple[str, str]] = {
    "status_defaulted": ("企业状态为违约", "status defaulted"),
    "status_distressed": ("企业状态为困难", "status distressed"),
    "npl": ("有不良贷款", "non-performing loans"),
    "credit_event": ("发生信用风险事件", "credit-risk events"),
    "large_debt": ("债务规模较大", "large debt"),
    "banks": ("债权银行达标", "creditor banks"),
    "microloans": ("债权小贷公司达标", "creditor microloan companies"),
    "mixed": ("银行、小贷公司和其他机构同时涉及的重大违约", "mixed major default"),
    "below_thresholds": ("债权机构未达标", "creditors below the thresholds"),
    "member_committee": ("成员须组建债权人委员会", "a member needs a committee"),
    "watch": ("债权机构较多，列入关注", "many creditors: watch"),
    "performing": ("成员均未违约或困难", "every member performing"),
    "no_committee": ("违约或困难成员未达组建条件", "troubled members below the rule"),
}

_STATUS_CODE = {"normal": 0, "distressed": 1, "defaulted": 2}
_STATUS_NAME = {v: k for k, v in _STATUS_CODE.items()}


def label_ids(prefix: str, count: int) -> list[str]:
    """Stable display ids of ranked labels: ``C001``, ``C002`` … (wider past 999).

    A new list each call, from a cache (analyses ask for the same ids several times).

    >>> label_ids("C", 2)
    ['C001', 'C002']
    """
    return list(_label_ids(prefix, count))


@functools.lru_cache(maxsize=16)
def _label_ids(prefix: str, count: int) -> tuple[str, ...]:
    width = max(3, len(str(count)))
    return tuple(f"{prefix}{i + 1:0{width}d}" for i in range(count))


def table_positions(net: Network, table: str) -> np.ndarray:
    """Return the entity indices of the rows of an entity table, in table order (cached).

    ``table`` is ``enterprises``, ``persons`` or ``institutions``.  A network built
    by :func:`~graphrisk.network.graph.build_network` holds them in table order,
    one table after the other, so this is a range checked in ``O(rows)`` — no hash
    look-up of a million ids; any other network falls back on
    :meth:`~graphrisk.network.graph.Network.positions`.

    >>> table_positions(net, "persons"), table_positions(net, "institutions")
    (array([4]), array([5, 6, 7]))
    """
    def build() -> np.ndarray:
        t = net.dataset.tables
        start = {"enterprises": 0, "persons": len(t["enterprises"]),
                 "institutions": len(t["enterprises"]) + len(t["persons"])}[table]
        ids = t[table]["id"].to_numpy(dtype=object)
        stop = start + len(ids)
        if stop <= net.n and (net.ids[start:stop] == ids).all():
            return np.arange(start, stop, dtype=np.int64)
        return net.positions(ids).astype(np.int64) if len(ids) else np.zeros(0, np.int64)
    return network_cache(net, f"table_positions:{table}", build)


def id_positions(net: Network, values: Any) -> np.ndarray:
    """Return the entity index of each id in *values*, ``-1`` for an unknown id.

    *values* is a column of ids (a pandas Series, an array or a list).  The look-up
    hashes in Arrow (``pyarrow.compute.index_in`` against the network's ids, kept as an
    Arrow array with the network): several times faster than a pandas index on
    millions of ids.

    >>> id_positions(net, ["E2", "nobody", "B1"]).tolist()
    [1, -1, 5]
    """
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    known = network_cache(net, "arrow_ids", lambda: pa.array(net.ids.tolist(), type=pa.string()))
    arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(
        values, type=pa.string(), from_pandas=True)
    found = pc.index_in(arr, value_set=known).fill_null(-1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)


def lender_types(net: Network) -> np.ndarray:
    """Return per entity its institution type (``bank`` …), else ``enterprise`` / ``person``.

    >>> lender_types(net)[3:]
    array(['enterprise', 'person', 'bank', 'bank', 'microloan'], dtype=object)
    """
    ds = net.dataset
    kinds = np.array(["enterprise", "person", "institution"], dtype=object)[net.kind]
    inst = ds.tables["institutions"]
    if len(inst):
        pos = table_positions(net, "institutions")
        kinds[pos] = inst["type"].fillna("bank").replace("", "bank").to_numpy(dtype=object)
    return kinds


def id_rank(net: Network) -> np.ndarray:
    """Return the rank of each entity id in text order (cached; ``O(n log n)``).

    >>> id_rank(net).tolist()  # E1 E2 E3 E4 P1 B1 B2 M1
    [2, 3, 4, 5, 7, 0, 1, 6]
    """
    def build() -> np.ndarray:
        rank = np.empty(net.n, dtype=np.int64)
        rank[np.argsort(net.ids.astype(str))] = np.arange(net.n)
        return rank
    return network_cache(net, "id_rank", build)


def _flat_members(net: Network, labels: np.ndarray, k: int) -> tuple[np.ndarray, list[int]]:
    """Return the members of labels 0..k-1 concatenated, each label's sorted by id, and bounds."""
    inside = np.flatnonzero(labels >= 0)
    key = labels[inside].astype(np.int64) * net.n + id_rank(net)[inside]
    order = inside[np.argsort(key)]
    bounds = np.r_[0, np.cumsum(np.bincount(labels[inside], minlength=k))]
    return order, bounds.tolist()


def creditor_pairs(net: Network, labels: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the distinct (label, lender) pairs with the balance owed, each label's largest first.

    Parameters
    ----------
    net : Network
    labels : ndarray of int
        A label per entity (``-1``: not counted), e.g. circle labels, or ``arange(n)``
        for every entity on its own.

    Returns
    -------
    label, lender, balance : ndarray
        One entry per pair with a positive balance owed, sorted by label, then balance
        (largest first), then lender index.  ``O(loans log loans)``.

    Examples
    --------
    >>> lab, lender, bal = creditor_pairs(net, np.arange(net.n))
    >>> [(net.ids[a], net.ids[b], float(v)) for a, b, v in zip(lab, lender, bal)][2:]
    [('E3', 'B2', 300.0), ('E3', 'M1', 50.0), ('E4', 'E1', 120.0)]
    """
    lc = labels[net.l_borrower]
    sel = lc >= 0
    key = lc[sel].astype(np.int64) * net.n + net.l_lender[sel]
    order = np.argsort(key, kind="stable")
    sk = key[order]
    if not len(sk):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    first = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
    bal = np.add.reduceat(net.l_balance[sel][order], first)
    ukey = sk[first]
    owed = bal > 0
    ukey, bal = ukey[owed], bal[owed]
    cc, lender = ukey // net.n, ukey % net.n
    order = np.lexsort((lender, -bal, cc))
    return cc[order], lender[order], bal[order]


def _counts(types: np.ndarray, cc: np.ndarray, lender: np.ndarray, k: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return banks, microloan companies, other creditors and all creditors per label."""
    t = types[lender]
    banks = np.bincount(cc, weights=t == "bank", minlength=k).astype(np.int64)
    micro = np.bincount(cc, weights=t == "microloan", minlength=k).astype(np.int64)
    total = np.bincount(cc, minlength=k).astype(np.int64)
    return banks, micro, total - banks - micro, total


@dataclass(frozen=True, eq=False)
class DebtorFacts:
    """Per entity (arrays of length ``net.n``): the facts of the committee rule.

    Attributes
    ----------
    status : ndarray of int8
        0 normal, 1 distressed, 2 defaulted (enterprises; 0 for the others).
    npl_balance, npl_loans : ndarray
        Balance and number of its non-performing loans.
    credit_events : ndarray of int
        Its credit-risk events (category ``credit``).
    debt : ndarray
        Its loan balances (万元).
    banks, microloans, others, creditors : ndarray of int
        Distinct creditors owed a positive balance, by type, and in all.
    troubled, major, large, mixed, due : ndarray of bool
        In default or distress; a major default; troubled with ``debt >= min_debt``
        (a *debtor* of :func:`committees`); the mixed case; a committee is due.
    """

    status: np.ndarray
    npl_balance: np.ndarray
    npl_loans: np.ndarray
    credit_events: np.ndarray
    debt: np.ndarray
    banks: np.ndarray
    microloans: np.ndarray
    others: np.ndarray
    creditors: np.ndarray
    troubled: np.ndarray
    major: np.ndarray
    large: np.ndarray
    mixed: np.ndarray
    due: np.ndarray


def _credit_events(net: Network) -> np.ndarray:
    """Return the number of credit-risk events of each entity (enterprises only)."""
    ev = net.dataset.tables["events"]
    count = np.zeros(net.n, dtype=np.int64)
    if len(ev):
        credit = ev[(ev["category"] == "credit").to_numpy()]
        pos = net.index.get_indexer(credit["enterprise_id"].to_numpy(dtype=object))
        pos = pos[pos >= 0]
        count += np.bincount(pos, minlength=net.n)
    return count


@analysis(params=CommitteeParams)
def debtor_facts(net: Network, *, params: CommitteeParams | None = None) -> DebtorFacts:
    """Return the facts of the committee rule for every entity (cached per parameters).

    Examples
    --------
    >>> f = debtor_facts(net)   # E2 distressed, E3 defaulted (the tiny dataset)
    >>> f.troubled[:4].tolist(), f.banks[:4].tolist(), bool(f.due.any())
    ([False, True, True, False], [1, 1, 1, 0], False)
    >>> debtor_facts(net, params=CommitteeParams(min_debt=300, banks=1)).due[:4].tolist()
    [False, True, True, False]

    Notes
    -----
    ``O(n + loans log loans + events)``.
    """
    assert params is not None  # filled in by @analysis
    p = params

    def build() -> DebtorFacts:
        n = net.n
        e = net.dataset.tables["enterprises"]
        status = np.zeros(n, dtype=np.int8)
        if len(e):
            codes = e["status"].map(_STATUS_CODE).fillna(0).to_numpy(dtype=np.int8)
            status[table_positions(net, "enterprises")] = codes
        npl_balance = np.bincount(net.l_borrower, weights=net.l_balance * net.l_npl,
                                  minlength=n)
        npl_loans = np.bincount(net.l_borrower, weights=net.l_npl, minlength=n).astype(np.int64)
        events = _credit_events(net)
        debt = net.borrowings()
        cc, lender, _ = creditor_pairs(net, np.arange(n))
        banks, micro, others, total = _counts(lender_types(net), cc, lender, n)
        enterprise = net.kind == 0
        troubled = enterprise & ((status > 0) | (npl_loans > 0) | (events > 0))
        major = enterprise & ((status == 2) | (npl_loans > 0))
        large = troubled & (debt >= p.min_debt)
        mixed = large & major & (banks >= 1) & (micro >= 1) & (others >= 1)
        due = large & ((banks >= p.banks) | (micro >= p.microloans) | mixed)
        return DebtorFacts(status, npl_balance, npl_loans, events, debt, banks, micro,
                           others, total, troubled, major, large, mixed, due)

    return network_cache(net, f"committee_facts:{p!r}", build)


def _reason(code: str, zh: str, en: str) -> dict[str, str]:
    return {"code": code, "zh": zh, "en": en}


def _latest_events(net: Network, wanted: np.ndarray) -> dict[int, tuple[str, str]]:
    """Return entity index → (date, description) of its latest credit event, for *wanted*."""
    ev = net.dataset.tables["events"]
    if not len(ev):
        return {}
    credit = ev[(ev["category"] == "credit").to_numpy()]
    pos = net.index.get_indexer(credit["enterprise_id"].to_numpy(dtype=object))
    keep = (pos >= 0) & np.isin(pos, wanted)
    frame = pd.DataFrame({"pos": pos[keep], "date": credit["date"].to_numpy(object)[keep],
                          "severity": credit["severity"].to_numpy(dtype=float)[keep],
                          "text": credit["description"].fillna("").to_numpy(object)[keep]})
    frame = frame.sort_values(["pos", "date", "severity"], kind="stable")
    last = frame.groupby("pos").tail(1)
    return {int(p): (str(d), str(t)) for p, d, t in
            zip(last["pos"], last["date"], last["text"], strict=True)}


def _distress_reasons(f: DebtorFacts, i: int, latest: tuple[str, str] | None
                      ) -> list[dict[str, str]]:
    """Return why debtor *i* is in default or distress."""
    out = []
    if f.status[i] == 2:
        out.append(_reason("status_defaulted", "企业状态为违约", "status defaulted"))
    elif f.status[i] == 1:
        out.append(_reason("status_distressed", "企业状态为困难", "status distressed"))
    if f.npl_loans[i]:
        out.append(_reason("npl", f"不良贷款 {f.npl_balance[i]:,.2f} 万元（{f.npl_loans[i]} 笔）",
                           f"non-performing loans {f.npl_balance[i]:,.2f} 万元 "
                           f"({f.npl_loans[i]})"))
    if f.credit_events[i]:
        date, text = latest or ("", "")
        zh = f"信用风险事件 {f.credit_events[i]} 起（最近 {date}{'：' + text if text else ''}）"
        en = f"{f.credit_events[i]} credit-risk event(s) (latest {date}{': ' + text if text else ''})"
        out.append(_reason("credit_event", zh, en))
    return out


def _rule_reasons(f: DebtorFacts, i: int, p: CommitteeParams) -> list[dict[str, str]]:
    """Return the size and creditor tests of debtor *i* (met, or why not)."""
    b, m, o = int(f.banks[i]), int(f.microloans[i]), int(f.others[i])
    out = [_reason("large_debt", f"债务 {f.debt[i]:,.2f} 万元，达到 {p.min_debt:,.0f} 万元",
                   f"debt {f.debt[i]:,.2f} 万元 >= {p.min_debt:,.0f} 万元")]
    if b >= p.banks:
        out.append(_reason("banks", f"债权银行 {b} 家（≥ {p.banks} 家）",
                           f"{b} creditor banks (>= {p.banks})"))
    if m >= p.microloans:
        out.append(_reason("microloans", f"债权小贷公司 {m} 家（≥ {p.microloans} 家）",
                           f"{m} creditor microloan companies (>= {p.microloans})"))
    if f.mixed[i]:
        out.append(_reason("mixed", f"重大违约同时涉及银行 {b} 家、小贷公司 {m} 家和其他机构 {o} 家",
                           f"a major default involving banks ({b}), microloan companies "
                           f"({m}) and other institutions ({o}) at once"))
    if not f.due[i]:
        out.append(_reason(
            "below_thresholds",
            f"债权银行 {b} 家、小贷公司 {m} 家、其他机构 {o} 家：未达银行 ≥ {p.banks} 家或小贷公司 "
            f"≥ {p.microloans} 家，也不是同时涉及银行、小贷公司和其他机构的重大违约，暂不需组建债权人委员会",
            f"creditor banks {b}, microloan companies {m}, others {o}: below {p.banks} banks "
            f"or {p.microloans} microloan companies, and not a major default involving all "
            "three at once — no creditors' committee"))
    return out


@analysis(params=CommitteeParams)
def debtor_committees(net: Network, *, params: CommitteeParams | None = None
                      ) -> list[dict[str, Any]]:
    """Return the record of every debtor (troubled, debt ≥ min_debt), committees first.

    The ``debtors`` of :func:`committees` (see there for the keys); the watchlist and
    the Neo4j annotations use this list.

    Examples
    --------
    >>> [(d["debtor"], d["creditor_committee"], [r["code"] for r in d["reasons"]])
    ...  for d in debtor_committees(net, params=CommitteeParams(min_debt=400, banks=2))]
    [('E2', False, ['status_distressed', 'npl', 'large_debt', 'below_thresholds'])]

    Notes
    -----
    ``O(n log n + loans log loans + events)``, plus a record per debtor.
    """
    assert params is not None  # filled in by @analysis
    return _debtor_records(net, debtor_facts(net, params=params), params,
                           circle_labels(net), guarantee_groups(net))


def _debtor_records(net: Network, f: DebtorFacts, p: CommitteeParams, circle: np.ndarray,
                    group: np.ndarray) -> list[dict[str, Any]]:
    """Return the record of every debtor (troubled, debt ≥ min_debt), committees first."""
    sel = np.flatnonzero(f.large)
    sel = sel[np.lexsort((id_rank(net)[sel], -f.debt[sel], ~f.due[sel]))]
    names = entity_names(net)
    cc, lender, _ = creditor_pairs(net, np.where(f.large, np.arange(net.n), -1))
    starts, ends = np.searchsorted(cc, sel, "left"), np.searchsorted(cc, sel, "right")
    cred_ids = net.ids[lender]
    cids = np.array(label_ids("C", int(circle.max()) + 1 if len(circle) else 0) + [None],
                    dtype=object)[circle]
    gids = np.array(label_ids("GRP", int(group.max()) + 1 if len(group) else 0) + [None],
                    dtype=object)[group]
    latest = _latest_events(net, sel)
    out = []
    for i, a, b in zip(sel.tolist(), starts.tolist(), ends.tolist(), strict=True):
        status = _STATUS_NAME[int(f.status[i])]
        out.append({
            "debtor": net.ids[i], "name": names[i], "status": status,
            "status_zh": STATUS[status], "debt": float(f.debt[i]),
            "npl_balance": float(f.npl_balance[i]), "npl_loans": int(f.npl_loans[i]),
            "credit_events": int(f.credit_events[i]),
            "banks": int(f.banks[i]), "microloans": int(f.microloans[i]),
            "others": int(f.others[i]), "creditor_count": int(f.creditors[i]),
            "creditors": cred_ids[a:b].tolist(),
            "major_default": bool(f.major[i]), "mixed": bool(f.mixed[i]),
            "creditor_committee": bool(f.due[i]),
            "circle": cids[i], "group": gids[i],
            "reasons": _distress_reasons(f, i, latest.get(i)) + _rule_reasons(f, i, p),
        })
    return out


def _split(net: Network, labels: np.ndarray, mask: np.ndarray, k: int) -> list[list[str]]:
    """Return per label 0..k-1 the ids of its entities where *mask* holds, sorted by id."""
    flat, bounds = _flat_members(net, np.where(mask, labels, -1), k)
    ids = net.ids[flat].tolist()
    out: list[list[str]] = [[] for _ in range(k)]
    b = np.asarray(bounds)
    some = np.flatnonzero(np.diff(b))   # only the labels with such entities
    for c, lo, hi in zip(some.tolist(), b[some].tolist(), b[some + 1].tolist(), strict=True):
        out[c] = ids[lo:hi]
    return out


def _label_reasons(rec: dict[str, Any], names: dict[str, str], banks: int, microloans: int
                   ) -> list[dict[str, str]]:
    """Return why a circle or group needs a committee or is watched (empty: neither)."""
    out = []

    def who(ids: list[str]) -> tuple[str, str]:
        shown = [f"{names.get(i) or i}" for i in ids[:5]] + (["…"] if len(ids) > 5 else [])
        return "、".join(shown), ", ".join(shown)

    if rec["creditor_committee"]:
        zh, en = who(rec["committee_debtors"])
        out.append(_reason("member_committee", f"成员须组建债权人委员会：{zh}",
                           f"a creditors' committee is due for member(s): {en}"))
    if rec["watch"]:
        b, m = rec["bank_count"], rec["microloan_count"]
        out.append(_reason("watch", f"成员共欠 {b} 家银行、{m} 家小贷公司（银行 ≥ {banks} 家或小贷公司 ≥ "
                                    f"{microloans} 家），列入关注",
                           f"members owe {b} banks and {m} microloan companies (>= {banks} "
                           f"banks or >= {microloans} microloan companies): watch"))
        if rec["performing"]:
            out.append(_reason("performing", "成员均未违约或困难，不需组建债权人委员会",
                               "no member in default or distress: no creditors' committee"))
        elif not rec["creditor_committee"]:
            zh, en = who(rec["troubled_members"])
            out.append(_reason("no_committee",
                               f"违约或困难成员（{zh}）未达组建债权人委员会的条件",
                               f"the members in default or distress ({en}) do not meet the "
                               "committee rule"))
    return out


def label_committees(net: Network, labels: np.ndarray, k: int, *, facts: DebtorFacts,
                     banks: int, microloans: int) -> list[dict[str, Any]]:
    """Return the creditor counts and committee flags of each label 0..k-1 (circles, groups).

    Parameters
    ----------
    net : Network
    labels : ndarray of int
        A label per entity, ``-1`` outside (:func:`~graphrisk.network.circles.circle_labels`
        or :func:`~graphrisk.network.circles.guarantee_groups`).
    k : int
        Number of labels.
    facts : DebtorFacts
        From :func:`debtor_facts` (the committee rule per member).
    banks, microloans : int
        ``watch`` thresholds (``CircleParams.committee_banks`` / ``committee_microloans``).

    Returns
    -------
    list of dict
        Per label: ``creditors`` (ids, largest balance first), ``creditor_count``,
        ``bank_count``, ``microloan_count``, ``other_count``, ``troubled_members``,
        ``performing``, ``watch``, ``creditor_committee``, ``committee_debtors``,
        ``committee_reasons`` (``code``, ``zh``, ``en``).

    Examples
    --------
    >>> [rec] = label_committees(net, circle_labels(net), 1, facts=debtor_facts(net),
    ...                          banks=1, microloans=5)   # E1 ↔ E2 owe bank B1
    >>> rec["bank_count"], rec["watch"], rec["creditor_committee"], rec["performing"]
    (1, True, False, False)
    >>> [r["code"] for r in rec["committee_reasons"]]
    ['watch', 'no_committee']

    Notes
    -----
    ``O(n log n + loans log loans)``, plus the reasons of the flagged labels.
    """
    cc, lender, _ = creditor_pairs(net, labels)
    bank, micro, other, total = _counts(lender_types(net), cc, lender, k)
    inside = labels >= 0
    due = np.bincount(labels[inside], weights=facts.due[inside], minlength=k) > 0
    troubled = np.bincount(labels[inside], weights=facts.troubled[inside], minlength=k) > 0
    watch = (bank >= banks) | (micro >= microloans)
    bounds = np.r_[0, np.cumsum(total)].tolist()
    cred_ids = net.ids[lender].tolist()
    troubled_ids = _split(net, labels, facts.troubled, k)
    due_ids = _split(net, labels, facts.due, k)
    flagged = np.flatnonzero(due | watch)
    out = [{"creditors": cred_ids[lo:hi], "creditor_count": t, "bank_count": b,
            "microloan_count": m, "other_count": o, "troubled_members": tm,
            "performing": not tr, "watch": w, "creditor_committee": d,
            "committee_debtors": dm, "committee_reasons": []}
           for lo, hi, t, b, m, o, tm, tr, w, d, dm in zip(
               bounds[:-1], bounds[1:], total.tolist(), bank.tolist(), micro.tolist(),
               other.tolist(), troubled_ids, troubled.tolist(), watch.tolist(), due.tolist(),
               due_ids, strict=True)]
    if len(flagged):
        all_names = entity_names(net)
        wanted = {i for c in flagged.tolist() for i in
                  out[c]["committee_debtors"] + out[c]["troubled_members"]}
        pos = net.positions(sorted(wanted)) if wanted else np.zeros(0, dtype=np.int64)
        names = dict(zip(net.ids[pos].tolist(), all_names[pos].tolist(), strict=True))
        for c in flagged.tolist():
            out[c]["committee_reasons"] = _label_reasons(out[c], names, banks, microloans)
    return out


def _label_records(net: Network, labels: np.ndarray, prefix: str, facts: DebtorFacts,
                   cp: CircleParams, group: np.ndarray | None) -> list[dict[str, Any]]:
    """Return the flagged (watched or committee) circles or groups of the committees doc."""
    k = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    if k == 0:
        return []
    recs = label_committees(net, labels, k, facts=facts, banks=cp.committee_banks,
                            microloans=cp.committee_microloans)
    flat, bounds = _flat_members(net, labels, k)
    ids = label_ids(prefix, k)
    member_ids, member_names = net.ids[flat].tolist(), entity_names(net)[flat].tolist()
    loans = np.bincount(labels[labels >= 0], weights=facts.debt[labels >= 0], minlength=k)
    gids = label_ids("GRP", int(group.max()) + 1) if group is not None and len(group) else []
    out = []
    for c, rec in enumerate(recs):
        if not (rec["watch"] or rec["creditor_committee"]):
            continue
        head: dict[str, Any] = {"id": ids[c]}
        if group is not None:
            head["group"] = gids[group[flat[bounds[c]]]]
        head.update(members=member_ids[bounds[c]:bounds[c + 1]],
                    names=member_names[bounds[c]:bounds[c + 1]], size=bounds[c + 1] - bounds[c],
                    loan_total=float(loans[c]))
        rec = dict(rec)
        rec["reasons"] = rec.pop("committee_reasons")
        out.append({**head, **rec})
    return out


@analysis(params=CommitteeParams, circle_params=CircleParams)
def committees(net: Network, *, params: CommitteeParams | None = None,
               circle_params: CircleParams | None = None) -> dict[str, Any]:
    """Return the document of ``graphrisk committees``: debtors, circles, groups, summary.

    Parameters
    ----------
    net : Network or Dataset
    params : CommitteeParams, optional
        The debtor rule (``min_debt`` 5,000 万元, ``banks`` 3, ``microloans`` 5).
    circle_params : CircleParams, optional
        The ``watch`` thresholds of circles and groups (``committee_banks`` 3,
        ``committee_microloans`` 5).

    Returns
    -------
    dict
        ``debtors`` — every enterprise in default or distress with ``debt >=
        min_debt``, those needing a committee first, then by debt: ``debtor`` (id),
        ``name``, ``status``, ``status_zh``, ``debt``, ``npl_balance``, ``npl_loans``,
        ``credit_events``, ``banks``, ``microloans``, ``others``, ``creditor_count``,
        ``creditors`` (ids, largest balance first), ``major_default``, ``mixed``,
        ``creditor_committee``, ``circle``, ``group``, ``reasons`` (``code``, ``zh``,
        ``en``: the distress, the size, the creditor tests met or why not);
        ``committees`` — the debtors needing a committee (SPEC §9);
        ``circles`` / ``groups`` — the circles and groups watched or with a member
        needing a committee: ``id`` (``group`` for a circle), ``members``, ``names``,
        ``size``, ``loan_total`` and the keys of :func:`label_committees` (``committee_reasons``
        as ``reasons``); ``summary`` — ``troubled``, ``below_min_debt``, ``debtors``,
        ``committees``, ``by_banks``, ``by_microloans``, ``mixed``, ``circles``,
        ``circles_watch``, ``circles_committee``, ``groups``, ``groups_watch``,
        ``groups_committee``; ``params``.

    Examples
    --------
    >>> doc = committees(net, params=CommitteeParams(min_debt=300, banks=1))
    >>> [(d["debtor"], d["debt"], d["banks"], d["creditor_committee"]) for d in doc["debtors"]]
    [('E2', 500.0, 1, True), ('E3', 350.0, 1, True)]
    >>> [r["code"] for r in doc["debtors"][1]["reasons"]]
    ['status_defaulted', 'npl', 'large_debt', 'banks']
    >>> doc["circles"][0]["id"], doc["circles"][0]["committee_debtors"]
    ('C001', ['E2'])
    >>> committees(demo_net)["summary"]["committees"]   # 青山置业: 5,600 万元, 4 banks
    1

    Notes
    -----
    ``O(n log n + loans log loans + events)`` (vectorised), plus a record per debtor.
    """
    assert params is not None and circle_params is not None  # filled in by @analysis
    p, cp = params, circle_params
    f = debtor_facts(net, params=p)
    clab, glab = circle_labels(net), guarantee_groups(net)
    debtors = _debtor_records(net, f, p, clab, glab)
    circles = _label_records(net, clab, "C", f, cp, glab)
    groups = _label_records(net, glab, "GRP", f, cp, None)
    due = [d for d in debtors if d["creditor_committee"]]
    summary = {
        "troubled": int(f.troubled.sum()), "below_min_debt": int((f.troubled & ~f.large).sum()),
        "debtors": len(debtors), "committees": len(due),
        "by_banks": sum(d["banks"] >= p.banks for d in due),
        "by_microloans": sum(d["microloans"] >= p.microloans for d in due),
        "mixed": sum(d["mixed"] for d in debtors),
        "circles": int(clab.max()) + 1 if len(clab) and clab.max() >= 0 else 0,
        "circles_watch": sum(c["watch"] for c in circles),
        "circles_committee": sum(c["creditor_committee"] for c in circles),
        "groups": int(glab.max()) + 1 if len(glab) and glab.max() >= 0 else 0,
        "groups_watch": sum(g["watch"] for g in groups),
        "groups_committee": sum(g["creditor_committee"] for g in groups),
    }
    return {"debtors": debtors, "committees": due, "circles": circles, "groups": groups,
            "summary": summary,
            "params": {"min_debt": p.min_debt, "banks": p.banks, "microloans": p.microloans,
                       "watch_banks": cp.committee_banks,
                       "watch_microloans": cp.committee_microloans}}
