"""Inline SVG charts made in Python: no JavaScript, no CDN, no matplotlib.

Every label goes through :func:`markupsafe.escape`, so a name such as
``<img src=x onerror=alert(1)>`` is drawn as text.  Each function returns
:class:`markupsafe.Markup` ready for a template.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from markupsafe import Markup
from markupsafe import escape as _escape
from numpy.typing import ArrayLike

from graphrisk.report.formats import strip_bidi
from graphrisk.report.render import FONT_STACK


def escape(text: object) -> Markup:
    """Return *text* escaped for SVG, without bidi controls."""
    return _escape(strip_bidi(str(text)))

__all__ = ["bar_chart", "histogram", "line_chart", "network_svg", "PALETTE"]

PALETTE = ("#2b6cb0", "#dd6b20", "#38a169", "#c53030", "#805ad5", "#d69e2e", "#319795")
_FONT = FONT_STACK.replace('"', "'")


def _num(v: float) -> str:
    if float(v).is_integer() or abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:,.2f}" if abs(v) >= 1 or v == 0 else f"{v:.3g}"


def _short(text: str, k: int) -> str:
    return text if len(text) <= k else text[:k - 1] + "…"


def bar_chart(items: Sequence[tuple[str, float]], *, title: str = "", unit: str = "",
              width: int = 560, color: str = PALETTE[0],
              second: Sequence[float] | None = None, legend: tuple[str, str] | None = None
              ) -> Markup:
    """Horizontal bars, one per (label, value); an optional second series beside.

    >>> svg = bar_chart([("<b>", 3.0), ("乙", 1.0)], title="t")
    >>> "&lt;b&gt;" in svg and "<b>" not in svg
    True
    """
    items = list(items)
    if not items:
        return Markup("")
    bar_h, gap, left, top = 18, 8, 170, 28 if title else 8
    rows = len(items)
    legend_h = 20 if legend else 0
    height = top + rows * (bar_h + gap) + 10 + legend_h
    vmax = max([v for _, v in items] + list(second or []) + [1e-9])
    span = width - left - 90
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" font-family="{_FONT}" font-size="12">']
    if title:
        parts.append(f'<text x="0" y="16" font-size="14" font-weight="600">{escape(title)}</text>')
    for k, (label, v) in enumerate(items):
        y = top + k * (bar_h + gap)
        h = bar_h / 2 if second is not None else bar_h
        w = max(0.0, span * float(v) / vmax)
        parts.append(f'<text x="{left - 6}" y="{y + bar_h * 0.7:.1f}" text-anchor="end">'
                     f'<title>{escape(label)}</title>{escape(_short(str(label), 14))}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{h:.1f}" fill="{color}"/>')
        text = _num(float(v)) + (f" {unit}" if unit else "")
        if second is not None:
            w2 = max(0.0, span * float(second[k]) / vmax)
            parts.append(f'<rect x="{left}" y="{y + h:.1f}" width="{w2:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[1]}"/>')
            text = f"{_num(float(v))} → {_num(float(second[k]))}"
        parts.append(f'<text x="{left + max(w, 0) + 4:.1f}" y="{y + bar_h * 0.7:.1f}" '
                     f'fill="#4a5568">{escape(text)}</text>')
    if legend:
        y = height - 8
        for j, name in enumerate(legend):
            x = left + j * 150
            parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="10" fill="{PALETTE[j]}"/>'
                         f'<text x="{x + 16}" y="{y}">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(periods: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *,
               title: str = "", unit: str = "", width: int = 360, height: int = 200,
               percent: bool = False, colors: Sequence[str] | None = None) -> Markup:
    """Draw a trend over periods: one line per (label, values), a value at each point.

    The vertical axis starts at 0; values print as percentages with ``percent``; the
    lines take *colors* (default: the palette).

    >>> svg = line_chart(["2025-09-30", "2025-12-31"], [("不良率", [0.05, 0.064])],
    ...                  title="<t>", percent=True)
    >>> "6.4%" in svg and "&lt;t&gt;" in svg and svg.count("<circle") == 2
    True
    """
    periods = list(periods)
    if not periods or not series:
        return Markup("")
    left, right, top, bottom = 44, 16, 30 if title else 10, 40
    legend_h = 16 * len(series) if len(series) > 1 else 0
    total_h = height + legend_h
    plot_w, plot_h = width - left - right, height - top - bottom
    vmax = max([float(v) for _, vals in series for v in vals] + [1e-9]) * 1.15
    n = len(periods)

    def xy(k: int, v: float) -> tuple[float, float]:
        x = left + (plot_w * (k + 0.5) / n)
        return x, top + plot_h * (1 - float(v) / vmax)

    def label(v: float) -> str:
        return f"{v:.1%}" if percent else _num(v) + (f" {unit}" if unit else "")

    parts = [f'<svg class="chart trend" viewBox="0 0 {width} {total_h}" width="{width}" '
             f'height="{total_h}" role="img" font-family="{_FONT}" font-size="11">']
    if title:
        parts.append(f'<text x="0" y="16" font-size="13" font-weight="600">{escape(title)}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" '
                 f'y2="{top + plot_h}" stroke="#a0aec0"/>')
    for k, p in enumerate(periods):
        x, _ = xy(k, 0)
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                     f'fill="#4a5568">{escape(p)}</text>')
    for j, (name, vals) in enumerate(series):
        color = colors[j] if colors and j < len(colors) else PALETTE[j % len(PALETTE)]
        pts = [xy(k, float(v)) for k, v in enumerate(vals)]
        parts.append('<polyline fill="none" stroke-width="2" stroke="' + color + '" points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '"/>')
        for (x, y), v in zip(pts, vals, strict=True):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>'
                         f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle">'
                         f'{escape(label(float(v)))}</text>')
        if legend_h:
            y = height + 16 * j + 4
            parts.append(f'<rect x="{left}" y="{y - 9}" width="12" height="10" fill="{color}"/>'
                         f'<text x="{left + 16}" y="{y}">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram(values: ArrayLike, *, title: str = "", unit: str = "", bins: int = 30,
              markers: Sequence[tuple[str, float]] = (), width: int = 560,
              height: int = 240) -> Markup:
    """Histogram of *values* with vertical markers (e.g. expected loss, VaR 95 %).

    >>> "<rect" in histogram([0, 1, 1, 2, 5], markers=[("VaR", 2.0)])
    True
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return Markup("")
    lo, hi = float(v.min()), float(v.max())
    if hi <= lo:
        hi = lo + 1.0
    counts, edges = np.histogram(v, bins=bins, range=(lo, hi))
    left, right, top, bottom = 50, 20, 28 if title else 10, 36
    pw, ph = width - left - right, height - top - bottom
    cmax = max(int(counts.max()), 1)
    sx = pw / (hi - lo)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" font-family="{_FONT}" font-size="11">']
    if title:
        parts.append(f'<text x="0" y="16" font-size="14" font-weight="600">{escape(title)}</text>')
    bw = pw / bins
    for k, c in enumerate(counts.tolist()):
        h = ph * c / cmax
        parts.append(f'<rect x="{left + k * bw:.1f}" y="{top + ph - h:.1f}" '
                     f'width="{max(bw - 1, 0.5):.1f}" height="{h:.1f}" fill="{PALETTE[0]}" '
                     f'opacity="0.8"><title>'
                     f'{escape(_num(edges[k]))}–{escape(_num(edges[k + 1]))}: {c}</title></rect>')
    parts.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" '
                 f'stroke="#4a5568"/>')
    for t in np.linspace(lo, hi, 5):
        x = left + (t - lo) * sx
        parts.append(f'<text x="{x:.1f}" y="{top + ph + 14}" text-anchor="middle">'
                     f'{escape(_num(t))}</text>')
    parts.append(f'<text x="{left + pw / 2}" y="{height - 4}" text-anchor="middle" fill="#4a5568">'
                 f'{escape(unit)}</text>')
    parts.append(f'<text x="{left - 6}" y="{top + 10}" text-anchor="end">{cmax}</text>')
    for j, (name, x0) in enumerate(markers):
        x = left + (min(max(float(x0), lo), hi) - lo) * sx
        c = PALETTE[(j + 1) % len(PALETTE)]
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" stroke="{c}" '
                     f'stroke-width="2" stroke-dasharray="5 3"/>')
        parts.append(f'<text x="{x + 3:.1f}" y="{top + 12 + 13 * j}" fill="{c}">'
                     f'{escape(name)} {escape(_num(float(x0)))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def network_svg(names: Sequence[str], x: ArrayLike, y: ArrayLike, src: Iterable[int],
                dst: Iterable[int], *, labels: Sequence[str] = (),
                colors: Sequence[str] | None = None, width: int = 760) -> Markup:
    """Draw a small static network (for a circle page): arrows src → dst.

    >>> "marker-end" in network_svg(["a", "b"], [0, 90], [0, 0], [0], [1])
    True
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(names)
    if n == 0:
        return Markup("")
    pad = 70
    w = max(float(np.ptp(x)), 1.0)
    h = max(float(np.ptp(y)), 1.0)
    scale = min((width - 2 * pad) / w, 2.0)
    height = int(h * scale + 2 * pad)
    px = (x - x.min()) * scale + pad + ((width - 2 * pad) - w * scale) / 2
    py = (y - y.min()) * scale + pad
    r = 9 if n > 40 else 13
    parts = [f'<svg class="netsvg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" font-family="{_FONT}" font-size="11">',
             '<defs><marker id="arr" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
             'fill="#e53e3e"/></marker></defs>']
    for k, (a, b) in enumerate(zip(src, dst, strict=True)):
        dx, dy = px[b] - px[a], py[b] - py[a]
        d = math.hypot(dx, dy) or 1.0
        # offset so that a mutual pair draws two distinct arrows
        ox, oy = -dy / d * 4, dx / d * 4
        x1, y1 = px[a] + dx / d * r + ox, py[a] + dy / d * r + oy
        x2, y2 = px[b] - dx / d * (r + 2) + ox, py[b] - dy / d * (r + 2) + oy
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                     f'stroke="#e53e3e" stroke-width="1.6" marker-end="url(#arr)"/>')
        if k < len(labels) and labels[k]:
            parts.append(f'<text x="{(x1 + x2) / 2 + ox * 2:.1f}" y="{(y1 + y2) / 2 + oy * 2:.1f}" '
                         f'fill="#9b2c2c" text-anchor="middle" font-size="10">'
                         f'{escape(labels[k])}</text>')
    for i in range(n):
        c = colors[i] if colors else PALETTE[0]
        parts.append(f'<circle cx="{px[i]:.1f}" cy="{py[i]:.1f}" r="{r}" fill="{c}" '
                     f'stroke="#1a202c"/><text x="{px[i]:.1f}" y="{py[i] + r + 13:.1f}" '
                     f'text-anchor="middle">'
                     f'<title>{escape(names[i])}</title>{escape(_short(str(names[i]), 12))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
