"""The synthetic dataset generator: determinism, validity (checked here independently
with pandas and networkx, not with graphrisk's own validator), network shape of each
profile (the realistic one against the real network of SPEC's appendix), the
``graphrisk generate`` command, and loading a generated dataset."""

from __future__ import annotations

import dataclasses
import hashlib

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from graphrisk.domain.glossary import (
    CLASSIFICATION,
    GUARANTEE_TYPE,
    INSTITUTION_TYPE,
    ROLE,
    STATUS,
    TABLE_ORDER,
    TABLES,
    TAGS,
)
from graphrisk.errors import ParameterError
from graphrisk.synth import GeneratorParams, generate, write_dataset
from graphrisk.synth.params import PROFILES

N = 5000
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.fixture(scope="module", params=["realistic", "stress"])
def tables(request):
    """A network of each main profile: the validity tests hold for both."""
    return generate(N, seed=11, params=GeneratorParams.profile(request.param))


@pytest.fixture(scope="module")
def stress_tables():
    return generate(N, seed=11, params=GeneratorParams.profile("stress"))


def _digraph(tables) -> nx.DiGraph:
    g = tables["guarantees"]
    graph = nx.DiGraph()
    graph.add_edges_from(zip(g["guarantor_id"], g["borrower_id"], strict=True))
    return graph


@pytest.fixture(scope="module")
def guarantee_graph(stress_tables):
    return _digraph(stress_tables)


def _uscc_ok(code: str) -> bool:
    if len(code) != 18 or any(c not in _ALPHABET for c in code):
        return False
    total = sum(_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return _ALPHABET[(31 - total % 31) % 31] == code[17]


# --------------------------------------------------------------------- determinism
def test_same_seed_same_tables_different_seed_differs():
    a, b, c = generate(1500, seed=3), generate(1500, seed=3), generate(1500, seed=4)
    for name in TABLE_ORDER:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["enterprises"]["id"].equals(c["enterprises"]["id"])
    assert not a["guarantees"]["amount"].equals(c["guarantees"]["amount"])


@pytest.mark.parametrize("profile", list(PROFILES))
def test_same_seed_byte_identical_files(tmp_path, profile):
    params = GeneratorParams.profile(profile)
    write_dataset(generate(1200, seed=5, params=params), tmp_path / "a")
    write_dataset(generate(1200, seed=5, params=params), tmp_path / "b")
    names = sorted(f.name for f in (tmp_path / "a").iterdir())
    assert names == sorted(f"{t}.csv" for t in TABLE_ORDER)
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def _digest(folder) -> str:
    h = hashlib.sha256()
    for name in TABLE_ORDER:
        h.update((folder / f"{name}.csv").read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize(("profile", "n", "seed", "digest"), [
    ("stress", 1200, 3, "19aa680b2b125f6f80cfac0ff9905b28ea331122221bd7073fc3e9155b65bf5d"),
    ("circle-heavy", 1000, 2, "32c83eeb645e144ccce227d60e356ed11c129dce6c89fd830ed5d703a44d31f2"),
])
def test_stress_profiles_reproduce_the_datasets_of_0_2(tmp_path, profile, n, seed, digest):
    # the digests are of the files graphrisk 0.2 wrote with its defaults (stress) and its
    # circle_heavy_preset() for these sizes and seeds
    write_dataset(generate(n, seed=seed, params=GeneratorParams.profile(profile)), tmp_path)
    assert _digest(tmp_path) == digest


def test_stress_profile_is_the_0_2_defaults():
    old_defaults = dict(
        guarantees_per_enterprise=1.5, cluster_exponent=2.0, max_cluster_size=400,
        core_cluster_size=0, hub_attachment=0.35, chain_attachment=0.15,
        reciprocal_share=0.10, triangles_per_10k=10.0, circles_per_10k=3.0,
        circle_size=(4, 12), circle_heavy=0.0, dense_extra_degree=1.0,
        person_guarantee_share=0.20, guarantee_company_share=0.01, duplicate_share=0.06,
        loan_id_share=0.85, zero_amount_share=0.045, person_borrower_guarantee_share=0.5,
        group_share=0.30, ownership_depth=(3, 6), follow_ownership=0.7,
        cross_holding_share=0.03, persons_per_enterprise=1.2, banks=20,
        microloan_companies=12, guarantee_companies=None, loans_per_enterprise=1.0,
        lender_zipf=1.1, microloan_share=0.08, intercompany_loan_share=0.02,
        person_loan_share=0.03, classification_mix=(0.90, 0.05, 0.02, 0.015, 0.015),
        cluster_correlation=0.5, weak_guarantor_share=0.15, event_share=0.01, tag_share=1.0)
    assert GeneratorParams.profile("stress").as_dict() == old_defaults
    heavy = GeneratorParams.profile("circle-heavy").as_dict()
    changed = {k: v for k, v in heavy.items() if old_defaults[k] != v}
    assert changed == dict(circle_heavy=0.6, max_cluster_size=1500, cluster_exponent=1.9,
                           reciprocal_share=0.15, triangles_per_10k=40.0,
                           circles_per_10k=15.0, dense_extra_degree=1.2)
    assert GeneratorParams.circle_heavy_preset() == GeneratorParams.profile("circle-heavy")


def test_profiles_and_overrides():
    assert GeneratorParams() == GeneratorParams.profile("realistic")
    assert GeneratorParams.profile("stress", banks=3).banks == 3
    assert GeneratorParams.circle_heavy_preset(max_cluster_size=800).max_cluster_size == 800
    with pytest.raises(ParameterError, match="unknown generator profile"):
        GeneratorParams.profile("dense")
    with pytest.raises(ParameterError):
        GeneratorParams.profile("realistic", core_cluster_size=-1)
    # generate() without params is the realistic profile
    a = generate(800, seed=2)
    b = generate(800, seed=2, params=GeneratorParams.profile("realistic"))
    pd.testing.assert_frame_equal(a["guarantees"], b["guarantees"])


# ------------------------------------------------------------------------ validity
def test_tables_and_columns(tables):
    assert list(tables) == list(TABLE_ORDER)
    for name, df in tables.items():
        known = [c.name for c in TABLES[name].columns]
        assert set(TABLES[name].required) <= set(df.columns), name
        assert set(df.columns) <= set(known), name
    assert len(tables["enterprises"]) == N


def test_ids_unique_and_well_formed(tables):
    e, p, i = tables["enterprises"], tables["persons"], tables["institutions"]
    ids = pd.concat([e["id"], p["id"], i["id"]])
    assert ids.is_unique
    assert all(_uscc_ok(c) for c in e["id"])
    assert p["id"].str.match(r"^P\d+$").all()
    assert i["id"].str.match(r"^(B|M|GC)\d+$").all()
    assert tables["loans"]["id"].is_unique
    assert tables["guarantees"]["id"].is_unique
    assert e["name"].str.endswith("有限公司").all()
    assert p["name"].str.match(r"^[\u4e00-\u9fff]{2,3}$").all()


def test_references_known(tables):
    e = set(tables["enterprises"]["id"])
    p = set(tables["persons"]["id"])
    i = set(tables["institutions"]["id"])
    h, pos, lo, g, ev = (tables[t] for t in ("shareholdings", "positions", "loans", "guarantees",
                                             "events"))
    assert h["holder_id"].isin(e | p | i).all()
    assert h["company_id"].isin(e).all()
    assert pos["person_id"].isin(p).all()
    assert pos["company_id"].isin(e).all()
    assert lo["borrower_id"].isin(e | p).all()
    assert lo["lender_id"].isin(i | e).all()
    assert g["guarantor_id"].isin(e | p | i).all()
    assert g["borrower_id"].isin(e | p).all()
    assert ev["enterprise_id"].isin(e).all()


def test_no_self_loops(tables):
    h, lo, g = tables["shareholdings"], tables["loans"], tables["guarantees"]
    assert (g["guarantor_id"] != g["borrower_id"]).all()
    assert (h["holder_id"] != h["company_id"]).all()
    assert (lo["lender_id"] != lo["borrower_id"]).all()
    assert not h.duplicated(["holder_id", "company_id"]).any()


def test_loan_id_belongs_to_the_borrower(tables):
    g, lo = tables["guarantees"], tables["loans"]
    with_loan = g[g["loan_id"].notna()]
    merged = with_loan.merge(lo[["id", "borrower_id"]], left_on="loan_id", right_on="id",
                             how="left", suffixes=("", "_loan"))
    assert len(merged) == len(with_loan)
    assert merged["borrower_id_loan"].notna().all()
    assert (merged["borrower_id"] == merged["borrower_id_loan"]).all()
    share = len(with_loan) / len(g)
    assert 0.7 < share < 0.98  # most guarantees name their loan, some do not


def test_shares_valid(tables):
    h = tables["shareholdings"]
    assert ((h["share_pct"] > 0) & (h["share_pct"] <= 100)).all()
    sums = h.groupby("company_id")["share_pct"].sum()
    assert (sums <= 100 + 1e-6).all()
    assert 1.0 < len(h) / N < 1.4


def test_enums_and_ranges(tables):
    e, lo, g, pos, ev = (tables[t] for t in ("enterprises", "loans", "guarantees", "positions",
                                             "events"))
    assert e["status"].isin(list(STATUS)).all()
    assert tables["institutions"]["type"].isin(list(INSTITUTION_TYPE)).all()
    assert pos["role"].isin(list(ROLE)).all()
    assert lo["classification"].isin(list(CLASSIFICATION)).all()
    assert g["type"].isin(list(GUARANTEE_TYPE)).all()
    tags = e["tags"].dropna().str.split(";").explode()
    assert len(tags) > 0 and tags.isin(list(TAGS)).all()
    assert e["pd"].dropna().between(0, 1).all()
    assert (g["amount"] >= 0).all() and (lo["balance"] > 0).all()
    for col in ("registered_capital", "total_assets", "total_liabilities", "credit_line"):
        assert (e[col].dropna() >= 0).all(), col
    assert ev["severity"].between(1, 4).all()
    for col in ("overdue_days", "overdue_count", "extensions"):
        assert (lo[col] >= 0).all()
    assert (pd.to_datetime(lo["maturity_date"]) > pd.to_datetime(lo["start_date"])).all()
    assert not pos.duplicated(["person_id", "company_id", "role"]).any()


def test_every_enterprise_has_a_legal_representative(tables):
    legal = tables["positions"].query("role == 'legal_representative'")
    assert set(legal["company_id"]) == set(tables["enterprises"]["id"])
    # some persons are active in several firms
    firms_per_person = tables["positions"].groupby("person_id")["company_id"].nunique()
    assert (firms_per_person >= 2).sum() > 0.02 * N


def test_credit_quality_is_consistent(tables):
    e, lo = tables["enterprises"], tables["loans"]
    mix = lo["classification"].value_counts(normalize=True)
    assert set(mix.index) == set(CLASSIFICATION)
    assert mix["normal"] > 0.8
    loss_borrowers = set(lo.loc[lo["classification"] == "loss", "borrower_id"])
    status = e.set_index("id")["status"]
    firms = [b for b in loss_borrowers if b in status.index]
    assert firms and (status[firms] == "defaulted").all()
    assert 0 < (e["status"] != "normal").mean() < 0.1
    # pd is higher for bad firms
    assert e.loc[e["status"] == "defaulted", "pd"].mean() > 3 * e.loc[e["status"] == "normal",
                                                                       "pd"].mean()


def test_lenders_and_borrowers(tables):
    lo, inst = tables["loans"], tables["institutions"]
    kinds = inst.set_index("id")["type"]
    assert {"bank", "microloan", "guarantee_company"} <= set(kinds)
    lender_kind = lo["lender_id"].map(kinds).fillna("enterprise")
    assert (lender_kind == "enterprise").mean() > 0.005          # inter-company loans
    assert (lender_kind == "microloan").mean() > 0.02
    assert lo["borrower_id"].str.startswith("P").mean() > 0.01     # loans to persons
    assert 0.85 < len(lo) / N < 1.15
    by_lender = lo.loc[lender_kind == "bank", "lender_id"].value_counts()
    assert by_lender.iloc[0] > 3 * by_lender.iloc[-1]              # Zipf-like shares
    # guarantee companies give guarantees
    gcs = set(inst.loc[inst["type"] == "guarantee_company", "id"])
    assert tables["guarantees"]["guarantor_id"].isin(gcs).sum() >= 5


def test_weak_guarantors_exist(tables):
    e, g = tables["enterprises"], tables["guarantees"]
    given = g.groupby("guarantor_id")["amount"].sum()
    net = e.set_index("id")["net_assets"]
    both = pd.concat([given, net], axis=1, join="inner")
    assert (both["net_assets"] < both["amount"]).mean() > 0.05


# -------------------------------------------------------------------------- shape
#: SPEC's appendix: an anonymised regional bank guarantee network of ≈ 19.7k entities,
#: ≈ 14.3k distinct guarantee links and 15.4k records has 7.4k groups, the largest of
#: 539 entities and the next below 100; 20 circles, none larger than 7 members; 23 mutual
#: pairs; out-degree 0 for half the entities and 1 for 45 %; 6 % of the records amount 0.
APPENDIX_ENTITIES = 19_700
APPENDIX_PER_100K = {"circles": 20 / APPENDIX_ENTITIES * 1e5,          # ≈ 102
                     "mutual_pairs": 23 / APPENDIX_ENTITIES * 1e5,     # ≈ 117
                     "groups": 7_400 / APPENDIX_ENTITIES * 1e5}        # ≈ 37.6k
APPENDIX_SHARES = {"out0": 0.50, "out1": 0.45, "zero_amount": 0.06}
APPENDIX_LARGEST_GROUP, APPENDIX_SECOND_GROUP, APPENDIX_MAX_CIRCLE = 539, 100, 7


def _shape(tables) -> dict[str, float]:
    """The appendix's figures for a generated network, counted with networkx.

    On the guarantee graph of every entity (links = distinct guarantor/borrower pairs),
    as ``graphrisk circles`` counts them: circles are the strongly connected components
    of two or more entities, mutual pairs the reciprocated links, groups the weakly
    connected components; out-degrees and the per-100k scale are over the entities in
    at least one guarantee.
    """
    graph = _digraph(tables)
    entities = graph.number_of_nodes()
    circles = [len(c) for c in nx.strongly_connected_components(graph) if len(c) >= 2]
    mutual = sum(1 for u, v in graph.edges if u < v and graph.has_edge(v, u))
    groups = sorted((len(c) for c in nx.weakly_connected_components(graph)), reverse=True)
    out = np.array([d for _, d in graph.out_degree()])
    return {"circles": len(circles) / entities * 1e5, "mutual_pairs": mutual / entities * 1e5,
            "groups": len(groups) / entities * 1e5, "out0": float((out == 0).mean()),
            "out1": float((out == 1).mean()),
            "zero_amount": float((tables["guarantees"]["amount"] == 0).mean()),
            "largest_group": groups[0], "second_group": groups[1],
            "max_circle": max(circles), "entities": entities}


@pytest.mark.parametrize(("n", "seed"), [(20_000, 1), (50_000, 2)])
def test_realistic_profile_has_the_shape_of_the_appendix(n, seed):
    shape = _shape(generate(n, seed=seed))  # the default profile is realistic
    within_2 = {**APPENDIX_PER_100K, **APPENDIX_SHARES, "largest_group": APPENDIX_LARGEST_GROUP}
    for key, target in within_2.items():
        assert target / 2 <= shape[key] <= 2 * target, (key, shape[key], target)
    assert shape["second_group"] < APPENDIX_SECOND_GROUP        # one large group only
    assert shape["max_circle"] <= 2 * APPENDIX_MAX_CIRCLE
    # most enterprises are in the guarantee network, so per 100k enterprises the circle
    # and mutual-pair counts are within the factor 2 too
    assert 0.6 * n < shape["entities"] < 1.2 * n


def test_stress_profile_is_far_denser_than_the_appendix(stress_tables):
    shape = _shape(stress_tables)
    assert shape["circles"] > 20 * APPENDIX_PER_100K["circles"]
    assert shape["mutual_pairs"] > 20 * APPENDIX_PER_100K["mutual_pairs"]


def test_guarantee_counts(stress_tables):
    tables = stress_tables
    g = tables["guarantees"]
    assert 1.35 < len(g) / N < 1.65
    zero = (g["amount"] == 0).mean()
    assert 0.02 < zero < 0.08
    assert g["borrower_id"].str.startswith("P").any()             # personal loans guaranteed
    assert g["guarantor_id"].str.startswith("P").mean() > 0.05     # personal guarantees


def test_reciprocity_in_band(guarantee_graph):
    assert 0.05 < nx.overall_reciprocity(guarantee_graph) < 0.2


def test_circles_exist(guarantee_graph):
    sccs = [len(c) for c in nx.strongly_connected_components(guarantee_graph)]
    assert sum(1 for s in sccs if s >= 3) >= 3
    assert sum(1 for s in sccs if s == 2) >= 50                   # mutual pairs


def test_groups_are_local(guarantee_graph):
    sizes = sorted((len(c) for c in nx.weakly_connected_components(guarantee_graph)),
                   reverse=True)
    assert 50 <= sizes[0] < 0.2 * N
    assert len(sizes) > 0.05 * N                                 # many small groups


def test_out_degree_heavy_tailed(guarantee_graph, stress_tables):
    tables = stress_tables
    out = np.array([d for _, d in guarantee_graph.out_degree()])
    assert (out == 0).mean() >= 0.40
    assert (out == 1).mean() >= 0.25
    assert out.max() >= 10
    enterprises = set(tables["enterprises"]["id"])
    e_out = pd.Series(dict(guarantee_graph.out_degree())).reindex(sorted(enterprises), fill_value=0)
    assert (e_out == 0).mean() >= 0.45


def test_ownership_depth_and_cross_holdings(tables):
    h = tables["shareholdings"]
    enterprises = set(tables["enterprises"]["id"])
    corp = h[h["holder_id"].isin(enterprises)]
    assert len(corp) > 0.05 * N
    majority = nx.DiGraph()
    majority.add_edges_from(corp.loc[corp["share_pct"] >= 30, ["holder_id", "company_id"]]
                            .itertuples(index=False, name=None))
    assert nx.is_directed_acyclic_graph(majority)
    depth = nx.dag_longest_path_length(majority)
    assert 3 <= depth <= 6
    full = nx.DiGraph()
    full.add_edges_from(corp[["holder_id", "company_id"]].itertuples(index=False, name=None))
    assert any(len(c) >= 2 for c in nx.strongly_connected_components(full))  # cross-holdings


def test_circle_heavy_has_large_circles():
    t = generate(3000, seed=2, params=GeneratorParams.circle_heavy_preset())
    g = nx.DiGraph()
    g.add_edges_from(zip(t["guarantees"]["guarantor_id"], t["guarantees"]["borrower_id"],
                         strict=True))
    assert max(len(c) for c in nx.strongly_connected_components(g)) >= 30


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("n", [1, 2, 3, 10, 57])
def test_tiny_networks_are_valid(n, profile):
    t = generate(n, seed=1, params=GeneratorParams.profile(profile))
    assert len(t["enterprises"]) == n
    g, lo = t["guarantees"], t["loans"]
    assert (g["guarantor_id"] != g["borrower_id"]).all()
    assert (lo["lender_id"] != lo["borrower_id"]).all()
    known = set(pd.concat([t["enterprises"]["id"], t["persons"]["id"], t["institutions"]["id"]]))
    assert g["guarantor_id"].isin(known).all() and lo["lender_id"].isin(known).all()


@pytest.mark.parametrize("profile", ["realistic", "stress"])
def test_params_are_checked(profile):
    with pytest.raises(ParameterError):
        GeneratorParams(reciprocal_share=1.5)
    with pytest.raises(ParameterError):
        GeneratorParams(ownership_depth=(5, 3))
    with pytest.raises(ParameterError):
        generate(0)
    p = dataclasses.replace(GeneratorParams.profile(profile), reciprocal_share=0.0,
                            triangles_per_10k=0, circles_per_10k=0, circle_heavy=0.0)
    t = generate(2000, seed=1, params=p)
    firms = t["guarantees"][t["guarantees"]["borrower_id"].isin(t["enterprises"]["id"])
                            & t["guarantees"]["guarantor_id"].isin(t["enterprises"]["id"])]
    g = nx.DiGraph()
    g.add_edges_from(zip(firms["guarantor_id"], firms["borrower_id"], strict=True))
    # no reciprocity and no circles: the enterprise network is a DAG (a controller and
    # the firm that backs the controller's personal loan may still guarantee each other)
    assert nx.is_directed_acyclic_graph(g)


# ------------------------------------------------------------------------ writing
def test_write_dataset_replaces_csvs_only(tmp_path):
    out = tmp_path / "ds"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    counts = write_dataset(generate(300, seed=1), out)
    assert counts["enterprises.csv"] == 300
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers
    text = (out / "enterprises.csv").read_text(encoding="utf-8")
    assert text.startswith("id,name,") and "\r" not in text
    back = pd.read_csv(out / "guarantees.csv", dtype=str, keep_default_na=False)
    assert len(back) == counts["guarantees.csv"]


def test_cli_generate(tmp_path):
    from graphrisk.cli import main

    runner = CliRunner()
    out = tmp_path / "cli"
    r = runner.invoke(main, ["generate", "--enterprises", "400", "--seed", "9", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "enterprises.csv" in r.stderr and "guarantees.csv" in r.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.csv" for t in TABLE_ORDER)
    first = (out / "guarantees.csv").read_bytes()
    r = runner.invoke(main, ["generate", "--enterprises", "400", "-o", str(out)])
    assert r.exit_code != 0 and "--force" in r.output
    r = runner.invoke(main, ["generate", "-n", "400", "--seed", "9", "-o", str(out), "--force"])
    assert r.exit_code == 0, r.output
    assert (out / "guarantees.csv").read_bytes() == first
    r = runner.invoke(main, ["generate", "--help"])
    assert r.exit_code == 0 and "Example:" in r.output
    assert all(name in r.output for name in PROFILES)


def test_cli_generate_profiles(tmp_path):
    from graphrisk.cli import main

    runner = CliRunner()

    def run(name, *extra):
        r = runner.invoke(main, ["generate", "-n", "600", "--seed", "4", "-o",
                                 str(tmp_path / name), *extra])
        assert r.exit_code == 0, r.output
        return r

    for profile in PROFILES:
        r = run(profile, "--profile", profile)
        assert f"{profile} profile" in r.stderr
        write_dataset(generate(600, seed=4, params=GeneratorParams.profile(profile)),
                      tmp_path / f"lib-{profile}")
        assert _digest(tmp_path / profile) == _digest(tmp_path / f"lib-{profile}"), profile
    run("default")  # the default profile is realistic
    assert _digest(tmp_path / "default") == _digest(tmp_path / "realistic")
    assert _digest(tmp_path / "stress") != _digest(tmp_path / "realistic")
    # --circle-heavy: a deprecated spelling of --profile circle-heavy
    r = run("old-heavy", "--circle-heavy")
    assert "deprecated" in r.stderr
    assert _digest(tmp_path / "old-heavy") == _digest(tmp_path / "circle-heavy")
    run("both-heavy", "--circle-heavy", "--profile", "circle-heavy")
    r = runner.invoke(main, ["generate", "-n", "600", "-o", str(tmp_path / "bad"),
                             "--circle-heavy", "--profile", "stress"])
    assert r.exit_code == 2 and "contradicts --profile stress" in r.output
    assert not (tmp_path / "bad").exists()
    r = runner.invoke(main, ["generate", "-n", "600", "-o", str(tmp_path / "bad"),
                             "--profile", "dense"])
    assert r.exit_code == 2 and "realistic" in r.output


# ------------------------------------------------------------------------ loading
@pytest.mark.parametrize("profile", list(PROFILES))
def test_generated_dataset_loads_without_errors(tmp_path, profile):
    from graphrisk.io.load import load_dataset

    out = tmp_path / "g2k"
    counts = write_dataset(generate(2000, seed=21, params=GeneratorParams.profile(profile)), out)
    ds = load_dataset(out)  # raises DatasetError (with .errors) when invalid
    assert ds.counts() == {name: counts[f"{name}.csv"] for name in TABLE_ORDER}
