"""Helpers for the tests that need a real Neo4j server (``NEO4J_URI``).

``scripts/test.sh`` starts one and sets ``NEO4J_URI`` and ``GRAPHRISK_REQUIRE_SERVICES=1``.
When the server is not configured or does not answer, the tests that use
:func:`neo4j_store` FAIL if ``GRAPHRISK_REQUIRE_SERVICES`` or ``CI`` is set, and are
skipped otherwise (a developer without a server can still run the rest).

Community edition has one user database, so each test module starts from a wiped
database (only the graphrisk labels are deleted) and wipes it again at the end.
"""

from __future__ import annotations

import os

import pytest

from graphrisk.domain.glossary import NODE_KINDS, RELATIONSHIPS
from graphrisk.errors import StoreError
from graphrisk.neo4j.connection import DATASET, Neo4jParams

__all__ = ["require_services", "neo4j_params", "neo4j_store", "snapshot", "unreachable_params"]


def require_services() -> bool:
    """True when a missing service must fail the tests instead of skipping them."""
    flag = os.environ.get("GRAPHRISK_REQUIRE_SERVICES", "").strip().lower()
    return flag not in ("", "0", "false", "no") or bool(os.environ.get("CI"))


def _unavailable(reason: str):
    if require_services():
        pytest.fail(f"Neo4j is required (GRAPHRISK_REQUIRE_SERVICES/CI is set) but {reason}",
                    pytrace=False)
    pytest.skip(f"no Neo4j: {reason} (run scripts/test.sh, or set NEO4J_URI)")


def neo4j_params() -> Neo4jParams:
    """Connection parameters of the test server, from the environment."""
    if not os.environ.get("NEO4J_URI"):
        _unavailable("NEO4J_URI is not set")
    return Neo4jParams.from_env(timeout=5.0)


def unreachable_params() -> Neo4jParams:
    """A URI where nothing listens (port 1 on the loopback)."""
    return Neo4jParams("bolt://127.0.0.1:1", timeout=2.0)


@pytest.fixture(scope="module")
def neo4j_store():
    """An open :class:`~graphrisk.neo4j.connection.Store` on a wiped database (per module)."""
    from graphrisk.neo4j.connection import connect

    params = neo4j_params()
    try:
        store = connect(params)
    except StoreError as e:
        _unavailable(str(e))
    store.wipe()
    try:
        yield store
    finally:
        try:
            store.wipe()
        finally:
            store.close()


def snapshot(store) -> tuple[list, list]:
    """Every graphrisk node and relationship with all its properties, sorted.

    Two snapshots are equal when the graph is the same element for element (ids,
    labels, properties — bookkeeping ones like ``_load`` included — and the
    ``Dataset`` node with the stored period).
    """
    nodes = []
    for label in (*NODE_KINDS, DATASET):
        for r in store.run(f"MATCH (n:{label}) RETURN labels(n) AS l, properties(n) AS p",
                           write=False):
            nodes.append((tuple(sorted(r["l"])), _freeze(r["p"])))
    rels = []
    for rel in RELATIONSHIPS:
        for r in store.run(f"MATCH (a)-[x:{rel}]->(b) RETURN a.id AS a, b.id AS b, "
                           "properties(x) AS p", write=False):
            rels.append((rel, r["a"], r["b"], _freeze(r["p"])))
    return sorted(nodes, key=repr), sorted(rels, key=repr)


def _freeze(props: dict) -> tuple:
    def plain(v):
        if isinstance(v, list):
            return tuple(plain(x) for x in v)
        return v.iso_format() if hasattr(v, "iso_format") else v

    return tuple(sorted((k, plain(v)) for k, v in props.items()))
