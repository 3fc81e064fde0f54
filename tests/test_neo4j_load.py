"""Loading into a real Neo4j and reading back: idempotence, atomicity (rollback on a
failure injected mid-load), conflicts, injection attempts, the round trip
dataset → Neo4j → files, and the dates and declared period the store keeps."""

import dataclasses
import json

import pandas as pd
import pytest
from click.testing import CliRunner

import graphrisk.neo4j.load as nl
from graphrisk.cli import main
from graphrisk.errors import DatasetError, StoreError
from graphrisk.io.load import load_dataset
from graphrisk.neo4j.load import rollback_load, store_dataset
from graphrisk.neo4j.read import read_dataset

from .conftest import DEMO, DEMO_GBK, DEMO_XLSX, SMALL
from .neo4j_support import neo4j_store, snapshot  # noqa: F401  (fixture)

pytestmark = pytest.mark.neo4j

INJECTION = "'}) MATCH (n) DETACH DELETE n //"
#: the guarantees of the demo that ended before its as_of, 2026-03-31 (datasets/README.md)
EXPIRED = ("G005", "G006", "G012", "G014", "G027", "G031")


def cli(store, *args):
    env = {"NEO4J_URI": store.params.uri, "NEO4J_DATABASE": store.params.database}
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def assert_same_tables(a, b, *, lines=True):
    for name in a.tables:
        x, y = a.tables[name], b.tables[name]
        if not lines:
            x, y = x.drop(columns="line"), y.drop(columns="line")
        pd.testing.assert_frame_equal(x.reset_index(drop=True), y.reset_index(drop=True),
                                      obj=name)


@pytest.fixture
def store(neo4j_store):  # noqa: F811
    neo4j_store.wipe()
    return neo4j_store


def test_load_then_read_back_is_identical(store, small):
    ds = load_dataset(small)
    report = store_dataset(ds, store)
    assert report.counts == {"Enterprise": 4, "Person": 1, "Institution": 3, "Loan": 5,
                             "HOLDS_SHARES": 3, "HOLDS_POSITION": 2, "BORROWED": 5,
                             "LENT_BY": 5, "GUARANTEES": 4}
    assert report.total_rows == sum(ds.counts().values())
    back = read_dataset(store)
    assert_same_tables(ds, back)
    # types in the graph: floats as floats, ids as strings, missing values absent
    e2 = store.run("MATCH (n:Enterprise {id: 'E2'}) RETURN properties(n) AS p")[0]["p"]
    assert e2["net_assets"] == 50.0 and isinstance(e2["net_assets"], float)
    assert "paid_in_capital" not in e2 and "region" not in e2 and "tags" not in e2
    g = store.run("MATCH ()-[r:GUARANTEES {id: 'G3'}]->() RETURN properties(r) AS p")[0]["p"]
    assert g["amount"] == 100.0 and "loan_id" not in g and g["type"] == "general"
    sh = store.run("MATCH (:Enterprise {id: 'E1'})-[r:HOLDS_SHARES]->(:Enterprise {id: 'E2'}) "
                   "RETURN r.share_pct AS p")
    assert sh == [{"p": 30.0}]


@pytest.mark.parametrize("source", [DEMO, DEMO_XLSX, DEMO_GBK], ids=["csv", "xlsx", "gbk"])
def test_round_trip_of_the_demo_in_every_form(store, source, tmp_path):
    ds = load_dataset(source, dated=False)  # every row: the store keeps the history
    store_dataset(ds, store)
    back = read_dataset(store)
    assert_same_tables(ds, back)  # rows, order, values and line numbers
    out = tmp_path / "exported"
    r = cli(store, "neo4j", "export", "-o", out)
    assert r.exit_code == 0, r.output
    again = load_dataset(out, dated=False)
    assert_same_tables(ds, again, lines=False)
    assert (again.as_of, again.region) == (ds.as_of, ds.region)  # dataset.json written


def test_round_trip_keeps_every_value_of_a_generated_dataset(store, tmp_path):
    from graphrisk.synth import generate, write_dataset

    write_dataset(generate(800, seed=7), tmp_path / "g")
    ds = load_dataset(tmp_path / "g")
    store_dataset(ds, store, batch_size=333)  # several batches per table
    assert_same_tables(ds, read_dataset(store))


def test_loading_twice_changes_nothing(store, small):
    first = store_dataset(small, store)
    before = snapshot(store)
    second = store_dataset(small, store)
    assert snapshot(store) == before
    assert second.nodes_created == 0 and second.relationships_created == 0
    assert first.counts == second.counts


def test_repeated_rows_are_kept_not_merged(store, make_dataset):
    path = make_dataset(enterprises="id,name\nE1,a\nE2,b\n", persons="id,name\nP1,p\n",
                        shareholdings="holder_id,company_id,share_pct\nP1,E1,20\nP1,E1,15\n",
                        positions="person_id,company_id,role\nP1,E1,director\n"
                                  "P1,E1,director\nP1,E1,chairman\n")
    ds = load_dataset(path)
    store_dataset(ds, store)
    store_dataset(ds, store)
    assert store.counts()["HOLDS_SHARES"] == 2 and store.counts()["HOLDS_POSITION"] == 3
    assert_same_tables(ds, read_dataset(store))


def test_updated_dataset_updates_values_in_place(store, make_dataset):
    a = make_dataset(enterprises="id,name,net_assets,region\nE1,甲,100,东城\nE2,乙,5,\n",
                     guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,E2,10\n")
    b = make_dataset(enterprises="id,name,net_assets,region\nE1,甲,,西城\nE2,乙,7,\n"
                                 "E3,丙,1,\n",
                     guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,E2,12\n"
                                "G2,E3,E2,1\n")
    store_dataset(a, store)
    store_dataset(b, store)
    assert_same_tables(load_dataset(b), read_dataset(store))
    props = store.run("MATCH (n:Enterprise {id: 'E1'}) RETURN properties(n) AS p")[0]["p"]
    assert "net_assets" not in props and props["region"] == "西城"


def _fail_after(monkeypatch, calls: int, exc=None):
    real = nl._write_batch
    seen = {"n": 0}

    def flaky(*args, **kwargs):
        seen["n"] += 1
        if seen["n"] > calls:
            raise exc or RuntimeError("injected failure")
        return real(*args, **kwargs)

    monkeypatch.setattr(nl, "_write_batch", flaky)
    return seen


@pytest.mark.parametrize("fail_at", [0, 3, 9])
def test_a_failed_load_into_an_empty_database_leaves_nothing(store, monkeypatch, fail_at):
    ds = load_dataset(DEMO, dated=False)
    _fail_after(monkeypatch, fail_at)
    with pytest.raises(StoreError, match="rolled back.*as it was before the load"):
        store_dataset(ds, store, batch_size=20)
    assert snapshot(store) == ([], [])
    assert store.is_empty()


def test_a_failed_update_restores_the_previous_dataset(store, monkeypatch, tmp_path):
    """The database holds dataset A; a load of A' (changed values, new rows) fails in
    the middle: afterwards the database holds exactly A again."""
    from neo4j.exceptions import ServiceUnavailable

    old = load_dataset(DEMO, dated=False)
    store_dataset(old, store)
    before = snapshot(store)
    t = {name: f.copy() for name, f in old.tables.items()}
    e = t["enterprises"]
    e.loc[0, "name"] = "改名后的公司"
    e.loc[1, "net_assets"] = float("nan")
    e.loc[2, "tags"] = "lgfv"
    t["guarantees"].loc[0, "amount"] = 1.5
    t["shareholdings"].loc[0, "share_pct"] = 1.25
    extra = pd.DataFrame({"id": ["E_NEW"], "name": ["新公司"]})
    e = pd.concat([e, extra], ignore_index=True)
    t["enterprises"] = e
    from graphrisk.io.export import write_dataset

    path = write_dataset(t, tmp_path / "changed")
    changed = load_dataset(path)
    seen = _fail_after(monkeypatch, 11, ServiceUnavailable("connection dropped"))
    with pytest.raises(StoreError, match=r"rolled back \(\d+ nodes .* [1-9]\d* elements "
                       "restored; the database is as it was before the load"):
        store_dataset(changed, store, batch_size=25)
    assert seen["n"] == 12
    assert snapshot(store) == before
    assert_same_tables(old, read_dataset(store))


def test_rollback_that_cannot_finish_names_the_load(store, monkeypatch, small):
    _fail_after(monkeypatch, 2)

    def broken(*args, **kwargs):
        raise StoreError("cannot reach Neo4j")

    monkeypatch.setattr(nl, "rollback_load", broken)
    with pytest.raises(StoreError, match=r"rollback could not finish .*`graphrisk neo4j "
                       r"rollback (\S+)") as err:
        store_dataset(small, store, batch_size=2)
    load_id = str(err.value).split("graphrisk neo4j rollback ")[1].split("`")[0]
    monkeypatch.undo()
    assert not store.is_empty()
    assert rollback_load(store, load_id)["nodes"] > 0
    assert store.is_empty()


def test_conflicting_data_is_refused_before_writing(store, make_dataset):
    a = make_dataset(enterprises="id,name\nE1,a\nE2,b\nE3,c\n", persons="id,name\nP1,p\n",
                     guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,E2,10\n")
    store_dataset(a, store)
    before = snapshot(store)
    b = make_dataset(enterprises="id,name\nE1,a\nE2,b\nE3,c\nE4,d\n",
                     guarantees="id,guarantor_id,borrower_id,amount\nG1,E3,E2,10\n")
    with pytest.raises(StoreError, match=r"(?s)nothing was written.*guarantee 'G1' links "
                       r"'E1' → 'E2' in the database but 'E3' → 'E2'"):
        store_dataset(b, store)
    c = make_dataset(enterprises="id,name\nE1,a\n", persons="id,name\nE2,b\n")
    with pytest.raises(StoreError, match="'E2' is stored as Enterprise but is a Person in the dataset"):
        store_dataset(c, store)
    assert snapshot(store) == before
    store_dataset(b, store, wipe=True)  # --wipe replaces the content
    assert store.counts()["Enterprise"] == 4 and store.counts()["Person"] == 0


def test_injection_through_names_and_ids_is_stored_as_data(store, make_dataset):
    names = [INJECTION, '" RETURN 1 //', "`x`) DETACH DELETE n //", "$sep {id: 1}", "a\\b"]
    rows = "\n".join(f'E{i},"{n.replace(chr(34), chr(34) * 2)}"' for i, n in enumerate(names))
    path = make_dataset(enterprises=f"id,name\n{rows}\nE'9,o'brien\n",
                        guarantees="id,guarantor_id,borrower_id,amount\n\"G'})//\",E'9,E0,1\n")
    ds = load_dataset(path)
    store_dataset(ds, store)
    assert store.counts()["Enterprise"] == len(names) + 1
    assert_same_tables(ds, read_dataset(store))
    # query parameters carrying Cypher are data too
    r = cli(store, "neo4j", "query", "chain_downstream", "--param", "id=E'9")
    assert r.exit_code == 0, r.output
    assert "E0" in r.stdout
    r = cli(store, "neo4j", "query", "chain_downstream", "--param", f"id={INJECTION}")
    assert r.exit_code == 1 and "is not an enterprise, person or institution" in r.output
    r = cli(store, "neo4j", "query", "equity_holdings", "--param", "id=E0",
            "--param", "max_depth=2}]->(x) DETACH DELETE x //")
    assert r.exit_code == 1 and "must be a whole number" in r.output
    r = cli(store, "neo4j", "query", "mutual_pairs", "--param", "limit=1 MATCH (n) DELETE n")
    assert r.exit_code == 1
    assert store.counts()["Enterprise"] == len(names) + 1


def test_cli_load_reports_and_analysis_commands_read_the_uri(store):
    r = cli(store, "neo4j", "load", DEMO, "--wipe", "--format", "json", "--batch-size", "50")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    # every row, live or expired at the demo's 2026-03-31 (G005, G006, G012, G014, G027, G031)
    assert data["counts"]["GUARANTEES"] == 33 and data["total_rows"] == 384  # 53 + 30 + 6 + 82 + 64 + 92 + 33 + 24 events
    assert data["wiped"] is not None
    assert (data["as_of"], data["region"]) == ("2026-03-31", "青山县")
    # an analysis on bolt://… applies the stored as_of, like one on the folder
    uri = f"{store.params.uri}/{store.params.database}"
    a = cli(store, "summary", uri, "--format", "json")
    b = cli(store, "summary", DEMO, "--format", "json")
    assert a.exit_code == 0 and b.exit_code == 0, a.output
    from_neo4j, from_files = json.loads(a.stdout), json.loads(b.stdout)
    assert from_neo4j.pop("source") == uri and from_neo4j.pop("encodings")
    from_files.pop("source"), from_files.pop("encodings")
    for doc, where in ((from_neo4j, "neo4j[guarantees]"), (from_files, "guarantees.csv")):
        assert [x.pop("file") for x in doc["excluded_rows"]] == [where] * len(EXPIRED)
    assert [x["id"] for x in from_neo4j["excluded_rows"]] == list(EXPIRED)
    assert from_neo4j == from_files
    r = cli(store, "neo4j", "info", "--format", "json")
    assert json.loads(r.stdout)["counts"]["Enterprise"] == 53
    r = cli(store, "validate", uri, "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["valid"] is True


def test_read_back_validates_the_graph(store):
    store.run("CREATE (:Enterprise {id: 'E1', name: 'a'}), (:Enterprise {id: 'E2'})")
    store.run("MATCH (a:Enterprise {id: 'E1'}), (b:Enterprise {id: 'E2'}) "
              "CREATE (a)-[:HOLDS_SHARES {share_pct: 150.0}]->(b)")
    with pytest.raises(DatasetError) as err:
        read_dataset(store)
    text = str(err.value)
    assert "neo4j[enterprises]:3: name is empty but required" in text
    assert "share_pct '150.0' is outside (0, 100]" in text
    store.wipe()
    with pytest.raises(DatasetError, match="holds no Enterprise node"):
        read_dataset(store)


def test_wipe_leaves_other_labels_alone(store, small):
    store.run("CREATE (:Note {text: 'not graphrisk'})")
    try:
        store_dataset(small, store, wipe=True)
        store.wipe()
        assert store.run("MATCH (n:Note) RETURN count(n) AS c")[0]["c"] == 1
    finally:
        store.run("MATCH (n:Note) DELETE n")
    assert SMALL


def test_cli_annotate_query_and_password_prompt(store, tmp_path):
    assert cli(store, "neo4j", "load", DEMO).exit_code == 0
    r = cli(store, "neo4j", "annotate", "--format", "json")  # reads the graph itself
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    # at the stored as_of 2026-03-31: the 27 live guarantees of the 33 stored
    assert data["annotated"]["group_id"] > 0 and data["edges_annotated"] == 27
    assert data["as_of"] == "2026-03-31" and "6 guarantees" in r.stderr
    meta = store.run("MATCH (d:Dataset) RETURN d.annotated_as_of AS a")
    assert [m["a"].iso_format() for m in meta] == ["2026-03-31"]
    pats = {x["id"]: x["p"] for x in store.run(
        "MATCH ()-[g:GUARANTEES]->() RETURN g.id AS id, g.patterns AS p")}
    assert {g for g, p in pats.items() if p is None} == set(EXPIRED)
    r = cli(store, "neo4j", "annotate", "--as-of", "2025-06-30", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["as_of"] == "2025-06-30"
    r = cli(store, "neo4j", "query", "bank_exposure_by_group", "--param", "bank=I01",
            "--format", "csv", "-o", tmp_path / "x.csv")
    assert r.exit_code == 0, r.output
    text = (tmp_path / "x.csv").read_text("utf-8-sig")
    assert text.splitlines()[0] == "group_id,group_size,borrowers,loans,balance,npl_balance,share"
    assert "GRP001" in text
    r = cli(store, "neo4j", "query", "guarantee_circles", "--param", "max_length=3")
    assert r.exit_code == 0 and "guarantee_circles (max_length=3, limit=1000)" in r.stdout
    # the password is asked for (the test server accepts any), never an option value
    env = {"NEO4J_URI": store.params.uri, "NEO4J_PASSWORD": None}
    r = CliRunner().invoke(main, ["neo4j", "info", "--password-prompt"], env=env,
                           input="not-in-history\n")
    assert r.exit_code == 0, r.output
    assert "not-in-history" not in r.output
    r = cli(store, "neo4j", "export", "-o", tmp_path / "demo.xlsx", "--lang", "zh")
    assert r.exit_code == 0, r.output
    assert_same_tables(load_dataset(DEMO, dated=False),
                       load_dataset(tmp_path / "demo.xlsx", dated=False), lines=False)


# ------------------------------------------------------------- dates and the period
def test_dates_are_stored_as_neo4j_dates_and_every_row_is_loaded(store):
    r = cli(store, "neo4j", "load", DEMO)  # the CLI loads every row, expired ones too
    assert r.exit_code == 0, r.output
    assert "period: as of 2026-03-31, 青山县" in r.stdout
    g = store.run("MATCH ()-[g:GUARANTEES]->() RETURN g.id AS id, g.start_date AS s, "
                  "g.end_date AS e, valueType(g.start_date) AS ts, valueType(g.end_date) AS te")
    assert {x["id"] for x in g} >= set(EXPIRED) and len(g) == 33
    assert {x["ts"] for x in g} == {x["te"] for x in g} == {"DATE NOT NULL"}
    g006 = next(x for x in g if x["id"] == "G006")  # guarantees.csv:7
    assert (g006["s"].iso_format(), g006["e"].iso_format()) == ("2024-06-18", "2025-08-17")
    lo = store.run("MATCH (l:Loan {id: 'L001'}) RETURN l.start_date AS s, l.maturity_date AS m, "
                   "valueType(l.maturity_date) AS t")[0]  # loans.csv:2
    assert (lo["s"].iso_format(), lo["m"].iso_format(), lo["t"]) == \
        ("2024-06-15", "2027-06-14", "DATE NOT NULL")
    sh = store.run("MATCH (:Person {id: 'P001'})-[r:HOLDS_SHARES]->"
                   "(:Enterprise {id: '91331122704512863R'}) RETURN r.as_of AS a")
    assert [x["a"].iso_format() for x in sh] == ["2025-12-31"]  # shareholdings.csv:2
    # an empty as_of cell is an absent property (44 of the 64 demo holdings have none)
    n = store.run("MATCH ()-[r:HOLDS_SHARES]->() RETURN count(r.as_of) AS dated, count(r) AS n")
    assert n == [{"dated": 20, "n": 64}]
    ev = store.run("MATCH (n:Enterprise {id: '91331122MA2C1M4R7M'}) "
                   "RETURN n.event_dates AS d, size(n.events) AS k")[0]  # events.csv:2-3
    assert [d.iso_format() for d in ev["d"]][:2] == ["2025-08-12", "2025-11-03"]
    assert len(ev["d"]) == ev["k"]
    meta = store.run("MATCH (d:Dataset) RETURN properties(d) AS p")
    assert len(meta) == 1
    p = meta[0]["p"]
    assert (p["id"], p["as_of"].iso_format(), p["region"]) == ("dataset", "2026-03-31", "青山县")
    assert p["source"] == str(DEMO) and p["_load"]


def test_the_period_and_dates_round_trip_through_read_dataset(store):
    ds = load_dataset(DEMO, dated=False)
    store_dataset(ds, store)
    back = read_dataset(store)
    assert (back.as_of, back.region, back.dated) == ("2026-03-31", "青山县", False)
    assert_same_tables(ds, back)  # every date as ISO text, the expired guarantees included
    g = back.guarantees.set_index("id")
    assert (g.loc["G006", "start_date"], g.loc["G006", "end_date"]) == ("2024-06-18",
                                                                         "2025-08-17")
    from graphrisk.io.asof import apply_as_of

    live = apply_as_of(back)  # at the stored as_of, as the CLI does for bolt://…
    assert live.as_of == "2026-03-31"
    assert sorted(live.excluded["id"]) == list(EXPIRED)
    assert_same_tables(apply_as_of(ds), live)


def test_a_dataset_without_a_period_clears_the_stored_one(store, small):
    store_dataset(load_dataset(DEMO, dated=False), store)
    store_dataset(small, store, wipe=True)
    assert store.run("MATCH (d:Dataset) RETURN properties(d) AS p")[0]["p"].keys() == \
        {"id", "source", "_load"}
    back = read_dataset(store)
    assert (back.as_of, back.region) == ("", "")
    ds = load_dataset(small)
    again = store_dataset(dataclasses.replace(ds, as_of="2025-12-31", region="东城"), store)
    assert (again.as_of, again.region) == ("2025-12-31", "东城")
    assert (read_dataset(store).as_of, read_dataset(store).region) == ("2025-12-31", "东城")
    store_dataset(ds, store)  # a reload without a period removes it (no stale date)
    assert read_dataset(store).as_of == ""


def test_a_failed_load_restores_the_stored_period(store, monkeypatch):
    ds = load_dataset(DEMO, dated=False)
    store_dataset(ds, store)
    before = snapshot(store)
    later = dataclasses.replace(ds, as_of="2026-06-30", region="别处")
    batches = sum(-(-s.size // 10_000) for s in nl.plan(later))
    _fail_after(monkeypatch, batches - 1)  # fails on the last batch: the Dataset node
    with pytest.raises(StoreError, match="rolled back"):
        store_dataset(later, store, batch_size=10_000)
    assert snapshot(store) == before
    assert read_dataset(store).as_of == "2026-03-31"


def test_a_hand_edited_period_is_validated(store, small):
    store_dataset(small, store)
    store.run("MATCH (d:Dataset) SET d.as_of = '31/12/2025'")
    with pytest.raises(DatasetError, match=r"neo4j\[Dataset\].*as_of '31/12/2025' is not a date"):
        read_dataset(store)
    store.run("MATCH (d:Dataset) SET d.as_of = '2025-12-31'")  # text typed in Browser is fine
    assert read_dataset(store).as_of == "2025-12-31"
