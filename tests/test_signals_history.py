"""Signals over time (graphrisk.watch._history): loans matched by loan id and borrower
across two periods, the four change signals, their levels and reasons, the watchlist with
``previous`` and the demo's last two quarters.

Issue 16: "Signals over time in the watchlist when a previous period is given
(``watchlist CUR --previous PREV``): ``classification_downgrade``, ``new_npl``,
``new_special_mention`` (≥ 1,000 万元 of new 关注类, seed 001 信用6),
``overdue_count_rising``."
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from graphrisk.errors import ParameterError
from graphrisk.io.load import load_dataset
from graphrisk.network.graph import build_network
from graphrisk.params import WarningParams
from graphrisk.report.formats import to_json
from graphrisk.watch._history import HistoryParams, history_signals, loan_history
from graphrisk.watch.levels import LEVELS, describe, level_rules, signal_levels
from graphrisk.watch.watchlist import watchlist

from .conftest import DEMO, REPO

CHANGES = ("classification_downgrade", "new_npl", "new_special_mention", "overdue_count_rising")

ENTERPRISES = """
    id,name
    DG,下调关注公司
    NP,新增不良公司
    SM,新增关注公司
    EX,恰好一千公司
    LOW,不足一千公司
    UP,上调公司
    OC,逾期增加公司
    OS,逾期持平公司
    RB,借据号易主公司
    OTHER,原借款公司
    """
COMMON = dict(enterprises=ENTERPRISES, persons="id,name\nP1,张三\n",
              institutions="id,name,type\nB1,青山银行,bank\n")
HEAD = "id,borrower_id,lender_id,balance,classification,overdue_count\n"
PREVIOUS = HEAD + """\
L_DG,DG,B1,600,normal,
L_NP1,NP,B1,900,special_mention,
L_SM1,SM,B1,700,normal,
L_UP,UP,B1,300,substandard,
L_OC,OC,B1,100,normal,1
L_OS,OS,B1,100,normal,2
L_RB,OTHER,B1,500,normal,
L_P,P1,B1,50,normal,
L_GONE,OTHER,B1,80,normal,
"""
CURRENT = HEAD + """\
L_DG,DG,B1,600,special_mention,
L_NP1,NP,B1,900,substandard,
L_NP2,NP,B1,100,doubtful,
L_SM1,SM,B1,700,special_mention,
L_SM2,SM,B1,400,special_mention,
L_EX,EX,B1,1000,special_mention,
L_LOW,LOW,B1,999.99,special_mention,
L_UP,UP,B1,300,special_mention,
L_OC,OC,B1,100,normal,3
L_OS,OS,B1,100,normal,2
L_RB,RB,B1,500,substandard,
L_P,P1,B1,50,loss,
"""


def _dated(folder: Path, as_of: str) -> Path:
    (folder / "dataset.json").write_text(json.dumps({"as_of": as_of, "region": "青山县"}),
                                         encoding="utf-8")
    return folder


@pytest.fixture
def periods(make_dataset):
    """(current, previous) folders: 2026-03-31 and 2025-12-31."""
    prev = _dated(make_dataset(**COMMON, loans=PREVIOUS), "2025-12-31")
    cur = _dated(make_dataset(**COMMON, loans=CURRENT), "2026-03-31")
    return cur, prev


def _signals(cur, prev, **kw):
    net = build_network(load_dataset(cur))
    s = history_signals(net, load_dataset(prev), **kw)
    return net, {(net.ids[p], c): (v, k, d) for p, c, v, k, d in
                 zip(s["pos"], s["code"], s["value"], s["count"], s["detail"], strict=True)}


def test_loans_are_matched_by_id_and_borrower(periods):
    """L_RB was OTHER's loan before and is RB's now: a new loan, not a matched one."""
    cur, prev = periods
    h = loan_history(load_dataset(cur), load_dataset(prev)).set_index("id")
    assert h.loc["L_DG", ["cls", "cls_prev"]].tolist() == [1, 0]
    assert h.loc["L_NP2", "cls_prev"] == -1 and h.loc["L_SM2", "times_prev"] == -1
    assert h.loc["L_RB", "cls_prev"] == -1
    assert h.loc["L_OC", ["times", "times_prev"]].tolist() == [3, 1]
    assert "L_GONE" not in h.index  # repaid: only current loans are listed


def test_the_four_signals_hand_worked(periods):
    net, sig = _signals(*periods)
    assert sorted(sig) == sorted([
        ("DG", "classification_downgrade"), ("NP", "classification_downgrade"),
        ("SM", "classification_downgrade"), ("NP", "new_npl"), ("RB", "new_npl"),
        ("SM", "new_special_mention"), ("EX", "new_special_mention"),
        ("OC", "overdue_count_rising")])
    # 正常 → 关注: the worst class reached is 1 (关注); 关注 → 次级: 2 (次级)
    assert sig[("DG", "classification_downgrade")] == (1.0, 1, {"loans": [
        {"id": "L_DG", "from": "normal", "to": "special_mention", "balance": 600.0}]})
    assert sig[("NP", "classification_downgrade")][0] == 2.0
    # a new NPL: non-performing now, performing before (L_NP1 关注) or new (L_NP2)
    assert sig[("NP", "new_npl")] == (1000.0, 2, {"loans": [
        {"id": "L_NP1", "from": "special_mention", "to": "substandard", "balance": 900.0},
        {"id": "L_NP2", "from": None, "to": "doubtful", "balance": 100.0}]})
    assert sig[("RB", "new_npl")][2]["loans"][0]["from"] is None
    # 新增关注类贷款1000万元以上: 700 (was 正常) + 400 (new) = 1,100; exactly 1,000 counts;
    # 999.99 does not; L_UP (次级 → 关注) is an upgrade, not new 关注
    assert sig[("SM", "new_special_mention")][:2] == (1100.0, 2)
    assert sig[("SM", "new_special_mention")][2]["threshold"] == 1000.0
    assert sig[("EX", "new_special_mention")][0] == 1000.0
    # 逾期次数 1 → 3: up by 2; OS stays at 2
    assert sig[("OC", "overdue_count_rising")] == (2.0, 1, {"loans": [
        {"id": "L_OC", "from": 1, "to": 3, "balance": 100.0}]})


def test_levels_of_the_change_signals(periods):
    """A downgrade into 关注 yellow, into 不良 orange; a new NPL orange; new 关注 ≥ 1,000
    yellow; a rising overdue count yellow."""
    cur, prev = periods
    net = build_network(load_dataset(cur))
    s = history_signals(net, load_dataset(prev))
    got = {(net.ids[p], c): LEVELS[lv] for p, c, lv in
           zip(s["pos"], s["code"], signal_levels(s), strict=True)}
    assert got == {("DG", "classification_downgrade"): "yellow",
                   ("NP", "classification_downgrade"): "orange",
                   ("SM", "classification_downgrade"): "yellow",
                   ("NP", "new_npl"): "orange", ("RB", "new_npl"): "orange",
                   ("SM", "new_special_mention"): "yellow",
                   ("EX", "new_special_mention"): "yellow",
                   ("OC", "overdue_count_rising"): "yellow"}
    loud = signal_levels(s, params=WarningParams(levels={"new_npl": "red"}))
    assert {LEVELS[x] for x, c in zip(loud, s["code"], strict=True) if c == "new_npl"} == {"red"}


def test_parameters(periods):
    _, sig = _signals(*periods, params=HistoryParams(new_special_mention=500))
    assert ("DG", "new_special_mention") in sig and ("LOW", "new_special_mention") in sig
    _, sig = _signals(*periods, params=HistoryParams(overdue_count_rise=3))
    assert ("OC", "overdue_count_rising") not in sig  # up by 2 only
    with pytest.raises(ParameterError):
        HistoryParams(new_special_mention=-1)


def test_reasons_name_the_loans_and_amounts(periods):
    net, sig = _signals(*periods)
    zh = {k: describe(k[1], v, n, d)[0] for k, (v, n, d) in sig.items()}
    assert zh[("NP", "new_npl")] == ("新增不良贷款 2 笔，余额 1,000.00 万元：L_NP1 次级 900.00 万元"
                                     "（上期关注）、L_NP2 可疑 100.00 万元（上期无此借据）")
    assert zh[("DG", "classification_downgrade")] == "五级分类下调 1 笔：L_DG 正常→关注（600.00 万元）"
    assert zh[("SM", "new_special_mention")] == (
        "新增关注类贷款 1,100.00 万元（达 1,000 万元以上），2 笔：L_SM1 700.00 万元（上期正常）、"
        "L_SM2 400.00 万元（上期无此借据）")
    assert zh[("OC", "overdue_count_rising")] == "逾期次数较上期增加 2 次：L_OC 1→3 次（余额 100.00 万元）"
    en = describe("new_npl", *sig[("NP", "new_npl")])[1]
    assert en == ("2 new non-performing loans, balance 1,000.00 万元: L_NP1 substandard 900.00 "
                  "万元 (was special mention), L_NP2 doubtful 100.00 万元 (new loan)")
    many = {"loans": [{"id": f"L{i}", "from": "normal", "to": "special_mention",
                       "balance": 10.0} for i in range(10)]}
    assert describe("classification_downgrade", 1, 12, many)[0].endswith("等 12 笔")


def test_watchlist_with_and_without_previous(periods):
    """"without --previous nothing changes": no change signal, no ``previous`` key, the
    rules table of before; with it the change signals are reasons like the others."""
    cur, prev = (load_dataset(p) for p in periods)
    plain = watchlist(cur)
    doc = plain.as_dict()
    assert "previous" not in doc and "history" not in doc["parameters"]
    assert not {r["code"] for r in doc["parameters"]["rules"]} & set(CHANGES)
    assert not any(s["kind"] == "change" for e in doc["enterprises"] for s in e["signals"])
    wl = watchlist(cur, previous=prev)
    doc = json.loads(to_json(wl.as_dict()))
    assert doc["previous"]["as_of"] == "2025-12-31"
    assert doc["parameters"]["history"] == {"new_special_mention": 1000.0,
                                            "overdue_count_rise": 1}
    rules = {r["code"]: r["levels"] for r in doc["parameters"]["rules"]}
    assert rules["new_special_mention"] == "yellow if the new special-mention balance is >= 1,000 万元"
    entry = {e["id"]: e for e in doc["enterprises"]}
    oc = entry["OC"]  # 3 overdue payments (> 2, yellow) and one more than last quarter
    assert oc["level"] == "yellow"
    assert [(r["signal"], r["level"]) for r in oc["reasons"]] == [
        ("overdue_count", "yellow"), ("overdue_count_rising", "yellow")]
    sig = next(s for s in oc["signals"] if s["code"] == "overdue_count_rising")
    assert (sig["label_zh"], sig["kind"], sig["unit"]) == ("逾期次数增加", "change", "次")
    # EX: a new 1,000 万元 关注 loan; its own 关注 signal was yellow already
    assert {r["signal"] for r in entry["EX"]["reasons"]} == {"loan_special_mention",
                                                             "new_special_mention"}
    assert "P1" not in entry  # persons are not on the list
    # the same previous period as a Network gives the same list
    assert watchlist(cur, previous=build_network(prev)).entries == wl.entries


def test_previous_must_not_be_later(periods):
    cur, prev = periods
    with pytest.raises(ParameterError, match="later than the current"):
        watchlist(load_dataset(prev), previous=load_dataset(cur))
    same = watchlist(load_dataset(cur), previous=load_dataset(cur))
    assert any("same as-of date" in n for n in same.notes)
    assert not any(s["kind"] == "change" for e in same.entries for s in e["signals"])


def test_level_rules_list_the_change_signals_only_when_asked():
    plain = {r["code"] for r in level_rules()}
    both = {r["code"]: r for r in level_rules(history=HistoryParams())}
    assert set(both) - plain == set(CHANGES)
    assert both["classification_downgrade"]["levels"].startswith("yellow if downgraded to special")
    over = level_rules(params=WarningParams(levels={"new_npl": "red"}), history=HistoryParams())
    assert {r["code"]: r["levels"] for r in over}["new_npl"] == "red (override)"


def _reference(cur, prev):
    """Loop over the loans with dicts: the definitions of the module, one loan at a time."""
    order = ["normal", "special_mention", "substandard", "doubtful", "loss"]
    before = {(r.id, r.borrower_id): r for r in prev.loans.itertuples()}
    kinds = cur.entity_kind
    out: dict[tuple[str, str], float] = {}
    new_sm: dict[str, float] = {}
    for r in cur.loans.itertuples():
        if kinds[r.borrower_id] != "Enterprise":
            continue
        p = before.get((r.id, r.borrower_id))
        c = order.index(r.classification)
        pc = order.index(p.classification) if p is not None else -1
        if p is not None and c > pc:
            key = (r.borrower_id, "classification_downgrade")
            out[key] = max(out.get(key, 0), c)
        if c >= 2 and pc < 2:
            key = (r.borrower_id, "new_npl")
            out[key] = out.get(key, 0) + r.balance
        if c == 1 and pc <= 0:
            new_sm[r.borrower_id] = new_sm.get(r.borrower_id, 0) + r.balance
        t = 0 if r.overdue_count != r.overdue_count else r.overdue_count
        if p is not None:
            pt = 0 if p.overdue_count != p.overdue_count else p.overdue_count
            if t > pt:
                key = (r.borrower_id, "overdue_count_rising")
                out[key] = out.get(key, 0) + t - pt
    out.update({(b, "new_special_mention"): v for b, v in new_sm.items() if v >= 1000})
    return out


def test_against_a_loop_on_a_generated_network(tmp_path):
    """2,000 generated enterprises; the previous period shuffles classes and counts."""
    import dataclasses

    from graphrisk.synth import generate, write_dataset

    folder = tmp_path / "g"
    write_dataset(generate(2000, seed=5), folder)
    cur = load_dataset(folder)
    rng = random.Random(7)
    lo = cur.loans.copy()
    classes = ["normal", "special_mention", "substandard", "doubtful", "loss"]
    lo["classification"] = [rng.choice(classes) for _ in range(len(lo))]
    lo["overdue_count"] = [rng.choice([None, 0, 1, 2, 5]) for _ in range(len(lo))]
    lo = lo.drop(index=list(range(0, len(lo), 9))).reset_index(drop=True)  # "new" loans
    prev = dataclasses.replace(cur, tables={**cur.tables, "loans": lo})
    net = build_network(cur)
    s = history_signals(net, prev)
    got = {(net.ids[p], c): v for p, c, v in zip(s["pos"], s["code"], s["value"], strict=True)}
    want = _reference(cur, prev)
    assert set(got) == set(want) and len(got) > 50
    assert all(got[k] == pytest.approx(want[k]) for k in want)


# -- the demo: 2025-12-31 → 2026-03-31 ----------------------------------------------------

DEMO_PREV = REPO / "datasets" / "demo-2025-12-31"
CEMENT, ESTATE = "91331122704505776C", "91331122MA28B9P05X"


def test_demo_last_quarter():
    """The demo's loans.csv against datasets/demo-2025-12-31/loans.csv: L039 (青山水泥,
    1,200) 关注 → 次级, overdue count 2 → 3; L034 (青山置业, 1,200) 正常 → 关注; nine loans
    of enterprises with one overdue payment more (L080 is 马超's, a person: not listed);
    L026 (青山食品) 关注 → 正常 is an upgrade and L057 a new 正常 loan: no signal."""
    wl = watchlist(load_dataset(DEMO), previous=load_dataset(DEMO_PREV))
    by = {e["id"]: e for e in wl.entries}
    changes = {(e["name"], r["signal"]): (r["level"], r["zh"]) for e in wl.entries
               for r in e["reasons"] if r["signal"] in CHANGES}
    assert changes[("青山水泥有限公司", "classification_downgrade")] == (
        "orange", "五级分类下调 1 笔：L039 关注→次级（1,200.00 万元）")
    assert changes[("青山水泥有限公司", "new_npl")] == (
        "orange", "新增不良贷款 1 笔，余额 1,200.00 万元：L039 次级 1,200.00 万元（上期关注）")
    assert changes[("青山置业有限公司", "classification_downgrade")] == (
        "yellow", "五级分类下调 1 笔：L034 正常→关注（1,200.00 万元）")
    assert changes[("青山置业有限公司", "new_special_mention")] == (
        "yellow", "新增关注类贷款 1,200.00 万元（达 1,000 万元以上），1 笔：L034 1,200.00 万元（上期正常）")
    rising = {name for (name, code) in changes if code == "overdue_count_rising"}
    assert rising == {"青山钢铁有限公司", "青山建材有限公司", "青山物流有限公司", "青山服装有限公司",
                      "青山建工集团有限公司", "青山水泥有限公司", "青山机械制造有限公司",
                      "青山饮料有限公司", "青山石材有限公司"}
    assert changes[("青山钢铁有限公司", "overdue_count_rising")][1] == (
        "逾期次数较上期增加 1 次：L004 0→1 次（余额 1,800.00 万元）")
    assert len(changes) == 13
    # the levels stay: 水泥 is red (L039 overdue 95 days), 置业 orange (its circle C001)
    assert by[CEMENT]["level"] == "red" and by[ESTATE]["level"] == "orange"
    assert wl.previous == {"source": str(DEMO_PREV), "as_of": "2025-12-31"}
    assert wl.counts == watchlist(load_dataset(DEMO)).counts
