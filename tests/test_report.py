"""``build_report`` and the ``report`` command, end to end."""

import gzip
import json
import re
import subprocess
import sys

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from graphrisk.cli import main
from graphrisk.errors import ParameterError
from graphrisk.io.load import load_dataset
from graphrisk.io.summary import summarize
from graphrisk.params import ReportParams
from graphrisk.report.build import FILE_STEPS, SECTIONS, build_report
from graphrisk.report.sections import JSON_TOP
from graphrisk.synth import GeneratorParams, generate, write_dataset

from .conftest import DEMO, DEMO_GBK, DEMO_XLSX, run

FAST = ReportParams(runs=100)
XSS = ("<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>")


def _sccs(ds):
    G = nx.DiGraph()
    g = ds.tables["guarantees"]
    G.add_edges_from(zip(g["guarantor_id"], g["borrower_id"], strict=True))
    G.remove_edges_from(nx.selfloop_edges(G))
    return [c for c in nx.strongly_connected_components(G) if len(c) > 1]


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "demo"
    ds = load_dataset(DEMO)
    return ds, build_report(ds, out, params=FAST)


def test_demo_report_files(demo_report):
    ds, res = demo_report
    out = res.path
    assert {p.name for p in out.iterdir()} >= {"index.html", "network.html", "report.xlsx",
                                               "json", "circles"}
    assert not list(out.parent.glob(".demo.partial-*"))
    index = json.loads((out / "json" / "report.json").read_text("utf-8"))
    # every section but 本期变化, which needs a previous period (tests/test_report_time.py)
    assert [s["key"] for s in index["sections"]] == [k for k, _ in SECTIONS if k != "changes"]
    for s in index["sections"]:
        assert s["available"] == (out / "json" / f"{s['key']}.json").exists() or s["json"] is None
    # the demo has fewer circles than the default 200 pages: one page per circle, as many
    # as networkx finds strongly connected components
    circles = _sccs(ds)
    assert res.circle_pages == len(circles) == len(list((out / "circles").glob("*.html")))
    doc = json.loads((out / "json" / "circles.json").read_text("utf-8"))
    assert sorted(sorted(c["members"]) for c in doc["circles"]) == sorted(sorted(c) for c in circles)
    table = pd.read_csv(out / "tables" / "circles.csv.gz", encoding="utf-8-sig")
    assert sorted(sorted(m.split(";")) for m in table["members"]) == sorted(sorted(c) for c in circles)
    assert {f["file"] for f in index["files"]} == {
        f"tables/{p.name}" for p in (out / "tables").iterdir()}
    # the overview is the summary of the dataset
    summary = json.loads((out / "json" / "summary.json").read_text("utf-8"))
    assert summary["loans"] == summarize(ds)["loans"]


def test_demo_report_html(demo_report):
    ds, res = demo_report
    html = (res.path / "index.html").read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and "担保网络风险报告" in html
    assert "Noto Sans CJK SC" in html and "Microsoft YaHei" in html
    for title in ("总体情况", "担保圈与担保群", "最长担保链"):
        assert title in html
    assert not re.search(r"https?:", html)        # no external reference of any kind
    assert html.count("<svg") >= 3                 # charts are inline SVG
    assert 'href="circles/C001.html"' in html and 'href="network.html"' in html
    # every circle appears with its committee flag as computed by the analysis
    doc = json.loads((res.path / "json" / "circles.json").read_text("utf-8"))
    for c in doc["circles"]:
        assert f">{c['id']}</a>" in html
    page = (res.path / "circles" / "C001.html").read_text("utf-8")
    c1 = doc["circles"][0]
    assert all(name in page for name in c1["names"])
    # creditors' committees (SPEC §5): 青山置业 (in distress, 5,600 万元, 4 banks) needs one,
    # and C001 through it — not on its 4 banks alone, as 0.1.0 flagged it
    assert "债权人委员会（按债务人）" in html and "需组建债委会的债务人" in html
    assert doc["committees"]["summary"]["committees"] == 1
    assert c1["watch"] is True and c1["creditor_committee"] is True
    assert "青山置业有限公司" in page and "成员共欠 4 家银行" in page
    assert 'href="../network.html#circle=C001"' in page and not re.search(r"https?:", page)
    assert page.count("<circle ") == c1["size"]      # one node per member in the drawing


def test_demo_workbook_has_every_table_with_chinese_headers(demo_report):
    _, res = demo_report
    wb = load_workbook(res.path / "report.xlsx")
    assert "担保圈（按风险排序）" in wb.sheetnames and "按贷款人统计" in wb.sheetnames
    for ws in wb.worksheets:
        header = next(ws.iter_rows(max_row=1, values_only=True))
        assert any(re.search(r"[\u4e00-\u9fff]", str(h)) for h in header), ws.title
    ws = wb["担保圈（按风险排序）"]
    doc = json.loads((res.path / "json" / "circles.json").read_text("utf-8"))
    assert ws.max_row - 1 == len(doc["circles"])


def test_report_shows_a_committee_due(make_dataset, tmp_path):
    """SPEC §5: a committee is due for D, defaulted, owing three banks 6,000 万元; the
    circle D ↔ A needs one through D: the report's committees table lists D first and the
    circle page says 须组建债权人委员会 with the member named."""
    folder = make_dataset(
        enterprises="id,name,status,net_assets\nD,违约企业,defaulted,100\nA,甲企业,normal,100\n",
        institutions="id,name,type\nK1,银行一,bank\nK2,银行二,bank\nK3,银行三,bank\n",
        loans="""
            id,borrower_id,lender_id,balance
            L1,D,K1,3000
            L2,D,K2,2000
            L3,D,K3,1000
            L4,A,K1,100
            """,
        guarantees="id,guarantor_id,borrower_id,amount\nG1,D,A,100\nG2,A,D,100\n")
    res = build_report(load_dataset(folder), tmp_path / "rep", params=FAST)
    doc = json.loads((res.path / "json" / "circles.json").read_text("utf-8"))
    assert [d["debtor"] for d in doc["committees"]["committees"]] == ["D"]
    assert doc["circles"][0]["creditor_committee"] is True
    html = (res.path / "index.html").read_text("utf-8")
    assert "债权银行 3 家（≥ 3 家）" in html
    page = (res.path / "circles" / "C001.html").read_text("utf-8")
    assert "须组建债权人委员会：成员须组建债权人委员会：违约企业" in page
    wb = load_workbook(res.path / "report.xlsx")
    assert any(name.startswith("债权人委员会") for name in wb.sheetnames)


def test_english_report(small, tmp_path):
    ds = load_dataset(small)
    res = build_report(ds, tmp_path / "en", lang="en", params=FAST)
    html = (res.path / "index.html").read_text("utf-8")
    assert "Guarantee-network risk report" in html and 'lang="en"' in html
    net = (res.path / "network.html").read_text("utf-8")
    assert '"lang":"en"' in net


def test_a_broken_analysis_module_fails_the_report_import():
    """Issue: "Remove the ImportError guards …: a broken import must fail" — the report no
    longer turns a missing analysis module into a note."""
    code = ("import sys; sys.modules['graphrisk.network.metrics'] = None\n"
            "import graphrisk.report.build")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode != 0 and "ModuleNotFoundError: import of graphrisk.network.metrics" in run.stderr


def test_failure_leaves_nothing_and_keeps_the_old_report(small, tmp_path, monkeypatch):
    ds = load_dataset(small)
    out = tmp_path / "r"
    build_report(ds, out, params=FAST)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr("graphrisk.report.build.write_workbook", boom)
    with pytest.raises(RuntimeError):
        build_report(ds, out, params=FAST)
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name or ".old" in p.name]
    with pytest.raises(RuntimeError):
        build_report(ds, tmp_path / "new", params=FAST)
    assert not (tmp_path / "new").exists()


def test_refuses_a_folder_that_is_not_a_report(small, tmp_path):
    ds = load_dataset(small)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("x")
    with pytest.raises(ParameterError, match="holds no graphrisk report"):
        build_report(ds, tmp_path / "mine", params=FAST)
    assert (tmp_path / "mine" / "thesis.docx").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ParameterError, match="not a folder"):
        build_report(ds, tmp_path / "file", params=FAST)


@pytest.mark.parametrize("name", XSS)
def test_hostile_names_are_escaped_everywhere(make_dataset, tmp_path, name):
    quoted = '"' + name.replace('"', '""') + '"'
    ds = load_dataset(make_dataset(
        enterprises=f"id,name,net_assets,status\nE1,{quoted},10,normal\nE2,乙,10,defaulted\n",
        institutions=f"id,name,type\nB1,{quoted},bank\n",
        loans="id,borrower_id,lender_id,balance,classification\nL1,E1,B1,100,normal\n"
              "L2,E2,B1,100,loss\n",
        guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,E2,100\nG2,E2,E1,100\n"))
    res = build_report(ds, tmp_path / "x", params=FAST)
    pages = [res.path / "index.html", res.path / "network.html", *res.path.glob("circles/*.html")]
    assert len(pages) == 3
    for page in pages:
        html = page.read_text("utf-8")
        assert name not in html, page.name
        assert "alert(1)" in html, page.name     # shown, as text
    wb = load_workbook(res.path / "report.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == name]
    assert cells and all(c.data_type == "s" for c in cells)


# --------------------------------------------------------------------------- CLI
def test_cli_report(small, tmp_path):
    out = tmp_path / "out"
    r = run("report", small, "-o", out, "--runs", 100, "-q")
    assert r.exit_code == 0, r.output
    assert "wrote" in r.output and (out / "index.html").exists()
    r = run("report", small, "-o", out, "--runs", 100, "--lang", "en", "-q")
    assert r.exit_code == 0 and "Overview" in (out / "index.html").read_text("utf-8")


def test_cli_report_errors_are_clean(make_dataset, small, tmp_path):
    bad = make_dataset(enterprises="id,name\nE1,a\n", loans="id,borrower_id,lender_id,balance\nL1,E1,X,1\n")
    r = run("report", bad, "-o", tmp_path / "o")
    assert r.exit_code == 1 and "loans.csv:2" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o").exists()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "a.txt").write_text("x")
    r = run("report", small, "-o", tmp_path / "busy", "-q")
    assert r.exit_code == 1 and "holds no graphrisk report" in r.output
    r = run("report", small, "-o", tmp_path / "o2", "--top", 0)
    assert r.exit_code == 1 and "top must be >= 1" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("source", [DEMO, DEMO_XLSX, DEMO_GBK], ids=["csv", "xlsx", "gbk"])
def test_cli_report_on_every_demo_form(source, tmp_path):
    out = tmp_path / "out"
    r = run("report", source, "-o", out, "--runs", 100, "-q")
    assert r.exit_code == 0, r.output
    summary = json.loads((out / "json" / "summary.json").read_text("utf-8"))
    ref = summarize(load_dataset(DEMO))
    assert summary["loans"] == ref["loans"] and summary["nodes"] == ref["nodes"]
    assert (out / "network.html").stat().st_size > 100_000


def test_page_circle_ids_match_the_circle_pages(demo_report):
    _, res = demo_report
    html = (res.path / "network.html").read_text("utf-8")
    data = json.loads(re.search(r'id="graph-data">(.*?)</script>', html, re.S).group(1))
    doc = json.loads((res.path / "json" / "circles.json").read_text("utf-8"))
    page = {c["id"]: sorted(data["nodes"]["id"][i] for i in c["members"]) for c in data["circles"]}
    assert page == {c["id"]: sorted(c["members"]) for c in doc["circles"]}
    assert set(page) == {p.stem for p in (res.path / "circles").glob("*.html")}
    groups = {g["id"]: g["size"] for g in data["groups"]}
    assert groups == {g["id"]: g["size"] for g in doc["groups"]}


def test_cli_progress_bar_goes_to_stderr(small, tmp_path):
    r = CliRunner().invoke(main, ["report", str(small), "-o", str(tmp_path / "o"),
                                  "--runs", "50"])
    assert r.exit_code == 0, r.output
    assert r.stdout == ""                        # nothing on standard output
    total = len(SECTIONS) + len(FILE_STEPS)      # sections, then the files
    assert "watchlist" in r.stderr and f"{total}/{total}" in r.stderr


def test_skip_sections(small, tmp_path):
    out = tmp_path / "o"
    r = run("report", small, "-o", out, "--runs", 50, "--skip", "strategies", "--skip",
            "related", "-q")
    assert r.exit_code == 0, r.output
    index = json.loads((out / "json" / "report.json").read_text("utf-8"))
    off = {s["key"]: s["note"] for s in index["sections"] if not s["available"]}
    assert set(off) == {"strategies", "related"} and "--skip" in off["related"]
    assert not (out / "json" / "related.json").exists()
    r = run("report", small, "-o", tmp_path / "p", "--skip", "bogus", "-q")
    assert r.exit_code == 1 and "unknown section(s) bogus" in r.output
    assert not (tmp_path / "p").exists()


# ------------------------------------------------------------- a report at scale
def _index_rows(html: str) -> dict:
    return json.loads(re.search(r'id="index-data">(.*?)</script>', html, re.S).group(1))


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """A circle-heavy generated county (3,000 enterprises, hundreds of circles), reported
    with 5 circle pages."""
    root = tmp_path_factory.mktemp("many")
    write_dataset(generate(3000, seed=1, params=GeneratorParams.circle_heavy_preset()),
                  root / "ds")
    ds = load_dataset(root / "ds")
    res = build_report(ds, root / "rep", circle_pages=5,
                       params=ReportParams(runs=50, skip=("strategies",)))
    return ds, res


def _circle_loans(ds) -> list[tuple[float, int, frozenset]]:
    """Every circle (networkx SCC) with its loan total (members' balances), riskiest first."""
    loans = ds.tables["loans"].groupby("borrower_id")["balance"].sum()
    out = [(float(loans.reindex(list(c)).fillna(0).sum()), len(c), frozenset(c))
           for c in _sccs(ds)]
    return sorted(out, key=lambda t: (-t[0], -t[1]))


def test_circle_pages_are_the_top_circles_by_loan_total(many):
    """Issue #15: "pages for the top circles by risk (--circle-pages N) plus one index of
    all circles and groups" — risk is the circle's loan total (docs/report.md)."""
    ds, res = many
    ranked = _circle_loans(ds)
    assert len(ranked) > 100 and ranked[4][0] > ranked[5][0]  # no tie at the cut
    pages = sorted((res.path / "circles").glob("*.html"))
    assert res.circle_pages == len(pages) == 5
    table = pd.read_csv(res.path / "tables" / "circles.csv.gz", encoding="utf-8-sig")
    by_id = {r.id: frozenset(r.members.split(";")) for r in table.itertuples()}
    assert {by_id[p.stem] for p in pages} == {c for _, _, c in ranked[:5]}
    assert np.allclose(table["loan_total"], [t[0] for t in ranked])  # the CSV in risk order
    # the index lists every circle and every group (networkx: weak components of >= 2)
    data = _index_rows((res.path / "circles.html").read_text("utf-8"))
    rows = data["circles"]["rows"]
    cols = data["circles"]["cols"]
    assert len(rows) == len(ranked)
    assert sorted(r[cols.index("id")] for r in rows if r[cols.index("page")]) == sorted(
        p.stem for p in pages)
    G = nx.DiGraph()
    g = ds.tables["guarantees"]
    G.add_edges_from(zip(g["guarantor_id"], g["borrower_id"], strict=True))
    groups = [c for c in nx.weakly_connected_components(G) if len(c) > 1]
    assert len(data["groups"]["rows"]) == len(groups)
    html = (res.path / "index.html").read_text("utf-8")
    assert 'href="circles.html"' in html
    assert sum(f'href="circles/{p.stem}.html"' in html for p in pages) == 5


def test_large_tables_are_gzip_csv_readable_by_pandas(many):
    """Issue #15: "large tables (edges, exposure rows, every watchlist entry) as compressed
    CSV next to the JSON summaries"; the JSON keeps the first rows."""
    ds, res = many
    t = res.path / "tables"
    for p in t.iterdir():
        assert gzip.decompress(p.read_bytes()).startswith("\ufeff".encode())  # BOM for Excel
    edges = pd.read_csv(t / "guarantees.csv.gz", encoding="utf-8-sig")
    assert sorted(edges["id"]) == sorted(ds.tables["guarantees"]["id"])
    wl = json.loads((res.path / "json" / "watchlist.json").read_text("utf-8"))
    watch = pd.read_csv(t / "watchlist.csv.gz", encoding="utf-8-sig", keep_default_na=False)
    assert len(watch) == wl["counts"]["listed"] == wl["enterprises_count"]
    assert len(wl["enterprises"]) == min(JSON_TOP, len(watch))
    rel = json.loads((res.path / "json" / "related.json").read_text("utf-8"))
    pairs = pd.read_csv(t / "related_pairs.csv.gz", encoding="utf-8-sig")
    assert len(pairs) == rel["pair_count"] and (pairs["a"] < pairs["b"]).all()
    mc = pd.read_csv(t / "contagion_entities.csv.gz", encoding="utf-8-sig")
    assert len(mc) == len(ds.tables["enterprises"])
    members = pd.read_csv(t / "group_members.csv.gz", encoding="utf-8-sig",
                          keep_default_na=False)
    assert members["id"].is_unique and members["group"].nunique() == len(
        pd.read_csv(t / "groups.csv.gz", encoding="utf-8-sig"))
    expo = pd.read_csv(t / "exposure_borrowers.csv.gz", encoding="utf-8-sig")
    loans = ds.tables["loans"]
    top = json.loads((res.path / "json" / "exposure.json").read_text("utf-8"))["lenders"]
    for d in top[:3]:
        mine = expo[expo["lender_id"] == d["lender"]["id"]]
        assert len(mine) == d["borrowers_count"] == loans.loc[
            loans["lender_id"] == d["lender"]["id"], "borrower_id"].nunique()
    # a cut JSON list says how long it was; the workbook has every row
    summary = json.loads((res.path / "json" / "summary.json").read_text("utf-8"))
    lenders = load_workbook(res.path / "report.xlsx", read_only=True)["按贷款人统计"]
    count = summary["by_lender_count"]
    assert count == lenders.max_row - 1 and len(summary["by_lender"]) == min(JSON_TOP, count)
    # the JSON documents are compact (no indentation)
    assert "\n " not in (res.path / "json" / "circles.json").read_text("utf-8")


def test_csv_cells_are_guarded_against_formulas(make_dataset, tmp_path):
    """OWASP CSV injection: a name starting with = + - @ opens as text in Excel."""
    evil = '=HYPERLINK("http://x","y")'
    ds = load_dataset(make_dataset(
        enterprises=f'id,name,net_assets,status\nE1,"{evil.replace(chr(34), 2 * chr(34))}",10,'
                    "normal\nE2,@SUM(A1),10,defaulted\n",
        institutions="id,name,type\nB1,-1+2,bank\n",
        loans="id,borrower_id,lender_id,balance,classification\nL1,E1,B1,100,normal\n"
              "L2,E2,B1,100,loss\n",
        guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,E2,100\nG2,E2,E1,100\n"))
    res = build_report(ds, tmp_path / "x", params=FAST)
    cells = set()
    for p in (res.path / "tables").iterdir():
        frame = pd.read_csv(p, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        cells |= {v for col in frame for v in frame[col]}
    assert "'" + evil in cells and "'@SUM(A1)" in cells
    assert not any(v.startswith(("=", "+", "@")) for v in cells)
    assert "E1" in cells and "-1+2" not in cells


def test_monte_carlo_runs_once_per_report(small, tmp_path, monkeypatch):
    """Issue #15: "The Monte Carlo runs once per report (today twice)" — the loss
    histogram is drawn from the runs of the one monte_carlo call."""
    import graphrisk.report.sections_risk as sr

    calls = []
    real = sr.monte_carlo

    def counted(*a, **k):
        calls.append(k)
        return real(*a, **k)

    monkeypatch.setattr(sr, "monte_carlo", counted)
    res = build_report(load_dataset(small), tmp_path / "r",
                       params=ReportParams(runs=120, skip=("strategies",)))
    assert len(calls) == 1 and calls[0]["run_losses"] is True
    html = (res.path / "index.html").read_text("utf-8")
    hist = html[html.index("损失分布"):]
    hist = hist[:hist.index("</svg>")]
    assert sum(int(c) for c in re.findall(r"<title>[^<]*: (\d+)</title>", hist)) == 120


def test_cli_circle_pages_all_and_none(many, tmp_path):
    ds, _ = many
    out = tmp_path / "none"
    r = run("report", ds.source, "-o", out, "--runs", 20, "--skip", "strategies",
            "--circle-pages", 0, "-q")
    assert r.exit_code == 0, r.output
    assert not (out / "circles").exists() and (out / "circles.html").exists()
    index = json.loads((out / "json" / "report.json").read_text("utf-8"))
    assert index["circle_pages"] == [] and index["circle_pages_rule"]["top"] == 0
    out = tmp_path / "all"
    r = run("report", ds.source, "-o", out, "--runs", 20, "--skip", "strategies",
            "--circle-pages", "all", "-v")
    assert r.exit_code == 0, r.output
    assert len(list((out / "circles").glob("*.html"))) == len(_sccs(ds))
    assert re.search(r"time network_page +\d+\.\d+ s +peak", r.stderr)
    r = run("report", ds.source, "-o", tmp_path / "bad", "--circle-pages", "some")
    assert r.exit_code == 1 and "--circle-pages takes a number" in r.output


def test_cli_default_circle_pages_is_the_library_default():
    from graphrisk.cli.report import CIRCLE_PAGES as CLI
    from graphrisk.report.sections import CIRCLE_PAGES

    assert CLI == CIRCLE_PAGES == 200
