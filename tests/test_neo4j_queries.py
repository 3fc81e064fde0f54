"""Differential tests of the Cypher library on a real Neo4j: every query's result equals
an independent in-memory computation (networkx, brute-force path enumeration,
connected components, the watchlist) on the demo county and on a generated 5k
dataset, with every stored guarantee and at an as-of date (``$as_of``: only the
guarantees live at that date).  Also checks ``annotate`` against networkx components."""

from __future__ import annotations

import math
import random
from collections import defaultdict

import networkx as nx
import pytest

from graphrisk.domain.glossary import NON_PERFORMING
from graphrisk.errors import UnknownEntityError
from graphrisk.io.load import load_dataset
from graphrisk.neo4j.annotate import annotate
from graphrisk.neo4j.load import store_dataset
from graphrisk.neo4j.queries import run_query

from .conftest import DEMO
from .neo4j_support import neo4j_store  # noqa: F401  (fixture)

pytestmark = pytest.mark.neo4j

# demo ids (datasets/README.md)
ZHIYE, KONGGU, GANGGOU, HUAGONG, CHAYE, CHENGTOU, JIAOTOU, FANGZHI = (
    "91331122MA28B9P05X", "91331122704512863R", "91331122MA2J0Q7L5Q", "91331122147082365K",
    "91331122MA28GH0W6U", "91331122MA28K4T61J", "91331122MA2A2W9N5X", "91331122736952148B")


#: the as-of date of each world: the demo's declared one (G005, G006, G012, G014, G027
#: and G031 ended before it); for the generated data its own date, when 2,889 of its
#: 7,467 guarantees are live
AS_OF = {"demo": "2026-03-31", "gen5k": "2025-06-30"}


def live_guarantees(g, day):
    """The guarantees live at *day*: start_date <= day <= end_date, empty dates live."""
    start, end = g["start_date"].fillna(""), g["end_date"].fillna("")
    return g[((start == "") | (start <= day)) & ((end == "") | (end >= day))]


def link_amounts(g):
    """(guarantor, borrower) → total amount of their contracts."""
    amount = defaultdict(float)
    for a, b, x in zip(g["guarantor_id"], g["borrower_id"], g["amount"], strict=True):
        amount[a, b] += x
    return amount


class World:
    """A dataset loaded (and annotated) into the store, with reference structures."""

    def __init__(self, name, ds, store):
        self.name, self.ds, self.store = name, ds, store
        g = ds.tables["guarantees"]
        self.amount = link_amounts(g)
        self.G = nx.DiGraph()
        self.G.add_edges_from(self.amount)
        self.as_of = AS_OF[name]
        self.live_amount = link_amounts(live_guarantees(g, self.as_of))
        self.live_G = nx.DiGraph()
        self.live_G.add_nodes_from(self.G)
        self.live_G.add_edges_from(self.live_amount)
        self.kind = ds.entity_kind.to_dict()
        sh = ds.tables["shareholdings"]
        self.holds = defaultdict(list)  # holder → [(company, fraction)] (repeats kept)
        self.held = defaultdict(list)  # company → [(holder, fraction)]
        for h, c, p in zip(sh["holder_id"], sh["company_id"], sh["share_pct"], strict=True):
            self.holds[h].append((c, p / 100.0))
            self.held[c].append((h, p / 100.0))

    def q(self, name, **params):
        return run_query(self.store, name, {k: str(v) for k, v in params.items()}).records()


@pytest.fixture(scope="module", params=["demo", "gen5k"])
def world(request, neo4j_store, tmp_path_factory):  # noqa: F811
    if request.param == "demo":
        ds = load_dataset(DEMO, dated=False)  # every row: the store keeps expired ones too
    else:
        from graphrisk.synth import GeneratorParams, generate, write_dataset

        path = tmp_path_factory.mktemp("gen") / "g5k"
        # the dense profile: hundreds of circles and mutual pairs to compare with networkx
        write_dataset(generate(5000, seed=1, params=GeneratorParams.profile("stress")), path)
        ds = load_dataset(path, dated=False)
    store_dataset(ds, neo4j_store, wipe=True, batch_size=10_000)
    report = annotate(ds, neo4j_store)
    w = World(request.param, ds, neo4j_store)
    w.annotate_report = report
    return w


def sample(items, k, seed=0):
    items = sorted(items)
    return items if len(items) <= k else random.Random(seed).sample(items, k)


# ------------------------------------------------------------------------ circles
def canonical(cycle):
    i = cycle.index(min(cycle))
    return tuple(cycle[i:] + cycle[:i])


@pytest.mark.parametrize("k", [2, 4, 6])
def test_guarantee_circles_equal_networkx_simple_cycles(world, k):
    rows = world.q("guarantee_circles", max_length=k, limit=1_000_000)
    got = [tuple(r["members"]) for r in rows]
    assert len(got) == len(set(got))  # one row per cycle, not per rotation
    assert all(m[0] == min(m) and len(set(m)) == len(m) for m in got)
    expected = {canonical(c) for c in nx.simple_cycles(world.G, length_bound=k)}
    assert set(got) == expected
    for r in rows:
        m = r["members"]
        hops = [world.amount[m[i], m[(i + 1) % len(m)]] for i in range(len(m))]
        assert r["hop_amounts"] == pytest.approx(hops) and r["length"] == len(m)
        assert r["total_amount"] == pytest.approx(sum(hops))
    if world.name == "demo" and k == 2:  # the two 互保 pairs of datasets/README.md
        assert len(got) == 2


def test_mutual_pairs_equal_reciprocal_links(world):
    rows = world.q("mutual_pairs")
    got = {(r["a"], r["b"]): (r["a_to_b"], r["b_to_a"]) for r in rows}
    expected = {(a, b): (world.amount[a, b], world.amount[b, a])
                for (a, b) in world.amount if a < b and (b, a) in world.amount}
    assert got.keys() == expected.keys() and len(rows) == len(got)
    for key, (ab, ba) in expected.items():
        assert got[key] == pytest.approx((ab, ba))


# -------------------------------------------------------------------------- chains
def chain_roots(world, k=6):
    degree = dict(world.G.out_degree())
    top = max(degree, key=lambda x: (degree[x], x))
    extra = [ZHIYE, "P001", "I06"] if world.name == "demo" else []
    return sorted(set(sample(world.G.nodes, k) + [top] + extra))


@pytest.mark.parametrize("direction", ["down", "up"])
@pytest.mark.parametrize("depth", [2, 6])
def test_chains_equal_breadth_first_search(world, direction, depth):
    graph = world.G if direction == "down" else world.G.reverse(copy=False)
    name = "chain_downstream" if direction == "down" else "chain_upstream"
    for root in chain_roots(world):
        rows = world.q(name, id=root, max_depth=depth)
        dist = nx.single_source_shortest_path_length(graph, root, cutoff=depth)
        dist.pop(root)
        assert {r["id"]: r["hops"] for r in rows} == dist, (root, direction)
        for r in rows:
            path = r["path"]
            assert path[0] == root and path[-1] == r["id"] and len(path) == r["hops"] + 1
            assert len(set(path)) == len(path)
            links = list(zip(path, path[1:], strict=False))
            if direction == "up":
                links = [(b, a) for a, b in links]
            assert r["amounts"] == pytest.approx([world.amount[x] for x in links])


# ------------------------------------------------------------------------- as of
@pytest.mark.parametrize("k", [3, 6])
def test_circles_and_pairs_at_a_date_equal_networkx_on_the_live_guarantees(world, k):
    rows = world.q("guarantee_circles", max_length=k, limit=1_000_000, as_of=world.as_of)
    got = [tuple(r["members"]) for r in rows]
    expected = {canonical(c) for c in nx.simple_cycles(world.live_G, length_bound=k)}
    assert len(got) == len(set(got)) and set(got) == expected
    everything = {canonical(c) for c in nx.simple_cycles(world.G, length_bound=k)}
    assert expected < everything  # the expired guarantees closed some circles
    for r in rows:
        m = r["members"]
        hops = [world.live_amount[m[i], m[(i + 1) % len(m)]] for i in range(len(m))]
        assert r["hop_amounts"] == pytest.approx(hops)
    pairs = {(r["a"], r["b"]): (r["a_to_b"], r["b_to_a"])
             for r in world.q("mutual_pairs", as_of=world.as_of)}
    la = world.live_amount
    assert_same_values(pairs, {(a, b): (la[a, b], la[b, a]) for (a, b) in la
                               if a < b and (b, a) in la})


def assert_same_values(got, expected):
    """Equal keys, and per key equal tuples (floats approximately)."""
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value), key


@pytest.mark.parametrize("direction", ["down", "up"])
def test_chains_at_a_date_equal_breadth_first_search_on_the_live_guarantees(world, direction):
    graph = world.live_G if direction == "down" else world.live_G.reverse(copy=False)
    name = "chain_downstream" if direction == "down" else "chain_upstream"
    for root in chain_roots(world):
        rows = world.q(name, id=root, as_of=world.as_of)
        dist = nx.single_source_shortest_path_length(graph, root, cutoff=6)
        dist.pop(root)
        assert {r["id"]: r["hops"] for r in rows} == dist, (root, direction)
        for r in rows:
            links = list(zip(r["path"], r["path"][1:], strict=False))
            if direction == "up":
                links = [(b, a) for a, b in links]
            assert all(x in world.live_amount for x in links)
            assert r["amounts"] == pytest.approx([world.live_amount[x] for x in links])


@pytest.mark.parametrize("world", ["demo"], indirect=True)
def test_demo_chains_and_circles_at_its_as_of_date(world):
    """At 2026-03-31 G006 (青山饮料 → 青山玻璃制品, ended 2025-08-17) is not followed, nor
    G014 (青山置业 → 青山水泥, ended 2025-12-31), which closed the circle 水泥 → 五金 →
    置业 → 水泥 (G015, G013, G014); without the date both are (guarantees.csv:7, 15)."""
    yinliao, boli, jiuye = "91331122MA29KX6N8E", "91331122MA2C1M4R7M", "91331122147091032N"
    rows = world.q("chain_downstream", id=yinliao)
    assert [(r["id"], r["hops"]) for r in rows] == [(boli, 1), (jiuye, 2)]
    assert rows[0]["amounts"] == [600.0]  # G006
    assert world.q("chain_downstream", id=yinliao, as_of="2026-03-31") == []
    assert boli not in {r["id"] for r in world.q("chain_upstream", id=boli,
                                                 as_of="2026-03-31")}
    assert world.q("chain_upstream", id=boli, as_of="2026-03-31") == []
    # before G006 ended (2025-06-30) it is live again; G023 (P023, from 2025-09-10) is not
    assert [r["id"] for r in world.q("chain_downstream", id=yinliao, as_of="2025-06-30")] \
        == [boli, jiuye]
    nongye = "91331122MA28L0F79Q"
    assert "P023" in {r["id"] for r in world.q("chain_upstream", id=nongye)}
    assert "P023" not in {r["id"] for r in world.q("chain_upstream", id=nongye,
                                                   as_of="2025-06-30")}
    closing = ("91331122704505776C", "91331122MA2B6W0K46", ZHIYE)  # G015, G013, G014
    circles = {tuple(r["members"]): r for r in world.q("guarantee_circles")}
    assert circles[closing]["guarantees"] == ["G015", "G013", "G014"]
    dated = {tuple(r["members"]) for r in world.q("guarantee_circles", as_of="2026-03-31")}
    assert closing not in dated and (jiuye, yinliao, boli) not in dated
    assert len(circles) == 8 and len(dated) == 4
    # the CLI: --param as_of=2026-03-31, a date string compared with the stored dates
    from click.testing import CliRunner

    from graphrisk.cli import main

    env = {"NEO4J_URI": world.store.params.uri, "NEO4J_DATABASE": world.store.params.database}
    r = CliRunner().invoke(main, ["neo4j", "query", "chain_downstream", "--param",
                                  f"id={yinliao}", "--param", "as_of=2026-03-31",
                                  "--format", "json"], env=env)
    assert r.exit_code == 0, r.output
    import json

    doc = json.loads(r.stdout)
    assert doc["params"]["as_of"] == "2026-03-31" and doc["rows"] == []
    r = CliRunner().invoke(main, ["neo4j", "query", "guarantee_circles", "--param",
                                  "as_of=2026-02-30"], env=env)
    assert r.exit_code == 1 and "parameter 'as_of' must be a date YYYY-MM-DD" in r.output


@pytest.mark.parametrize("world", ["demo"], indirect=True)
def test_chains_at_a_date_agree_with_the_python_engine(world):
    """guarantee_chains on the dataset at the date (graphrisk.io.asof.apply_as_of)."""
    from graphrisk.io.asof import apply_as_of
    from graphrisk.network.chains import guarantee_chains

    at = apply_as_of(world.ds, world.as_of)
    assert sorted(at.excluded["id"]) == ["G005", "G006", "G012", "G014", "G027", "G031"]
    assert set(at.guarantees["id"]) == set(live_guarantees(world.ds.guarantees,
                                                           world.as_of)["id"])
    for root in chain_roots(world):
        for direction, name in (("down", "chain_downstream"), ("up", "chain_upstream")):
            doc = guarantee_chains(at, root, direction=direction)
            mine = {r["id"]: r["hops"] for r in world.q(name, id=root, as_of=world.as_of)}
            assert mine == {e["id"]: e["hops"] for e in doc["entities"]}, (root, direction)


def test_chain_of_an_unknown_entity_is_a_clean_error(world):
    with pytest.raises(UnknownEntityError, match="NO_SUCH_ID"):
        world.q("chain_downstream", id="NO_SUCH_ID")


# ---------------------------------------------------------------------- ownership
def brute_holdings(world, holder, depth):
    """h(holder, c) in multiply mode: sum over simple paths of the share products."""
    total, paths = defaultdict(float), defaultdict(int)

    def walk(node, frac, seen, d):
        if d == depth:
            return
        for c, f in world.holds.get(node, ()):
            if c in seen:
                continue
            total[c] += frac * f
            paths[c] += 1
            walk(c, frac * f, seen | {c}, d + 1)

    walk(holder, 1.0, {holder}, 0)
    return total, paths


def brute_owners(world, company, depth):
    total = defaultdict(float)

    def walk(node, frac, seen, d):
        if d == depth:
            return
        for h, f in world.held.get(node, ()):
            if h in seen:
                continue
            total[h] += frac * f
            walk(h, frac * f, seen | {h}, d + 1)

    walk(company, 1.0, {company}, 0)
    return total


def holders_sample(world):
    holders = [h for h in world.holds if world.holds[h]]
    extra = ["P001", HUAGONG, CHENGTOU, FANGZHI] if world.name == "demo" else []
    return sorted(set(sample(holders, 10, seed=2) + extra))


@pytest.mark.parametrize("depth", [1, 3, 6])
def test_equity_holdings_equal_brute_force_paths(world, depth):
    for holder in holders_sample(world):
        rows = world.q("equity_holdings", id=holder, max_depth=depth)
        total, paths = brute_holdings(world, holder, depth)
        got = {r["company_id"]: r["share_pct"] for r in rows}
        assert got.keys() == total.keys(), holder
        for c, f in total.items():
            assert got[c] == pytest.approx(100 * f, abs=1e-9)
        assert {r["company_id"]: r["paths"] for r in rows} == paths
        assert [r["share_pct"] for r in rows] == sorted(got.values(), reverse=True)


def test_equity_holdings_agree_with_graphrisk_ownership(world):
    import graphrisk.ownership.holdings as ownership
    from graphrisk.params import OwnershipParams

    params = OwnershipParams(mode="multiply", floor=0.0, max_depth=6)
    for holder in holders_sample(world):
        mine = {r["company_id"]: r["share_pct"]
                for r in world.q("equity_holdings", id=holder, max_depth=6)}
        theirs = {h.company_id: h.share_pct
                  for h in ownership.holdings_of(world.ds, holder, params=params)}
        assert mine.keys() == theirs.keys(), holder
        for c in mine:
            assert mine[c] == pytest.approx(theirs[c], abs=1e-6)


@pytest.mark.parametrize("world", ["demo"], indirect=True)
def test_demo_ownership_examples(world):
    rows = world.q("beneficial_owners", id=GANGGOU, threshold=20)
    assert [(r["person_id"], round(r["share_pct"], 6)) for r in rows] == [("P001", 22.88)]
    assert world.q("beneficial_owners", id=GANGGOU) == []  # 22.88 % < 25 %
    holdings = {r["company_id"]: r["share_pct"] for r in world.q("equity_holdings", id=HUAGONG)}
    assert holdings["91331122MA2K1N0D92"] == pytest.approx(26.0)  # SPEC §3 example
    rel = {(r["party_id"], r["relation"]) for r in world.q("equity_related", id=CHAYE)}
    assert rel == {("91331122MA2A7K2X9F", "common_owner"), ("91331122MA2F5L9Y3A",
                                                            "common_owner")}
    rel = {(r["party_id"], r["relation"]) for r in world.q("equity_related", id=JIAOTOU)}
    assert (CHENGTOU, "held_by") in rel


def test_beneficial_owners_equal_brute_force(world):
    companies = sorted({c for c in world.held})
    for company in sample(companies, 12, seed=3) + ([GANGGOU] if world.name == "demo" else []):
        for threshold in (25, 10):
            rows = world.q("beneficial_owners", id=company, threshold=threshold)
            total = brute_owners(world, company, 6)
            expected = {p: 100 * f for p, f in total.items()
                        if world.kind.get(p) == "Person" and 100 * f >= threshold - 1e-9}
            got = {r["person_id"]: r["share_pct"] for r in rows}
            assert got.keys() == expected.keys(), company
            for p in got:
                assert got[p] == pytest.approx(expected[p], abs=1e-9)


def test_equity_related_equals_brute_force(world):
    threshold, depth = 25.0, 6
    enterprises = [e for e, k in world.kind.items() if k == "Enterprise"]
    candidates = [e for e in enterprises if e in world.holds or e in world.held]
    chosen = sample(candidates, 8, seed=4) + ([CHAYE, JIAOTOU, CHENGTOU] if world.name ==
                                              "demo" else [])
    for x in sorted(set(chosen)):
        expected = set()
        for y, f in brute_holdings(world, x, depth)[0].items():
            if 100 * f >= threshold:
                expected.add((y, "holds", None))
        owners = brute_owners(world, x, depth)
        for y, f in owners.items():
            if world.kind.get(y) == "Enterprise" and 100 * f >= threshold:
                expected.add((y, "held_by", None))
        for o, f in owners.items():
            if 100 * f < threshold:
                continue
            for y, g in brute_holdings(world, o, depth)[0].items():
                if y not in (x, o) and world.kind.get(y) == "Enterprise" and 100 * g >= threshold:
                    expected.add((y, "common_owner", o))
        rows = world.q("equity_related", id=x, threshold=threshold, max_depth=depth)
        got = {(r["party_id"], r["relation"], r["owner_id"]) for r in rows}
        assert got == expected, x
        assert len(rows) == len(got)


# ------------------------------------------------------------------ bank exposure
def components(world):
    """Borrower/guarantor → its weakly connected component (guarantee graph)."""
    comp = {}
    for c in nx.weakly_connected_components(world.G):
        for n in c:
            comp[n] = frozenset(c)
    return comp


def exposure_reference(world, bank):
    lo = world.ds.tables["loans"]
    mine = lo[lo["lender_id"] == bank]
    comp = components(world)
    out = defaultdict(lambda: {"borrowers": set(), "loans": 0, "balance": 0.0, "npl": 0.0})
    for b, bal, cls in zip(mine["borrower_id"], mine["balance"], mine["classification"],
                           strict=True):
        key = comp.get(b)
        r = out[key]
        r["borrowers"].add(b)
        r["loans"] += 1
        r["balance"] += bal
        r["npl"] += bal if cls in NON_PERFORMING else 0.0
    return out


def exposure_at(world, bank, day):
    """exposure_reference at *day*: loans started by then, groups of the live guarantees."""
    lo = world.ds.tables["loans"]
    start = lo["start_date"].fillna("")
    mine = lo[(lo["lender_id"] == bank) & ((start == "") | (start <= day))]
    comp = {}
    for c in nx.weakly_connected_components(world.live_G):
        if len(c) >= 2:
            for n in c:
                comp[n] = frozenset(c)
    out = defaultdict(lambda: {"borrowers": set(), "balance": 0.0})
    for b, bal in zip(mine["borrower_id"], mine["balance"], strict=True):
        out[comp.get(b)]["borrowers"].add(b)
        out[comp.get(b)]["balance"] += bal
    return out


def lenders(world, k=4):
    lo = world.ds.tables["loans"]
    counts = lo["lender_id"].value_counts()
    return sorted(set(counts.index[:k].tolist() + sample(counts.index.tolist(), 2, seed=5)))


@pytest.mark.parametrize("live", [False, True], ids=["annotated", "live"])
def test_bank_exposure_by_group_equals_connected_components(world, live):
    name = "bank_exposure_by_group_live" if live else "bank_exposure_by_group"
    for bank in lenders(world):
        ref = exposure_reference(world, bank)
        rows = world.q(name, bank=bank)
        assert len(rows) == len(ref), bank
        total = sum(r["balance"] for r in ref.values())
        for row in rows:
            members = set(row["borrowers"])
            key = next(k for k, v in ref.items() if v["borrowers"] == members)
            r = ref[key]
            assert row["loans"] == r["loans"]
            assert row["balance"] == pytest.approx(r["balance"])
            assert row["npl_balance"] == pytest.approx(r["npl"])
            assert row["share"] == pytest.approx(r["balance"] / total)
            if key is None:
                assert row["group_size"] is None
                assert row["group_key" if live else "group_id"] is None
            else:
                assert row["group_size"] == len(key)
                if live:
                    assert row["group_key"] == min(key)
        assert [r["balance"] for r in rows] == sorted((r["balance"] for r in rows),
                                                       reverse=True)


def test_bank_exposure_by_live_groups_at_a_date(world):
    for bank in lenders(world):
        ref = exposure_at(world, bank, world.as_of)
        rows = world.q("bank_exposure_by_group_live", bank=bank, as_of=world.as_of)
        got = {frozenset(r["borrowers"]): (r["group_size"], r["balance"]) for r in rows}
        expected = {frozenset(v["borrowers"]): (len(k) if k else None, v["balance"])
                    for k, v in ref.items()}
        assert got.keys() == expected.keys(), bank
        for key, (size, balance) in expected.items():
            assert got[key][0] == size and got[key][1] == pytest.approx(balance), bank


# ----------------------------------------------------------------------- annotate
def test_annotated_groups_and_circles_equal_networkx_components(world):
    store = world.store
    by_group, by_circle = defaultdict(set), defaultdict(set)
    for r in store.run("MATCH (n) WHERE n.group_id IS NOT NULL OR n.circle_id IS NOT NULL "
                       "RETURN n.id AS id, n.group_id AS g, n.circle_id AS c", write=False):
        if r["g"]:
            by_group[r["g"]].add(r["id"])
        if r["c"]:
            by_circle[r["c"]].add(r["id"])
    assert {frozenset(s) for s in by_group.values()} == \
        {frozenset(c) for c in nx.weakly_connected_components(world.G) if len(c) >= 2}
    assert {frozenset(s) for s in by_circle.values()} == \
        {frozenset(c) for c in nx.strongly_connected_components(world.G) if len(c) >= 2}
    assert all(k.startswith("GRP") for k in by_group) and all(k.startswith("C") for k in
                                                               by_circle)
    # every guarantee carries its patterns; mutual ones exactly where the link is reciprocal
    g = world.ds.tables["guarantees"]
    pats = {r["id"]: r["p"] for r in store.run(
        "MATCH ()-[r:GUARANTEES]->() RETURN r.id AS id, r.patterns AS p", write=False)}
    assert set(pats) == set(g["id"]) and all(pats.values())
    for gid, a, b in zip(g["id"], g["guarantor_id"], g["borrower_id"], strict=True):
        assert ("mutual" in pats[gid]) == ((b, a) in world.amount), gid


def test_key_enterprises_query_equals_the_watchlist(world):
    from graphrisk.watch.watchlist import watchlist
    levels = watchlist(world.ds).levels
    listed = levels[(levels["key"]) | (levels["level"] != "none")]
    rows = world.q("key_enterprises")
    assert {r["id"]: (r["key_enterprise"], r["warning_level"] or "none") for r in rows} == \
        {i: (bool(k), lv) for i, k, lv in zip(listed.index, listed["key"], listed["level"],
                                              strict=True)}
    rank = {"red": 4, "orange": 3, "yellow": 2, "blue": 1, None: 0}
    assert [rank[r["warning_level"]] for r in rows] == \
        sorted((rank[r["warning_level"]] for r in rows), reverse=True)
    orange = world.q("key_enterprises", min_level="orange")
    assert {r["id"] for r in orange} == set(listed.index[listed["level"].isin(["orange",
                                                                               "red"])])
    assert all(r["key_enterprise"] for r in world.q("key_enterprises", key_only="true"))
    for r in rows:
        if r["warning_level"]:
            assert r["warning_reasons"], r["id"]


def test_annotate_replaces_stale_values(world):
    store = world.store
    loner = next(e for e, k in world.kind.items() if k == "Enterprise" and e not in world.G)
    store.run("MATCH (n:Enterprise {id: $id}) SET n.group_id = 'STALE', n.circle_id = 'STALE'",
              {"id": loner})
    report = annotate(world.ds, store)
    assert report["missing_in_store"] == 0
    got = store.run("MATCH (n:Enterprise {id: $id}) RETURN n.group_id AS g, n.circle_id AS c",
                    {"id": loner})
    assert got == [{"g": None, "c": None}]
    if not report["notes"]:
        n = store.run("MATCH (n) WHERE n.systemic_importance IS NOT NULL RETURN count(n) AS c")
        assert n[0]["c"] == len(world.kind)
    assert math.isfinite(report["seconds"])
