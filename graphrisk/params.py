"""Frozen parameter objects: every threshold of the analyses in one place, with the
defaults of SPEC.md.  Pass a modified copy (``dataclasses.replace``) instead of
changing globals; each object checks its values when created."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ParameterError
from .glossary import OWNERSHIP_MODES as _MODES

__all__ = ["OWNERSHIP_MODES", "LoadOptions", "OwnershipParams", "RelatedParams",
           "CircleParams"]

OWNERSHIP_MODES = tuple(_MODES)


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ParameterError(message)


@dataclass(frozen=True)
class LoadOptions:
    """How to read a dataset.

    Parameters
    ----------
    encoding : str or None
        Force a CSV encoding (``utf-8``, ``utf-8-sig``, ``gbk``, ``gb18030`` …);
        None detects UTF-8 (with or without BOM) or GB18030.
    strict : bool
        Turn warnings about malformed credit codes into errors.
    share_slack : float
        How far the shares held in one company may sum past 100 (rounding).
    """

    encoding: str | None = None
    strict: bool = False
    share_slack: float = 0.5

    def __post_init__(self):
        _check(self.share_slack >= 0, "share_slack must be >= 0")


@dataclass(frozen=True)
class OwnershipParams:
    """Holdings h(A, C) (SPEC §3).

    Parameters
    ----------
    mode : {"passthrough", "multiply", "weakest_link"}
    threshold : float
        Passthrough threshold T in percent (42号公告: 25).
    floor : float
        Paths whose share falls below this percent are pruned (multiply/weakest_link);
        a documented approximation that keeps 1M-entity runs bounded.
    max_depth : int
        Longest ownership path followed.
    """

    mode: str = "passthrough"
    threshold: float = 25.0
    floor: float = 0.01
    max_depth: int = 10

    def __post_init__(self):
        _check(self.mode in OWNERSHIP_MODES,
               f"unknown ownership mode {self.mode!r}; use one of {', '.join(OWNERSHIP_MODES)}")
        _check(0 < self.threshold <= 100, "threshold must be in (0, 100]")
        _check(0 <= self.floor < 100, "floor must be in [0, 100)")
        _check(self.max_depth >= 1, "max_depth must be >= 1")


@dataclass(frozen=True)
class RelatedParams:
    """Related-party rules (SPEC §4); ratios in percent."""

    ownership: OwnershipParams = OwnershipParams()
    equity_threshold: float = 25.0
    lending_ratio: float = 50.0
    guarantee_ratio: float = 10.0

    def __post_init__(self):
        _check(0 < self.equity_threshold <= 100, "equity_threshold must be in (0, 100]")
        _check(self.lending_ratio > 0, "lending_ratio must be > 0")
        _check(self.guarantee_ratio > 0, "guarantee_ratio must be > 0")


@dataclass(frozen=True)
class CircleParams:
    """Guarantee groups, circles and their metrics (SPEC §5)."""

    max_cycle_length: int = 6
    max_cycles: int = 1000
    focus_exposure: float = 5000.0
    committee_banks: int = 3
    committee_microloans: int = 5
    star_degree: int = 3
    joint_degree: int = 3

    def __post_init__(self):
        _check(self.max_cycle_length >= 2, "max_cycle_length must be >= 2")
        _check(self.max_cycles >= 1, "max_cycles must be >= 1")
