"""The deterministic cascade of SPEC §6: hand-worked examples, invariants, and the
vectorised engine against the dict-based reference on random networks."""

from __future__ import annotations

import numpy as np
import pytest

from graphrisk.contagion.cascade import (
    capacities,
    cascade,
    compile_model,
    guarantee_calls,
    propagate,
    ranges,
    run_losses,
    simulate_defaults,
)
from graphrisk.errors import ParameterError, UnknownEntityError
from graphrisk.io.load import load_dataset
from graphrisk.network.graph import build_network
from graphrisk.params import ContagionParams

from .conftest import DEMO, SMALL
from .reference_cascade import make_network, random_network, reference_cascade


def run(entities, loans, guarantees, seeds, cap, recovery=0.0):
    """Vectorised cascade on a hand-built network; ``cap``: {id: capacity}."""
    net = make_network(entities, loans, guarantees)
    c = np.array([cap.get(e, np.inf) for e in entities], dtype=float)
    res = cascade(compile_model(net, c, recovery), net.positions(seeds))
    out = {
        "round": {net.ids[i]: int(r) for i, r in zip(res.defaulted, res.round, strict=True)},
        "call": {net.g_id[g]: float(c) for g, c in zip(res.guarantee, res.call, strict=True)},
        "paid": {net.g_id[g]: float(p) for g, p in zip(res.guarantee, res.paid, strict=True)},
        "loss": {net.l_id[k]: float(v) for k, v in zip(res.loan, res.loss, strict=True)},
        "by_lender": {net.ids[k]: v for k, v in res.by_lender().items()},
        "rounds": res.rounds, "total": res.total_loss,
    }
    return out


BANK = "B1"


def test_ranges():
    assert ranges(np.array([3, 9]), np.array([0, 0])).tolist() == []
    assert ranges(np.array([0, 4]), np.array([2, 1])).tolist() == [0, 1, 4]


def test_two_round_chain_by_hand():
    # A borrows 100, guaranteed by E_B (capacity 50); E_B borrows 80, guaranteed by E_C
    # (capacity 60); E_C borrows 30 unguaranteed.
    ents = ["EA", "EB", "EC", BANK]
    loans = [("LA", "EA", BANK, 100), ("LB", "EB", BANK, 80), ("LC", "EC", BANK, 30)]
    gs = [("G1", "EB", "EA", 100, "LA"), ("G2", "EC", "EB", 80, "LB")]
    out = run(ents, loans, gs, ["EA"], {"EA": 1000, "EB": 50, "EC": 60})
    # round 1: EB called 100 > 50 → defaults, pays 50; round 2: EC called 80 > 60 → pays 60
    assert out["round"] == {"EA": 0, "EB": 1, "EC": 2}
    assert out["rounds"] == 2
    assert out["call"] == {"G1": 100, "G2": 80}
    assert out["paid"] == {"G1": 50, "G2": 60}
    assert out["loss"] == {"LA": 50, "LB": 20, "LC": 30}
    assert out["total"] == 100 and out["by_lender"] == {BANK: 100}
    # with more capacity EC survives and pays in full
    out = run(ents, loans, gs, ["EA"], {"EA": 1000, "EB": 50, "EC": 100})
    assert out["round"] == {"EA": 0, "EB": 1} and out["total"] == 50


def test_guarantor_exactly_at_capacity_survives():
    ents = ["EA", "EB", BANK]
    loans = [("LA", "EA", BANK, 100)]
    gs = [("G1", "EB", "EA", 100, "LA")]
    assert run(ents, loans, gs, ["EA"], {"EB": 100})["round"] == {"EA": 0}
    assert run(ents, loans, gs, ["EA"], {"EB": 99.99})["round"] == {"EA": 0, "EB": 1}
    # rounding noise: three co-guarantors of 0.1 on a loan of 0.3, each capacity 0.1
    ents = ["EA", "E1", "E2", "E3", BANK]
    gs = [(f"G{i}", f"E{i}", "EA", 0.1, "LA") for i in (1, 2, 3)]
    out = run(ents, [("LA", "EA", BANK, 0.3)], gs, ["EA"], {"E1": 0.1, "E2": 0.1, "E3": 0.1})
    assert out["round"] == {"EA": 0}


def test_pro_rata_among_co_guarantors_and_never_above_amount():
    ents = ["EA", "EB", "EC", BANK]
    gs = [("G1", "EB", "EA", 100, "LA"), ("G2", "EC", "EA", 50, "LA")]
    out = run(ents, [("LA", "EA", BANK, 90)], gs, ["EA"], {})
    assert out["call"] == pytest.approx({"G1": 60, "G2": 30})
    assert out["total"] == pytest.approx(0)
    out = run(ents, [("LA", "EA", BANK, 300)], gs, ["EA"], {})
    assert out["call"] == {"G1": 100, "G2": 50}  # capped at the amounts
    assert out["total"] == 150


def test_loan_specific_before_general_and_general_shared_across_loans():
    ents = ["EA", "E1", "E2", "E3", BANK, "B2"]
    loans = [("L1", "EA", BANK, 100), ("L2", "EA", "B2", 50)]
    gs = [("G1", "E1", "EA", 60, "L1"), ("G2", "E2", "EA", 200, None),
          ("G3", "E3", "EA", 100, None)]
    out = run(ents, loans, gs, ["EA"], {})
    # G1 covers 60 of L1; the residuals 40 + 50 go to G2 and G3 pro rata (2:1)
    assert out["call"] == pytest.approx({"G1": 60, "G2": 60, "G3": 30})
    assert out["total"] == pytest.approx(0)
    # general guarantees worth 45 in total are called for at most 45 across both loans
    gs = [("G1", "E1", "EA", 60, "L1"), ("G2", "E2", "EA", 30, None),
          ("G3", "E3", "EA", 15, None)]
    out = run(ents, loans, gs, ["EA"], {})
    assert out["call"] == pytest.approx({"G1": 60, "G2": 30, "G3": 15})
    # lenders share the general payments pro rata to their residuals (40 : 50)
    assert out["loss"] == pytest.approx({"L1": 40 - 45 * 40 / 90, "L2": 50 - 45 * 50 / 90})
    assert out["total"] == pytest.approx(45)


def test_guarantee_calls_closed_form_doctest_values():
    calls, resid, big_r = guarantee_calls(np.array([0, 0]), np.array([-1, -1]),
                                          np.array([0.0, 0.0]), np.array([0]),
                                          np.array([10.0]), 1)
    assert calls.tolist() == [0, 0] and big_r.tolist() == [10]


def test_recovery_rate():
    ents = ["EA", "EB", BANK]
    gs = [("G1", "EB", "EA", 100, "LA")]
    out = run(ents, [("LA", "EA", BANK, 100)], gs, ["EA"], {"EB": 50}, recovery=0.4)
    assert out["call"] == {"G1": 60}  # shortfall 60 ≤ amount
    assert out["round"] == {"EA": 0, "EB": 1} and out["paid"] == {"G1": 50}
    assert out["total"] == pytest.approx(10)
    assert run(ents, [("LA", "EA", BANK, 100)], gs, ["EA"], {"EB": 50}, 1.0)["total"] == 0


def test_defaulted_guarantor_pays_pro_rata_to_capacity():
    ents = ["EA", "EB", "EG", BANK]
    loans = [("LA", "EA", BANK, 40), ("LB", "EB", BANK, 80)]
    gs = [("G1", "EG", "EA", 40, "LA"), ("G2", "EG", "EB", 80, "LB")]
    out = run(ents, loans, gs, ["EA", "EB"], {"EG": 60})
    assert out["paid"] == pytest.approx({"G1": 20, "G2": 40})  # 60 × 40/120, 60 × 80/120
    assert out["round"]["EG"] == 1


def test_persons_and_institutions_default_only_with_capacity():
    ents = ["EA", "P1", "BG", BANK]
    loans = [("LA", "EA", BANK, 500)]
    gs = [("G1", "P1", "EA", 300, "LA"), ("G2", "BG", "EA", 200, "LA")]
    out = run(ents, loans, gs, ["EA"], {})
    assert out["round"] == {"EA": 0} and out["total"] == 0
    out = run(ents, loans, gs, ["EA"], {"P1": 100, "BG": 50})
    assert out["round"] == {"EA": 0, "P1": 1, "BG": 1} and out["total"] == 350


def test_cycle_terminates():
    ents = ["EA", "EB", BANK]
    loans = [("LA", "EA", BANK, 100), ("LB", "EB", BANK, 100)]
    gs = [("G1", "EB", "EA", 100, None), ("G2", "EA", "EB", 100, None)]
    out = run(ents, loans, gs, ["EA"], {"EA": 10, "EB": 10})
    assert out["round"] == {"EA": 0, "EB": 1}
    # EA (seed) is called 100 on G2 > its capacity 10 and pays 10
    assert out["paid"] == pytest.approx({"G1": 10, "G2": 10})
    assert out["total"] == pytest.approx(180)


# --------------------------------------------------------------- random networks
@pytest.mark.parametrize("seed", range(60))
def test_vectorised_equals_reference_on_random_networks(seed):
    rng = np.random.default_rng(seed)
    ents, loans, gs, cap = random_network(rng)
    seeds = sorted({ents[i] for i in rng.integers(0, 12, size=rng.integers(1, 4))})
    recovery = float(rng.choice([0.0, 0.0, 0.3]))
    ref = reference_cascade(cap, loans, gs, seeds, recovery)
    out = run(ents, loans, gs, seeds, cap, recovery)
    assert out["round"] == ref["round"]
    assert out["call"] == pytest.approx(ref["call"])
    assert out["paid"] == pytest.approx(ref["paid"])
    assert out["loss"] == pytest.approx(ref["loss"])
    assert out["by_lender"] == pytest.approx(ref["by_lender"])


@pytest.mark.parametrize("seed", range(30))
def test_invariants(seed):
    rng = np.random.default_rng(1000 + seed)
    ents, loans, gs, cap = random_network(rng, 15)
    net = make_network(ents, loans, gs)
    seeds = net.positions(sorted({ents[i] for i in rng.integers(0, 15, size=2)}))
    c = np.array([cap.get(e, np.inf) for e in ents])
    res = cascade(compile_model(net, c), seeds)
    defaulted = set(res.defaulted.tolist())
    exposure = sum(lo[3] for lo in loans if ents.index(lo[1]) in defaulted)
    assert 0 <= res.total_loss <= exposure + 1e-9
    assert (res.loss <= res.shortfall + 1e-9).all() and (res.paid <= res.call + 1e-9).all()
    assert (res.call <= net.g_amount[res.guarantee] + 1e-9).all()
    # more capacity never means more defaults
    more = c + rng.integers(0, 100, size=len(c))
    assert set(cascade(compile_model(net, more), seeds).defaulted.tolist()) <= defaulted
    # a batch of runs gives what the runs give one by one
    model = compile_model(net, c)
    batch = propagate(model, np.array([seeds[0], model.size + seeds[-1]]), 2)
    loss, _ = run_losses(model, batch)
    assert loss[0] == pytest.approx(cascade(model, seeds[:1]).total_loss)
    assert loss[1] == pytest.approx(cascade(model, seeds[-1:]).total_loss)


# ------------------------------------------------------------------ dataset level
def test_capacities_warn_and_clip(make_dataset):
    tables = dict(SMALL)
    tables["enterprises"] = """
        id,name,net_assets
        E1,甲,
        E2,乙,-50
        E3,丙,20
        E4,丁,
        """
    ds = load_dataset(make_dataset(**tables))
    net = build_network(ds)
    cap, warnings = capacities(net)
    assert cap[net.positions(["E1", "E2", "E3", "E4"])].tolist() == [0, 0, 20, 0]
    assert np.isinf(cap[net.positions(["P1", "B1"])]).all()
    # E1, E2, E3 are guarantors; E4 is not, so it is not named
    assert any("no net_assets" in w and "E1" in w and "E4" not in w for w in warnings)
    assert any("negative net_assets" in w and "E2" in w for w in warnings)
    cap, _ = capacities(net, capacity={"P1": 5, "E1": 7})
    assert cap[net.positions(["P1", "E1"])].tolist() == [5, 7]
    with pytest.raises(UnknownEntityError):
        capacities(net, capacity={"X9": 1})
    with pytest.raises(ParameterError):
        capacities(net, capacity={"E1": -1})


def test_simulate_defaults_small(small):
    ds = load_dataset(small)
    rep = simulate_defaults(ds, ["E3"])
    # E3 defaults: L3 (300) is guaranteed by P1 (person, pays 300), L4 (50) is not;
    # G3 (E3 guarantees E2) is not called since E2 does not default.
    assert [(d["id"], d["round"], d["seed"]) for d in rep["defaults"]] == [("E3", 0, True)]
    assert rep["losses"]["total"] == 50 and rep["losses"]["by_lender"] == {"M1": 50, "B2": 0}
    assert {g["id"]: (g["call"], g["paid"]) for g in rep["guarantees"]} == {"G4": (300, 300)}
    rep = simulate_defaults(ds, ["E2"], params=ContagionParams(recovery=0.5))
    # E2: L2 500 → shortfall 250, G2 (E1, capacity 100) called 250 > 100 → E1 defaults,
    # pays 100; E1's L1 1000 → G1 (E2, capacity 50) called 800, pays 50
    assert [(d["id"], d["round"]) for d in rep["defaults"]] == [("E2", 0), ("E1", 1)]
    assert rep["losses"]["total"] == pytest.approx(250 - 100 + 500 - 50)
    assert rep["rounds"] == 1


def test_simulate_defaults_errors_and_status(small):
    ds = load_dataset(small)
    with pytest.raises(ParameterError):
        simulate_defaults(ds, [])
    with pytest.raises(UnknownEntityError):
        simulate_defaults(ds, ["NOPE"])
    rep = simulate_defaults(ds, [], from_status=True)  # E3 is defaulted in SMALL
    assert rep["defaults"][0]["id"] == "E3" and rep["defaults"][0]["given"] is False


def test_demo_vectorised_equals_reference():
    ds = load_dataset(DEMO)
    net = build_network(ds)
    cap, _ = capacities(net)
    e = ds.tables["enterprises"]
    capd = {net.ids[i]: cap[i] for i in range(net.n) if np.isfinite(cap[i])}
    loans = list(zip(net.l_id, net.ids[net.l_borrower], net.ids[net.l_lender],
                     net.l_balance, strict=True))
    gs = [(net.g_id[k], net.ids[net.g_src[k]], net.ids[net.g_dst[k]], net.g_amount[k],
           net.l_id[net.g_loan[k]] if net.g_loan[k] >= 0 else None) for k in range(len(net.g_id))]
    model = compile_model(net, cap)
    for eid in e["id"]:
        ref = reference_cascade(capd, loans, gs, [eid])
        res = cascade(model, net.positions([eid]))
        assert {net.ids[i]: int(r) for i, r in zip(res.defaulted, res.round, strict=True)} \
            == ref["round"]
        assert res.total_loss == pytest.approx(sum(ref["loss"].values()))
