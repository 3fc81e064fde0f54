"""Cutting the network (SPEC §7, 化解策略).

The actions of the policy texts (担保置换, 打包处置互保债务, 平均分摊担保责任,
部分代偿后免责) and breaking a circle at its feedback arcs (破圈), re-scoring a plan on fixed scenarios, the greedy plan against its baselines, and the
minimum feedback arc set that breaks every circle.
"""


from graphrisk.mitigation.actions import (
    Action,
    PlanState,
    apply_action,
    candidate_actions,
    initial_state,
)
from graphrisk.mitigation.feedback_arcs import feedback_arc_set, is_acyclic
from graphrisk.mitigation.plan import baseline_choices, greedy_plan, recommend

__all__ = ["Action", "PlanState", "apply_action", "candidate_actions", "initial_state",
           "recommend", "greedy_plan", "baseline_choices", "feedback_arc_set", "is_acyclic"]
