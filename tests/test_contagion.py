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
from .reference_cascade import make_network, random_network, reference_cascade, type_codes


def run(entities, loans, guarantees, seeds, cap, recovery=0.0):
    """Vectorised cascade on a hand-built network; ``cap``: {id: capacity} (absent:
    unlimited, so never defaults and has nothing known in its estate)."""
    net = make_network(entities, loans, guarantees)
    c = np.array([cap.get(e, np.inf) for e in entities], dtype=float)
    res = cascade(compile_model(net, c, recovery, types=type_codes(guarantees)),
                  net.positions(seeds))
    out = {
        "round": {net.ids[i]: int(r) for i, r in zip(res.defaulted, res.round, strict=True)},
        "rho": {net.ids[i]: float(r) for i, r in zip(res.defaulted, res.rho, strict=True)},
        "call": {net.g_id[g]: float(c) for g, c in zip(res.guarantee, res.call, strict=True)},
        "paid": {net.g_id[g]: float(p) for g, p in zip(res.guarantee, res.paid, strict=True)},
        "loss": {net.l_id[k]: float(v) for k, v in zip(res.loan, res.loss, strict=True)},
        "estate": {net.l_id[k]: float(v) for k, v in zip(res.loan, res.estate, strict=True)},
        "by_lender": {net.ids[k]: v for k, v in res.by_lender().items()},
        "rounds": res.rounds, "total": res.total_loss,
    }
    return out


BANK = "B1"


def test_ranges():
    assert ranges(np.array([3, 9]), np.array([0, 0])).tolist() == []
    assert ranges(np.array([0, 4]), np.array([2, 1])).tolist() == [0, 1, 4]


# ------------------------------------------- SPEC §6 step 1: the principal debtor first
def test_debtor_first_two_firms_by_hand():
    """SPEC §6 step 1: "Exhaust the principal debtor first (先穷尽主债务人、后担保人). When
    b defaults, its capacity (net_assets, floored at 0) is shared pro rata among all its
    obligations ... A loan's shortfall is its balance minus its share, times (1 − r)."

    EA (net assets 60) defaults on LA = 100, guaranteed by EB (capacity 50) for 100.
    EA's estate pays 60 of LA: the shortfall is 100 − 60 = 40, called on EB, who pays
    40 ≤ 50 and survives; the bank loses nothing.  (Before 0.2.0 EB was called for the
    whole 100, defaulted and paid 50: the bank lost 50 and EA's 60 were never used.)
    With r = 0.5 as an extra haircut the shortfall is (100 − 60) × 0.5 = 20."""
    ents = ["EA", "EB", BANK]
    loans = [("LA", "EA", BANK, 100)]
    gs = [("G1", "EB", "EA", 100, "LA")]
    out = run(ents, loans, gs, ["EA"], {"EA": 60, "EB": 50})
    assert out["round"] == {"EA": 0} and out["rho"] == {"EA": pytest.approx(0.6)}
    assert out["estate"] == {"LA": pytest.approx(60)}
    assert out["call"] == pytest.approx({"G1": 40}) and out["paid"] == pytest.approx({"G1": 40})
    assert out["total"] == pytest.approx(0)
    out = run(ents, loans, gs, ["EA"], {"EA": 60, "EB": 50}, recovery=0.5)
    assert out["call"] == pytest.approx({"G1": 20}) and out["total"] == pytest.approx(0)
    # an estate that covers the loans leaves nothing to call
    out = run(ents, loans, gs, ["EA"], {"EA": 150, "EB": 50})
    assert out["call"] == {} and out["rho"] == {"EA": 1.0} and out["total"] == 0


def test_estate_shared_pari_passu_with_guarantee_calls():
    """SPEC §6 step 1: the capacity "is shared pro rata among all its obligations, pari
    passu: its own loans and the calls on it as a guarantor".

    EA (net assets 60) owes LA = 100, guaranteed by EB (capacity 50, no debt) for 100,
    and guarantees EC's loan LC = 50 for 50; EC (nothing in its estate) and EA default.
    EC's 50 is called on EA, whose obligations are then 100 + 50 = 150: it pays 60 / 150
    = 40 % of each — 40 of LA and 20 of the call.  LA is short 60 > 50, so EB defaults
    in round 1 and pays its whole estate, 50 (50 / 60 of the call).
    Losses: LA 60 − 50 = 10, LC 50 − 20 = 30; total 40 = 150 owed − 60 − 50 estates."""
    ents = ["EA", "EB", "EC", BANK]
    loans = [("LA", "EA", BANK, 100), ("LC", "EC", BANK, 50)]
    gs = [("G1", "EB", "EA", 100, "LA"), ("G2", "EA", "EC", 50, "LC")]
    out = run(ents, loans, gs, ["EA", "EC"], {"EA": 60, "EB": 50, "EC": 0})
    assert out["round"] == {"EA": 0, "EC": 0, "EB": 1}
    assert out["rho"] == pytest.approx({"EA": 0.4, "EC": 0.0, "EB": 50 / 60})
    assert out["call"] == pytest.approx({"G1": 60, "G2": 50})
    assert out["paid"] == pytest.approx({"G1": 50, "G2": 20})
    assert out["loss"] == pytest.approx({"LA": 10, "LC": 30}) and out["total"] == pytest.approx(40)


def test_two_round_chain_by_hand():
    """SPEC §6 step 3: "A defaulted guarantor's capacity is shared as in step 1; its own
    loans then default, and the cascade goes on until nothing changes."

    EA (nothing in its estate) owes LA = 100, guaranteed by EB (capacity 50) for 100;
    EB owes LB = 150, guaranteed by EC (capacity 60) for 150; EC owes LC = 40.
    Round 0: LA short 100 → EB called 100 > 50.  Round 1: EB's obligations are 150 + 100
    = 250, it pays 50 / 250 = 20 %: 20 on the call, 30 of LB, so LB is short 120 → EC
    called 120 > 60.  Round 2: EC's obligations 40 + 120 = 160, it pays 60 / 160 =
    37.5 %: 45 on the call, 15 of LC.  Losses: LA 80, LB 75, LC 25 = 180."""
    ents = ["EA", "EB", "EC", BANK]
    loans = [("LA", "EA", BANK, 100), ("LB", "EB", BANK, 150), ("LC", "EC", BANK, 40)]
    gs = [("G1", "EB", "EA", 100, "LA"), ("G2", "EC", "EB", 150, "LB")]
    out = run(ents, loans, gs, ["EA"], {"EA": 0, "EB": 50, "EC": 60})
    assert out["round"] == {"EA": 0, "EB": 1, "EC": 2} and out["rounds"] == 2
    assert out["call"] == pytest.approx({"G1": 100, "G2": 120})
    assert out["paid"] == pytest.approx({"G1": 20, "G2": 45})
    assert out["loss"] == pytest.approx({"LA": 80, "LB": 75, "LC": 25})
    assert out["total"] == pytest.approx(180) and out["by_lender"] == pytest.approx({BANK: 180})
    # with more capacity EC survives and pays its call in full
    out = run(ents, loans, gs, ["EA"], {"EA": 0, "EB": 50, "EC": 130})
    assert out["round"] == {"EA": 0, "EB": 1} and out["total"] == pytest.approx(80)


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
    # guarantees without a loan worth 45 in total are called for at most 45 across both loans
    gs = [("G1", "E1", "EA", 60, "L1"), ("G2", "E2", "EA", 30, None),
          ("G3", "E3", "EA", 15, None)]
    out = run(ents, loans, gs, ["EA"], {})
    assert out["call"] == pytest.approx({"G1": 60, "G2": 30, "G3": 15})
    # lenders share their payments pro rata to their residuals (40 : 50)
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
    # a person forced into default with no capacity given has nothing known in its
    # estate: its own loan is lost in full and it pays nothing on its guarantees
    loans = [("LA", "EA", BANK, 500), ("LP", "P1", BANK, 70)]
    out = run(ents, loans, gs, ["EA", "P1"], {})
    assert out["rho"]["P1"] == 0.0 and out["paid"]["G1"] == 0.0
    assert out["loss"] == pytest.approx({"LA": 300, "LP": 70})


def test_cycle_settles_to_its_fixed_point():
    """SPEC §6 step 3: "... and the cascade goes on until nothing changes."

    EA and EB (capacity 10 each) owe 100 each and guarantee each other for 100 (no
    loan named).  EA defaults; EB is called 90 > 10 and defaults in round 1.  Then each
    is called for the other's shortfall s, which lowers what its estate pays on its own
    loan: s = 100 · (1 − 10 / (100 + s)), i.e. s² = 9,000, s = 94.87.  Each pays
    10 s / (100 + s) on its call; the loss is 200 owed − 20 of estates = 180."""
    ents = ["EA", "EB", BANK]
    loans = [("LA", "EA", BANK, 100), ("LB", "EB", BANK, 100)]
    gs = [("G1", "EB", "EA", 100, None), ("G2", "EA", "EB", 100, None)]
    out = run(ents, loans, gs, ["EA"], {"EA": 10, "EB": 10})
    assert out["round"] == {"EA": 0, "EB": 1}
    s = 9000 ** 0.5
    assert out["call"] == pytest.approx({"G1": s, "G2": s})
    assert out["paid"] == pytest.approx({"G1": 10 * s / (100 + s), "G2": 10 * s / (100 + s)})
    assert out["total"] == pytest.approx(180)


# --------------------------------------------------- SPEC §6 step 2: guarantee types
def test_general_guarantee_is_called_one_round_later_for_what_remains():
    """SPEC §6 step 2: "`joint_several` 连带责任保证 guarantors are called in the round b
    defaults; `general` 一般保证 guarantors (先诉抗辩权) one round later, after b's estate
    is settled".

    EA (net assets 50) defaults on LA = 100: its estate pays 50, the remaining 50 is
    shared by EB (连带, 60) and EC (一般, 40) pro rata: 30 and 20.  EB (capacity 20) is
    called at once and defaults in round 1; EC (capacity 10) is called one round later
    and defaults in round 2.  EB pays 20 and EC 10: the bank loses 50 − 30 = 20."""
    ents = ["EA", "EB", "EC", BANK]
    gs = [("G1", "EB", "EA", 60, "LA", "joint_several"), ("G2", "EC", "EA", 40, "LA", "general")]
    out = run(ents, [("LA", "EA", BANK, 100)], gs, ["EA"], {"EA": 50, "EB": 20, "EC": 10})
    assert out["round"] == {"EA": 0, "EB": 1, "EC": 2} and out["rounds"] == 2
    assert out["call"] == pytest.approx({"G1": 30, "G2": 20})
    assert out["paid"] == pytest.approx({"G1": 20, "G2": 10})
    assert out["total"] == pytest.approx(20)
    # the general guarantor pays only what the estate leaves: with net assets 100 the
    # estate pays LA in full and neither guarantor is called
    out = run(ents, [("LA", "EA", BANK, 100)], gs, ["EA"], {"EA": 100, "EB": 20, "EC": 10})
    assert out["round"] == {"EA": 0} and out["call"] == {}


def test_general_guarantee_of_a_guarantor_waits_for_its_default_round():
    """A 一般保证 of a firm that falls in round 1 is called in round 2.

    EA (nothing in its estate) owes 100, guaranteed (连带) by EB (capacity 50) for 100;
    EB owes 80, guaranteed (一般) by EC (capacity 10) for 80.  EB falls in round 1
    (called 100 > 50); its estate pays 50 / 180 of each obligation, so LB is short
    80 · 130 / 180 = 57.8, called on EC in round 2; EC falls in round 3."""
    ents = ["EA", "EB", "EC", BANK]
    loans = [("LA", "EA", BANK, 100), ("LB", "EB", BANK, 80)]
    gs = [("G1", "EB", "EA", 100, "LA"), ("G2", "EC", "EB", 80, "LB", "general")]
    out = run(ents, loans, gs, ["EA"], {"EA": 0, "EB": 50, "EC": 10})
    assert out["round"] == {"EA": 0, "EB": 1, "EC": 3}
    assert out["call"] == pytest.approx({"G1": 100, "G2": 80 * 130 / 180})


@pytest.mark.parametrize("kind", ["collateral", "pledge"])
def test_collateral_pays_up_to_the_amount_and_never_brings_its_provider_down(kind):
    """SPEC §6 step 2: "`collateral`/`pledge` providers pay up to the amount from the
    pledged asset and do not default through it."

    EA (nothing in its estate) owes 100, secured by EP's asset worth 80 (抵押/质押) and
    EP (capacity 10) also guarantees EC's loan of 8 (连带).  EA and EC default: EP pays
    80 from the asset and 8 from its capacity; the calls that count against its
    capacity are 8 ≤ 10, so EP survives.  The bank loses 100 − 80 = 20."""
    ents = ["EA", "EC", "EP", BANK]
    loans = [("LA", "EA", BANK, 100), ("LC", "EC", BANK, 8)]
    gs = [("G1", "EP", "EA", 80, "LA", kind), ("G2", "EP", "EC", 8, "LC")]
    out = run(ents, loans, gs, ["EA", "EC"], {"EA": 0, "EC": 0, "EP": 10})
    assert out["round"] == {"EA": 0, "EC": 0}
    assert out["paid"] == pytest.approx({"G1": 80, "G2": 8})
    assert out["total"] == pytest.approx(20)
    # a defaulted provider still pays the pledged asset in full, and the call does not
    # dilute its estate: EP (net assets 10, owes 10) pays its own loan in full
    loans = [("LA", "EA", BANK, 100), ("LP", "EP", BANK, 10)]
    out = run(ents, loans, gs[:1], ["EA", "EP"], {"EA": 0, "EP": 10})
    assert out["rho"]["EP"] == 1.0 and out["paid"] == pytest.approx({"G1": 80})
    assert out["loss"] == pytest.approx({"LA": 20, "LP": 0})
    # the same guarantee as 连带责任保证 brings EP down (called 88 > 10)
    joint = [g[:5] for g in gs]
    assert run(ents, [("LA", "EA", BANK, 100), ("LC", "EC", BANK, 8)], joint, ["EA", "EC"],
               {"EA": 0, "EC": 0, "EP": 10})["round"]["EP"] == 1


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
    assert out["rho"] == pytest.approx(ref["rho"])
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
    types = type_codes(gs)
    res = cascade(compile_model(net, c, types=types), seeds)
    defaulted = set(res.defaulted.tolist())
    exposure = sum(lo[3] for lo in loans if ents.index(lo[1]) in defaulted)
    assert 0 <= res.total_loss <= exposure + 1e-9
    assert (res.loss <= res.shortfall + 1e-9).all() and (res.paid <= res.call + 1e-9).all()
    assert (res.call <= net.g_amount[res.guarantee] + 1e-9).all()
    # more capacity never means more defaults
    more = c + rng.integers(0, 100, size=len(c))
    assert set(cascade(compile_model(net, more, types=types), seeds).defaulted.tolist()) \
        <= defaulted
    # a larger estate of the seeds never means a larger loss
    assert cascade(compile_model(net, more, types=types), seeds).total_loss \
        <= res.total_loss + 1e-9
    # a batch of runs gives what the runs give one by one
    model = compile_model(net, c, types=types)
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
    # E3 defaults: its estate (20) pays 20/350 of its loans L3 (300) and L4 (50), so
    # L3 is short 300 × 330/350 = 282.86, paid by its guarantor P1 (a person), and L4
    # 50 × 330/350 = 47.14 is lost; G3 (E3 guarantees E2) is not called.
    assert [(d["id"], d["round"], d["seed"]) for d in rep["defaults"]] == [("E3", 0, True)]
    assert rep["defaults"][0]["coverage"] == pytest.approx(20 / 350)
    assert rep["losses"]["total"] == pytest.approx(50 * 330 / 350)
    assert rep["losses"]["by_lender"] == pytest.approx({"M1": 50 * 330 / 350, "B2": 0})
    assert rep["losses"]["estate"] == pytest.approx(20)
    assert [g["id"] for g in rep["guarantees"]] == ["G4"]
    assert rep["guarantees"][0]["call"] == pytest.approx(300 * 330 / 350)
    assert rep["guarantees"][0]["paid"] == pytest.approx(300 * 330 / 350)
    assert {lo["id"]: lo["estate"] for lo in rep["loans"]} == \
        pytest.approx({"L3": 300 * 20 / 350, "L4": 50 * 20 / 350})
    rep = simulate_defaults(ds, ["E2"], params=ContagionParams(recovery=0.5))
    # E2 (estate 50) and E1 (estate 100, its guarantor for 400 on L2) end up calling
    # each other (G1: E2 guarantees L1 for 800); the shortfalls s2 (L2) and s1 (L1)
    # settle where each estate is shared with the call on it:
    # s2 = 0.5 · 500 · (1 − 50 / (500 + s1)), s1 = 0.5 · 1000 · (1 − 100 / (1000 + s2))
    s1 = s2 = 0.0
    for _ in range(200):
        s2, s1 = 250 * (1 - 50 / (500 + s1)), 500 * (1 - 100 / (1000 + s2))
    assert [(d["id"], d["round"]) for d in rep["defaults"]] == [("E2", 0), ("E1", 1)]
    calls = {g["id"]: g["call"] for g in rep["guarantees"]}
    assert calls == pytest.approx({"G1": s1, "G2": s2})
    rho1, rho2 = 100 / (1000 + s2), 50 / (500 + s1)
    assert rep["losses"]["total"] == pytest.approx(s2 - rho1 * s2 + s1 - rho2 * s1)
    assert rep["rounds"] == 1


def test_simulate_defaults_errors_and_status(small):
    ds = load_dataset(small)
    with pytest.raises(ParameterError):
        simulate_defaults(ds, [])
    with pytest.raises(UnknownEntityError):
        simulate_defaults(ds, ["NOPE"])
    rep = simulate_defaults(ds, [], from_status=True)  # E3 is defaulted in SMALL
    assert rep["defaults"][0]["id"] == "E3" and rep["defaults"][0]["given"] is False


@pytest.mark.parametrize("dated", [True, False], ids=["2026-03-31", "undated"])
def test_demo_vectorised_equals_reference(dated):
    """Every seed of the demo, the vectorised cascade against the reference: at the
    demo's date and with every guarantee (the two 抵押 guarantees G014 and G031 ended in
    2025-12 and 2026-01, so only the undated demo has every guarantee type)."""
    ds = load_dataset(DEMO, dated=dated)
    net = build_network(ds)
    cap, _ = capacities(net)
    e = ds.tables["enterprises"]
    capd = {net.ids[i]: cap[i] for i in range(net.n) if np.isfinite(cap[i])}
    loans = list(zip(net.l_id, net.ids[net.l_borrower], net.ids[net.l_lender],
                     net.l_balance, strict=True))
    kinds = ds.tables["guarantees"]["type"].tolist()
    assert set(kinds) == {"joint_several", "general", "pledge"} | (
        set() if dated else {"collateral"})
    gs = [(net.g_id[k], net.ids[net.g_src[k]], net.ids[net.g_dst[k]], net.g_amount[k],
           net.l_id[net.g_loan[k]] if net.g_loan[k] >= 0 else None, kinds[k])
          for k in range(len(net.g_id))]
    model = compile_model(net, cap)
    for eid in e["id"]:
        ref = reference_cascade(capd, loans, gs, [eid])
        res = cascade(model, net.positions([eid]))
        assert {net.ids[i]: int(r) for i, r in zip(res.defaulted, res.round, strict=True)} \
            == ref["round"]
        assert res.total_loss == pytest.approx(sum(ref["loss"].values()))
        assert dict(zip(net.ids[res.defaulted], res.rho.tolist(), strict=True)) == \
            pytest.approx(ref["rho"])
