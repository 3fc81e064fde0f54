"""Parameters of the synthetic network generator.

:class:`GeneratorParams` holds the knobs of the model described in
:mod:`graphrisk.synth.generate`; :data:`PROFILES` names ready settings of them
(``realistic``, the defaults; ``stress``; ``circle-heavy``); :data:`AS_OF` and
:data:`CLASSES` are the constants they refer to.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from graphrisk.domain.glossary import CLASSIFICATION
from graphrisk.errors import ParameterError

__all__ = ["AS_OF", "CLASSES", "PROFILES", "GeneratorParams"]

#: the reporting date of generated datasets (loans, events and dates lie before it)
AS_OF = np.datetime64("2025-06-30")

#: the five loan classes (五级分类) in the order of ``GeneratorParams.classification_mix``:
#: normal, special_mention, substandard, doubtful, loss
CLASSES = tuple(CLASSIFICATION)


@dataclass(frozen=True)
class GeneratorParams:
    """Knobs of the synthetic network; the defaults are the ``realistic`` profile.

    The defaults give the shape of the real regional network of SPEC's appendix (mostly
    pairs, chains and small stars; about a hundred circles and mutual pairs per 100k
    entities; one group of about 500 entities, the others below 100).  Shares are
    fractions in [0, 1]; amounts are 万元.  See the docstring of
    :mod:`graphrisk.synth.generate` for how each knob enters the model, and
    :meth:`profile` for the named settings.  Each knob below gives its default and,
    when it differs, its value in the ``stress`` profile.

    Parameters
    ----------
    guarantees_per_enterprise : float
        Guarantee records per enterprise, all guarantor kinds together (0.5; stress 1.5).
    cluster_exponent : float
        Exponent ``a`` of the cluster-size law ``P(s) ∝ s**-a`` (2.6; stress 2.0);
        smaller means larger clusters.
    max_cluster_size : int
        Largest cluster of the power law (60; stress 400): bounds every guarantee group
        but the core.
    core_cluster_size : int
        Members of one extra *core* cluster (480; stress 0, none): the network's one
        large guarantee group.  At most a twentieth of the enterprises.
    hub_attachment, chain_attachment : float
        Probability that a member's tree guarantor is the cluster hub (0.5; stress 0.35:
        stars; at most 60 / cluster size, so a hub backs about 60 members at most) or
        the previous member (0.2; stress 0.15: chains); otherwise a uniform earlier
        member.
    reciprocal_share : float
        Target share of distinct guarantee links that are reciprocated (0.0025;
        stress 0.10).
    triangles_per_10k, circles_per_10k : float
        Three-member circles (1; stress 10) and larger circles (0.5; stress 3) added per
        10,000 enterprises.
    circle_size : tuple of int
        Smallest and largest size of the larger circles ((4, 6); stress (4, 12)).
    circle_heavy : float
        Share of the clusters with >= 20 members that are made dense and cyclic (0.0;
        circle-heavy 0.6).
    dense_extra_degree : float
        Random extra guarantee edges per member of a dense cluster (1.0).
    person_guarantee_share : float
        Share of enterprises whose controller personally guarantees them (0.12;
        stress 0.20).
    guarantee_company_share : float
        Share of enterprises backed by a guarantee company (0.002; stress 0.01).
    duplicate_share : float
        Share of enterprise links that carry a second guarantee contract (0.08;
        stress 0.06).
    loan_id_share : float
        Share of guarantees naming the loan they secure (0.85, when the borrower has one).
    zero_amount_share : float
        Share of guarantee contracts recorded with amount 0 (0.06; stress 0.045).
    person_borrower_guarantee_share : float
        Share of loans to persons guaranteed by the person's firm (0.05; stress 0.5).
    group_share : float
        Share of the clusters with >= 4 members that contain a corporate group (0.6;
        stress 0.3: about as many firms in groups, in the realistic profile's smaller
        clusters).
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
    >>> GeneratorParams() == GeneratorParams.profile("realistic")
    True
    >>> GeneratorParams.profile("stress").guarantees_per_enterprise
    1.5
    """

    guarantees_per_enterprise: float = 0.5
    cluster_exponent: float = 2.6
    max_cluster_size: int = 60
    core_cluster_size: int = 480
    hub_attachment: float = 0.5
    chain_attachment: float = 0.2
    reciprocal_share: float = 0.0025
    triangles_per_10k: float = 1.0
    circles_per_10k: float = 0.5
    circle_size: tuple[int, int] = (4, 6)
    circle_heavy: float = 0.0
    dense_extra_degree: float = 1.0
    person_guarantee_share: float = 0.12
    guarantee_company_share: float = 0.002
    duplicate_share: float = 0.08
    loan_id_share: float = 0.85
    zero_amount_share: float = 0.06
    person_borrower_guarantee_share: float = 0.05
    group_share: float = 0.60
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
                     "lender_zipf", "tag_share", "core_cluster_size"):
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
    def profile(cls, name: str, **overrides: Any) -> GeneratorParams:
        """Return the named profile of :data:`PROFILES`, with *overrides* applied.

        ``realistic``
            The defaults: the shape of the real regional network of SPEC's appendix,
            mostly pairs, chains and small stars, a hundred-odd circles of two to seven
            firms and about as many mutual pairs per 100k entities, one group of about
            500 entities and the next below 100.
        ``stress``
            The dense network of graphrisk 0.2's defaults (1.5 guarantees per
            enterprise, about 10 % of the links reciprocated: some 7,000 circles per
            100k enterprises, the largest of a few tens of firms); the same seed gives
            the same files as graphrisk 0.2 did.
        ``circle-heavy``
            ``stress`` with large dense clusters whose circles have tens to hundreds of
            firms, as reported for Zhejiang (:meth:`circle_heavy_preset`).

        Parameters
        ----------
        name : str
            ``realistic``, ``stress`` or ``circle-heavy``.
        **overrides
            Knobs to set differently from the profile.

        Returns
        -------
        GeneratorParams

        Raises
        ------
        ParameterError
            For an unknown profile name (or a knob out of range).

        Examples
        --------
        >>> GeneratorParams.profile("stress", banks=5).banks
        5
        >>> GeneratorParams.profile("circle-heavy").circle_heavy
        0.6
        >>> GeneratorParams.profile("dense")
        Traceback (most recent call last):
        ...
        graphrisk.errors.ParameterError: unknown generator profile 'dense' (realistic, stress, circle-heavy)
        """
        if name not in PROFILES:
            raise ParameterError(f"unknown generator profile {name!r} ({', '.join(PROFILES)})")
        return cls(**{**PROFILES[name], **overrides})

    @classmethod
    def circle_heavy_preset(cls, **overrides: Any) -> GeneratorParams:
        """Return the dense stress preset: big clusters, many circles of tens to hundreds.

        The ``circle-heavy`` profile (``profile("circle-heavy", **overrides)``).

        Parameters
        ----------
        **overrides
            Knobs to set differently from the preset.

        Returns
        -------
        GeneratorParams
            The ``stress`` profile with ``circle_heavy=0.6``, clusters of up to 1,500
            firms, more mutual guarantees, triangles and circles, and *overrides*
            applied.

        Examples
        --------
        >>> GeneratorParams.circle_heavy_preset(max_cluster_size=800).max_cluster_size
        800
        """
        return cls.profile("circle-heavy", **overrides)

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


_STRESS: dict[str, Any] = dict(
    guarantees_per_enterprise=1.5, cluster_exponent=2.0, max_cluster_size=400,
    core_cluster_size=0, hub_attachment=0.35, chain_attachment=0.15, reciprocal_share=0.10,
    triangles_per_10k=10.0, circles_per_10k=3.0, circle_size=(4, 12),
    person_guarantee_share=0.20, guarantee_company_share=0.01, duplicate_share=0.06,
    zero_amount_share=0.045, person_borrower_guarantee_share=0.5, group_share=0.30)

#: the named generator profiles: knobs that differ from the defaults (``realistic``);
#: see :meth:`GeneratorParams.profile`
PROFILES: dict[str, dict[str, Any]] = {
    "realistic": {},
    "stress": _STRESS,
    "circle-heavy": {**_STRESS, **dict(
        circle_heavy=0.6, max_cluster_size=1500, cluster_exponent=1.9,
        reciprocal_share=0.15, triangles_per_10k=40.0, circles_per_10k=15.0,
        dense_extra_degree=1.2)},
}
