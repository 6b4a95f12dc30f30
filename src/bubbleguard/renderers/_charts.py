"""Charts of a check report, scenario results and a rebalance plan, as matplotlib Figures.

Every function returns a :class:`matplotlib.figure.Figure` drawn on the Agg canvas (no pyplot,
no change to the global backend), so it shows in a notebook and saves to PNG or SVG::

    from bubbleguard import check, charts
    fig = charts.issuers_chart(check("holdings.csv"))
    fig.savefig("issuers.png", dpi=150)

:func:`to_svg` and :func:`to_png` serialise a figure for embedding (the HTML report inlines the
SVG). matplotlib is imported inside the functions: importing this module costs nothing.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..i18n import N_, _
from ._format import THEME_NAMES, label, theme_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

    from ..deals._graph import DealGraph
    from ..report import Report
    from ..scenarios._results import ScenarioResults

__all__ = ["asset_classes_chart", "before_after_chart", "deal_graph_svg", "deal_party_exposure",
           "inline_svg", "issuers_chart", "scenarios_chart", "themes_chart", "to_png", "to_svg"]

DIRECT, VIA, OVER, OK, LIMIT, MARKET, AFTER = ("#1f4e79", "#8fb8de", "#c0392b", "#2e8b57",
                                               "#333333", "#e69f00", "#2a9d8f")
WIDTH = 11.0  # inches: at a report's ~1000 px width, 10-point text shows at about 13 px
_RC: dict[RcKeyType, Any] = {"font.size": 10, "axes.spines.top": False, "axes.spines.right": False,
                             "svg.fonttype": "none", "svg.hashsalt": "bubbleguard"}
#: Fonts for Chinese text, after DejaVu Sans (which has no CJK glyphs), used when installed.
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei",
             "PingFang SC", "SimHei", "Arial Unicode MS")


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


@contextmanager
def _rc() -> Iterator[None]:
    """Chart settings; with Chinese text, the installed CJK fonts as fallbacks.

    Only installed families are named, so matplotlib never warns about a missing one. Without a
    CJK font a PNG shows boxes for Chinese text, unannounced (library code never prints); an SVG
    keeps text as text, and the browser finds a Chinese font of its own.
    """
    import matplotlib
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    fonts = ["DejaVu Sans", *(f for f in CJK_FONTS if f in installed)]
    with matplotlib.rc_context({**_RC, "font.family": fonts}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        yield


def _finish(fig: Figure, ax: Axes, title: str | None, percent: bool = True) -> None:
    """Percent x axis, title on the left, legend above the plot (never over the bars)."""
    from matplotlib.ticker import PercentFormatter

    if percent:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside upper right", ncols=len(handles), frameon=False,
                   fontsize=9)
    if title:
        fig.suptitle(_(title), x=0.01, ha="left", fontsize=11)


def _label(ax: Axes, x: float, y: float, signed: bool = False, **kw: Any) -> None:
    """Write a value label at the end of a bar (left of it for negative values)."""
    text = f"{x:+.1%}" if signed else f"{x:.1%}"
    left = x < 0
    ax.text(x, y, f"{text} " if left else f" {text}", va="center", ha="right" if left else "left",
            **{"fontsize": 9, **kw})


def issuers_chart(report: Report, top: int = 15,
                  title: str | None = N_("Top issuers after looking through funds")) -> Figure:
    """Stacked horizontal bars: each top issuer's weight held directly and via funds.

    A dashed line marks the policy's single-issuer cap; issuers above it are labelled in red.
    """
    rows = report.exposures.issuers[:top][::-1]
    cap = float(report.policy.get("max_issuer", 0) or 0)
    with _rc():
        fig = _figure(WIDTH, 0.27 * max(len(rows), 3) + 0.9)
        ax = fig.add_subplot()
        names = [r.issuer for r in rows]
        direct = [r.direct_weight for r in rows]
        ax.barh(names, direct, color=DIRECT, label=_("held directly"))
        ax.barh(names, [r.via_funds_weight for r in rows], left=direct, color=VIA,
                label=_("via funds"))
        for i, r in enumerate(rows):
            _label(ax, r.weight, i, color=OVER if cap and r.weight > cap else LIMIT)
        if cap:
            ax.axvline(cap, color=OVER, ls="--", lw=1.2,
                       label=_("cap {cap} per issuer").format(cap=f"{cap:.0%}"))
        for tick, r in zip(ax.get_yticklabels(), rows, strict=True):
            if cap and r.weight > cap:
                tick.set_color(OVER)
        ax.set_xlim(0, max([r.weight for r in rows] + [cap, 0.01]) * 1.18)
        _finish(fig, ax, title)
    return fig


def _limit_bars(ax: Axes, labels: Sequence[str], values: Sequence[float],
                limits: Sequence[float | None], market: Sequence[float | None] | None,
                kind: str = "cap") -> None:
    pairs = list(zip(values, limits, strict=True))
    over = [lim is not None and (v > lim if kind == "cap" else v < lim) for v, lim in pairs]
    y = list(range(len(labels)))
    ax.barh(y, values, color=[OVER if o else OK for o in over], height=0.55, label=_("you"))
    labelled = False
    for i, (v, lim) in enumerate(pairs):
        _label(ax, v, i)
        if lim is not None:
            ax.plot([lim, lim], [i - 0.38, i + 0.38], color=LIMIT, lw=2.2,
                    label=None if labelled else (_("limit") if kind == "cap" else _("floor")))
            labelled = True
    marks = [(i, m) for i, m in enumerate(market or []) if m is not None]
    if marks:
        ax.scatter([m for _, m in marks], [i for i, _ in marks], marker="D", color=MARKET,
                   zorder=3, s=28, label=_("S&P 500"))
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    top = max([*values, *[x for x in limits if x is not None], *[m for _, m in marks], 0.01])
    ax.set_xlim(0, top * 1.15)


def themes_chart(report: Report,
                 title: str | None = N_("Themes against limits (red: above the cap)")) -> Figure:
    """Theme weights (and the top-10 share) against the policy's caps and the S&P 500's."""
    ex, pol, ctx = report.exposures, report.policy, report.market_context
    keys = [*ex.themes, "top10"]
    values = [*ex.themes.values(), ex.concentration["top10_share"]]
    limits = [*(pol.get("max_theme", {}).get(t) for t in ex.themes), pol.get("max_top10")]
    market = [*(ctx.get("themes", {}).get(t) for t in ex.themes), ctx.get("top10_share")]
    with _rc():
        fig = _figure(WIDTH, 0.36 * len(keys) + 0.9)
        ax = fig.add_subplot()
        _limit_bars(ax, [theme_name(k) for k in keys], values, limits, market)
        _finish(fig, ax, title)
    return fig


def asset_classes_chart(report: Report, title: str | None = N_("Asset classes against floors "
                                                                "(red: below the floor)")) -> Figure:
    """Asset-class weights against the policy's floors."""
    have = report.exposures.asset_classes
    floors = report.policy.get("min_asset_class", {})
    classes = list(dict.fromkeys([*have, *[c for c, f in floors.items() if f > 0]]))
    with _rc():
        fig = _figure(WIDTH, 0.32 * max(len(classes), 2) + 0.9)
        ax = fig.add_subplot()
        _limit_bars(ax, [label(c).replace("_", " ") for c in classes], [have.get(c, 0.0) for c in classes],
                    [floors.get(c) or None for c in classes], None, kind="floor")
        _finish(fig, ax, title)
    return fig


def scenarios_chart(results: ScenarioResults,
                    title: str | None = N_("Portfolio return in each scenario")) -> Figure:
    """Portfolio return in each scenario; with a plan, before and after side by side."""
    sc = results.scenarios
    after = {p.id: p.after for p in results.plan}
    before = [s.return_ for s in sc]
    h = 0.38 if after else 0.6
    shift = h / 2 if after else 0.0
    with _rc():
        fig = _figure(WIDTH, (0.42 if after else 0.3) * max(len(sc), 2) + 0.9)
        ax = fig.add_subplot()
        ax.barh([i - shift for i in range(len(sc))], before, height=h,
                color=[OVER if r < 0 else OK for r in before],
                label=_("your portfolio") if after else None)
        for i, r in enumerate(before):
            _label(ax, r, i - shift, signed=True)
        if after:
            vals = [after.get(s.id, 0.0) for s in sc]
            ax.barh([i + shift for i in range(len(sc))], vals, height=h, color=AFTER,
                    label=_("after the plan"))
            for i, r in enumerate(vals):
                _label(ax, r, i + shift, signed=True, color=AFTER)
        ax.axvline(0, color=LIMIT, lw=0.8)
        ax.set_yticks(range(len(sc)), [_(s.name) for s in sc])
        ax.invert_yaxis()
        low = min([*before, *after.values(), 0.0])
        high = max([*before, *after.values(), 0.0])
        ax.set_xlim(low * 1.3 - 0.02, high * 1.3 + 0.04)
        _finish(fig, ax, title)
    return fig


def before_after_chart(before: Mapping[str, float], after: Mapping[str, float],
                       limits: Mapping[str, float | None] | None = None,
                       title: str | None = N_("Before and after the plan"),
                       limit_label: str = N_("limit")) -> Figure:
    """Draw grouped bars of named weights before and after a rebalance (with optional limits)."""
    keys = list(dict.fromkeys([*before, *after]))
    with _rc():
        fig = _figure(WIDTH, 0.42 * max(len(keys), 2) + 0.9)
        ax = fig.add_subplot()
        y = range(len(keys))
        ax.barh([i - 0.2 for i in y], [before.get(k, 0.0) for k in keys], height=0.38, color=VIA,
                label=_("before"))
        ax.barh([i + 0.2 for i in y], [after.get(k, 0.0) for k in keys], height=0.38, color=AFTER,
                label=_("after"))
        labelled = False
        for i, k in enumerate(keys):
            _label(ax, before.get(k, 0.0), i - 0.2, fontsize=8, color="#555555")
            _label(ax, after.get(k, 0.0), i + 0.2, fontsize=8)
            lim = (limits or {}).get(k)
            if lim is not None:
                ax.plot([lim, lim], [i - 0.45, i + 0.45], color=LIMIT, lw=2,
                        label=None if labelled else _(limit_label))
                labelled = True
        ax.set_yticks(list(y), [theme_name(k) if k in THEME_NAMES else label(k).replace("_", " ")
                                for k in keys])
        ax.invert_yaxis()
        _finish(fig, ax, title)
    return fig


def to_svg(fig: Figure) -> str:
    """Serialise a figure as an SVG document (text kept as text)."""
    buf = io.StringIO()
    with _rc():
        fig.savefig(buf, format="svg")
    return buf.getvalue()


def to_png(fig: Figure, dpi: int = 110) -> bytes:
    """Serialise a figure as PNG bytes."""
    buf = io.BytesIO()
    with _rc():
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def deal_party_exposure(report: Report, graph: DealGraph) -> dict[str, float]:
    """Map each listed party of ``graph`` to the portfolio's weight in it (from the counterparties)."""
    cps = report.exposures.counterparties
    by_issuer = {c.issuer_id: c.weight for c in cps}
    out: dict[str, float] = {}
    for party, ticker in graph.listed_parties().items():
        issuer = ticker if ticker in by_issuer else next(
            (c.issuer_id for c in cps if ticker in c.symbols), "")
        if issuer in by_issuer:
            out[party] = by_issuer[issuer]
    return out


def deal_graph_svg(graph: DealGraph, report: Report | None = None, *, title: str | None = None) -> str:
    """Draw ``graph`` as SVG, nodes sized by the report's exposure to each party."""
    exposure = deal_party_exposure(report, graph) if report is not None else None
    with _rc():
        return graph.picture("svg", exposure, title=title).decode("utf-8")


def inline_svg(svg: str, prefix: str, label: str) -> str:
    """Make an SVG document safe to inline in an HTML page.

    Drops the XML prolog, metadata and namespace URLs (HTML parsers know SVG), prefixes every
    id (several charts share one page) and lets the chart scale to its container's width.
    """
    import html

    label = html.escape(label, quote=True)
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = re.sub(r'\sid="([^"]+)"', lambda m: f' id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r'(url\(#|href="#)([^")]+)', lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    svg = re.sub(r'<svg([^>]*?)\swidth="[^"]*"\s+height="[^"]*"',
                 lambda m: f'<svg{m.group(1)} role="img" aria-label="{label}" class="chart"', svg,
                 count=1)
    return svg.strip()
