"""``circles.html``: one searchable, sortable index of every guarantee circle and group.

The rows are embedded once as compact JSON arrays (one array per row, the column names
given once) in a ``<script type="application/json">`` block; a small inline script
(``static/circles.js``, no library, no URL) filters them by a search text, sorts them
by any column and shows one page of rows at a time, so the page stays quick with a
hundred thousand rows.  Every text is set with ``textContent``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from graphrisk import __version__
from graphrisk.report.i18n import UI, text
from graphrisk.report.render import json_script, render, static_text

__all__ = ["index_data", "circle_index", "CIRCLE_COLS", "GROUP_COLS"]

#: columns of a circle row (``members``: the member names joined, for the search)
CIRCLE_COLS = ("id", "group", "size", "edges", "mutual_pairs", "loan_total", "npl_share",
               "creditor_count", "bank_count", "watch", "creditor_committee", "page", "net",
               "members")
#: columns of a group row
GROUP_COLS = ("id", "size", "edges", "loan_total", "npl_share", "circles", "creditor_count",
              "bank_count", "watch", "creditor_committee")


def _r(v: Any, digits: int = 2) -> Any:
    return None if v is None or v != v else round(float(v), digits)


def index_data(doc: dict[str, Any], *, pages: Collection[str] = (),
               drawn: Collection[str] = (), lang: str = "zh") -> dict[str, Any]:
    """Return the document embedded in ``circles.html``.

    Parameters
    ----------
    doc : dict
        The :func:`graphrisk.network.metrics.analyze_circles` document (``circles``,
        ``groups``).
    pages : collection of str
        Ids of the circles that have a page (``circles/<id>.html``).
    drawn : collection of str
        Ids of the circles drawn in ``network.html`` (linked as ``#circle=<id>``).
    lang : {"zh", "en"}

    Returns
    -------
    dict
        ``circles`` and ``groups``: {``cols``, ``rows``}, rows in risk order; flags
        as 0/1.

    Examples
    --------
    >>> from graphrisk.network.metrics import analyze_circles
    >>> d = index_data(analyze_circles(demo_net), pages={"C001"})
    >>> d["circles"]["rows"][0][:3], d["circles"]["rows"][0][11], d["circles"]["rows"][1][11]
    (['C001', 'GRP001', 6], 1, 0)
    """
    pages, drawn = set(pages), set(drawn)
    sep = "、" if lang == "zh" else "; "
    circles = [[c["id"], c["group"], c["size"], c["edges"], c["mutual_pairs"],
                _r(c["loan_total"]), _r(c["npl_share"], 4), c["creditor_count"],
                c["bank_count"], int(c["watch"]), int(c["creditor_committee"]),
                int(c["id"] in pages), int(c["id"] in drawn), sep.join(c["names"])]
               for c in doc["circles"]]
    groups = [[g["id"], g["size"], g["edges"], _r(g["loan_total"]), _r(g["npl_share"], 4),
               len(g["circles"]), g["creditor_count"], g["bank_count"], int(g["watch"]),
               int(g["creditor_committee"])] for g in doc["groups"]]
    return {"lang": lang, "circles": {"cols": list(CIRCLE_COLS), "rows": circles},
            "groups": {"cols": list(GROUP_COLS), "rows": groups},
            "labels": {k: text(k, lang) for k in UI if k.startswith(("index_", "circle"))}}


def circle_index(data: dict[str, Any], *, lang: str = "zh", title: str = "") -> str:
    """Return the HTML of ``circles.html`` for an :func:`index_data` document.

    Examples
    --------
    >>> from graphrisk.network.metrics import analyze_circles
    >>> html = circle_index(index_data(analyze_circles(demo_net)))
    >>> html.startswith("<!DOCTYPE html>"), "src=" in html, html.count("<script")
    (True, False, 2)
    """
    return render("circles.html.j2", lang=lang, title=title or text("circle_index", lang),
                  data=json_script(data, "index-data"), css=static_text("report.css"),
                  js=static_text("circles.js"), version=__version__,
                  t=lambda k, **f: text(k, lang, **f))
