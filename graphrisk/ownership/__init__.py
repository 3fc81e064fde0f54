"""Ownership and related parties (SPEC §3–§4).

Holdings through chains of shareholdings in three modes, beneficial owners (受益所有人)
and the ultimate controller, and related parties (关联方) by the five rules with their
evidence.
"""


from graphrisk.ownership.holdings import (
    Holding,
    OwnershipPath,
    holding_closure,
    holding_matrix,
    holding_paths,
    holdings_of,
)
from graphrisk.ownership.owners import owners_of
from graphrisk.ownership.related import (
    RelatedParties,
    iter_related_pairs,
    related_pairs_frame,
    related_parties,
)

__all__ = ["holdings_of", "holding_closure", "holding_paths", "holding_matrix", "Holding",
           "OwnershipPath", "owners_of", "related_parties", "related_pairs_frame",
           "iter_related_pairs", "RelatedParties"]
