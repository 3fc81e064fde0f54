"""The guarantee network (SPEC §2, §5).

The compact :class:`Network` of integer arrays, its networkx form, guarantee groups
(担保群), circles (担保圈) and their cycles, edge patterns, circle metrics, creditors'
committees (债权人委员会, per debtor, circle and group), chains (担保链) and bank exposure.

Sparse kernels shared by the analyses live in :mod:`.cycles`
(``simple_adjacency``, ``csr_positions``, ``sorted_unique``, ``network_cache``).
"""


from graphrisk.network.chains import chain_hops, guarantee_chains, link_graph
from graphrisk.network.circles import (
    circle_labels,
    edge_patterns,
    guarantee_circles,
    guarantee_groups,
    mutual_pairs,
)
from graphrisk.network.committees import committees, debtor_committees, label_committees
from graphrisk.network.cycles import circle_cycles, simple_cycles_bounded
from graphrisk.network.exposure import borrower_exposure, lender_exposure
from graphrisk.network.graph import KIND_CODES, Network, build_network, loan_key, to_networkx
from graphrisk.network.metrics import (
    analyze_circles,
    circle_metrics,
    focus_enterprises,
    group_metrics,
)

__all__ = ["Network", "build_network", "to_networkx", "loan_key", "KIND_CODES",
           "guarantee_groups", "circle_labels", "guarantee_circles", "mutual_pairs",
           "edge_patterns", "simple_cycles_bounded", "circle_cycles", "analyze_circles",
           "circle_metrics", "group_metrics", "guarantee_chains", "link_graph", "chain_hops",
           "lender_exposure", "borrower_exposure", "committees", "debtor_committees",
           "label_committees", "focus_enterprises"]
