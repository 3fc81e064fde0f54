"""Frozen parameter objects: every threshold of the analyses in one place.

The defaults are those of SPEC.md.  Pass a modified copy (``dataclasses.replace``)
instead of changing globals; each object checks its values when created.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graphrisk.domain.glossary import OWNERSHIP_MODES as _MODES
from graphrisk.domain.glossary import RELATED_RULES, WARNING_LEVELS
from graphrisk.domain.glossary import STRATEGIES as _STRATEGIES
from graphrisk.errors import check as _check

__all__ = ["defaults", "OWNERSHIP_MODES", "OwnershipParams", "RelatedParams",
           "CircleParams", "CommitteeParams", "ChainParams",
           "KeyFirmParams", "WarningParams",
           "ContagionParams", "StrategyParams", "PD_BY_CLASSIFICATION", "TAIL_KEYS",
           "ReportParams"]

OWNERSHIP_MODES = tuple(_MODES)


F = TypeVar("F", bound=Callable[..., Any])


def defaults(**classes: type) -> Callable[[F], F]:
    """Fill in missing parameter objects: a decorator factory.

    Each keyword named in *classes* that is missing or None becomes an instance of its
    class (the defaults of SPEC.md), so the function always sees its parameters.
    :func:`graphrisk.network.graph.analysis` adds the network argument.

    Examples
    --------
    >>> @defaults(params=CircleParams)
    ... def longest(*, params=None):
    ...     return params.max_cycle_length
    >>> longest(), longest(params=CircleParams(max_cycle_length=4))
    (6, 4)
    """

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for name, cls in classes.items():
                if kwargs.get(name) is None:
                    kwargs[name] = cls()
            return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


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

    def __post_init__(self) -> None:
        """Check the values (:class:`~graphrisk.errors.ParameterError` when out of range)."""
        _check(self.mode in OWNERSHIP_MODES,
               f"unknown ownership mode {self.mode!r}; use one of {', '.join(OWNERSHIP_MODES)}")
        _check(0 < self.threshold <= 100, "threshold must be in (0, 100]")
        _check(0 <= self.floor < 100, "floor must be in [0, 100)")
        _check(self.max_depth >= 1, "max_depth must be >= 1")


@dataclass(frozen=True)
class RelatedParams:
    """Related-party rules (SPEC §4); ratios in percent.

    Parameters
    ----------
    ownership : OwnershipParams
        How h(·, ·) is computed for ``equity`` and ``common_owner``.
    equity_threshold : float
        ``equity`` and ``common_owner``: the holding that relates (25).
    lending_ratio : float
        ``lending``: loan balances between the two, as % of either's capital (50).
    guarantee_ratio : float
        ``guarantee``: guarantees given for the other, as % of its borrowings (10).
    management_majority : {"separately", "combined"}
        How ``management`` reads "半数以上的董事或高级管理人员" (42号公告 第二条):
        ``separately`` — more than half of one's directors, *or* more than half of its
        senior managers, hold posts in the other (the default); ``combined`` — more
        than half of its directors and senior managers counted together.
    """

    ownership: OwnershipParams = OwnershipParams()
    equity_threshold: float = 25.0
    lending_ratio: float = 50.0
    guarantee_ratio: float = 10.0
    management_majority: str = "separately"

    def __post_init__(self) -> None:
        """Check the values (:class:`~graphrisk.errors.ParameterError` when out of range)."""
        _check(0 < self.equity_threshold <= 100, "equity_threshold must be in (0, 100]")
        _check(self.lending_ratio > 0, "lending_ratio must be > 0")
        _check(self.guarantee_ratio > 0, "guarantee_ratio must be > 0")
        _check(self.management_majority in ("separately", "combined"),
               "management_majority must be separately or combined")


@dataclass(frozen=True)
class CircleParams:
    """Guarantee groups, circles and their metrics (SPEC §5).

    Parameters
    ----------
    max_cycle_length : int
        Longest simple cycle listed per circle (the search is exponential in it).
    max_cycles : int
        Cycles kept per circle (the shortest first); ``cycles_truncated`` tells.
    focus_exposure : float
        A member is a focus member when its exposure (own loans + guarantees given,
        万元) exceeds this.
    committee_banks, committee_microloans : int
        A creditors' committee (债权人委员会) is called for when the members owe at
        least this many banks, or this many microloan companies.
    star_degree, joint_degree : int
        Distinct borrowers of a guarantor (一保多) / guarantors of a borrower (联保).
    """

    max_cycle_length: int = 6
    max_cycles: int = 1000
    focus_exposure: float = 5000.0
    committee_banks: int = 3
    committee_microloans: int = 5
    star_degree: int = 3
    joint_degree: int = 3

    def __post_init__(self) -> None:
        """Check the values (:class:`~graphrisk.errors.ParameterError` when out of range)."""
        _check(self.max_cycle_length >= 2, "max_cycle_length must be >= 2")
        _check(self.max_cycles >= 1, "max_cycles must be >= 1")
        _check(self.focus_exposure >= 0, "focus_exposure must be >= 0")
        _check(self.committee_banks >= 1 and self.committee_microloans >= 1,
               "committee_banks and committee_microloans must be >= 1")
        _check(self.star_degree >= 2 and self.joint_degree >= 2,
               "star_degree and joint_degree must be >= 2")


@dataclass(frozen=True)
class CommitteeParams:
    """Creditors' committees (债权人委员会, SPEC §5); amounts in 万元.

    The rule is about a *debtor*: one in default or distress (status ``defaulted`` or
    ``distressed``, a non-performing loan, or a credit-risk event) whose debt reaches
    ``min_debt`` and who owes at least ``banks`` creditor banks or ``microloans``
    creditor microloan companies — or a major default (违约) involving banks,
    microloan companies and other institutions at once.

    Parameters
    ----------
    min_debt : float
        Debt (loan balances owed) from which a debtor is large (5,000).
    banks, microloans : int
        Creditor banks (3) or microloan companies (5) that call for a committee.
    """

    min_debt: float = 5000.0
    banks: int = 3
    microloans: int = 5

    def __post_init__(self) -> None:
        """Check the values (:class:`~graphrisk.errors.ParameterError` when out of range)."""
        _check(self.min_debt >= 0, "min_debt must be >= 0")
        _check(self.banks >= 1 and self.microloans >= 1, "banks and microloans must be >= 1")


@dataclass(frozen=True)
class ChainParams:
    """Guarantee chains (担保链) and bank exposure (SPEC §5).

    Parameters
    ----------
    depth : int
        Longest chain followed, in guarantees (hops) from the root.
    max_paths : int
        Paths listed per entity reached (the shortest first).
    exposure_depth : int
        Depth of the contingent chain behind each loan in ``exposure``.
    top_chains : int
        Number of largest chains listed by ``exposure --lender``.
    """

    depth: int = 6
    max_paths: int = 5
    exposure_depth: int = 3
    top_chains: int = 10

    def __post_init__(self) -> None:
        """Check the values (:class:`~graphrisk.errors.ParameterError` when out of range)."""
        _check(self.depth >= 1, "depth must be >= 1")
        _check(self.max_paths >= 1, "max_paths must be >= 1")
        _check(self.exposure_depth >= 1, "exposure depth must be >= 1")
        _check(self.top_chains >= 1, "top_chains must be >= 1")


#: tags of the key sectors of SPEC §8 (产能过剩, 房地产, 地方政府融资平台)
KEY_SECTOR_TAGS = ("overcapacity", "real_estate", "lgfv")
#: words in an event description that mark private borrowing (SPEC §8: "heavy private
#: borrowing or disputes about it"): private debt itself, never any 诉讼/纠纷
DISPUTE_KEYWORDS = ("民间借贷", "民间融资", "高利贷", "非法集资", "非法吸收", "套路贷",
                    "private lending", "loan shark", "illegal fund-raising")


@dataclass(frozen=True)
class KeyFirmParams:
    """Key-enterprise (重点企业) selection (SPEC §8); amounts in 万元.

    Parameters
    ----------
    sector_tags : tuple of str
        Tags of the key sectors.
    sector_credit : float
        Credit that makes a key-sector firm key (3,000).
    top_n : int
        The ``top_n`` largest credit users are key (10; 0 turns the rule off).
    large_credit : float
        Credit that makes any firm key (5,000).
    key_project_credit, agri_leader_credit, cross_region_credit : float
        Credit that makes a ``key_project`` (2,000), ``agri_leader`` (1,000) or
        ``cross_region`` (2,000) firm key.
    credit_basis : {"used", "line"}
        What "credit" means: ``used`` (用信, on and off balance: loan balances plus
        guarantees given — SPEC §8, the default) or ``line`` (the ``credit_line``
        授信额度, only when asked).
    related : bool
        Add the important related parties of the firms selected by credit and tags.
    related_rules : tuple of str
        The tests that make a related party *important* (重要关联, 7th criterion): the
        four of the text — ``equity`` and ``common_owner`` (≥ ``related_equity``),
        ``lending`` (≥ 50 % of either's capital) and ``guarantee`` (≥ 10 % of the
        other's borrowings); ``management`` is available as an option.
    related_equity : float
        Equity / common-owner threshold (percent) of an *important* relation (25).
    circle_members : bool
        Members of a guarantee circle or a mutual pair are key (涉及互联互保).
    livelihood_tag : str
        The tag of firms important to local taxes or livelihoods (对当地税收、民生等
        具有重要影响力), key whatever their credit.
    dispute_keywords : tuple of str
        Words in an event description that mark private borrowing (民间借贷, 高利贷,
        非法集资 …); the tag ``private_lending`` counts too.
    """

    sector_tags: tuple[str, ...] = KEY_SECTOR_TAGS
    sector_credit: float = 3000.0
    top_n: int = 10
    large_credit: float = 5000.0
    key_project_credit: float = 2000.0
    agri_leader_credit: float = 1000.0
    cross_region_credit: float = 2000.0
    credit_basis: str = "used"
    related: bool = True
    related_rules: tuple[str, ...] = ("equity", "common_owner", "lending", "guarantee")
    related_equity: float = 25.0
    circle_members: bool = True
    livelihood_tag: str = "tax_livelihood"
    dispute_keywords: tuple[str, ...] = DISPUTE_KEYWORDS

    def __post_init__(self) -> None:
        """Check the values (:class:`~graphrisk.errors.ParameterError` when out of range)."""
        for name in ("sector_credit", "large_credit", "key_project_credit",
                     "agri_leader_credit", "cross_region_credit"):
            _check(getattr(self, name) >= 0, f"{name} must be >= 0")
        _check(self.top_n >= 0, "top_n must be >= 0")
        bad = [r for r in self.related_rules if r not in RELATED_RULES]
        _check(not bad, f"unknown related-party rule(s) {bad}; use {', '.join(RELATED_RULES)}")
        _check(0 < self.related_equity <= 100, "related_equity must be in (0, 100]")
        _check(self.credit_basis in ("used", "line"), "credit_basis must be used or line")


@dataclass(frozen=True)
class WarningParams:
    """Early-warning (预警) signals and levels (SPEC §8); amounts in 万元.

    Parameters
    ----------
    overdue_red_days, overdue_orange_days : int
        Overdue days *above* which a loan gives red (90) or orange (30); any overdue
        day gives yellow.
    overdue_count : int
        Overdue payments (summed over the firm's loans) *above* which yellow is given:
        "逾期次数超过2次" is more than 2, so 3 or more (2).
    extensions : int
        Extensions / 重新约期 / 借新还旧 (summed) from which yellow is given:
        "办理2次及以上展期" is 2 or more (2).
    interest_overdue_days : int
        Overdue days *above* which a first signal (yellow) is given: "支付利息超过10个
        自然日" (10); a loan overdue more than ``overdue_orange_days`` is orange.
    leverage_yellow : float
        Debt ratio 资产负债率 (total liabilities / total assets) above which yellow is
        given (0.8).
    lenders_yellow : int
        Distinct lenders from which yellow is given, 多头授信 (3).
    call_orange : float
        Guarantee calls on the firm that give orange (1,000); any call gives yellow.
    severity_levels : tuple of 4 str
        Level of an event of severity 1, 2, 3, 4 (blue, yellow, orange, red).
    missing_severity : int
        Severity assumed for an event whose severity is missing (2).
    recovery : float
        Recovery rate of the contagion cascade seeded by the defaulted firms (0).
    related : RelatedParams
        Rules for the related-party signals (SPEC §4 defaults).
    levels : dict of str to str
        Overrides of the level a signal code gives (``{"circle_member": "blue"}``;
        ``"none"`` turns a signal off).  Thresholded signals keep their tiers unless
        overridden.
    """

    overdue_red_days: int = 90
    overdue_orange_days: int = 30
    overdue_count: int = 2
    extensions: int = 2
    interest_overdue_days: int = 10
    leverage_yellow: float = 0.8
    lenders_yellow: int = 3
    call_orange: float = 1000.0
    severity_levels: tuple[str, str, str, str] = ("blue", "yellow", "orange", "red")
    missing_severity: int = 2
    recovery: float = 0.0
    related: RelatedParams = RelatedParams()
    levels: dict[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        """Check the values (:class:`~graphrisk.errors.ParameterError` when out of range)."""
        allowed = ("none", *WARNING_LEVELS)
        _check(0 <= self.overdue_orange_days <= self.overdue_red_days,
               "need 0 <= overdue_orange_days <= overdue_red_days")
        _check(self.overdue_count >= 0, "overdue_count must be >= 0")
        _check(0 <= self.interest_overdue_days <= self.overdue_orange_days,
               "need 0 <= interest_overdue_days <= overdue_orange_days")
        _check(0 < self.leverage_yellow, "leverage_yellow must be > 0")
        _check(self.lenders_yellow >= 1, "lenders_yellow must be >= 1")
        _check(self.extensions >= 1, "extensions must be >= 1")
        _check(self.call_orange >= 0, "call_orange must be >= 0")
        _check(len(self.severity_levels) == 4 and all(v in allowed for v in self.severity_levels),
               f"severity_levels must be 4 of {', '.join(allowed)}")
        _check(1 <= self.missing_severity <= 4, "missing_severity must be in 1..4")
        _check(0 <= self.recovery <= 1, "recovery must be in [0, 1]")
        bad = {k: v for k, v in self.levels.items() if v not in allowed}
        _check(not bad, f"unknown level(s) {bad}; use {', '.join(allowed)}")


#: probability of default by a borrower's worst loan classification (五级分类), used by
#: :class:`ContagionParams` when an enterprise has no ``pd``
PD_BY_CLASSIFICATION = (("normal", 0.01), ("special_mention", 0.05), ("substandard", 0.20),
                        ("doubtful", 0.50), ("loss", 0.90))
#: the tail statistics of a loss distribution reported by the Monte Carlo (SPEC §6)
TAIL_KEYS = ("var95", "var99", "es95", "es99")
_CONTAGION_MODELS = ("cascade", "debtrank")


@dataclass(frozen=True)
class ContagionParams:
    """Default contagion and its Monte Carlo (SPEC §6).

    Parameters
    ----------
    recovery : float
        Extra haircut r in [0, 1] on what a defaulted borrower's estate leaves unpaid:
        the estate (``net_assets``) pays its obligations pro rata first
        (先穷尽主债务人、后担保人, SPEC §6), and a loan's shortfall is what its share leaves,
        times ``1 − r``.
    runs : int
        Monte Carlo scenarios.
    seed : int
        Seed of the scenarios: the same seed gives the same numbers.
    model : {"cascade", "debtrank"}
        Systemic-importance ranking: the loss an entity's default causes beyond its own
        loans when it defaults alone (``cascade``), or DebtRank (``debtrank``).
    pd_by_classification : tuple of (classification, pd)
        PD of an enterprise without ``pd``, from its worst loan classification.
    pd_no_loans : float
        PD of an enterprise without ``pd`` and without loans.
    pd_defaulted : float
        PD of an enterprise without ``pd`` whose ``status`` is ``defaulted``.
    tolerance : float
        Relative slack of the capacity test: a guarantor defaults when its calls exceed
        ``capacity + tolerance × max(1, capacity)``, so one exactly at capacity survives
        despite rounding.
    debtrank_tolerance : float
        DebtRank distress increments below this are dropped (ends the iteration on cycles).
    batch_cells : int
        Runs are simulated in batches of ``batch_cells // entities`` runs (23 bytes per
        cell, written only where a cascade reaches): the memory bound of the Monte Carlo,
        per process.
    jobs : int or None
        Processes sharing the scenarios (and the systemic importance, the scoring of
        ``recommend``); None: the cores available (``os.sched_getaffinity``), 1: in this
        process.  The numbers do not depend on it.
    """

    recovery: float = 0.0
    runs: int = 1000
    seed: int = 0
    model: str = "cascade"
    pd_by_classification: tuple[tuple[str, float], ...] = PD_BY_CLASSIFICATION
    pd_no_loans: float = 0.01
    pd_defaulted: float = 1.0
    tolerance: float = 1e-9
    debtrank_tolerance: float = 1e-9
    batch_cells: int = 8_000_000
    jobs: int | None = None

    def __post_init__(self) -> None:
        """Check the values (:class:`~graphrisk.errors.ParameterError` when out of range)."""
        _check(0 <= self.recovery <= 1, "recovery must be in [0, 1]")
        _check(self.jobs is None or self.jobs >= 1, "jobs must be >= 1")
        _check(self.runs >= 1, "runs must be >= 1")
        _check(self.model in _CONTAGION_MODELS,
               f"unknown model {self.model!r}; use cascade or debtrank")
        pds = dict(self.pd_by_classification)
        _check(all(0 <= v <= 1 for v in pds.values()),
               "pd_by_classification values must be in [0, 1]")
        _check(0 <= self.pd_no_loans <= 1 and 0 <= self.pd_defaulted <= 1,
               "pd_no_loans and pd_defaulted must be in [0, 1]")
        _check(self.tolerance >= 0 and self.debtrank_tolerance > 0, "tolerances must be >= 0")
        _check(self.batch_cells >= 1, "batch_cells must be >= 1")


_OBJECTIVES = ("expected",) + TAIL_KEYS
_STRATEGY_CODES = tuple(_STRATEGIES)


@dataclass(frozen=True)
class StrategyParams:
    """Cutting strategies (化解策略) and the greedy recommendation (SPEC §7).

    Parameters
    ----------
    strategies : tuple of str
        Strategies the plan may use (codes of :data:`graphrisk.domain.glossary.STRATEGIES`).
    budget : int
        Most actions in the plan.
    amount_budget : float or None
        Most 万元 of guarantees the plan may touch in total (None: no limit).
    cap_fraction : float
        ``cap`` 部分代偿后免责: the share of the guarantee the guarantor pays now
        (never more than its capacity) before the rest is released.
    max_candidates : int
        Candidates scored exactly per strategy and step, the most promising first.
    objective : {"expected", "var95", "var99", "es95", "es99"}
        What the greedy plan minimises.
    fas_exact_max_edges : int
        ``break_circle``: circles with at most this many links get an exact minimum-weight
        feedback arc set, larger ones the Eades–Lin–Smyth heuristic.
    betweenness_sources : int
        Edge betweenness is exact when ``n · m <= 1e8``; otherwise estimated from this
        many random source entities.
    min_gain : float
        The plan stops when the best action lowers the objective by no more than this (万元).
    """

    strategies: tuple[str, ...] = _STRATEGY_CODES
    budget: int = 5
    amount_budget: float | None = None
    cap_fraction: float = 0.5
    max_candidates: int = 100
    objective: str = "expected"
    fas_exact_max_edges: int = 150
    betweenness_sources: int = 256
    min_gain: float = 1e-6

    def __post_init__(self) -> None:
        """Check the values (:class:`~graphrisk.errors.ParameterError` when out of range)."""
        bad = [s for s in self.strategies if s not in _STRATEGY_CODES]
        _check(not bad, f"unknown strategy {', '.join(map(repr, bad))}; use "
               f"{', '.join(_STRATEGY_CODES)}")
        _check(len(self.strategies) >= 1, "give at least one strategy")
        _check(self.budget >= 0, "budget must be >= 0")
        _check(self.amount_budget is None or self.amount_budget >= 0,
               "amount_budget must be >= 0")
        _check(0 <= self.cap_fraction <= 1, "cap_fraction must be in [0, 1]")
        _check(self.max_candidates >= 1, "max_candidates must be >= 1")
        _check(self.objective in _OBJECTIVES,
               f"unknown objective {self.objective!r}; use one of {', '.join(_OBJECTIVES)}")
        _check(self.fas_exact_max_edges >= 0 and self.betweenness_sources >= 1,
               "fas_exact_max_edges must be >= 0 and betweenness_sources >= 1")


@dataclass(frozen=True)
class ReportParams:
    """The risk-committee report and the interactive network page (``graphrisk report``).

    Parameters
    ----------
    lang : {"zh", "en"}
        Language of labels and headers (Chinese by default).
    top : int
        Rows shown per ranked table in the HTML report; every row goes to
        ``report.xlsx`` and ``json/``.
    full_max_nodes : int
        Above this many entities the network page opens on one node per guarantee
        group (担保群) and draws a group's members on click.
    page_max_entities : int
        Most entities embedded in the network page (largest guarantee groups first); the
        page says how many were left out.
    seed : int
        Seed of the layout and of the Monte Carlo runs (same seed, same report).
    runs : int
        Monte Carlo scenarios for expected and tail losses.
    budget : int
        Number of actions of the recommended cutting plan.
    skip : tuple of str
        Sections left out (``strategies``, ``related`` …), e.g. to save time on a
        very large network; each is listed with a note.
    """

    lang: str = "zh"
    top: int = 20
    full_max_nodes: int = 5000
    page_max_entities: int = 100_000
    seed: int = 0
    runs: int = 1000
    budget: int = 5
    skip: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Check the values (:class:`~graphrisk.errors.ParameterError` when out of range)."""
        _check(self.lang in ("zh", "en"), f"unknown language {self.lang!r}; use zh or en")
        _check(self.top >= 1, "top must be >= 1")
        _check(self.full_max_nodes >= 1, "full_max_nodes must be >= 1")
        _check(self.page_max_entities >= 1, "page_max_entities must be >= 1")
        _check(self.runs >= 1, "runs must be >= 1")
        _check(self.budget >= 0, "budget must be >= 0")
