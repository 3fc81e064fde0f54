"""Periods over time (名单制管理、动态调整): what changed between two periods of a region.

:func:`~graphrisk.history.compare.compare_periods` compares the key-enterprise list
and the warning levels, the loans' classification (五级分类迁徙, new non-performing
and new special-mention loans), the guarantee circles and groups (matched by member
overlap) and the lenders' books and NPL ratios per lender and per region of two
dated periods (issue #16, ``graphrisk compare``).  It combines the watchlist with
the network analyses, so it sits above ``watch`` and ``contagion``; ``report``
renders it.  The names resolve lazily: the command line reads the parameters and
the table declarations without importing the analyses.
"""

from typing import TYPE_CHECKING

from graphrisk._lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "compare_periods": "compare", "period_info": "compare", "CompareParams": "params",
    "COMPARE_TABLES": "fields"})

if TYPE_CHECKING:  # pragma: no cover
    from graphrisk.history.compare import compare_periods as compare_periods
    from graphrisk.history.compare import period_info as period_info
    from graphrisk.history.fields import COMPARE_TABLES as COMPARE_TABLES
    from graphrisk.history.params import CompareParams as CompareParams
