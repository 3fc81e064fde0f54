"""The key-enterprise list and early warning (SPEC §8, 重点企业名单, 蓝/黄/橙/红).

The criteria of a key enterprise, each enterprise's own and network signals, warning
levels with their reasons, and the watchlist that combines them.
"""

from graphrisk.watch.key_enterprises import CRITERIA, KeyFirms, credit_usage, key_enterprises
from graphrisk.watch.levels import LEVELS, enterprise_levels, level_rules, signal_levels
from graphrisk.watch.signals import SIGNALS, network_signals, own_signals
from graphrisk.watch.watchlist import Watchlist, watchlist

__all__ = ["key_enterprises", "credit_usage", "KeyFirms", "CRITERIA", "own_signals",
           "network_signals", "SIGNALS", "signal_levels", "enterprise_levels", "level_rules",
           "LEVELS", "watchlist", "Watchlist"]
