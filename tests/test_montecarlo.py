"""Monte Carlo of SPEC §6: PD mapping, common random numbers, tail statistics,
network-adjusted PD and systemic importance, against the dict-based reference."""

from __future__ import annotations

import math

import numpy as np
import pytest

from graphrisk.contagion.cascade import cascade, compile_model
from graphrisk.contagion.montecarlo import (
    GAMMA,
    draw_scenarios,
    mix64,
    monte_carlo,
    pd_vector,
    run_scenarios,
    systemic_importance,
    tail_stats,
    uniforms,
)
from graphrisk.io.load import load_dataset
from graphrisk.params import TAIL_KEYS, ContagionParams

from .conftest import DEMO, SMALL
from .reference_cascade import make_network, random_network, reference_cascade, type_codes


def test_pd_vector_mapping(make_dataset):
    tables = dict(SMALL)
    tables["enterprises"] = """
        id,name,status,pd
        E1,甲,normal,0.02
        E2,乙,defaulted,
        E3,丙,normal,
        E4,丁,distressed,
        E5,戊,normal,
        """
    tables["loans"] = """
        id,borrower_id,lender_id,balance,classification
        L1,E1,B1,10,loss
        L2,E3,B1,10,normal
        L3,E3,B2,10,doubtful
        L4,E4,B1,10,special_mention
        L5,E2,B1,10,normal
        """
    tables["guarantees"] = "id,guarantor_id,borrower_id,amount\n"
    ds = load_dataset(make_dataset(**tables))
    pd_, source, worst = pd_vector(ds)
    assert pd_.tolist() == [0.02, 1.0, 0.5, 0.05, 0.01]
    assert source.tolist() == ["given", "status", "classification", "classification", "no_loans"]
    assert worst.tolist() == ["loss", "normal", "doubtful", "special_mention", ""]
    p = ContagionParams(pd_no_loans=0.03, pd_by_classification=(("doubtful", 0.4),))
    assert pd_vector(ds, params=p)[0].tolist() == [0.02, 1.0, 0.4, 0.03, 0.03]


def _splitmix_mix(z: int) -> int:
    """SplitMix64's output function in plain Python integers (Vigna, splitmix64.c)."""
    mask = (1 << 64) - 1
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


def _uniform_by_hand(seed: int, k: int, i: int) -> float:
    """U[k, i] as docs/contagion.md writes it, in Python integers."""
    mask = (1 << 64) - 1
    s = _splitmix_mix(seed & mask)
    b = _splitmix_mix((s + (k // 2 + 1) * GAMMA) & mask)
    z = _splitmix_mix((b + (i + 1) * GAMMA) & mask)
    return ((z & 0xFFFFFFFF) if k % 2 == 0 else (z >> 32)) / 2**32


def test_counter_based_uniforms_by_hand():
    # SplitMix64 seeded with 0: first outputs 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4
    assert int(mix64(np.array([GAMMA], dtype=np.uint64))[0]) == 0xE220A8397B1DCDAF
    assert int(mix64(np.array([2 * GAMMA % 2**64], dtype=np.uint64))[0]) == 0x6E789E6AA1B965F4
    assert _splitmix_mix(GAMMA) == 0xE220A8397B1DCDAF
    # a hand-checked value: seed 0, scenario 0, entity 0
    assert uniforms(0, [0], [0])[0, 0] == pytest.approx(0.30117, abs=1e-5)
    cells = [(0, 0, 0), (0, 1, 5), (7, 2, 3), (7, 3, 3), (-1, 9999, 999_999), (2**40, 10, 1)]
    for seed, k, i in cells:
        assert uniforms(seed, [k], [i])[0, 0] == _uniform_by_hand(seed, k, i)


def test_scenarios_are_common_random_numbers():
    pd_ = np.array([0.1, 0.5, 0.0, 1.0, 0.3])
    a = draw_scenarios(pd_, 2000, seed=7)
    b = draw_scenarios(pd_, 2000, seed=7, block_cells=3)  # other blocks, same numbers
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.nodes, b.nodes)
    c = draw_scenarios(pd_, 2000, seed=8)
    assert not np.array_equal(a.nodes, c.nodes)
    freq = np.bincount(a.nodes, minlength=5) / 2000
    assert freq[2] == 0 and freq[3] == 1
    assert np.allclose(freq, pd_, atol=0.04)
    f = draw_scenarios(pd_, 50, seed=7, forced=[2, 6])
    for k in range(50):
        nodes = f.nodes[f.indptr[k]:f.indptr[k + 1]]
        assert {2, 6} <= set(nodes.tolist()) and len(set(nodes.tolist())) == len(nodes)
    run, node = f.seeds_of(np.array([3, 1]))
    assert node[run == 0].tolist() == f.nodes[f.indptr[3]:f.indptr[4]].tolist()
    pos, runs = f.runs_of(np.array([6, 2]))
    assert runs[pos == 0].tolist() == list(range(50))


def test_scenarios_are_a_function_of_seed_scenario_and_entity():
    """Entity i seeds scenario k exactly when U[k, i] < pd_i, whatever range is drawn."""
    rng = np.random.default_rng(3)
    pd_ = rng.uniform(0, 0.3, size=300)
    pd_[:3] = [0.0, 1.0, 0.5]
    whole = draw_scenarios(pd_, 41, seed=11)
    u = uniforms(11, np.arange(41), np.arange(300))
    for k in range(41):
        assert whole.nodes[whole.indptr[k]:whole.indptr[k + 1]].tolist() == \
            np.flatnonzero(u[k] < pd_).tolist()
    for first, count, block in [(0, 41, 7), (5, 9, 300), (6, 1, 1 << 17), (13, 28, 64)]:
        part = draw_scenarios(pd_, count, seed=11, first=first, block_cells=block)
        assert part.first == first
        for k in range(count):
            assert part.nodes[part.indptr[k]:part.indptr[k + 1]].tolist() == \
                whole.nodes[whole.indptr[first + k]:whole.indptr[first + k + 1]].tolist()
    # an entity's draws do not depend on the others: a subset of entities, same numbers
    sub = draw_scenarios(pd_[:100], 41, seed=11)
    for k in range(41):
        mine = whole.nodes[whole.indptr[k]:whole.indptr[k + 1]]
        assert sub.nodes[sub.indptr[k]:sub.indptr[k + 1]].tolist() == mine[mine < 100].tolist()


def test_tail_stats_by_hand():
    x = np.arange(1.0, 101.0)  # 1..100
    t = tail_stats(x)
    # k = 5 largest (95 %): 96..100; k = 1 (99 %): 100
    assert t == {"var95": 96.0, "var99": 100.0, "es95": 98.0, "es99": 100.0}
    # sparse sample: 3 non-zero losses among 20 runs; k95 = 1, k99 = 1
    assert tail_stats([5.0, 7.0, 1.0], 20) == {"var95": 7.0, "var99": 7.0, "es95": 7.0,
                                               "es99": 7.0}
    # 3 non-zero among 40 runs: k95 = 2 → VaR 5, ES 6
    assert tail_stats([5.0, 7.0, 1.0], 40)["var95"] == 5.0
    assert tail_stats([5.0, 7.0, 1.0], 40)["es95"] == 6.0
    # 2 non-zero among 100 runs: k95 = 5 → VaR 0 (the 5th largest is a zero), ES 12/5
    assert tail_stats([5.0, 7.0], 100)["var95"] == 0.0
    assert tail_stats([5.0, 7.0], 100)["es95"] == pytest.approx(12 / 5)
    assert list(t) == list(TAIL_KEYS)


@pytest.mark.parametrize("seed", range(8))
def test_runs_equal_reference_cascades(seed):
    rng = np.random.default_rng(seed)
    ents, loans, gs, capd = random_network(rng, 12)
    net = make_network(ents, loans, gs)
    cap = np.array([capd.get(e, np.inf) for e in ents])
    model = compile_model(net, cap, 0.2, types=type_codes(gs))
    pd_ = rng.uniform(0, 0.4, size=12)
    scen = draw_scenarios(pd_, 60, seed)
    out, (l_run, l_lender, l_loss) = run_scenarios(model, scen, by_lender=True,
                                                   batch_cells=3 * model.size)
    hits = np.zeros(net.n)
    for k in range(60):
        seeds = [ents[i] for i in scen.nodes[scen.indptr[k]:scen.indptr[k + 1]]]
        ref = reference_cascade(capd, loans, gs, seeds, 0.2)
        # run losses are rounded to 1e-6 万元 (run_losses)
        assert out.loss[k] == pytest.approx(sum(ref["loss"].values()), abs=1e-6)
        mine = {net.ids[i]: v for i, v in zip(l_lender[l_run == k], l_loss[l_run == k],
                                              strict=True)}
        assert mine == pytest.approx(ref["by_lender"])
        for e in ref["round"]:
            hits[ents.index(e)] += 1
    assert np.array_equal(np.bincount(out.keys % out.size, minlength=model.size)[:net.n], hits)


def test_systemic_importance_by_hand():
    """EA (net assets 40) borrows 100, guaranteed by EB (capacity 10) for 100; EB borrows
    50 unguaranteed; EC (net assets 1000) borrows 30, guaranteed by the person P1.

    EA alone: its estate pays 40 (先穷尽主债务人), EB is called 60 > 10 and defaults;
    EB's estate pays 10 / (50 + 60) of each obligation, so 50 × 100 / 110 of its own
    loan is lost — the loss beyond EA's loans.  EB alone and EC alone call nobody."""
    ents = ["EA", "EB", "EC", "P1", "B1"]
    loans = [("LA", "EA", "B1", 100), ("LB", "EB", "B1", 50), ("LC", "EC", "B1", 30)]
    gs = [("G1", "EB", "EA", 100, "LA"), ("G2", "P1", "EC", 30, "LC")]
    net = make_network(ents, loans, gs)
    cap = np.array([40, 10, 1000, np.inf, np.inf])
    imp, others = systemic_importance(compile_model(net, cap), [0, 1, 2])
    assert imp.tolist() == pytest.approx([5000 / 110, 0.0, 0.0]) and others.tolist() == [1, 0, 0]
    # with net assets 100, EA's estate pays its loan and nobody is called
    cap[0] = 100
    imp, others = systemic_importance(compile_model(net, cap), [0, 1, 2])
    assert imp.tolist() == [0.0, 0.0, 0.0] and others.tolist() == [0, 0, 0]


@pytest.mark.parametrize("seed", range(10))
def test_systemic_importance_equals_reference(seed):
    rng = np.random.default_rng(50 + seed)
    ents, loans, gs, capd = random_network(rng, 12)
    net = make_network(ents, loans, gs)
    cap = np.array([capd.get(e, np.inf) for e in ents])
    imp, others = systemic_importance(compile_model(net, cap, types=type_codes(gs)),
                                      np.arange(12))
    for i in range(12):
        ref = reference_cascade(capd, loans, gs, [ents[i]])
        own = sum(v for lo, v in ref["loss"].items()
                  if next(x for x in loans if x[0] == lo)[1] == ents[i])
        assert imp[i] == pytest.approx(sum(ref["loss"].values()) - own, abs=1e-6)
        assert others[i] == len(ref["round"]) - 1


def test_monte_carlo_report(small):
    ds = load_dataset(small)
    p = ContagionParams(runs=400, seed=3)
    rep = monte_carlo(ds, params=p)
    assert rep == monte_carlo(ds, params=p)  # same seed, same numbers
    assert rep != monte_carlo(ds, params=ContagionParams(runs=400, seed=4))
    assert {"runs", "seed", "expected_loss", "tail", "by_lender", "entities"} <= set(rep)
    assert set(rep["tail"]) == set(TAIL_KEYS)
    assert rep["tail"]["es99"] >= rep["tail"]["var99"] >= rep["tail"]["var95"] >= 0
    assert rep["tail"]["es95"] >= rep["tail"]["var95"]
    assert sum(r["expected_loss"] for r in rep["by_lender"]) == pytest.approx(rep["expected_loss"])
    ent = {r["id"]: r for r in rep["entities"]}
    assert set(ent) == {"E1", "E2", "E3", "E4"}
    assert ent["E4"]["pd_source"] == "classification" and ent["E4"]["pd"] == 0.01
    for r in rep["entities"]:
        assert {"id", "pd", "network_pd", "systemic_importance"} <= set(r)
        assert 0 <= r["network_pd"] <= 1
    # E3 (pd 0.5) alone brings nobody down: P1 guarantees it and pays in full
    assert ent["E3"]["systemic_importance"] == 0
    top = monte_carlo(ds, params=p, top=2)["entities"]
    assert top == rep["entities"][:2]


def test_forced_defaults_and_debtrank_model(small):
    ds = load_dataset(small)
    rep = monte_carlo(ds, params=ContagionParams(runs=100, seed=1), defaults=["E2"])
    assert rep["forced_defaults"] == ["E2"]
    assert {r["id"]: r["network_pd"] for r in rep["entities"]}["E2"] == 1.0
    dr = monte_carlo(ds, params=ContagionParams(runs=100, seed=1, model="debtrank"))
    assert dr["model"] == "debtrank" and all("debtrank" in r for r in dr["entities"])
    assert dr["expected_loss"] == monte_carlo(ds, params=ContagionParams(runs=100,
                                                                  seed=1))["expected_loss"]


def test_tail_levels_are_consistent_with_ceil():
    losses = np.array([0.0] * 90 + list(range(1, 11)), dtype=float)
    t = tail_stats(losses)
    k95 = math.ceil(0.05 * 100)
    assert t["var95"] == sorted(losses)[-k95] and t["es95"] == np.mean(sorted(losses)[-k95:])


def test_cascade_result_matches_single_run(small):
    ds = load_dataset(small)
    from graphrisk.contagion.cascade import capacities
    from graphrisk.network.graph import build_network
    net = build_network(ds)
    cap, _ = capacities(net)
    model = compile_model(net, cap)
    res = cascade(model, net.positions(["E2"]))
    scen = draw_scenarios(np.zeros(net.n), 1, 0, forced=net.positions(["E2"]))
    assert run_scenarios(model, scen).loss[0] == pytest.approx(res.total_loss)


@pytest.mark.parametrize("model", ["cascade", "debtrank"])
def test_monte_carlo_same_numbers_for_any_jobs_and_batches(model):
    """One process, two processes, tiny batches: identical reports (losses, tail, network
    PD, systemic importance, per-lender figures)."""
    ds = load_dataset(DEMO)
    n = len(ds.tables["enterprises"]) + len(ds.tables["persons"]) + \
        len(ds.tables["institutions"]) + 1
    reps = [monte_carlo(ds, params=ContagionParams(runs=300, seed=5, model=model, jobs=j,
                                                   batch_cells=b), run_losses=True)
            for j, b in [(1, 8_000_000), (2, 8_000_000), (2, 7 * n), (1, n)]]
    assert all(r == reps[0] for r in reps[1:])
    rep = reps[0]
    assert len(rep["run_losses"]) == 300
    assert np.mean(rep["run_losses"]) == pytest.approx(rep["expected_loss"])
    assert any(r["systemic_importance"] > 0 for r in rep["entities"])


def test_run_scenarios_and_importance_same_for_any_jobs():
    ds = load_dataset(DEMO)
    from graphrisk.contagion.cascade import capacities
    from graphrisk.network.graph import build_network
    net = build_network(ds)
    model = compile_model(net, capacities(net)[0])
    scen = draw_scenarios(pd_vector(net)[0], 200, 3)
    a, la = run_scenarios(model, scen, by_lender=True, jobs=1)
    b, lb = run_scenarios(model, scen, by_lender=True, jobs=2, batch_cells=9 * model.size)
    for f in ("loss", "cover", "touched", "calls"):
        assert np.array_equal(getattr(a, f), getattr(b, f)), f
    # the defaults come batch by batch (seeds, then each round): the same set
    oa, ob = np.argsort(a.keys), np.argsort(b.keys)
    assert np.array_equal(a.keys[oa], b.keys[ob]) and np.array_equal(a.rho[oa], b.rho[ob])
    assert all(np.array_equal(x, y) for x, y in zip(la, lb, strict=True))
    i1, o1 = systemic_importance(model, jobs=1)
    i2, o2 = systemic_importance(model, jobs=2, batch_cells=2 * model.size)
    assert np.array_equal(i1, i2) and np.array_equal(o1, o2) and (i1 > 0).sum() >= 2
