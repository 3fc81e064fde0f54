"""The building blocks of the report: layout, escaping, charts, tables, workbook."""

import json
import re

import networkx as nx
import numpy as np
import pytest
from openpyxl import load_workbook

from graphrisk.report.charts import bar_chart, histogram, network_svg
from graphrisk.report.i18n import UI, enum_label, text
from graphrisk.report.layout import SPACING, attach_units, pack_layout
from graphrisk.report.render import json_script, render, script_safe, vis_network_js
from graphrisk.report.tables import Table, col, format_cell
from graphrisk.report.xlsx import sheet_name, write_workbook

XSS = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>",
       "<!--<script>", "a & b \u2028 c"]


# ------------------------------------------------------------------------ layout
def test_attach_units_by_hand():
    # groups {0,1} and {2}; 3 holds 1 (attaches to group 0); 4-5 are linked among
    # themselves only; 6 is alone
    group = np.array([0, 0, 1, -1, -1, -1, -1])
    src, dst = np.array([3, 4]), np.array([1, 5])
    unit = attach_units(7, group, src, dst)
    assert unit[:4].tolist() == [0, 0, 1, 0]
    assert unit[4] == unit[5] and unit[4] not in (0, 1)
    assert unit[6] not in (0, 1, unit[4])


def test_attach_units_takes_smallest_group():
    unit = attach_units(3, np.array([0, 1, -1]), np.array([2, 2]), np.array([1, 0]))
    assert unit.tolist() == [0, 1, 0]


@pytest.mark.parametrize("seed", [0, 3])
def test_pack_layout_units_do_not_overlap_and_edges_have_unit_length(seed):
    rng = np.random.default_rng(seed)
    G = nx.disjoint_union_all([nx.path_graph(2), nx.star_graph(5), nx.cycle_graph(4),
                               nx.gnm_random_graph(30, 45, seed=seed),
                               nx.empty_graph(3)])
    n = G.number_of_nodes()
    labels = np.empty(n, dtype=np.int64)
    for k, comp in enumerate(nx.connected_components(G)):
        labels[list(comp)] = k
    e = np.array(G.edges())
    src, dst = e[:, 0], e[:, 1]
    x, y, centre = pack_layout(n, labels, src, dst, seed=seed)
    assert np.isfinite(x).all() and np.isfinite(y).all()
    # every node lies inside its unit's disc, and discs of different units are disjoint
    d = np.hypot(x - centre[labels, 0], y - centre[labels, 1])
    assert (d <= centre[labels, 2] + 1e-3).all()
    k = len(centre)
    for a in range(k):
        for b in range(a + 1, k):
            gap = np.hypot(*(centre[a, :2] - centre[b, :2]))
            assert gap >= centre[a, 2] + centre[b, 2] - 1e-6
    # the path and ring layouts are exact: their edges are SPACING long
    small = labels[src] == labels[0]
    assert np.allclose(np.hypot(x[src[small]] - x[dst[small]], y[src[small]] - y[dst[small]]),
                       SPACING)
    # the median edge of the random unit is scaled to SPACING
    big = labels[src] == labels[12]
    med = np.median(np.hypot(x[src[big]] - x[dst[big]], y[src[big]] - y[dst[big]]))
    assert med == pytest.approx(SPACING, rel=0.02)
    # the star's hub is in the middle of its leaves
    hub = 2
    leaves = [v for v in G[hub]]
    assert np.hypot(x[leaves].mean() - x[hub], y[leaves].mean() - y[hub]) < 1
    # same seed, same positions
    x2, y2, _ = pack_layout(n, labels, src, dst, seed=seed)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    del rng


def test_pack_layout_top_row_and_empty():
    x, y, c = pack_layout(0, np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
    assert len(x) == 0 and len(c) == 0
    labels = np.array([0, 0, 1, 2])
    x, y, _ = pack_layout(4, labels, np.array([0]), np.array([1]),
                          top_row=np.array([False, False, True, True]))
    assert y[2] == y[3] < min(y[0], y[1])


# ---------------------------------------------------------------- html escaping
@pytest.mark.parametrize("name", XSS)
def test_json_script_cannot_be_closed_and_round_trips(name):
    html = str(json_script({"name": name, "list": [name]}, "d"))
    body = html[len('<script type="application/json" id="d">'):-len("</script>")]
    assert "<" not in body and ">" not in body and "&" not in body
    assert json.loads(body) == {"name": name, "list": [name]}


def test_json_script_rejects_bad_id_and_nan():
    with pytest.raises(ValueError):
        json_script({}, 'x" onload="')
    assert "null" in str(json_script({"v": float("nan")}, "d"))


def test_script_safe():
    code = "var a='</script><script>';\n//# sourceMappingURL=x.map\n<!-- b"
    out = script_safe(code)
    assert "</script" not in out.lower() and "sourceMappingURL" not in out and "<!--" not in out


def test_vis_network_is_found_and_inline_safe():
    js, css = vis_network_js()
    assert "vis-network" in js[:400] and "@license" in js[:2000]   # licence header kept
    assert "</script" not in js.lower() and "sourceMappingURL" not in js
    assert "url(http" not in css


def test_templates_autoescape():
    html = render("_table.html.j2", table=Table("t", "表", "T", [col("n", "名", "n")], [[XSS[0]]]),
                  lang="zh", top=None, href_prefix="", t=lambda k, **f: text(k, "zh", **f))
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


# ------------------------------------------------------------------------ charts
@pytest.mark.parametrize("name", XSS[:2])
def test_charts_escape_labels(name):
    for svg in (bar_chart([(name, 1.0)], title=name),
                histogram([1, 2, 3], title=name, markers=[(name, 2.0)]),
                network_svg([name, "b"], [0, 90], [0, 0], [0], [1], labels=[name])):
        assert "<img" not in svg and "<script" not in svg
        assert "alert(1)" in svg  # shown as text
        assert "http" not in svg  # no namespace or link at all


def test_bar_chart_bar_lengths_are_proportional():
    svg = bar_chart([("a", 10.0), ("b", 5.0), ("c", 0.0)])
    widths = [float(w) for w in re.findall(r'<rect x="\d+" y="\d+" width="([\d.]+)"', svg)]
    assert widths[0] == pytest.approx(2 * widths[1]) and widths[2] == 0
    assert bar_chart([]) == ""


def test_histogram_counts():
    values = [0, 0, 0, 1, 2, 10]
    svg = histogram(values, bins=5)
    counts = [int(c) for c in re.findall(r": (\d+)</title>", svg)]
    assert counts == np.histogram(values, bins=5)[0].tolist()


# ------------------------------------------------------------------------ tables
def test_format_cell():
    assert format_cell(float("nan"), "amount") == "—"
    assert format_cell(1234.5, "int") == "1,234"
    assert format_cell(False, "bool", "en") == "no"
    assert format_cell(35.0, "share") == "35.00%"


def test_table_links_and_top():
    t = Table("c", "圈", "C", [col("id", "编号", "id"), col("v", "值", "v", "amount")],
              [["C001", 1.0], ["C002", 2.0], ["C003", 3.0]], link=("id", "circles/{value}.html"))
    rows = t.html_rows("zh", top=2)
    assert len(rows) == 2 and rows[0][0]["href"] == "circles/C001.html"
    assert rows[1][1] == {"text": "2.00", "num": True, "wide": False, "href": None}
    assert t.records()[2] == {"id": "C003", "v": 3.0}


def test_i18n_has_both_languages():
    assert all(len(v) == 2 and all(v) for v in UI.values())
    assert enum_label("classification", "special_mention", "en") == "special mention"
    assert enum_label("rel", "HOLDS_SHARES") == "持股"
    assert text("more_rows", "en", top=1, total=2).startswith("Showing the first 1 of 2")


# ---------------------------------------------------------------------- workbook
def test_sheet_names_are_valid_and_unique():
    used = set()
    names = [sheet_name("担保圈：A/B*C?" * 5, used), sheet_name("担保圈：A/B*C?" * 5, used)]
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names)
    assert names[0] != names[1]


def test_workbook_headers_values_and_formula_safety(tmp_path):
    evil = '=HYPERLINK("http://x","y")'
    t1 = Table("a", "担保圈", "Circles", [col("id", "编号", "id"), col("amt", "金额", "amount", "amount"),
                                          col("ok", "需组建债委会", "committee", "bool"),
                                          col("m", "成员", "members", "list")],
               [[evil, 1234.5, True, ["甲", "乙"]], ["C2", float("nan"), False, []]])
    path = write_workbook([t1, Table("b", "担保圈", "x", [col("k", "键", "k")], [])], tmp_path / "r.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["担保圈", "担保圈_2", "说明"]
    ws = wb["担保圈"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("编号", "金额(万元)", "需组建债委会", "成员")
    assert rows[1] == (evil, 1234.5, "是", "甲、乙")
    assert ws["A2"].data_type == "s"           # stored as text, not a formula
    assert ws["B2"].number_format == "#,##0.00"
    assert rows[2][1] is None
    assert list(wb["说明"].iter_rows(values_only=True)) == [
        ("工作表", "表", "行数", "备注"), ("担保圈", "担保圈", 2, None), ("担保圈_2", "担保圈", 0, None)]


def test_workbook_splits_past_the_sheet_limit_and_keeps_every_row(tmp_path):
    """A table longer than a sheet goes on over the next sheets, no row lost, and the 说明
    sheet says so; text XML cannot hold (control characters) is dropped, long text cut."""
    rows = [[f"E{i}", i * 1.5, "red" if i % 2 else "none"] for i in range(7)]
    rows[3][0] = "a\x01b\x1fc"
    rows[4][0] = "长" * 40_000
    t = Table("w", "预警名单", "Watch", [col("id", "编号", "id"), col("x", "余额", "x", "amount"),
                                        col("lv", "预警", "level", "level")], rows)
    wb = load_workbook(write_workbook([t], tmp_path / "w.xlsx", max_rows=3))
    assert wb.sheetnames == ["预警名单", "预警名单 (2)", "预警名单 (3)", "说明"]
    got = [r for name in wb.sheetnames[:3] for r in wb[name].iter_rows(min_row=2, values_only=True)]
    assert [r[1] for r in got] == [i * 1.5 for i in range(7)]
    assert [r[2] for r in got] == ["无", "红", "无", "红", "无", "红", "无"]
    assert got[3][0] == "abc" and len(got[4][0]) == 32_767 and got[4][0].endswith(" …")
    assert wb["预警名单"]["C3"].fill.fgColor.rgb == "FFF4B6B6"
    notes = list(wb["说明"].iter_rows(min_row=2, values_only=True))
    assert [n[2] for n in notes] == [3, 3, 1]
    # a cap keeps the first rows and says where the rest are
    wb = load_workbook(write_workbook([t], tmp_path / "c.xlsx", cap=4,
                                      full={"w": "tables/watchlist.csv.gz"}))
    assert [r[0] for r in wb["预警名单"].iter_rows(min_row=2, values_only=True)] == [
        "E0", "E1", "E2", "abc"]
    assert list(wb["说明"].iter_rows(min_row=2, values_only=True)) == [
        ("预警名单", "预警名单", 4, "前 4 行（共 7 行）；全部见 tables/watchlist.csv.gz")]


def test_bidi_controls_are_kept_in_data_and_dropped_when_rendered(make_dataset, tmp_path):
    """Issue #13: "names keep them but are stripped of bidi overrides in rendered output"."""
    from .conftest import SMALL, run

    tables = dict(SMALL)
    tables["enterprises"] = tables["enterprises"].replace("甲公司", "\u202e甲公司\u202c")
    folder = make_dataset(**tables)
    from graphrisk.io.load import load_dataset

    assert "\u202e甲公司\u202c" in load_dataset(folder).enterprises["name"].tolist()
    r = run("report", folder, "-o", tmp_path / "r", "--runs", "20", "-q")
    assert r.exit_code == 0, r.output
    for page in (tmp_path / "r").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "\u202e" not in html and "\u202c" not in html, page.name
    assert "甲公司" in (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    table = run("watchlist", folder, "--all")
    assert table.exit_code == 0 and "甲公司" in table.stdout and "\u202e" not in table.stdout
    out = tmp_path / "wl.csv"
    assert run("watchlist", folder, "--all", "--format", "csv", "-o", out).exit_code == 0
    assert "\u202e甲公司" in out.read_text(encoding="utf-8-sig")  # CSV is data: kept


def test_workbook_headers_carry_the_unit(tmp_path):
    """An amount's header says 万元 in every view (report.fields declares it once)."""
    from graphrisk.report.fields import LENDERS
    from graphrisk.report.xlsx import write_workbook

    path = write_workbook([LENDERS.table([["I01", "青山农商银行", "bank", 2, 2, 10.5, 0.0, 0.0,
                                           3.0]])], tmp_path / "t.xlsx")
    header = [c.value for c in load_workbook(path)["按贷款人统计"][1]]
    assert header[5] == "贷款余额(万元)" and header[7] == "不良率"
