"""One page per guarantee circle (担保圈).

Each page shows the members, the guarantees inside, the creditors, the cycles, the
metrics, whether a creditors' committee is due or the circle is watched (with the
reasons of :mod:`graphrisk.network.committees`) and a small static network drawing
(inline SVG, laid out in Python).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from graphrisk import __version__
from graphrisk.domain.glossary import UNIT
from graphrisk.network.graph import Network
from graphrisk.report.charts import network_svg
from graphrisk.report.fields import CIRCLE_CREDITORS, CIRCLE_EDGES, CIRCLE_MEMBERS
from graphrisk.report.i18n import enum_label, text
from graphrisk.report.layout import pack_layout
from graphrisk.report.render import render, static_text
from graphrisk.report.tables import Table

__all__ = ["circle_page", "circle_tables"]

_CLS_COLOR = {"normal": "#38a169", "special_mention": "#d69e2e", "substandard": "#dd6b20",
              "doubtful": "#c53030", "loss": "#63171b"}


def circle_tables(circle: dict[str, Any], edges: list[dict[str, Any]],
                  names: pd.Series | Mapping[str, str], lang: str) -> list[Table]:
    """Return the members, guarantees inside and creditors of one circle.

    *circle* is one record of :func:`graphrisk.network.metrics.analyze_circles`.
    """
    members = [[m["id"], m["name"], m["loan_balance"], m["guarantees_given"], m["exposure"],
                m["focus"]] for m in circle["member_details"]]
    inside = [[e["id"], e["guarantor_id"], names.get(e["guarantor_id"], ""), e["borrower_id"],
               names.get(e["borrower_id"], ""), e["amount"],
               [enum_label("pattern", p, lang) for p in e["patterns"]]] for e in edges]
    creditors = [[c, names.get(c, "")] for c in circle["creditors"]]
    return [
        CIRCLE_MEMBERS.table(members),
        CIRCLE_EDGES.table(inside),
        CIRCLE_CREDITORS.table(creditors),
    ]


def _svg(circle: dict[str, Any], edges: list[dict[str, Any]], net: Network,
         worst: dict[str, str], seed: int) -> Markup:
    """Draw the circle: one arrow per guarantor → borrower pair, amounts summed."""
    ids = circle["members"]
    pos = {m: k for k, m in enumerate(ids)}
    pairs: dict[tuple[int, int], float] = {}
    for e in edges:
        key = (pos[e["guarantor_id"]], pos[e["borrower_id"]])
        pairs[key] = pairs.get(key, 0.0) + float(e["amount"])
    src = np.array([a for a, _ in pairs], dtype=np.int64)
    dst = np.array([b for _, b in pairs], dtype=np.int64)
    x, y, _ = pack_layout(len(ids), np.zeros(len(ids), dtype=np.int64), src, dst, seed=seed)
    colors = [_CLS_COLOR.get(worst.get(i, ""), "#a0aec0") for i in ids]
    labels = [f"{v:,.0f}" for v in pairs.values()] if len(pairs) <= 60 else []
    return network_svg(circle["names"], x, y, src, dst, labels=labels, colors=colors)


def _committee_text(circle: dict[str, Any], lang: str) -> str:
    """Return the committee / watch line of a circle with its reasons (empty: neither).

    >>> _committee_text({"creditor_committee": False, "watch": False}, "zh")
    ''
    >>> _committee_text({"creditor_committee": True, "watch": False, "committee_reasons": [
    ...     {"zh": "成员须组建债权人委员会：甲", "en": "due for member(s): 甲"}]}, "en")
    "A creditors' committee is called for: due for member(s): 甲"
    """
    if not (circle["creditor_committee"] or circle["watch"]):
        return ""
    zh = lang == "zh"
    reasons = ("；" if zh else "; ").join(r["zh" if zh else "en"]
                                         for r in circle.get("committee_reasons", []))
    if circle["creditor_committee"]:
        head = "须组建债权人委员会" if zh else "A creditors' committee is called for"
    else:
        head = "列入关注" if zh else "Watched"
    return f"{head}{'：' if zh else ': '}{reasons}" if reasons else head


def circle_page(circle: dict[str, Any], edges: list[dict[str, Any]], net: Network,
                names: pd.Series | Mapping[str, str], worst: dict[str, str], *,
                lang: str = "zh", seed: int = 0) -> str:
    """Return the HTML of one circle page.

    Its links are relative: ``../index.html``, ``../network.html``.

    Parameters
    ----------
    circle : dict
        One record of ``analyze_circles(...)["circles"]``.
    edges : list of dict
        The records of ``analyze_circles(...)["edges"]`` inside this circle.
    net : Network
    names : Series
        Entity id → name.
    worst : dict
        Entity id → worst loan classification (colours the drawing).
    lang : {"zh", "en"}
    seed : int
        Seed of the layout.

    Returns
    -------
    str
    """

    def t(zh: str, en: str) -> str:
        return zh if lang == "zh" else en

    figures = [
        (t("成员数", "Members"), f"{circle['size']:,}"),
        (t("圈内担保", "Guarantees inside"), f"{circle['edges']:,}"),
        (t("圈内担保额", "Guaranteed inside"), f"{circle['guarantee_total']:,.2f} {UNIT}"),
        (t("贷款余额", "Loans"), f"{circle['loan_total']:,.2f} {UNIT}"),
        (t("不良占比", "NPL share"), f"{circle['npl_share']:.1%}"),
        (t("债权机构", "Creditors"), f"{circle['creditor_count']:,}"),
        (t("银行 / 小贷 / 其他", "Banks / microloan / other"),
         f"{circle['bank_count']} / {circle['microloan_count']} / {circle['other_count']}"),
        (t("互保对", "Mutual pairs"), f"{circle['mutual_pairs']:,}"),
    ]
    committee = _committee_text(circle, lang)
    cycles = [" → ".join(names.get(i, i) for i in cyc + cyc[:1]) for cyc in circle["cycles"]]
    title = f"{text('circle', lang)} {circle['id']}"
    return render("circle.html.j2", lang=lang, title=title, circle_id=circle["id"],
                  css=static_text("report.css"), figures=figures, committee=committee,
                  svg=_svg(circle, edges, net, worst, seed),
                  tables=circle_tables(circle, edges, names, lang), cycles=cycles,
                  truncated=circle["cycles_truncated"], top=None, version=__version__,
                  t=lambda k, **f: text(k, lang, **f))
