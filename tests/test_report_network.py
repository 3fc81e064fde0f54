"""The data and HTML of the interactive network page, against independent computations."""

import json
import re
from dataclasses import replace

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from graphrisk.io.load import load_dataset
from graphrisk.network.graph import build_network
from graphrisk.params import ReportParams
from graphrisk.report.network_page import RELS, network_page, page_data
from graphrisk.report.render import vis_network_js

from .conftest import DEMO, SMALL

XSS_NAMES = ("<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>")


def _data_block(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


@pytest.fixture
def small_ds(make_dataset):
    return load_dataset(make_dataset(**SMALL))


def _edge_frame(d):
    e = d["edges"]
    ids = d["nodes"]["id"]
    return pd.DataFrame({"a": [ids[i] for i in e["from"]], "b": [ids[i] for i in e["to"]],
                         "rel": [RELS[r] for r in e["rel"]], "amount": e["amount"],
                         "count": e["count"]})


def test_small_nodes_and_edges_match_the_tables(small_ds):
    d = page_data(small_ds)
    t = small_ds.tables
    assert d["mode"] == "full" and d["omitted"] == {"entities": 0, "groups": 0, "circles": 0}
    assert sorted(d["nodes"]["id"]) == sorted(
        list(t["enterprises"]["id"]) + list(t["persons"]["id"]) + list(t["institutions"]["id"]))
    ef = _edge_frame(d)
    # one edge per pair and kind; amounts summed (guarantees, loans) — pandas reference
    g = t["guarantees"].groupby(["guarantor_id", "borrower_id"])["amount"].agg(["sum", "size"])
    got = ef[ef.rel == "GUARANTEES"].set_index(["a", "b"]).sort_index()
    assert got.index.tolist() == g.sort_index().index.tolist()
    assert got["amount"].tolist() == g.sort_index()["sum"].tolist()
    lo = t["loans"].groupby(["borrower_id", "lender_id"])["balance"].sum().sort_index()
    got = ef[ef.rel == "BORROWED"].set_index(["a", "b"]).sort_index()
    assert got["amount"].tolist() == lo.tolist()
    assert len(ef[ef.rel == "HOLDS_SHARES"]) == len(t["shareholdings"])
    assert len(ef[ef.rel == "HOLDS_POSITION"]) == len(
        t["positions"].drop_duplicates(["person_id", "company_id"]))
    assert len(ef) == 4 + 3 + 2 + 5


def test_small_node_attributes(small_ds):
    d = page_data(small_ds, levels={"E3": "red", "E1": "blue", "nobody": "red"})
    N = d["nodes"]
    at = {i: k for k, i in enumerate(N["id"])}
    assert N["loans"][at["E3"]] == 350 and N["loans"][at["E4"]] == 120
    assert N["cls"][at["E3"]] == 4 and N["cls"][at["E2"]] == 2 and N["cls"][at["P1"]] == -1
    assert N["capital"][at["E2"]] == 300 and N["capital"][at["E1"]] == 200   # paid-in first
    assert N["gout"][at["E1"]] == 400 and N["gin"][at["E2"]] == 500
    assert N["level"][at["E3"]] == 3 and N["level"][at["E1"]] == 0 and N["level"][at["E2"]] == -1
    assert N["status"][at["E3"]] == "defaulted" and d["has_levels"]
    assert [N["kind"][at[i]] for i in ("E1", "P1", "B1")] == [0, 1, 2]


def test_groups_and_circles_match_networkx():
    ds = load_dataset(DEMO)
    d = page_data(ds)
    ids = d["nodes"]["id"]
    G = nx.DiGraph()
    G.add_edges_from(zip(ds.tables["guarantees"]["guarantor_id"],
                         ds.tables["guarantees"]["borrower_id"], strict=True))
    G.remove_edges_from(nx.selfloop_edges(G))
    sccs = sorted(sorted(c) for c in nx.strongly_connected_components(G) if len(c) > 1)
    got = sorted(sorted(ids[i] for i in c["members"]) for c in d["circles"])
    assert got == sccs
    wccs = sorted(len(c) for c in nx.weakly_connected_components(G) if len(c) > 1)
    assert sorted(g["size"] for g in d["groups"]) == wccs
    # every member of a group has that group's label, and units contain whole groups
    group = np.array(d["nodes"]["group"])
    unit = np.array(d["nodes"]["unit"])
    for k in np.unique(group[group >= 0]):
        assert len(np.unique(unit[group == k])) == 1
    # positions: finite, distinct units far apart enough that no two nodes coincide
    xy = np.c_[d["nodes"]["x"], d["nodes"]["y"]]
    assert np.isfinite(xy).all() and len(np.unique(xy, axis=0)) == len(xy)


def test_group_mode_and_budget(make_dataset):
    from graphrisk.synth import generate, write_dataset
    path = make_dataset(enterprises="id,name\nX,x\n")
    write_dataset(generate(600, seed=3), path)
    ds = load_dataset(path)
    net = build_network(ds)
    full = page_data(net, params=ReportParams(full_max_nodes=100))
    assert full["mode"] == "groups" and full["omitted"]["entities"] == 0
    assert len(full["nodes"]["id"]) == net.n
    limit = 300
    cut = page_data(net, params=ReportParams(page_max_entities=limit))
    kept = len(cut["nodes"]["id"])
    assert kept <= limit + (net.kind == 2).sum()
    assert cut["omitted"]["entities"] == net.n - kept > 0
    # institutions are always kept; units are kept whole
    assert sum(k == 2 for k in cut["nodes"]["kind"]) == (net.kind == 2).sum()
    # units (a guarantee group with what hangs on it) are kept whole
    fn = full["nodes"]
    unit_of = {i: u for i, u, k in zip(fn["id"], fn["unit"], fn["kind"], strict=True) if k != 2}
    kept_ids = set(cut["nodes"]["id"])
    for u in set(unit_of.values()):
        members = {i for i, v in unit_of.items() if v == u}
        assert members <= kept_ids or not (members & kept_ids)
    # the riskiest group (GRP001) is kept
    assert cut["groups"][0]["id"] == "GRP001"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_is_self_contained(small_ds, lang):
    html = network_page(small_ds, params=ReportParams(lang=lang))
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    # nothing is loaded from anywhere: no src/href/url() pointing outside the file
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:|//)", html, re.I)
    markup = re.sub(r"<script\b.*?</script>", "", html, flags=re.S | re.I)
    assert not re.search(r"<(link|img|iframe|object|embed|base)\b", markup, re.I)
    assert "default-src 'none'" in html
    d = _data_block(html)
    assert d["lang"] == lang and len(d["nodes"]["id"]) == 8
    assert ("担保" in html) == (lang == "zh")
    assert "innerHTML" not in html.split('id="graph-data"')[1].split("vis-network")[0]


def test_page_script_never_uses_innerhtml():
    from graphrisk.report.render import static_text
    js = str(static_text("network.js"))
    assert "innerHTML" not in js.replace("never innerHTML", "") and "textContent" in js
    assert "eval(" not in js and "http" not in js


@pytest.mark.parametrize("name", XSS_NAMES)
def test_hostile_names_are_data_not_markup(make_dataset, name):
    tables = dict(SMALL)
    tables["enterprises"] = SMALL["enterprises"].replace("甲公司", '"' + name.replace('"', '""') + '"')
    ds = load_dataset(make_dataset(**tables))
    html = network_page(ds)
    assert name not in html
    assert "alert(1)" in html                     # the name is there, escaped
    assert name in _data_block(html)["nodes"]["name"]


def test_demo_page(tmp_path):
    ds = load_dataset(DEMO)
    p = replace(ReportParams(), lang="zh")
    d = page_data(ds, params=p)
    assert d["mode"] == "full"
    assert len(d["nodes"]["id"]) == sum(len(ds.tables[t]) for t in
                                         ("enterprises", "persons", "institutions"))
    assert len(d["circles"]) >= 1 and all(c["id"].startswith("C") for c in d["circles"])


def test_budget_draws_the_top_circles_and_warned_firms_first(make_dataset):
    """Issue #15: "the network page … draw only what a person can look at (the groups of
    the top circles and key enterprises up to a node budget) and say what is left out"."""
    from graphrisk.synth import GeneratorParams, generate, write_dataset

    path = make_dataset(enterprises="id,name\nX,x\n")
    write_dataset(generate(3000, seed=1, params=GeneratorParams.circle_heavy_preset()), path)
    ds = load_dataset(path)
    net = build_network(ds)
    G = nx.DiGraph()
    g = ds.tables["guarantees"]
    G.add_edges_from(zip(g["guarantor_id"], g["borrower_id"], strict=True))
    loans = ds.tables["loans"].groupby("borrower_id")["balance"].sum()
    sccs = sorted((c for c in nx.strongly_connected_components(G) if len(c) > 1),
                  key=lambda c: (-loans.reindex(list(c)).fillna(0).sum(), -len(c)))
    # a warned firm far down the risk order: in a small group of no circle
    small = [c for c in nx.weakly_connected_components(G) if len(c) == 2
             and not any(c & s for s in sccs)][-1]
    red = sorted(small)[0]
    limit = 3000  # the units of the top ten circles hold 2,814 entities
    d = page_data(net, params=ReportParams(page_max_entities=limit), top_circles=10,
                  levels={red: "red"})
    ids = set(d["nodes"]["id"])
    assert len(ids) <= limit + (net.kind == 2).sum()
    assert all(c <= ids for c in sccs[:10]) and small <= ids
    drawn = {frozenset(d["nodes"]["id"][i] for i in c["members"]) for c in d["circles"]}
    assert d["omitted"] == {"entities": net.n - len(ids),
                            "groups": d["omitted"]["groups"],
                            "circles": len(sccs) - len(drawn)}
    assert d["omitted"]["circles"] > 0 and d["omitted"]["groups"] > 0
    # the page is bounded by the budget, not by the network
    html = network_page(net, params=ReportParams(page_max_entities=limit), top_circles=10)
    assert len(html.encode()) < len(vis_network_js()[0].encode()) + 400 * limit + 200_000
