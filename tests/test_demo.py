"""The bundled demo county: its three forms load to the same graph, and it holds the
structures the data dictionary promises."""

import networkx as nx
import pytest

from graphrisk.domain.glossary import GUARANTEES
from graphrisk.io.load import load_dataset
from graphrisk.network.graph import to_networkx

from .conftest import DEMO, DEMO_GBK, DEMO_XLSX


@pytest.fixture(scope="module")
def demo():
    return load_dataset(DEMO)


@pytest.mark.parametrize("other", [DEMO_XLSX, DEMO_GBK], ids=["xlsx", "gbk"])
def test_forms_load_to_same_tables(demo, other):
    ds = load_dataset(other)
    assert ds.warnings == []
    for name, frame in demo.tables.items():
        a = frame.drop(columns="line").reset_index(drop=True)
        b = ds.tables[name].drop(columns="line").reset_index(drop=True)
        assert a.equals(b), name


@pytest.mark.parametrize("other", [DEMO_XLSX, DEMO_GBK], ids=["xlsx", "gbk"])
def test_forms_build_same_graph(demo, other):
    g1, g2 = to_networkx(demo), to_networkx(load_dataset(other))
    assert nx.utils.graphs_equal(g1, g2)


def test_gbk_form_is_really_gbk():
    raw = (DEMO_GBK / "enterprises.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "企业名称" in raw.decode("gbk")


def test_demo_valid_without_warnings(demo):
    assert demo.warnings == []
    counts = demo.counts()
    assert 40 <= counts["enterprises"] <= 80
    assert 4 <= counts["institutions"] <= 6


def test_demo_structures(demo):
    G = nx.DiGraph()
    for u, v, d in to_networkx(demo).edges(data=True):
        if d["rel"] == GUARANTEES:
            G.add_edge(u, v)
    sccs = sorted((c for c in nx.strongly_connected_components(G) if len(c) > 1), key=len)
    # at 2026-03-31: the big circle (6), 钢铁↔建材 and 纸业↔包装; the 3-firm 酒业–饮料–玻璃制品
    # circle broke when G005 (2025-12-20) and G006 (2025-08-17) ended
    assert [len(c) for c in sccs] == [2, 2, 6]
    mutual = {frozenset((u, v)) for u, v in G.edges if G.has_edge(v, u)}
    assert len(mutual) == 2
    assert max(d for _, d in G.in_degree()) >= 3  # a joint guarantee
    assert max(d for _, d in G.out_degree()) >= 3  # a star
    assert set(demo.loans["classification"]) == {"normal", "special_mention", "substandard",
                                                 "doubtful", "loss"}
    assert set(demo.events["category"]) == {"operating", "credit", "related",
                                            "public_opinion", "other"}
