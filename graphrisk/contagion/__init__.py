"""Default contagion (违约传染, SPEC §6).

The deterministic cascade along guarantees, Monte Carlo losses (expected loss, VaR, ES,
network PD, systemic importance) and DebtRank.

The event-driven array engine is :mod:`._engine`; :mod:`.cascade` is its public face.
"""


from graphrisk.contagion.cascade import (
    CascadeModel,
    CascadeResult,
    capacities,
    cascade,
    compile_model,
    simulate_defaults,
)
from graphrisk.contagion.debtrank import debtrank, debtrank_importance, impact_matrix
from graphrisk.contagion.montecarlo import (
    draw_scenarios,
    monte_carlo,
    pd_vector,
    run_scenarios,
    systemic_importance,
    tail_stats,
)

__all__ = ["simulate_defaults", "cascade", "capacities", "compile_model", "CascadeModel",
           "CascadeResult", "monte_carlo", "pd_vector", "draw_scenarios", "run_scenarios",
           "tail_stats", "systemic_importance", "debtrank", "debtrank_importance",
           "impact_matrix"]
