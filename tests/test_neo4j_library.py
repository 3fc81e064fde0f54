"""The Neo4j store's parts that need no server: parameters, the query library files,
value encoding, and clean errors when the server cannot be reached."""

import re

import pandas as pd
import pytest
from click.testing import CliRunner

from graphrisk.cli import main
from graphrisk.domain.glossary import NODE_KINDS, NON_PERFORMING, RELATIONSHIPS
from graphrisk.errors import ParameterError, StoreError
from graphrisk.neo4j._batches import META_TABLE, column_text, plan
from graphrisk.neo4j.connection import (
    DATASET,
    Neo4jParams,
    connect,
    cypher_dir,
    schema_statements,
)
from graphrisk.neo4j.load import store_dataset
from graphrisk.neo4j.queries import QueryParam, coerce_params, get_query, list_queries, parse_query
from graphrisk.neo4j.read import cell_text

from .conftest import SMALL
from .neo4j_support import unreachable_params


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


# ------------------------------------------------------------------------ parameters
def test_params_from_env_and_overrides():
    env = {"NEO4J_URI": "neo4j+s://abc.databases.neo4j.io", "NEO4J_USER": "analyst",
           "NEO4J_PASSWORD": "s3cret-pw", "NEO4J_DATABASE": "risk"}
    p = Neo4jParams.from_env(env=env)
    assert (p.uri, p.user, p.password, p.database) == (
        "neo4j+s://abc.databases.neo4j.io", "analyst", "s3cret-pw", "risk")
    assert "s3cret" not in repr(p)
    q = Neo4jParams.from_env("bolt://h:7687/other", user="u", env=env)
    assert (q.uri, q.user, q.database) == ("bolt://h:7687", "u", "other")
    # no password: no authentication, no user invented
    r = Neo4jParams.from_env(env={"NEO4J_URI": "bolt://h:1"})
    assert (r.user, r.password, r.database) == (None, None, "neo4j")
    # a password alone logs in as the built-in user
    assert Neo4jParams.from_env(env={"NEO4J_URI": "bolt://h:1", "NEO4J_PASSWORD": "x"}).user \
        == "neo4j"


@pytest.mark.parametrize("uri", ["", "http://h:7474", "datasets/demo", "bolt://h:1/a/b",
                                 "bolt:///db"])
def test_params_reject_bad_uris(uri):
    with pytest.raises(ParameterError):
        Neo4jParams.from_env(uri, env={})


def test_is_uri():
    assert Neo4jParams.is_uri("bolt://x:1") and Neo4jParams.is_uri("NEO4J+S://x")
    assert not Neo4jParams.is_uri("C:/data/demo") and not Neo4jParams.is_uri("demo.xlsx")


# ---------------------------------------------------------------------- value coding
def test_column_text_round_trips_floats_exactly():
    values = pd.Series([0.1, 1 / 3, 1e-7, 123456789.123456, 2.5e15, float("nan"), 100.0])
    text = column_text(values, "amount")
    back = pd.to_numeric(pd.Series(text).replace("", None))
    assert text[5] == ""
    assert (back.dropna().to_numpy() == values.dropna().to_numpy()).all()
    assert [cell_text(v, "amount") for v in values.dropna()] == \
        [t for t in text if t]


def test_column_text_ints_dates_tags():
    assert column_text(pd.Series([3, None, 0], dtype="Int64"), "int") == ["3", "", "0"]
    assert column_text(pd.Series(["2025-03-01", ""]), "date") == ["2025-03-01", ""]
    assert cell_text(["real_estate", "lgfv"], "tags") == "real_estate;lgfv"
    assert cell_text(None, "text") == ""


# --------------------------------------------------------------------- query library
def test_every_query_file_parses_and_is_documented():
    queries = list_queries()
    names = {q.name for q in queries}
    assert {"guarantee_circles", "mutual_pairs", "chain_downstream", "chain_upstream",
            "bank_exposure_by_group", "bank_exposure_by_group_live", "equity_holdings",
            "equity_related", "beneficial_owners", "key_enterprises"} <= names
    for q in queries:
        assert q.title and q.description, q.name
        assert q.examples and q.examples[0].startswith(f"graphrisk neo4j query {q.name}")
        assert q.returns, q.name
        for p in q.params:
            assert p.doc, (q.name, p.name)
            assert f"${p.name}" in q.text or f"/*{p.name}*/" in q.text, (q.name, p.name)
        # every parameter of an example is declared, with a valid value
        example = dict(kv.split("=", 1) for kv in re.findall(r"--param (\S+)", q.examples[0]))
        coerce_params(q, example)


def test_query_files_use_only_the_glossary_vocabulary():
    """Labels and relationship types in the Cypher text come from graphrisk.domain.glossary
    (and the store's one bookkeeping label, ``Dataset``, in the schema)."""
    allowed_labels, allowed_rels = set(NODE_KINDS) | {DATASET}, set(RELATIONSHIPS)
    assert not any(f":{DATASET}" in q.text for q in list_queries())
    texts = [q.text for q in list_queries()] + schema_statements()
    for text in texts:
        text = re.sub(r"'[^']*'", "''", text)  # string literals are data, not names
        for rel in re.findall(r"\[\w*:(\w+)", text):
            assert rel in allowed_rels, rel
        for label in re.findall(r"\(\w*:([\w|]+)", text):
            for part in label.split("|"):
                assert part in allowed_labels, part


def test_query_files_use_the_glossary_non_performing_classes():
    for q in list_queries():
        for found in re.findall(r"classification IN \[([^\]]*)\]", q.text):
            assert {s.strip(" '") for s in found.split(",")} == set(NON_PERFORMING), q.name


def test_schema_has_the_uniqueness_constraints():
    text = " ".join(schema_statements())
    for label in NODE_KINDS:
        assert re.search(rf"FOR \(n:{label}\) REQUIRE n\.id IS UNIQUE", text)
    assert "FOR ()-[r:GUARANTEES]-() REQUIRE r.id IS UNIQUE" in text
    assert f"FOR (n:{DATASET}) REQUIRE n.id IS UNIQUE" in text
    assert all("IF NOT EXISTS" in s for s in schema_statements())
    assert (cypher_dir() / "README.md").is_file()


def test_param_coercion_and_ranges():
    assert QueryParam("d", "int", low=1, high=10).coerce("7") == 7
    assert QueryParam("x", "float").coerce("2.5") == 2.5
    assert QueryParam("id", "str").coerce("007") == "007"  # ids stay text
    assert QueryParam("b", "bool").coerce("yes") is True
    for p, bad in [(QueryParam("d", "int", low=1, high=10), "11"),
                   (QueryParam("d", "int"), "3.5"), (QueryParam("d", "int"), "1e3"),
                   (QueryParam("x", "float"), "nan"), (QueryParam("b", "bool"), "maybe"),
                   (QueryParam("m", "str", choices=("a", "b")), "c"),
                   (QueryParam("e", "entity"), "")]:
        with pytest.raises(ParameterError):
            p.coerce(bad)


#: the queries that follow guarantees: each takes an optional $as_of
DATED_QUERIES = ("guarantee_circles", "mutual_pairs", "chain_downstream", "chain_upstream",
                 "bank_exposure_by_group_live")


def test_chain_and_circle_queries_take_an_optional_as_of_date():
    for name in DATED_QUERIES:
        q = get_query(name)
        p = q.param("as_of")
        assert (p.type, p.default, p.required) == ("date", None, False), name
        assert "date($as_of)" in q.text and "`as_of`" in q.description, name
        # every guarantee walked is checked, inside the pattern's own predicate
        for var in re.findall(r"MATCH (\w+) = .*GUARANTEES\*", q.text):
            assert f"all(g IN relationships({var}) WHERE $as_of IS NULL" in q.text, (name, var)
        required = {x.name: "E1" for x in q.params if x.required}
        assert coerce_params(q, required)["as_of"] is None  # default: every guarantee
    q = get_query("chain_downstream")
    assert coerce_params(q, {"id": "E1", "as_of": "2026-03-31"})["as_of"] == "2026-03-31"
    assert coerce_params(q, {"id": "E1", "as_of": ""})["as_of"] is None
    assert coerce_params(q, {"id": "E1", "as_of": "null"})["as_of"] is None
    import datetime as dt

    assert coerce_params(q, {"id": "E1", "as_of": dt.date(2025, 1, 2)})["as_of"] == "2025-01-02"
    for bad in ["2026-02-30", "31/03/2026", "2026-03-31' OR 1=1 //", "20260331x"]:
        with pytest.raises(ParameterError, match="parameter 'as_of' must be a date YYYY-MM-DD"):
            coerce_params(q, {"id": "E1", "as_of": bad})
    assert q.param("as_of").describe().startswith("as_of: date, default null — only")


def test_the_load_plan_writes_dates_event_dates_and_the_period():
    from graphrisk.io.load import load_dataset

    from .conftest import DEMO

    ds = load_dataset(DEMO, dated=False)
    steps = plan(ds)
    meta = steps[-1]
    assert (meta.table, meta.what, meta.fresh) == (META_TABLE, f"{DATASET} node", None)
    assert meta.batch(0, 1) == {"c0": "dataset", "c1": "2026-03-31", "c2": "青山县",
                                "c3": str(DEMO)}
    assert "date(c1[i])" in meta.write
    guarantees = [s for s in steps if s.table == "guarantees"]
    assert sum(s.size for s in guarantees) == 33  # every row, the expired ones too
    assert all("date(c" in s.write for s in guarantees)
    ent = steps[0]
    dates = ent.columns[-1]  # event_dates, ";"-joined, beside the events
    ids = ent.columns[0]
    assert dates[ids.index("91331122MA2C1M4R7M")] == "2025-08-12;2025-11-03;2026-01-15"
    assert "[d IN split(" in ent.write


def test_bound_parameters_are_substituted_only_as_checked_integers():
    q = get_query("chain_downstream")
    values = coerce_params(q, {"id": "E1", "max_depth": "3"})
    text = q.render(values)
    assert "/*max_depth*/3" in text and "/*max_depth*/6" not in text
    for evil in ["3}]->(x) DETACH DELETE x //", "3 OR 1=1", "99", "0", "-1"]:
        with pytest.raises(ParameterError):
            coerce_params(q, {"id": "E1", "max_depth": evil})
    with pytest.raises(ParameterError, match="has no parameter"):
        coerce_params(q, {"id": "E1", "x}) DETACH DELETE n //": "1"})
    with pytest.raises(ParameterError, match="needs --param id"):
        coerce_params(q, {})


def test_parse_query_rejects_bad_headers():
    with pytest.raises(ParameterError, match="marker"):
        parse_query("// q — t\n// @param d int = 3 (1..5, bound) depth\nMATCH (n) RETURN n", "q")
    with pytest.raises(ParameterError, match="upper limit"):
        parse_query("// q — t\n// @param d int = 3 (1.., bound) d\nRETURN /*d*/3", "q")
    with pytest.raises(ParameterError, match="type"):
        parse_query("// q — t\n// @param d list d\nRETURN 1", "q")
    q = parse_query("// q — t\n// text\n// @param n int = 2 (1..9) how many\nRETURN $n", "q")
    assert q.params[0].default == 2 and q.description == "text"


# ----------------------------------------------------------------- unreachable server
def test_connect_to_nothing_is_a_store_error():
    with pytest.raises(StoreError, match="cannot reach Neo4j at bolt://127.0.0.1:1"):
        connect(unreachable_params())


def test_invalid_dataset_is_rejected_before_connecting(make_dataset):
    bad = make_dataset(enterprises="id,name\nE1,a\nE1,b\n")
    from graphrisk.errors import DatasetError

    with pytest.raises(DatasetError):
        store_dataset(bad, unreachable_params())


def test_cli_errors_are_clean_without_a_server(make_dataset, small):
    env = {"NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": None}
    r = run("neo4j", "load", small, env=env)
    assert r.exit_code == 1 and "cannot reach Neo4j" in r.output
    assert "Traceback" not in r.output
    bad = make_dataset(enterprises="id,name\nE1,a\n", guarantees="id,guarantor_id,"
                       "borrower_id,amount\nG1,E1,E9,1\n")
    r = run("neo4j", "load", bad, env=env)  # the dataset error comes first
    assert r.exit_code == 1 and "guarantees.csv:2: borrower_id 'E9'" in r.output
    assert "cannot reach" not in r.output
    r = run("neo4j", "query", "no_such_query", env=env)
    assert r.exit_code == 1 and "unknown query 'no_such_query'" in r.output
    r = run("neo4j", "query", "mutual_pairs", "--param", "limit=lots", env=env)
    assert r.exit_code == 1 and "parameter 'limit' must be a whole number" in r.output
    r = run("neo4j", "info", env={"NEO4J_URI": None})
    assert r.exit_code == 1 and "set NEO4J_URI" in r.output
    r = run("summary", "bolt://127.0.0.1:1", env=env)
    assert r.exit_code == 1 and "cannot reach Neo4j" in r.output and "Traceback" not in r.output
    assert SMALL  # the fixture dataset is the shared one


def test_auth_failure_message(monkeypatch):
    import neo4j

    def refuse(self):
        raise neo4j.exceptions.AuthError("The client is unauthorized due to authentication "
                                         "failure.")

    monkeypatch.setattr(neo4j.Driver, "verify_connectivity", refuse)
    p = Neo4jParams("bolt://127.0.0.1:1", user="neo4j", password="wrong")
    with pytest.raises(StoreError, match="authentication failed .* set NEO4J_USER and "
                       "NEO4J_PASSWORD"):
        connect(p)


def test_queries_command_lists_the_library():
    r = run("neo4j", "queries", "--format", "json")
    assert r.exit_code == 0, r.output
    import json

    data = json.loads(r.stdout)
    names = [q["name"] for q in data["queries"]]
    assert names == sorted(names) and "guarantee_circles" in names
    assert all(q["examples"] for q in data["queries"])
    r = run("neo4j", "queries")
    assert "chain_downstream" in r.stdout and "id (required)" in r.stdout


def test_every_neo4j_command_has_help_with_an_example():
    for cmd in ("load", "query", "queries", "annotate", "export", "info", "rollback"):
        r = run("neo4j", cmd, "--help")
        assert r.exit_code == 0 and "Example:" in r.output, cmd
    r = run("neo4j", "load", "--help")
    assert "--password-prompt" in r.output and "--password " not in r.output
