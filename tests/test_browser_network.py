"""The network page, the report and the circle pages in a real headless Chromium.

Each page is opened from a ``file://`` copy with every network access cut (see
``tests/browser_support.py``); the tests drive the page with real input events
(typing, clicks, a double-click on a node) and compare what is drawn with
independent counts from the dataset.  They fail instead of skipping when Chromium is
missing and ``GRAPHRISK_REQUIRE_SERVICES=1`` or ``CI`` is set.
"""

import json
import re
import shutil
import time

import networkx as nx
import pandas as pd
import pytest

from graphrisk.io.load import load_dataset
from graphrisk.params import ReportParams
from graphrisk.report.build import build_report
from graphrisk.report.network_page import network_page

from .browser_support import Browser, chromium_or_skip
from .conftest import DEMO

pytestmark = pytest.mark.browser

READY = "window.graphrisk && graphrisk.ready"
XSS = "<img src=x onerror=alert(1)>"
XSS2 = "</script><script>alert(2)</script>"


@pytest.fixture(scope="module")
def browser():
    exe = chromium_or_skip()
    with Browser(exe) as b:
        yield b


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo report, and a copy of its network page in another folder."""
    root = tmp_path_factory.mktemp("browser")
    ds = load_dataset(DEMO)
    res = build_report(ds, root / "report", params=ReportParams(runs=100))
    copy = root / "copied" / "network.html"
    copy.parent.mkdir()
    shutil.copy(res.path / "network.html", copy)
    return ds, res.path, copy


def _open(browser, path, downloads=None):
    page = browser.new_page(downloads=downloads)
    page.goto(path.as_uri(), ready=READY)
    return page


def _reference_edges(ds) -> int:
    """Distinct (from, to) pairs per relationship kind, straight from the tables."""
    t = ds.tables
    return (len(t["guarantees"].drop_duplicates(["guarantor_id", "borrower_id"]))
            + len(t["shareholdings"].drop_duplicates(["holder_id", "company_id"]))
            + len(t["positions"].drop_duplicates(["person_id", "company_id"]))
            + len(t["loans"].drop_duplicates(["borrower_id", "lender_id"])))


def _undirected(ds) -> nx.Graph:
    t = ds.tables
    G = nx.Graph()
    for name in ("enterprises", "persons", "institutions"):
        G.add_nodes_from(t[name]["id"])
    for table, a, b in (("guarantees", "guarantor_id", "borrower_id"),
                        ("shareholdings", "holder_id", "company_id"),
                        ("positions", "person_id", "company_id"),
                        ("loans", "borrower_id", "lender_id")):
        G.add_edges_from(zip(t[table][a], t[table][b], strict=True))
    return G


def test_opens_offline_and_draws_all_the_data(browser, demo):
    ds, _, copy = demo
    page = _open(browser, copy)
    assert page.console_errors() == []
    assert page.dialogs() == []
    # the only thing ever requested is the file itself
    assert page.requests() == [copy.as_uri()]
    entities = sum(len(ds.tables[t]) for t in ("enterprises", "persons", "institutions"))
    assert page.evaluate("graphrisk.nodesDrawn()") == entities
    assert page.evaluate("graphrisk.edgesDrawn()") == _reference_edges(ds)
    assert page.evaluate("graphrisk.mode") == "full"
    assert page.evaluate("document.getElementById('stats').textContent").startswith(str(entities))


def test_search_by_name_and_by_credit_code(browser, demo):
    ds, _, copy = demo
    e = ds.tables["enterprises"].iloc[5]
    page = _open(browser, copy)
    page.evaluate("document.getElementById('search').focus()")
    page.type_text(e["name"][:6])
    page.press("Enter")
    page.wait_for(f"graphrisk.selected === {json.dumps(e['id'])}", timeout=20)
    sel = page.evaluate("graphrisk.network.getSelectedNodes()")
    assert sel == [page.evaluate(f"graphrisk.indexOf({json.dumps(e['id'])})")]
    info = page.evaluate("document.getElementById('info').textContent")
    assert e["name"] in info and e["id"] in info
    other = ds.tables["enterprises"].iloc[9]
    page.evaluate("document.getElementById('search').value = ''")
    page.evaluate("document.getElementById('search').focus()")
    page.type_text(other["id"].lower())
    page.click(*_centre(page, "search-btn"))
    page.wait_for(f"graphrisk.selected === {json.dumps(other['id'])}", timeout=20)
    page.evaluate("document.getElementById('search').value = ''")
    page.evaluate("document.getElementById('search').focus()")
    page.type_text("没有这家企业")
    page.press("Enter")
    assert page.evaluate("document.getElementById('results').textContent") == "未找到"
    assert page.console_errors() == []


def _centre(page, element_id):
    r = page.evaluate(f"document.getElementById('{element_id}').getBoundingClientRect().toJSON()")
    return r["x"] + r["width"] / 2, r["y"] + r["height"] / 2


def test_circle_picker_highlights_and_dims(browser, demo):
    ds, out, copy = demo
    circles = json.loads((out / "json" / "circles.json").read_text("utf-8"))["circles"]
    page = _open(browser, copy)
    total = page.evaluate("graphrisk.nodesDrawn()")
    options = page.evaluate("[...document.querySelectorAll('#circle-pick option')].map(o => o.value)")
    assert options == [""] + [c["id"] for c in circles]
    for c in circles[:2]:
        page.evaluate(f"""(() => {{ const s = document.getElementById('circle-pick');
            s.value = {json.dumps(c['id'])}; s.dispatchEvent(new Event('change')); }})()""")
        assert page.evaluate("graphrisk.highlighted()") == c["size"]
        assert page.evaluate("graphrisk.dimmed()") == total - c["size"]
        # the highlighted nodes are exactly the members
        lit = page.evaluate("graphrisk.network.body.data.nodes.get({filter: n => !n.dimmed})"
                            ".map(n => graphrisk.network.body.data.nodes.get(n.id).id)")
        ids = page.evaluate(f"{json.dumps(lit)}.map(i => JSON.parse(document.getElementById("
                            "'graph-data').textContent).nodes.id[i])")
        assert sorted(ids) == sorted(c["members"])
    page.click(*_centre(page, "show-all"))
    assert page.evaluate("graphrisk.highlighted()") == 0
    assert page.evaluate("graphrisk.nodesDrawn()") == total


def test_double_click_shows_the_neighbourhood(browser, demo):
    ds, _, copy = demo
    G = _undirected(ds)
    page = _open(browser, copy)
    # the enterprise with the most neighbours, double-clicked with the mouse
    eid = max(ds.tables["enterprises"]["id"], key=lambda i: (G.degree(i), i))
    i = page.evaluate(f"graphrisk.indexOf({json.dumps(eid)})")
    page.evaluate(f"graphrisk.network.focus({i}, {{scale: 1.0, animation: false}})")
    pos = page.evaluate(f"graphrisk.canvasPosition({i})")
    box = page.evaluate("document.getElementById('graph').getBoundingClientRect().toJSON()")
    page.click(box["x"] + pos["x"], box["y"] + pos["y"], count=2)
    page.wait_for(f"graphrisk.nodesDrawn() < {G.number_of_nodes()}", timeout=20)
    assert page.evaluate("graphrisk.nodesDrawn()") == len(nx.ego_graph(G, eid, radius=1))
    assert page.evaluate("graphrisk.selected") == eid
    page.evaluate("document.getElementById('ego-hops').value = '2';"
                  "document.getElementById('ego-hops').dispatchEvent(new Event('change'))")
    assert page.evaluate("graphrisk.nodesDrawn()") == len(nx.ego_graph(G, eid, radius=2))


def test_filters(browser, demo):
    ds, _, copy = demo
    page = _open(browser, copy)
    edges = page.evaluate("graphrisk.edgesDrawn()")
    loans = len(ds.tables["loans"].drop_duplicates(["borrower_id", "lender_id"]))
    page.click(*_centre(page, "f-rel-3"))                 # the loans checkbox
    assert page.evaluate("graphrisk.edgesDrawn()") == edges - loans
    page.click(*_centre(page, "f-kind-1"))                # persons off
    persons = len(ds.tables["persons"])
    entities = page.evaluate("JSON.parse(document.getElementById('graph-data').textContent)"
                             ".nodes.id.length")
    assert page.evaluate("graphrisk.nodesDrawn()") == entities - persons
    # amount: guarantees below 1,000 万元 disappear
    g = ds.tables["guarantees"].groupby(["guarantor_id", "borrower_id"])["amount"].sum()
    page.evaluate("document.getElementById('f-kind-1').click()")       # persons back
    page.evaluate("const a = document.getElementById('f-amount'); a.value = '1000';"
                  "a.dispatchEvent(new Event('change'))")
    holdings = len(ds.tables["shareholdings"].drop_duplicates(["holder_id", "company_id"]))
    posts = len(ds.tables["positions"].drop_duplicates(["person_id", "company_id"]))
    assert page.evaluate("graphrisk.edgesDrawn()") == int((g >= 1000).sum()) + holdings + posts


def test_exports(browser, demo, tmp_path):
    ds, _, copy = demo
    page = _open(browser, copy, downloads=tmp_path)
    e = ds.tables["enterprises"].iloc[0]
    page.evaluate(f"graphrisk.search({json.dumps(e['id'])})")
    page.click(*_centre(page, "export-csv"))
    page.click(*_centre(page, "export-png"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(list(tmp_path.glob("graphrisk-*"))) < 2:
        time.sleep(0.1)
    csv = (tmp_path / "graphrisk-selection.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")
    rows = pd.read_csv(tmp_path / "graphrisk-selection.csv", encoding="utf-8-sig", dtype=str)
    assert rows["id"].tolist() == [e["id"]] and rows["name"].tolist() == [e["name"]]
    png = (tmp_path / "graphrisk-network.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_screenshot(browser, demo, tmp_path):
    _, _, copy = demo
    page = browser.new_page()
    page.goto(copy.as_uri() + "#circle=C001", ready=READY)
    assert page.evaluate("graphrisk.highlighted()") > 0
    shot = page.screenshot(tmp_path / "network.png")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    from .conftest import write_tables

    root = tmp_path_factory.mktemp("xss")
    q1, q2 = ('"' + s.replace('"', '""') + '"' for s in (XSS, XSS2))
    path = write_tables(root / "ds", {
        "enterprises": f"id,name,net_assets,status\nE1,{q1},10,normal\nE2,{q2},10,defaulted\n"
                       "E3,正常企业,10,normal\n",
        "institutions": f"id,name,type\nB1,{q1},bank\n",
        "loans": "id,borrower_id,lender_id,balance,classification\nL1,E1,B1,100,normal\n"
                 "L2,E2,B1,100,loss\nL3,E3,B1,100,normal\n",
        "guarantees": "id,guarantor_id,borrower_id,amount\nG1,E1,E2,100\nG2,E2,E1,100\n"
                      "G3,E3,E1,50\n"})
    res = build_report(load_dataset(path), root / "out", params=ReportParams(runs=50))
    return res.path


@pytest.mark.parametrize("which", ["network.html", "index.html", "circles/C001.html",
                                   "circles.html"])
def test_hostile_names_run_nothing(browser, hostile, which):
    page = browser.new_page()
    ready = READY if which == "network.html" else None
    page.goto((hostile / which).as_uri(), ready=ready)
    if which == "network.html":
        page.evaluate("graphrisk.search('E1')")
        page.evaluate("graphrisk.search('E2')")
        # hover tooltip text of E1 holds the name literally
        text = page.evaluate("document.getElementById('info').textContent")
        assert XSS2 in text
    time.sleep(0.3)
    assert page.dialogs() == []
    body = page.evaluate("document.body.innerText")
    assert XSS in body or which == "network.html"
    assert page.evaluate("document.querySelectorAll('img, script[src]').length") == 0
    assert page.console_errors() == []


def test_group_mode_drills_into_a_group(browser, tmp_path):
    ds = load_dataset(DEMO)
    html = network_page(ds, params=ReportParams(full_max_nodes=20))
    path = tmp_path / "groups.html"
    path.write_text(html, encoding="utf-8")
    data = json.loads(re.search(r'id="graph-data">(.*?)</script>', html, re.S).group(1))
    page = _open(browser, path)
    assert page.evaluate("graphrisk.mode") == "groups"
    assert page.evaluate("graphrisk.nodesDrawn()") == len(data["groups"])
    g = data["groups"][0]
    pos = page.evaluate("(() => { const n = graphrisk.network; const p = n.getPositions(['g0']).g0;"
                        " return n.canvasToDOM(p); })()")
    box = page.evaluate("document.getElementById('graph').getBoundingClientRect().toJSON()")
    page.click(box["x"] + pos["x"], box["y"] + pos["y"])
    page.wait_for(f"graphrisk.nodesDrawn() !== {len(data['groups'])}", timeout=20)
    assert page.evaluate("graphrisk.nodesDrawn()") == g["unit_size"]
    page.click(*_centre(page, "back-groups"))
    assert page.evaluate("graphrisk.nodesDrawn()") == len(data["groups"])
    # search reaches any entity: it opens the entity's group
    eid = data["nodes"]["id"][data["nodes"]["unit"].index(data["groups"][-1]["unit"])]
    page.evaluate(f"graphrisk.search({json.dumps(eid)})")
    assert page.evaluate("graphrisk.selected") == eid
    assert page.console_errors() == []


def test_hover_tooltip_is_plain_text(browser, demo):
    ds, _, copy = demo
    e = ds.tables["enterprises"].set_index("id")
    page = _open(browser, copy)
    eid = e.index[0]
    i = page.evaluate(f"graphrisk.indexOf({json.dumps(eid)})")
    page.evaluate(f"graphrisk.network.focus({i}, {{scale: 1.5, animation: false}})")
    pos = page.evaluate(f"graphrisk.canvasPosition({i})")
    box = page.evaluate("document.getElementById('graph').getBoundingClientRect().toJSON()")
    x, y = box["x"] + pos["x"], box["y"] + pos["y"]
    page.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x - 30, "y": y - 30})
    page.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
    page.wait_for("!document.getElementById('tip').hidden", timeout=20)
    tip = page.evaluate("document.getElementById('tip').textContent")
    capital = e.loc[eid, "paid_in_capital"]
    capital = e.loc[eid, "registered_capital"] if capital != capital else capital
    assert e.loc[eid, "name"] in tip and eid in tip and f"{capital:,.2f}" in tip
    assert page.evaluate("document.getElementById('tip').children.length") == 0  # text only


def test_tiny_dataset_without_links(browser, tmp_path):
    from .conftest import write_tables
    ds = load_dataset(write_tables(tmp_path / "ds", {"enterprises": "id,name\nE1,甲\n"}))
    path = tmp_path / "one.html"
    path.write_text(network_page(ds), encoding="utf-8")
    page = _open(browser, path)
    assert page.evaluate("[graphrisk.nodesDrawn(), graphrisk.edgesDrawn()]") == [1, 0]
    assert page.console_errors() == []


# ------------------------------------------------------------------ circles.html
INDEX_READY = "window.graphriskIndex && graphriskIndex.ready"


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """A circle-heavy county (3,000 enterprises, about 200 circles), 5 circle pages."""
    from graphrisk.synth import GeneratorParams, generate, write_dataset

    root = tmp_path_factory.mktemp("index")
    write_dataset(generate(3000, seed=1, params=GeneratorParams.circle_heavy_preset()),
                  root / "ds")
    ds = load_dataset(root / "ds")
    res = build_report(ds, root / "out", circle_pages=5,
                       params=ReportParams(runs=30, skip=("strategies",)))
    return ds, res.path


def test_circle_index_lists_searches_sorts_and_links(browser, many, tmp_path):
    """Issue #15: "one searchable, sortable index page of all circles and groups" that
    stays usable with many circles: rows are drawn a page at a time."""
    ds, out = many
    circles = pd.read_csv(out / "tables" / "circles.csv.gz", encoding="utf-8-sig")
    groups = pd.read_csv(out / "tables" / "groups.csv.gz", encoding="utf-8-sig")
    assert len(circles) > 150
    page = browser.new_page()
    page.goto((out / "circles.html").as_uri(), ready=INDEX_READY)
    assert page.console_errors() == [] and page.requests() == [(out / "circles.html").as_uri()]
    assert page.evaluate("graphriskIndex.total()") == len(circles)
    assert page.evaluate("graphriskIndex.rowsShown()") == 100      # one page of rows
    assert page.evaluate("graphriskIndex.firstIds(3)") == circles["id"][:3].tolist()
    # the first rows link to their pages, the others have none
    links = page.evaluate("Array.from(document.querySelectorAll('#body a')).map(a => a.getAttribute('href'))")
    pages = sorted(p.name for p in (out / "circles").glob("*.html"))
    assert sorted(h.split("/")[1] for h in links if h.startswith("circles/")) == pages
    # search by a member's name: the circles holding a member of that name
    name = circles["names"][7].split(";")[0]
    page.evaluate("document.getElementById('q').focus()")
    page.type_text(name)
    page.wait_for(f"graphriskIndex.total() < {len(circles)}")
    want = circles[circles["names"].str.split(";").map(lambda ns: any(name in n for n in ns))]
    assert page.evaluate("graphriskIndex.total()") == len(want)
    assert sorted(page.evaluate(f"graphriskIndex.firstIds({len(want)})")) == sorted(want["id"])
    # sort by size with a click on its header (largest first, then smallest first)
    page.evaluate("graphriskIndex.search('')")
    click = ("Array.from(document.querySelectorAll('#head th'))"
             ".find(th => th.textContent === '成员数').click()")
    page.evaluate(click)
    first = page.evaluate("graphriskIndex.firstIds(1)")[0]
    assert circles.set_index("id")["size"][first] == circles["size"].max()
    page.evaluate(click)
    first = page.evaluate("graphriskIndex.firstIds(1)")[0]
    assert circles.set_index("id")["size"][first] == circles["size"].min()
    # the groups tab lists every group; next page moves on
    page.evaluate("document.getElementById('tab-groups').click()")
    assert page.evaluate("graphriskIndex.total()") == len(groups)
    page.evaluate("document.getElementById('next').click()")
    assert page.evaluate("graphriskIndex.firstIds(1)") == groups["id"][100:101].tolist()
    shot = page.screenshot(tmp_path / "circles.png")
    assert len(shot.read_bytes()) > 20_000
