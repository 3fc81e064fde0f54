"""graphrisk — guarantee-network (担保网络) risk analysis.

The public API, name by name.  Each analysis takes the :class:`Network` first (a
:class:`Dataset` is accepted too and built into one) and keyword-only parameters.

>>> import graphrisk
>>> ds = graphrisk.load_dataset("datasets/demo")
>>> net = graphrisk.build_network(ds)
>>> doc = graphrisk.analyze_circles(net)
>>> doc["summary"]["circles"] == len(doc["circles"])
True

Names resolve lazily (PEP 562), so ``import graphrisk`` stays cheap for the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphrisk._lazy import attach

__version__ = "0.1.0"

#: public name -> module (below ``graphrisk``) that defines it
_API = {
    # load, validate, export (io)
    "load_dataset": "io.load", "Dataset": "io.dataset", "LoadOptions": "io.dataset",
    "read_tables": "io.read", "validate_tables": "io.validate", "write_dataset": "io.export",
    "summarize": "io.summary", "ingest": "io.store", "open_snapshot": "io.store",
    "store_periods": "io.store", "apply_as_of": "io.asof",
    # the network
    "Network": "network.graph", "build_network": "network.graph", "to_networkx": "network.graph",
    # structure: groups, circles, chains, exposure
    "analyze_circles": "network.metrics", "circle_metrics": "network.metrics",
    "group_metrics": "network.metrics", "focus_enterprises": "network.metrics", "committees": "network.committees",
    "guarantee_groups": "network.circles",
    "guarantee_circles": "network.circles", "edge_patterns": "network.circles",
    "guarantee_chains": "network.chains", "lender_exposure": "network.exposure",
    "borrower_exposure": "network.exposure",
    # ownership and related parties
    "holdings_of": "ownership.holdings", "owners_of": "ownership.owners",
    "related_parties": "ownership.related", "related_pairs_frame": "ownership.related",
    # contagion
    "simulate_defaults": "contagion.cascade", "monte_carlo": "contagion.montecarlo",
    "debtrank": "contagion.debtrank",
    # cutting the network
    "recommend": "mitigation.plan",
    # key enterprises and warning
    "key_enterprises": "watch.key_enterprises", "watchlist": "watch.watchlist",
    "maturity_ledger": "watch.maturities", "maturities": "watch.maturities",
    # periods
    "compare_periods": "history.compare",
    # rendering
    "build_report": "report.build", "network_page": "report.network_page",
    # the Neo4j store
    "connect": "neo4j.connection", "Neo4jParams": "neo4j.connection",
    "store_dataset": "neo4j.load", "read_dataset": "neo4j.read", "annotate": "neo4j.annotate",
    "run_query": "neo4j.queries", "list_queries": "neo4j.queries",
    # synthetic networks
    "generate": "synth", "GeneratorParams": "synth",
    # parameters and errors
    "OwnershipParams": "params", "RelatedParams": "params", "CircleParams": "params",
    "CommitteeParams": "params",
    "ChainParams": "params", "KeyFirmParams": "params", "WarningParams": "params",
    "ContagionParams": "params", "StrategyParams": "params", "ReportParams": "params",
    "GraphRiskError": "errors", "DatasetError": "errors", "ParameterError": "errors",
    "UnknownEntityError": "errors", "StoreError": "errors", "SnapshotError": "errors",
    "StaleSnapshotError": "errors",
}

__getattr__, __dir__, _names = attach(__name__, _API)
__all__ = ["__version__", *_names]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from graphrisk.contagion.cascade import simulate_defaults as simulate_defaults
    from graphrisk.contagion.debtrank import debtrank as debtrank
    from graphrisk.contagion.montecarlo import monte_carlo as monte_carlo
    from graphrisk.errors import DatasetError as DatasetError
    from graphrisk.errors import GraphRiskError as GraphRiskError
    from graphrisk.errors import ParameterError as ParameterError
    from graphrisk.errors import SnapshotError as SnapshotError
    from graphrisk.errors import StaleSnapshotError as StaleSnapshotError
    from graphrisk.errors import StoreError as StoreError
    from graphrisk.errors import UnknownEntityError as UnknownEntityError
    from graphrisk.history.compare import compare_periods as compare_periods
    from graphrisk.io.asof import apply_as_of as apply_as_of
    from graphrisk.io.dataset import Dataset as Dataset
    from graphrisk.io.dataset import LoadOptions as LoadOptions
    from graphrisk.io.export import write_dataset as write_dataset
    from graphrisk.io.load import load_dataset as load_dataset
    from graphrisk.io.read import read_tables as read_tables
    from graphrisk.io.store import ingest as ingest
    from graphrisk.io.store import open_snapshot as open_snapshot
    from graphrisk.io.store import store_periods as store_periods
    from graphrisk.io.summary import summarize as summarize
    from graphrisk.io.validate import validate_tables as validate_tables
    from graphrisk.mitigation.plan import recommend as recommend
    from graphrisk.neo4j.annotate import annotate as annotate
    from graphrisk.neo4j.connection import Neo4jParams as Neo4jParams
    from graphrisk.neo4j.connection import connect as connect
    from graphrisk.neo4j.load import store_dataset as store_dataset
    from graphrisk.neo4j.queries import list_queries as list_queries
    from graphrisk.neo4j.queries import run_query as run_query
    from graphrisk.neo4j.read import read_dataset as read_dataset
    from graphrisk.network.chains import guarantee_chains as guarantee_chains
    from graphrisk.network.circles import edge_patterns as edge_patterns
    from graphrisk.network.circles import guarantee_circles as guarantee_circles
    from graphrisk.network.circles import guarantee_groups as guarantee_groups
    from graphrisk.network.committees import committees as committees
    from graphrisk.network.exposure import borrower_exposure as borrower_exposure
    from graphrisk.network.exposure import lender_exposure as lender_exposure
    from graphrisk.network.graph import Network as Network
    from graphrisk.network.graph import build_network as build_network
    from graphrisk.network.graph import to_networkx as to_networkx
    from graphrisk.network.metrics import analyze_circles as analyze_circles
    from graphrisk.network.metrics import circle_metrics as circle_metrics
    from graphrisk.network.metrics import focus_enterprises as focus_enterprises
    from graphrisk.network.metrics import group_metrics as group_metrics
    from graphrisk.ownership.holdings import holdings_of as holdings_of
    from graphrisk.ownership.owners import owners_of as owners_of
    from graphrisk.ownership.related import related_pairs_frame as related_pairs_frame
    from graphrisk.ownership.related import related_parties as related_parties
    from graphrisk.params import ChainParams as ChainParams
    from graphrisk.params import CircleParams as CircleParams
    from graphrisk.params import CommitteeParams as CommitteeParams
    from graphrisk.params import ContagionParams as ContagionParams
    from graphrisk.params import KeyFirmParams as KeyFirmParams
    from graphrisk.params import OwnershipParams as OwnershipParams
    from graphrisk.params import RelatedParams as RelatedParams
    from graphrisk.params import ReportParams as ReportParams
    from graphrisk.params import StrategyParams as StrategyParams
    from graphrisk.params import WarningParams as WarningParams
    from graphrisk.report.build import build_report as build_report
    from graphrisk.report.network_page import network_page as network_page
    from graphrisk.synth import GeneratorParams as GeneratorParams
    from graphrisk.synth import generate as generate
    from graphrisk.watch.key_enterprises import key_enterprises as key_enterprises
    from graphrisk.watch.maturities import maturities as maturities
    from graphrisk.watch.maturities import maturity_ledger as maturity_ledger
    from graphrisk.watch.watchlist import watchlist as watchlist
