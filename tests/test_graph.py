import networkx as nx
import numpy as np
import pytest

from graphrisk.domain.glossary import BORROWED, GUARANTEES, HOLDS_POSITION, HOLDS_SHARES, LENT_BY
from graphrisk.errors import UnknownEntityError
from graphrisk.io.load import load_dataset
from graphrisk.network.graph import build_network, loan_key, to_networkx


@pytest.fixture
def ds(small):
    return load_dataset(small)


def test_networkx_nodes_and_kinds(ds):
    G = to_networkx(ds)
    kinds = nx.get_node_attributes(G, "kind")
    assert sum(k == "Enterprise" for k in kinds.values()) == 4
    assert kinds["P1"] == "Person" and kinds["B1"] == "Institution"
    assert kinds[loan_key("L1")] == "Loan"
    assert G.nodes["E1"]["name"] == "甲公司"
    assert "pd" not in G.nodes["E4"]  # missing values are left out


def test_networkx_edges_and_direction(ds):
    G = to_networkx(ds)
    types = [d["rel"] for _, _, d in G.edges(data=True)]
    assert types.count(GUARANTEES) == 4
    assert types.count(HOLDS_SHARES) == 3
    assert types.count(HOLDS_POSITION) == 2
    assert types.count(BORROWED) == types.count(LENT_BY) == 5
    # guarantor → borrower, keyed by guarantee id
    assert G.edges["E2", "E1", "G1"]["amount"] == 800.0
    assert G.edges["E2", "E1", "G1"]["loan_id"] == "L1"
    assert G.has_edge("P1", "E1") and G.has_edge("E1", loan_key("L1"))
    assert G.has_edge(loan_key("L5"), "E1")  # inter-company loan: lender is an enterprise


def test_network_arrays_match_networkx(ds):
    net = build_network(ds)
    G = to_networkx(ds)
    assert net.n == 8
    got = sorted((net.ids[s], net.ids[d], a) for s, d, a in zip(net.g_src, net.g_dst, net.g_amount, strict=True))
    want = sorted((u, v, d["amount"]) for u, v, d in G.edges(data=True) if d["rel"] == GUARANTEES)
    assert got == want
    m = net.guarantee_matrix()
    e1, e2 = net.positions(["E1", "E2"])
    assert m[e2, e1] == 800.0 and m[e1, e2] == 400.0
    assert net.g_loan[list(net.g_id).index("G3")] == -1
    assert net.l_id[net.g_loan[0]] == "L1"


def test_network_loans_and_holdings(ds):
    net = build_network(ds)
    e3 = net.positions("E3")[0]
    assert net.borrowings()[e3] == 350.0
    assert net.l_npl.sum() == 2
    h = net.holding_matrix()
    e1, e2 = net.positions(["E1", "E2"])
    assert h[e1, e2] == pytest.approx(0.30)
    assert list(np.unique(net.kind)) == [0, 1, 2]


def test_unknown_position(ds):
    with pytest.raises(UnknownEntityError, match="'ZZ'"):
        build_network(ds).positions(["E1", "ZZ"])


def test_empty_graph(make_dataset):
    ds = load_dataset(make_dataset(enterprises="id,name\n"))
    net = build_network(ds)
    assert net.n == 0 and net.guarantee_matrix().shape == (0, 0)
    assert to_networkx(ds).number_of_nodes() == 0
