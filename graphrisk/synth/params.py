"""Parameters of the synthetic network generator.

:class:`GeneratorParams` holds the knobs of the model described in
:mod:`graphrisk.synth.generate`; :data:`AS_OF` and :data:`CLASSES` are the constants
they refer to.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from graphrisk.domain.glossary import CLASSIFICATION
from graphrisk.errors import ParameterError

__all__ = ["AS_OF", "CLASSES", "GeneratorParams"]

#: the reporting date of generated datasets (loans, events and dates lie before it)
AS_OF = np.datetime64("2025-06-30")

#: the five loan classes (五级分类) in the order of ``GeneratorParams.classification_mix``:
#: normal, special_mention, substandard, doubtful, loss
CLASSES = tuple(CLASSIFICATION)


@dataclass(frozen=True)
class GeneratorParams:
    """Knobs of the synthetic network; the defaults mimic a regional bank's book.

    Shares are fractions in [0, 1]; amounts are 万元.  See the docstring of
    :mod:`graphrisk.synth.generate` for how each knob enters the model.

    Parameters
    ----------
    guarantees_per_enterprise : float
        Guarantee records per enterprise, all guarantor kinds together (1.5).
    cluster_exponent : float
        Exponent ``a`` of the cluster-size law ``P(s) ∝ s**-a`` (2.0); smaller means
        larger clusters.
    max_cluster_size : int
        Largest cluster (400): bounds the largest guarantee group.
    hub_attachment, chain_attachment : float
        Probability that a member's tree guarantor is the cluster hub (0.35: stars;
        at most 60 / cluster size, so a hub backs about 60 members at most) or the
        previous member (0.15: chains); otherwise a uniform earlier member.
    reciprocal_share : float
        Target share of distinct guarantee links that are reciprocated (0.10).
    triangles_per_10k, circles_per_10k : float
        Three-member circles (10) and larger circles (3) added per 10,000 enterprises.
    circle_size : tuple of int
        Smallest and largest size of the larger circles ((4, 12)).
    circle_heavy : float
        Share of the clusters with >= 20 members that are made dense and cyclic (0.0).
    dense_extra_degree : float
        Random extra guarantee edges per member of a dense cluster (1.0).
    person_guarantee_share : float
        Share of enterprises whose controller personally guarantees them (0.25).
    guarantee_company_share : float
        Share of enterprises backed by a guarantee company (0.01).
    duplicate_share : float
        Share of enterprise links that carry a second guarantee contract (0.06).
    loan_id_share : float
        Share of guarantees naming the loan they secure (0.85, when the borrower has one).
    zero_amount_share : float
        Share of guarantee contracts recorded with amount 0 (0.045).
    person_borrower_guarantee_share : float
        Share of loans to persons guaranteed by the person's firm (0.5).
    group_share : float
        Share of the clusters with >= 4 members that contain a corporate group (0.30).
    ownership_depth : tuple of int
        Range of the depth of corporate groups' ownership trees ((3, 6)).
    follow_ownership : float
        Probability that a group member's guarantor is its parent company (0.7).
    cross_holding_share : float
        Share of group subsidiaries holding a stake in their parent or root (0.03).
    persons_per_enterprise : float
        Persons per enterprise (1.2); more when the controllers and managers need more.
    banks, microloan_companies : int
        Number of banks (20) and microloan companies (12).
    guarantee_companies : int or None
        Number of guarantee companies; None: ``clip(round(n / 5000), 1, 200)``.
    loans_per_enterprise : float
        Loans per enterprise, loans to persons included (1.0).
    lender_zipf : float
        Zipf exponent of the lender shares (1.1).
    microloan_share, intercompany_loan_share, person_loan_share : float
        Shares of the loans granted by microloan companies (0.08), by another
        enterprise (0.02) and of loans to persons (0.03).
    classification_mix : tuple of float
        Shares of normal, special_mention, substandard, doubtful and loss
        (0.90, 0.05, 0.02, 0.015, 0.015).
    cluster_correlation : float
        Weight of the cluster factor in the credit-quality variable (0.5).
    weak_guarantor_share : float
        Share of enterprise guarantors whose net assets are below their guarantees (0.15).
    event_share : float
        Share of performing enterprises with a (minor) risk event (0.01).
    tag_share : float
        Scale of the tag frequencies (1.0: about 8 % of firms carry a tag).

    Examples
    --------
    >>> from dataclasses import replace
    >>> p = replace(GeneratorParams(), reciprocal_share=0.05)
    >>> p.reciprocal_share, p.ownership_depth
    (0.05, (3, 6))
    >>> GeneratorParams.circle_heavy_preset().circle_heavy
    0.6
    """

    guarantees_per_enterprise: float = 1.5
    cluster_exponent: float = 2.0
    max_cluster_size: int = 400
    hub_attachment: float = 0.35
    chain_attachment: float = 0.15
    reciprocal_share: float = 0.10
    triangles_per_10k: float = 10.0
    circles_per_10k: float = 3.0
    circle_size: tuple[int, int] = (4, 12)
    circle_heavy: float = 0.0
    dense_extra_degree: float = 1.0
    person_guarantee_share: float = 0.20
    guarantee_company_share: float = 0.01
    duplicate_share: float = 0.06
    loan_id_share: float = 0.85
    zero_amount_share: float = 0.045
    person_borrower_guarantee_share: float = 0.5
    group_share: float = 0.30
    ownership_depth: tuple[int, int] = (3, 6)
    follow_ownership: float = 0.7
    cross_holding_share: float = 0.03
    persons_per_enterprise: float = 1.2
    banks: int = 20
    microloan_companies: int = 12
    guarantee_companies: int | None = None
    loans_per_enterprise: float = 1.0
    lender_zipf: float = 1.1
    microloan_share: float = 0.08
    intercompany_loan_share: float = 0.02
    person_loan_share: float = 0.03
    classification_mix: tuple[float, float, float, float, float] = (0.90, 0.05, 0.02, 0.015, 0.015)
    cluster_correlation: float = 0.5
    weak_guarantor_share: float = 0.15
    event_share: float = 0.01
    tag_share: float = 1.0

    def __post_init__(self) -> None:
        """Check the ranges of the knobs.

        Raises
        ------
        ParameterError
            When a share is outside [0, 1], a count or rate is negative, or a range or
            the classification mix is malformed.
        """
        shares = ("hub_attachment", "chain_attachment", "reciprocal_share", "circle_heavy",
                  "person_guarantee_share", "guarantee_company_share", "duplicate_share",
                  "loan_id_share", "zero_amount_share", "person_borrower_guarantee_share",
                  "group_share", "follow_ownership", "cross_holding_share", "microloan_share",
                  "intercompany_loan_share", "person_loan_share", "cluster_correlation",
                  "weak_guarantor_share", "event_share")
        for name in shares:
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ParameterError(f"{name} must be within [0, 1], got {v}")
        if self.hub_attachment + self.chain_attachment > 1:
            raise ParameterError("hub_attachment + chain_attachment must be <= 1")
        if self.microloan_share + self.intercompany_loan_share > 1:
            raise ParameterError("microloan_share + intercompany_loan_share must be <= 1")
        for name in ("guarantees_per_enterprise", "triangles_per_10k", "circles_per_10k",
                     "dense_extra_degree", "persons_per_enterprise", "loans_per_enterprise",
                     "lender_zipf", "tag_share"):
            if getattr(self, name) < 0:
                raise ParameterError(f"{name} must be >= 0")
        if self.cluster_exponent <= 0:
            raise ParameterError("cluster_exponent must be > 0")
        if self.max_cluster_size < 1:
            raise ParameterError("max_cluster_size must be >= 1")
        lo, hi = self.ownership_depth
        if not 1 <= lo <= hi <= 12:
            raise ParameterError("ownership_depth must be (lo, hi) with 1 <= lo <= hi <= 12")
        lo, hi = self.circle_size
        if not 3 <= lo <= hi <= 64:
            raise ParameterError("circle_size must be (lo, hi) with 3 <= lo <= hi <= 64")
        if self.banks < 1:
            raise ParameterError("at least one bank is needed")
        if self.microloan_companies < 0 or (self.guarantee_companies or 0) < 0:
            raise ParameterError("institution counts must be >= 0")
        mix = self.classification_mix
        if len(mix) != 5 or min(mix) < 0 or abs(sum(mix) - 1) > 1e-6:
            raise ParameterError("classification_mix needs five shares summing to 1")

    @classmethod
    def circle_heavy_preset(cls, **overrides: Any) -> GeneratorParams:
        """Return the dense stress preset: big clusters, many circles of tens to hundreds.

        Parameters
        ----------
        **overrides
            Knobs to set differently from the preset (or from the defaults).

        Returns
        -------
        GeneratorParams
            The preset (``circle_heavy=0.6``, clusters of up to 1,500 firms, more
            mutual guarantees, triangles and circles) with *overrides* applied.

        Examples
        --------
        >>> GeneratorParams.circle_heavy_preset(max_cluster_size=800).max_cluster_size
        800
        """
        base: dict[str, Any] = dict(
            circle_heavy=0.6, max_cluster_size=1500, cluster_exponent=1.9,
            reciprocal_share=0.15, triangles_per_10k=40.0, circles_per_10k=15.0,
            dense_extra_degree=1.2)
        base.update(overrides)
        return cls(**base)

    def as_dict(self) -> dict[str, object]:
        """Return the parameters as a plain dict (for reports).

        Returns
        -------
        dict of str to object
            Field name to value, in field order.

        Examples
        --------
        >>> GeneratorParams().as_dict()["banks"]
        20
        """
        return {f.name: getattr(self, f.name) for f in fields(self)}

