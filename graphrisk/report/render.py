r"""HTML plumbing shared by the report, the circle pages and the network page.

* One jinja2 environment over ``graphrisk/report/templates`` with autoescape **on** for
  every template: anything put into HTML is escaped unless it is a
  :class:`markupsafe.Markup` made here (inline SVG charts, inlined static files).
* :func:`json_script` embeds data in ``<script type="application/json">``: the JSON
  is read back with ``JSON.parse`` and ``<``, ``>``, ``&`` (and the line separators
  U+2028/U+2029) are written as ``\u003c`` … so no name can close the script block.
* :func:`static_text` and :func:`vis_network_js` inline the page's own script and
  style and the vis-network library (no CDN, no external URL).

vis-network
-----------
The graph library is vis-network 9.1.2 (Apache-2.0 / MIT, its licence header is kept),
shipped unchanged in ``graphrisk/report/static/`` (``vis-network.min.js`` and
``.min.css``, with ``VIS-NETWORK-LICENSE.txt``) as package data, so the page needs no
CDN and no other package.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from graphrisk.errors import GraphRiskError
from graphrisk.io.jsonout import dumps_json
from graphrisk.report.formats import strip_bidi

__all__ = ["environment", "render", "json_script", "static_text", "vis_network_js",
           "script_safe", "FONT_STACK"]

#: CSS font stack that renders Chinese on Linux (Noto), Windows (YaHei, SimHei) and macOS
FONT_STACK = ('"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", '
              '"Hiragino Sans GB", "SimHei", "WenQuanYi Micro Hei", sans-serif')

_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
            "\u2028": "\\u2028", "\u2029": "\\u2029"}
_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")


def json_script(data: Any, element_id: str) -> Markup:
    r"""Return a ``<script type="application/json" id=…>`` holding *data*, safe for any text.

    >>> print(json_script({"name": "</script><b>"}, "d"))
    <script type="application/json" id="d">{"name":"\u003c/script\u003e\u003cb\u003e"}</script>
    """
    text = dumps_json(data)
    text = strip_bidi(_ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], text))
    if not re.fullmatch(r"[A-Za-z][\w-]*", element_id):
        raise ValueError(f"bad element id {element_id!r}")
    return Markup(f'<script type="application/json" id="{element_id}">{text}</script>')


def script_safe(code: str) -> str:
    """Return JavaScript/CSS text safe to inline in a page.

    No ``</script``/``</style`` or ``<!--`` can end the block early, and no source-map
    comment makes a browser fetch anything.
    """
    code = re.sub(r"^//# sourceMappingURL=.*$", "", code, flags=re.M)
    code = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", code)
    code = re.sub(r"</(script|style)", r"<\\/\1", code, flags=re.I)
    return code.replace("<!--", "<\\!--")


@cache
def _static_dir() -> Path:
    return Path(str(resources.files("graphrisk.report") / "static"))


def static_text(name: str) -> Markup:
    """Return a file of ``graphrisk/static`` as inline-safe text."""
    return Markup(script_safe((_static_dir() / name).read_text(encoding="utf-8")))


def _find_vis() -> tuple[Path, Path]:
    own = _static_dir() / "vis-network.min.js"
    if not own.exists():  # pragma: no cover - part of the package data
        raise GraphRiskError(f"vis-network is missing from the installation ({own})")
    return own, _static_dir() / "vis-network.min.css"


@cache
def vis_network_js() -> tuple[Markup, Markup]:
    """Return the vis-network library (JavaScript, CSS), inline-safe."""
    js, css = _find_vis()
    js_text = script_safe(js.read_text(encoding="utf-8"))
    css_text = script_safe(css.read_text(encoding="utf-8")) if css else ""
    return Markup(js_text), Markup(css_text)


def _finalize(value: Any) -> Any:
    """Drop bidi controls from every text the templates print (markup is kept as is)."""
    if isinstance(value, Markup):
        return Markup(strip_bidi(str(value)))
    return strip_bidi(value) if isinstance(value, str) else value


@cache
def environment() -> Environment:
    """Return the jinja2 environment (autoescape on for every template)."""
    env = Environment(loader=PackageLoader("graphrisk.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      finalize=_finalize)
    env.globals["FONT_STACK"] = Markup(FONT_STACK)
    env.filters["amount"] = _amount
    env.filters["pct"] = _pct
    return env


def _amount(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return f"{float(value):,.{digits}f}"


def _pct(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return f"{100 * float(value):.{digits}f}%"


def render(template: str, **context: Any) -> str:
    """Render a template of ``graphrisk/templates``."""
    return environment().get_template(template).render(**context)
