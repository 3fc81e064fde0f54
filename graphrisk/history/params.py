"""The parameters of a comparison of two periods (frozen, checked; defaults documented).

Kept apart from :mod:`graphrisk.history.compare` so that the command line reads the
defaults without importing the analyses.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphrisk.errors import ParameterError

__all__ = ["CompareParams"]


@dataclass(frozen=True)
class CompareParams:
    """Parameters of :func:`~graphrisk.history.compare.compare_periods`.

    Attributes
    ----------
    same_overlap : float
        Smallest Jaccard overlap |P ∩ C| / |P ∪ C| for a circle or group P of the
        previous period and one C of the current period, overlapping no other, to be
        the same one (default 0.5; ``docs/compare.md``).

    >>> CompareParams().same_overlap
    0.5
    >>> CompareParams(same_overlap=0)
    Traceback (most recent call last):
    ...
    graphrisk.errors.ParameterError: same_overlap must be in (0, 1], got 0
    """

    same_overlap: float = 0.5

    def __post_init__(self) -> None:
        """Check that the overlap is a fraction in (0, 1]."""
        if not 0 < self.same_overlap <= 1:
            raise ParameterError(f"same_overlap must be in (0, 1], got {self.same_overlap}")
