"""The key-enterprise list and early warning (SPEC §8, 重点企业名单, 蓝/黄/橙/红).

The criteria of a key enterprise, each enterprise's own and network signals, the
signals over time against a previous period, warning levels with their reasons, the
watchlist that combines them, and the maturity ledger (每月到期贷款台账).
"""

from graphrisk.watch._history import HISTORY_SIGNALS, HistoryParams, history_signals
from graphrisk.watch.key_enterprises import CRITERIA, KeyFirms, credit_usage, key_enterprises
from graphrisk.watch.levels import LEVELS, enterprise_levels, level_rules, signal_levels
from graphrisk.watch.maturities import MATURITY_FIELDS, maturities, maturity_ledger
from graphrisk.watch.signals import SIGNALS, network_signals, own_signals
from graphrisk.watch.watchlist import Watchlist, watchlist

__all__ = ["key_enterprises", "credit_usage", "KeyFirms", "CRITERIA", "own_signals",
           "network_signals", "SIGNALS", "history_signals", "HISTORY_SIGNALS", "HistoryParams",
           "signal_levels", "enterprise_levels", "level_rules", "LEVELS", "watchlist",
           "Watchlist", "maturity_ledger", "maturities", "MATURITY_FIELDS"]
