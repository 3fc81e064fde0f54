"""The Neo4j store (SPEC §2, ``../cypher``).

Connect, load a dataset idempotently and atomically, read it back validated, run the
documented Cypher query library, and write analysis results onto the nodes.

The ``neo4j`` driver is an optional dependency (``pip install 'graphrisk[neo4j]'``);
it is imported only when a store is opened.
"""


from graphrisk.neo4j.annotate import annotate, compute_annotations
from graphrisk.neo4j.connection import Neo4jParams, Store, connect, cypher_dir, schema_statements
from graphrisk.neo4j.load import LoadInterrupted, LoadReport, rollback_load, store_dataset
from graphrisk.neo4j.queries import Query, QueryResult, get_query, list_queries, run_query
from graphrisk.neo4j.read import read_dataset

__all__ = ["Neo4jParams", "Store", "connect", "cypher_dir", "schema_statements",
           "store_dataset", "rollback_load", "LoadReport", "LoadInterrupted", "read_dataset",
           "list_queries", "get_query", "run_query", "Query", "QueryResult", "annotate",
           "compute_annotations"]
