"""Related parties (SPEC §4): one fixture per rule at and just below its threshold,
evidence, groups against networkx, warnings, and a differential test against a
pairwise Python reference on random datasets."""

from __future__ import annotations

import itertools
import random

import networkx as nx
import pytest

from graphrisk.domain.glossary import MANAGEMENT_ROLES, SENIOR_ROLES
from graphrisk.errors import ParameterError
from graphrisk.io.load import load_dataset
from graphrisk.ownership.related import (
    iter_related_pairs,
    parse_rules,
    related_pairs_frame,
    related_parties,
)
from graphrisk.params import OwnershipParams, RelatedParams

from .test_ownership import brute, python_fixed_point


def ents(n, capital=""):
    rows = [f"E{i},企业{i},{capital}" for i in range(1, n + 1)]
    return "id,name,paid_in_capital\n" + "\n".join(rows) + "\n"


def pairs_of(ds, **kw):
    rp = related_parties(ds, **kw)
    return rp, {(p["a"], p["b"]): p for p in rp.pairs()}


# ------------------------------------------------------------------ one rule each
def test_equity_at_and_below_threshold(make_dataset):
    ds = load_dataset(make_dataset(
        enterprises=ents(6),
        shareholdings="holder_id,company_id,share_pct\nE1,E2,25\nE3,E4,24.99\nE6,E5,30\n"))
    rp, got = pairs_of(ds, rules="equity")
    assert set(got) == {("E1", "E2"), ("E5", "E6")}
    ev = got["E1", "E2"]["evidence"]["equity"]
    assert ev["a_in_b_pct"] == 25 and ev["b_in_a_pct"] == 0
    assert ev["paths"] == [{"nodes": ["E1", "E2"], "hops": [25.0], "share_pct": 25.0}]
    # the holder is b: a < b is by id, not by direction
    ev = got["E5", "E6"]["evidence"]["equity"]
    assert ev["a_in_b_pct"] == 0 and ev["b_in_a_pct"] == 30
    assert ev["paths"][0]["nodes"] == ["E6", "E5"]


def test_equity_through_the_ownership_mode(make_dataset):
    ds = load_dataset(make_dataset(
        enterprises=ents(3),
        shareholdings="holder_id,company_id,share_pct\nE1,E2,30\nE2,E3,40\n"))
    _, got = pairs_of(ds, rules="equity")
    assert ("E1", "E3") in got  # passthrough: 40 %
    path = got["E1", "E3"]["evidence"]["equity"]["paths"][0]
    assert path["nodes"] == ["E1", "E2", "E3"] and path["via"] == "E2"
    params = RelatedParams(ownership=OwnershipParams("multiply"))
    _, got = pairs_of(ds, rules="equity", params=params)
    assert ("E1", "E3") not in got  # multiply: 12 %


def test_common_owner_at_and_below_threshold(make_dataset):
    ds = load_dataset(make_dataset(
        enterprises=ents(5), persons="id,name\nP1,甲\nP2,乙\n",
        shareholdings="holder_id,company_id,share_pct\n"
                      "P1,E1,25\nP1,E2,25\nP1,E5,60\nP2,E3,25\nP2,E4,24.9\n"))
    rp, got = pairs_of(ds, rules="common_owner")
    assert set(got) == {("E1", "E2"), ("E1", "E5"), ("E2", "E5")}
    assert got["E1", "E5"]["evidence"]["common_owner"]["owners"] == [
        {"owner_id": "P1", "name": "甲", "a_pct": 25.0, "b_pct": 60.0}]
    assert rp.groups == [["E1", "E2", "E5"]]
    assert rp.pair_count == 3 and rp.rule_counts == {"common_owner": 3}


def test_common_owner_is_a_third_party(make_dataset):
    # E1 holds 60 % of E2 and 60 % of E3: E2–E3 share an owner; E1–E2 is equity, not
    # common_owner (E1 would have to hold 25 % of itself)
    ds = load_dataset(make_dataset(
        enterprises=ents(3), shareholdings="holder_id,company_id,share_pct\nE1,E2,60\nE1,E3,60\n"))
    _, got = pairs_of(ds)
    assert got["E1", "E2"]["rules"] == ["equity"]
    assert got["E2", "E3"]["rules"] == ["common_owner"]


LENDING = dict(
    enterprises="id,name,paid_in_capital,registered_capital\n"
                "E1,甲,,\nE2,乙,100,\nE3,丙,100,\nE4,丁,100,\nE5,戊,,200\nE6,己,,\nE7,庚,,\nE8,辛,,\n",
    institutions="id,name\nB1,银行\n",
    loans="id,borrower_id,lender_id,balance\n"
          "L1,E2,E1,30\nL2,E1,E2,20\nL3,E4,E3,49.99\nL4,E6,E5,100\nL5,E8,E7,10\nL6,E2,B1,500\n")


def test_lending_at_and_below_ratio(make_dataset):
    ds = load_dataset(make_dataset(**LENDING))
    rp, got = pairs_of(ds, rules="lending")
    # E1–E2: 30 + 20 = 50 = 50 % of E2's 100; E3–E4: 49.99 < 50; E5–E6: 100 = 50 % of
    # E5's registered 200; E7–E8: neither has capital; the bank loan does not count
    assert set(got) == {("E1", "E2"), ("E5", "E6")}
    ev = got["E1", "E2"]["evidence"]["lending"]
    assert ev["balance"] == 50 and ev["capital_a"] is None and ev["capital_b"] == 100
    assert ev["ratio_b_pct"] == 50 and ev["ratio_a_pct"] is None
    assert sorted(x["id"] for x in ev["loans"]) == ["L1", "L2"]
    assert got["E5", "E6"]["evidence"]["lending"]["capital_a"] == 200
    assert any(w.startswith("lending:") and "E7–E8" in w for w in rp.warnings)


GUARANTEE = dict(
    enterprises=ents(8), institutions="id,name\nB1,银行\n", persons="id,name\nP1,甲\n",
    loans="id,borrower_id,lender_id,balance\nL1,E2,B1,100\nL2,E4,B1,100\nL3,E1,B1,50\n",
    guarantees="id,guarantor_id,borrower_id,amount\n"
               "G1,E1,E2,6\nG2,E1,E2,4\nG3,E3,E4,9.99\nG4,E5,E6,100\nG5,P1,E1,100\n")


def test_guarantee_at_and_below_ratio(make_dataset):
    ds = load_dataset(make_dataset(**GUARANTEE))
    rp, got = pairs_of(ds, rules="guarantee")
    assert set(got) == {("E1", "E2")}  # 6 + 4 = 10 % of 100; 9.99 % is not
    (d,) = got["E1", "E2"]["evidence"]["guarantee"]["directions"]
    assert d == {"guarantor_id": "E1", "borrower_id": "E2", "guarantees": ["G1", "G2"],
                 "amount": 10.0, "borrowings": 100.0, "ratio_pct": 10.0, "qualifies": True}
    # E6 has no loans: the E5 → E6 guarantee cannot be tested, and we say so
    (w,) = [w for w in rp.warnings if w.startswith("guarantee:")]
    assert "E5 for E6" in w and "1 guarantee relation" in w


def test_guarantee_without_any_loans_warns(make_dataset):
    ds = load_dataset(make_dataset(enterprises=ents(2),
                                   guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,E2,5\n"))
    rp, got = pairs_of(ds, rules="guarantee")
    assert not got
    assert any("no loans" in w and w.startswith("guarantee:") for w in rp.warnings)


MANAGEMENT = dict(
    enterprises=ents(10),
    persons="id,name\n" + "".join(f"P{i},人{i}\n" for i in range(1, 15)),
    positions="person_id,company_id,role\n"
              # key posts: P1 chairman of E1 and general manager of E2 → related
              # (one senior manager of three in E1, of two in E2: no majority)
              "P1,E1,chairman\nP1,E2,general_manager\nP12,E1,director\nP13,E1,cfo\n"
              "P14,E2,director\n"
              # supervisors and directors alone are not key posts
              "P2,E3,supervisor\nP2,E4,supervisor\n"
              # majority: E5 has 3 seniors, 2 of them directors of E6 (2 > 1.5)
              "P3,E5,director\nP4,E5,director\nP5,E5,cfo\nP3,E6,director\nP4,E6,director\n"
              "P9,E6,director\nP10,E6,director\n"
              # exactly half is not more than half: E7 and E8 have 4 each, 2 shared
              "P6,E7,director\nP7,E7,director\nP8,E7,cfo\nP11,E7,director\n"
              "P6,E8,director\nP7,E8,director\nP8,E8,supervisor\nP5,E8,director\nP2,E8,director\n")


def test_management_rules(make_dataset):
    ds = load_dataset(make_dataset(**MANAGEMENT))
    _, got = pairs_of(ds, rules="management")
    assert set(got) == {("E1", "E2"), ("E5", "E6")}
    ev = got["E1", "E2"]["evidence"]["management"]
    assert ev["criteria"] == ["key_post"]
    assert ev["people"] == [{"person_id": "P1", "name": "人1", "posts_a": ["chairman"],
                             "posts_b": ["general_manager"]}]
    ev = got["E5", "E6"]["evidence"]["management"]
    assert ev["criteria"] == ["senior_majority"]
    assert (ev["senior_a"], ev["senior_b"], ev["shared_senior"]) == (3, 4, 2)
    assert [p["person_id"] for p in ev["people"]] == ["P3", "P4"]


def test_missing_tables_give_warnings(make_dataset):
    ds = load_dataset(make_dataset(enterprises=ents(3)))
    rp, got = pairs_of(ds)
    assert not got and rp.pair_count == 0 and rp.groups == []
    text = "\n".join(rp.warnings)
    for rule in ("equity", "lending", "guarantee", "management"):
        assert f"{rule}" in text
    assert "no positions" in text and "no shareholdings" in text and "no loans" in text


# ------------------------------------------------------------------ the small set
def test_small_dataset_pairs_groups_and_order(small):
    ds = load_dataset(small)
    rp, got = pairs_of(ds)
    assert list(got) == sorted(got) and all(a < b for a, b in got)
    assert got["E1", "E2"]["rules"] == ["equity", "common_owner", "guarantee", "management"]
    assert got["E1", "E4"]["rules"] == ["lending"]  # L5: 120 ≥ 50 % of E1's 200
    assert rp.groups == [["E1", "E2", "E3", "E4"]]
    assert rp.pair_count == len(got) == 4
    assert rp.rule_counts["equity"] == 3
    assert rp.as_dict()["pairs"] == list(got.values())
    assert list(iter_related_pairs(ds)) == list(got.values())
    assert len(list(rp.pairs(max_pairs=2))) == 2 and rp.as_dict(max_pairs=1)["truncated"]


def test_rules_selection_and_errors(small):
    ds = load_dataset(small)
    assert parse_rules(" guarantee ,equity") == ("equity", "guarantee")
    rp = related_parties(ds, rules=["lending"])
    assert rp.rules == ("lending",) and rp.pair_count == 1
    with pytest.raises(ParameterError):
        related_parties(ds, rules="equity,friendship")
    with pytest.raises(ParameterError):
        related_parties(ds, rules="")


def test_pairs_frame(small):
    ds = load_dataset(small)
    f = related_pairs_frame(ds)
    assert list(zip(f["a_id"], f["b_id"], strict=True)) == [("E1", "E2"), ("E1", "E3"),
                                                             ("E1", "E4"), ("E2", "E3")]
    assert f["rules"].iloc[2] == ["lending"]
    from graphrisk.network.graph import build_network
    net = build_network(ds)
    e4 = int(net.positions("E4")[0])
    assert list(related_pairs_frame(net, among=[e4])["b_id"]) == ["E4"]


# --------------------------------------------------------- random: vs reference
def random_dataset(rng: random.Random):
    ne, npers = rng.randint(4, 9), rng.randint(1, 4)
    E = [f"E{i}" for i in range(ne)]
    P = [f"P{i}" for i in range(npers)]
    cap = [str(rng.choice([0, 50, 100, 200, ""])) for _ in E]
    left = dict.fromkeys(E, 100.0)
    sh, seen = [], set()
    for _ in range(rng.randint(0, 3 * ne)):
        a, b = rng.choice(E + P), rng.choice(E)
        if a == b or (a, b) in seen or left[b] < 1:
            continue
        p = round(rng.uniform(1, min(left[b], 70)), 1)
        left[b] -= p
        seen.add((a, b))
        sh.append((a, b, p))
    roles = ["chairman", "director", "general_manager", "cfo", "legal_representative",
             "supervisor", "actual_controller"]
    pos = {(rng.choice(P), rng.choice(E), rng.choice(roles)) for _ in range(rng.randint(0, 3 * ne))}
    loans = []
    for i in range(rng.randint(0, 2 * ne)):
        b = rng.choice(E)
        lender = rng.choice(["B1"] + [e for e in E if e != b])
        loans.append((f"L{i}", b, lender, rng.choice([10, 25, 50, 100])))
    gs = []
    for i in range(rng.randint(0, 2 * ne)):
        g, b = rng.sample(E, 2)
        gs.append((f"G{i}", g, b, rng.choice([1, 5, 10, 30])))
    tables = dict(
        enterprises="id,name,paid_in_capital\n" + "".join(f"{e},{e},{c}\n" for e, c in zip(E, cap, strict=True)),
        persons="id,name\n" + "".join(f"{p},{p}\n" for p in P),
        institutions="id,name\nB1,bank\n",
        shareholdings="holder_id,company_id,share_pct\n" + "".join(f"{a},{b},{p}\n" for a, b, p in sh),
        positions="person_id,company_id,role\n" + "".join(f"{a},{b},{r}\n" for a, b, r in sorted(pos)),
        loans="id,borrower_id,lender_id,balance\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in loans),
        guarantees="id,guarantor_id,borrower_id,amount\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in gs),
    )
    return tables, dict(E=E, cap=cap, sh=sh, pos=pos, loans=loans, gs=gs)


def reference(raw, mode):
    E, T = raw["E"], 25.0
    H = python_fixed_point(raw["sh"], T) if mode == "passthrough" else brute(raw["sh"], mode)
    h = lambda a, b: H.get((a, b), 0.0)  # noqa: E731
    owners = {a for a, _, _ in raw["sh"]}
    cap = {e: (float(c) if c not in ("", "0") else None) for e, c in zip(E, raw["cap"], strict=True)}
    borrow = {e: sum(b for _, x, _, b in raw["loans"] if x == e) for e in E}
    roles = {}
    for p, c, r in raw["pos"]:
        roles.setdefault(c, {}).setdefault(p, set()).add(r)
    out = {}
    for x, y in itertools.combinations(sorted(E), 2):
        rules = []
        if h(x, y) >= T or h(y, x) >= T:
            rules.append("equity")
        if any(h(p, x) >= T and h(p, y) >= T for p in owners if p not in (x, y)):
            rules.append("common_owner")
        bal = sum(b for _, bo, le, b in raw["loans"] if {bo, le} == {x, y})
        if bal > 0 and any(cap[e] is not None and bal >= 0.5 * cap[e] for e in (x, y)):
            rules.append("lending")
        for g, b in ((x, y), (y, x)):
            amt = sum(a for _, gg, bb, a in raw["gs"] if (gg, bb) == (g, b))
            if amt > 0 and borrow[b] > 0 and amt >= 0.1 * borrow[b]:
                rules.append("guarantee")
                break
        rx, ry = roles.get(x, {}), roles.get(y, {})
        key = any(rx[p] & MANAGEMENT_ROLES and ry.get(p, set()) & MANAGEMENT_ROLES for p in rx)
        sx = {p for p, r in rx.items() if r & SENIOR_ROLES}
        sy = {p for p, r in ry.items() if r & SENIOR_ROLES}
        if key or len(sx & sy) > len(sx) / 2 or len(sx & sy) > len(sy) / 2:
            rules.append("management")
        if rules:
            out[x, y] = rules
    return out


@pytest.mark.parametrize("mode", ["passthrough", "multiply", "weakest_link"])
@pytest.mark.parametrize("seed", range(15))
def test_random_datasets_match_pairwise_reference(make_dataset, seed, mode):
    rng = random.Random(seed)
    tables, raw = random_dataset(rng)
    ds = load_dataset(make_dataset(**tables))
    params = RelatedParams(ownership=OwnershipParams(mode, floor=0, max_depth=20))
    rp = related_parties(ds, params=params, block_budget=rng.choice([1, 3, 10**6]))
    got = {(p["a"], p["b"]): p["rules"] for p in rp.pairs()}
    assert got == reference(raw, mode)
    assert rp.pair_count == len(got)
    assert rp.rule_counts == {r: sum(r in v for v in got.values()) for r in rp.rules}
    G = nx.Graph(list(got))
    want = sorted((sorted(c) for c in nx.connected_components(G)), key=lambda g: (-len(g), g[0]))
    assert rp.groups == want


def test_a_state_holder_is_counted_without_listing_all_pairs(make_dataset):
    k = 300
    tables = dict(
        enterprises="id,name\nS,国资\n" + "".join(f"F{i:03d},f\n" for i in range(k)),
        shareholdings="holder_id,company_id,share_pct\n" + "".join(f"S,F{i:03d},30\n" for i in range(k)))
    ds = load_dataset(make_dataset(**tables))
    rp = related_parties(ds, rules="common_owner", block_budget=5000)
    assert rp.pair_count == k * (k - 1) // 2
    assert len(rp.groups) == 1 and len(rp.groups[0]) == k
    first = list(rp.pairs(max_pairs=5))
    assert [(p["a"], p["b"]) for p in first] == [("F000", f"F00{i}") for i in range(1, 6)]
