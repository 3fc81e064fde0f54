"""Key-enterprise selection (SPEC §8): one hand-built case per criterion, thresholds,
parameters, the missing-credit_line fallback and the demo."""

from __future__ import annotations

import numpy as np
import pytest

from graphrisk.errors import ParameterError
from graphrisk.io.load import load_dataset
from graphrisk.network.graph import build_network
from graphrisk.params import KeyFirmParams
from graphrisk.watch.key_enterprises import CRITERIA, credit_usage, key_enterprises

from .conftest import DEMO

NO_TOP = KeyFirmParams(top_n=0, related=False)

TAGS = """
    id,name,credit_line,tags
    A,甲,3000,overcapacity
    B,乙,2999.99,real_estate
    C,丙,5000,
    C2,丙二,4999,
    D,丁,2000,key_project
    E,戊,1999,key_project
    F,己,1000,agri_leader
    G,庚,999,agri_leader
    H,辛,2000,cross_region
    H2,辛二,1500,cross_region
    I,壬,,lgfv
    J,癸,3500,lgfv;agri_leader
    """
TAG_LOANS = """
    id,borrower_id,lender_id,balance
    L1,I,B1,2000
    L2,I,B1,1500
    L3,A,B1,9000
    """
BANK = "id,name\nB1,青山银行\n"


def criteria_of(result) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for eid, code in zip(result.criteria["id"], result.criteria["code"], strict=True):
        out.setdefault(eid, set()).add(code)
    return out


@pytest.fixture
def tagged(make_dataset):
    return load_dataset(make_dataset(enterprises=TAGS, loans=TAG_LOANS, institutions=BANK))


def test_each_credit_and_tag_criterion_at_its_threshold(tagged):
    got = criteria_of(key_enterprises(tagged, params=NO_TOP))
    assert got == {
        "A": {"key_sector"},            # 3,000 in overcapacity: the threshold is inclusive
        "C": {"large_credit"},          # 5,000
        "D": {"key_project"},           # 2,000
        "F": {"agri_leader"},           # 1,000
        "H": {"cross_region"},          # 2,000
        "I": {"key_sector"},            # no credit_line: loans 2,000 + 1,500 stand in
        "J": {"key_sector", "agri_leader"},
    }


def test_credit_line_wins_over_loans_and_fallback_is_reported(tagged):
    cu = credit_usage(tagged)
    assert cu.loc["A", "credit"] == 3000 and cu.loc["A", "loan_balance"] == 9000
    assert cu.loc["A", "credit_source"] == "credit_line"
    assert cu.loc["I", "credit"] == 3500 and cu.loc["I", "credit_source"] == "loans"
    assert cu.loc["C", "loan_balance"] == 0
    res = key_enterprises(tagged, params=NO_TOP)
    fig = res.criteria.set_index("id").loc["I", "figures"]
    assert fig == {"credit": 3500.0, "credit_source": "loans", "tags": ["lgfv"]}
    fig = res.criteria[(res.criteria["id"] == "J") & (res.criteria["code"] == "key_sector")]
    assert fig["figures"].iat[0]["credit_source"] == "credit_line"


def test_thresholds_are_parameters(tagged):
    p = KeyFirmParams(top_n=0, related=False, sector_credit=2999, large_credit=4999,
                      key_project_credit=1999, agri_leader_credit=999,
                      cross_region_credit=1500)
    got = criteria_of(key_enterprises(tagged, params=p))
    assert "key_sector" in got["B"] and "large_credit" in got["C2"]
    assert "key_project" in got["E"] and "agri_leader" in got["G"] and "cross_region" in got["H2"]
    # a sector list without lgfv drops I and J's sector criterion
    p = KeyFirmParams(top_n=0, related=False, sector_tags=("overcapacity",))
    got = criteria_of(key_enterprises(tagged, params=p))
    assert "I" not in got and got["J"] == {"agri_leader"}


def test_top_credit_ranks_by_credit_then_id(make_dataset):
    rows = "\n".join(f"E{i:02d},企业{i},{100 * (i % 7) + 1}" for i in range(1, 15))
    ds = load_dataset(make_dataset(enterprises="id,name,credit_line\n" + rows
                                   + "\nZ,无授信,\n"))
    res = key_enterprises(ds, params=KeyFirmParams(related=False))
    top = res.criteria[res.criteria["code"] == "top_credit"]
    credit = credit_usage(ds)["credit"]
    expected = sorted(credit.index, key=lambda i: (-credit[i], i))[:10]
    assert sorted(top["id"]) == sorted(expected)
    ranks = {r["id"]: r["figures"]["rank"] for _, r in top.iterrows()}
    assert [ranks[i] for i in expected] == list(range(1, 11))
    res = key_enterprises(ds, params=KeyFirmParams(related=False, top_n=3))
    assert len(res.criteria[res.criteria["code"] == "top_credit"]) == 3


def test_top_credit_skips_firms_without_credit(make_dataset):
    ds = load_dataset(make_dataset(enterprises="id,name,credit_line\nA,a,10\nB,b,\nC,c,0\n"))
    res = key_enterprises(ds, params=KeyFirmParams(related=False))
    assert list(res.criteria["id"]) == ["A"]


GROUP = dict(
    enterprises="""
        id,name,credit_line
        K,核心企业,6000
        S,控股子公司,100
        T,参股公司,100
        X,兄弟公司,100
        Y,同一法人企业,100
        Z,担保人,100
        W,无关企业,100
        """,
    persons="id,name\nP,张三\nQ,李四\n",
    shareholdings="""
        holder_id,company_id,share_pct
        K,S,60
        K,T,40
        P,K,70
        P,X,55
        """,
    positions="""
        person_id,company_id,role
        Q,K,legal_representative
        Q,Y,legal_representative
        """,
    institutions=BANK,
    loans="id,borrower_id,lender_id,balance\nLK,K,B1,1000\n",
    guarantees="id,guarantor_id,borrower_id,amount,loan_id\nG1,Z,K,900,LK\n",
)


def test_important_related_parties_of_key_firms(make_dataset):
    ds = load_dataset(make_dataset(**GROUP))
    res = key_enterprises(ds, params=KeyFirmParams(top_n=0))
    got = criteria_of(res)
    assert got == {"K": {"large_credit"}, "S": {"related"}, "X": {"related"},
                   "Y": {"related"}}
    figs = res.criteria.set_index("id")["figures"]
    # P holds 70 % of K, so (passthrough) also K's 60 % of S: common owner as well
    assert figs["S"] == {"key_firms": ["K"], "rules": [["common_owner", "equity"]]}
    assert figs["X"] == {"key_firms": ["K"], "rules": [["common_owner"]]}
    assert figs["Y"] == {"key_firms": ["K"], "rules": [["management"]]}


def test_related_thresholds_and_rules_are_parameters(make_dataset):
    ds = load_dataset(make_dataset(**GROUP))
    got = criteria_of(key_enterprises(ds, params=KeyFirmParams(top_n=0, related_equity=40)))
    assert "related" in got["T"]  # 40 % now counts
    got = criteria_of(key_enterprises(ds, params=KeyFirmParams(
        top_n=0, related_rules=("equity", "guarantee"))))
    assert set(got) == {"K", "S", "Z"}  # Z's guarantee covers 90 % of K's borrowings
    got = criteria_of(key_enterprises(ds, params=KeyFirmParams(top_n=0, related=False)))
    assert set(got) == {"K"}


def test_related_is_one_step_only(make_dataset):
    tables = dict(GROUP)
    tables["persons"] += "R,王五\n"
    # R is legal representative of Y (related to K through Q) and of W: W is related
    # to Y, which is key only as a related party, so W stays off the list
    tables["positions"] += "R,Y,chairman\nR,W,chairman\n"
    ds = load_dataset(make_dataset(**tables))
    got = criteria_of(key_enterprises(ds, params=KeyFirmParams(top_n=0)))
    assert "Y" in got and "W" not in got


def test_private_lending_by_tag_and_by_event_words(make_dataset):
    ds = load_dataset(make_dataset(
        enterprises="id,name,tags\nA,a,private_lending\nB,b,\nC,c,\nD,d,\nE,e,民间借贷\n",
        events="""
            enterprise_id,date,category,severity,description
            B,2025-01-02,credit,3,涉及多起民间借贷纠纷
            C,2025-02-03,other,2,Contract DISPUTE with a supplier
            D,2025-03-04,operating,2,停产检修
            """))
    res = key_enterprises(ds, params=KeyFirmParams(top_n=0))
    assert criteria_of(res) == {"A": {"private_lending"}, "B": {"private_lending"},
                                "C": {"private_lending"}, "E": {"private_lending"}}
    figs = res.criteria.set_index("id")["figures"]
    assert figs["A"] == {"tag": True, "events": []}
    assert figs["B"] == {"tag": False, "events": [{"date": "2025-01-02",
                                                   "description": "涉及多起民间借贷纠纷"}]}
    res = key_enterprises(ds, params=KeyFirmParams(top_n=0, dispute_keywords=()))
    assert set(res.criteria["id"]) == {"A", "E"}


def test_empty_and_no_key(make_dataset):
    ds = load_dataset(make_dataset(enterprises="id,name\nA,a\n"))
    res = key_enterprises(ds)
    assert len(res.criteria) == 0 and res.ids == []
    assert not res.mask(build_network(ds).n).any()


def test_parameter_errors():
    with pytest.raises(ParameterError):
        KeyFirmParams(top_n=-1)
    with pytest.raises(ParameterError):
        KeyFirmParams(related_rules=("friendship",))
    with pytest.raises(ParameterError):
        KeyFirmParams(related_equity=0)
    with pytest.raises(ParameterError):
        KeyFirmParams(large_credit=-5)


def test_every_criterion_has_labels():
    assert all(zh and en for zh, en in CRITERIA.values())


def test_demo_key_enterprises():
    ds = load_dataset(DEMO)
    net = build_network(ds)
    res = key_enterprises(net)
    got = criteria_of(res)
    names = ds.names()
    e = ds.tables["enterprises"].set_index("id")
    # independent check of the credit criteria on the raw table
    credit = e["credit_line"].fillna(
        ds.tables["loans"].groupby("borrower_id")["balance"].sum()).fillna(0)
    for eid, c in credit.items():
        tags = set(str(e.loc[eid, "tags"]).split(";"))
        assert ("large_credit" in got.get(eid, set())) == (c >= 5000), names[eid]
        assert ("key_sector" in got.get(eid, set())) == (
            c >= 3000 and bool(tags & {"overcapacity", "real_estate", "lgfv"})), names[eid]
    assert len(res.criteria[res.criteria["code"] == "top_credit"]) == 10
    assert {c for cs in got.values() for c in cs} >= {"key_sector", "top_credit",
                                                      "large_credit", "related",
                                                      "private_lending", "cross_region",
                                                      "agri_leader", "key_project"}
    assert res.mask(net.n).sum() == len(got)
    assert np.all(res.criteria["pos"].to_numpy() == net.positions(res.criteria["id"]))
