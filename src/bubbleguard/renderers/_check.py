"""Renderers for the check report: terminal (rich), JSON, CSV and Markdown.

Each renderer returns a string or a rich renderable; only the CLI writes to the terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._output import json_text
from ._format import THEME_NAMES, bar, csv_text, md, md_document, money, pct, to_text

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table

    from ..deals._graph import DealGraph
    from ..report import Report
    from ..rules import Finding

__all__ = ["markdown", "render", "terminal"]

SEV_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
def _deal_basis(report: Report) -> str:
    used = [c for c in report.deals_used if c != "superseded"]
    left = "superseded deals included" if "superseded" in report.deals_used else "superseded deals excluded"
    return f"Deals used: {', '.join(used)}; {left}; deals as of {report.data_as_of['deals']}"


def _table(title: str, columns: dict[str, str], **kw: Any) -> Table:
    """A table whose columns are ``{header: kind}``: ``pct`` (fixed width, right) or ``text``.

    Fixed widths spare rich measuring every cell of the numeric columns.
    """
    from rich.table import Table

    table = Table(title=title, title_justify="left", **kw)
    for header, kind in columns.items():
        if kind == "pct":
            table.add_column(header, justify="right", width=max(len(header), 6), no_wrap=True)
        else:
            table.add_column(header)
    return table


def _findings(findings: list[Finding]) -> RenderableType:
    """Findings as a list: severity, code and value against limit, then what to do, indented."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    if not findings:
        return Text("No findings: every guardrail holds.", style="green")
    parts: list[RenderableType] = [Text("Findings", style="italic")]
    for f in findings:
        head = Text(f"{f.severity:<8}", style=SEV_STYLE[f.severity])
        head.append(f" {f.code}", style="bold")
        if f.value is not None:
            limit = f", limit {pct(f.limit)}" if f.limit is not None else ""
            head.append(f"  {f.subject} {pct(f.value)}{limit}")
        parts += [head, Padding(Text(f.message), (0, 0, 0, 9))]
    return Group(*parts)


def _verdict(report: Report, fail_on: str) -> RenderableType:
    """The first screen: how many findings of each severity and the exit code they give."""
    from rich.panel import Panel
    from rich.text import Text

    said = ", ".join(f"{n} {s}{'s' if n != 1 and s != 'info' else ''}"
                     for s, n in report.counts().items() if n)
    code = report.exit_code(fail_on)
    text = Text()
    text.append("Verdict: ", style="bold")
    text.append(said or "no findings", style=SEV_STYLE.get(report.worst() or "", "green"))
    text.append(f", so exit {code} (--fail-on {fail_on})")
    for f in report.findings[:3]:
        value = ""
        if f.value is not None and f.severity != "info":
            side = "" if f.limit is None else f" {'<' if f.value < f.limit else '>'} {pct(f.limit)}"
            value = f" {pct(f.value)}{side}"
        text.append(f"\n  {f.severity:<8}", style=SEV_STYLE[f.severity])
        text.append(f" {f.code} {f.subject}{value}")
    return Panel(text, expand=False)


def terminal(report: Report, top: int = 15, fail_on: str = "error") -> RenderableType:
    """The report as a rich renderable: verdict, findings, then the tables and the data dates."""
    from rich.console import Group
    from rich.text import Text

    ex = report.exposures
    pol = report.policy
    head = Text()
    head.append("bubbleguard check", style="bold")
    head.append(f"  {report.source} ({report.layout} layout, {report.currency}): "
                f"{money(report.total_value, report.currency, 0)} in {len(report.positions)} holdings\n")
    conc = ex.concentration
    head.append(f"Top-10 issuers {conc['top10_share']:.1%} · effective number of issuers "
                f"{conc['effective_issuers']:.0f} · unresolved "
                f"{sum(u.weight for u in ex.unresolved):.1%}")

    themes = _table("Themes (look-through) against limits",
                    {"theme": "text", "you": "pct", "limit": "pct", "": "text", "S&P 500": "pct"})
    ctx = report.market_context
    rows = [(THEME_NAMES.get(t, t), v, pol["max_theme"].get(t), ctx["themes"].get(t))
            for t, v in ex.themes.items()]
    rows.append(("Top-10 issuers", conc["top10_share"], pol["max_top10"], ctx["top10_share"]))
    scale = max([1e-9, *(max(v, lim or 0.0) for _, v, lim, _ in rows)]) * 1.05  # one scale for all
    for name, v, lim, market in rows:
        themes.add_row(name, pct(v), pct(lim), bar(v, lim, scale=scale), pct(market))

    issuers = _table(f"Top {top} issuers: direct and via funds",
                     {"issuer": "text", "weight": "pct", "direct": "pct", "via funds": "pct",
                      "themes": "text"})
    for i in ex.issuers[:top]:
        style = "red" if i.weight > pol["max_issuer"] else None
        issuers.add_row(i.issuer, pct(i.weight), pct(i.direct_weight), pct(i.via_funds_weight),
                        ", ".join(i.themes), style=style)

    classes = _table("Asset classes", {"class": "text", "weight": "pct", "floor": "pct"})
    floors = pol["min_asset_class"]
    for cls in dict.fromkeys([*ex.asset_classes, *[c for c, f in floors.items() if f > 0]]):
        v = ex.asset_classes.get(cls, 0.0)
        fl = floors.get(cls)
        classes.add_row(cls, pct(v), pct(fl) if fl else "", style="yellow" if fl and v < fl else None)

    sectors = _table("Sectors (look-through)", {"sector": "text", "weight": "pct"})
    for name, v in ex.sectors.items():
        sectors.add_row(name, pct(v))

    funds = _table("Fund data: whose holdings, and when",
                   {"fund": "text", "holdings as of": "text", "coverage": "text", "source": "text"})
    for p in report.positions:
        if p.holdings_as_of:
            funds.add_row(p.symbol, p.holdings_as_of, p.holdings_coverage or "", p.holdings_source or "")
    priced = [p for p in report.positions if p.value_source.startswith("snapshot price")]

    parts: list[RenderableType] = [head, _verdict(report, fail_on), _findings(report.findings),
                                   Text(""), themes, issuers, classes, sectors]
    if funds.row_count:
        parts.append(funds)
    if ex.counterparties:
        cp = _table("Circular-deal counterparties you hold",
                    {"party": "text", "weight": "pct", "via": "text", "cycle": "text"},
                    caption=_deal_basis(report), caption_justify="left")
        for c in ex.counterparties[:10]:
            via = ", ".join(f"{v['symbol']} {v['weight']:.1%}" for v in c.via[:4])
            cyc = " → ".join([*c.cycles[0], c.cycles[0][0]]) if c.cycles else "—"
            cp.add_row(c.issuer, pct(c.weight), via, cyc)
        parts.append(cp)
    if report.scenarios is not None:
        from ._scenarios import scenarios_table

        parts.append(scenarios_table(report.scenarios, compact=True))

    as_of = report.data_as_of
    foot = Text(f"Data as of: fund holdings {report.fund_holdings_dates()}, deals {as_of['deals']}, "
                f"prices {as_of['prices']} · S&P 500 comparison from {ctx['benchmark']} as of "
                f"{ctx['as_of']} · profile {pol['profile']}", style="grey50")
    if ex.unresolved:
        shown = [u for u in ex.unresolved if u.weight >= 5e-5][:5]
        un = "; ".join(f"{u.symbol} {u.weight:.2%} ({u.reason})" for u in shown)
        rest = len(ex.unresolved) - len(shown)
        small = sum(u.weight for u in ex.unresolved) - sum(u.weight for u in shown)
        more = f"; {rest} smaller remainder(s), {small:.3%} in all" if rest else ""
        foot.append(f"\nUnresolved (kept, not dropped): {un}{more}", style="grey50")
    if priced:
        foot.append("\nValued at snapshot prices, not the file's: " + ", ".join(
            f"{p.symbol} ({p.value_source.removeprefix('snapshot price ')})" for p in priced),
            style="grey50")
    for note in report.notes:
        foot.append(f"\nNote: {note}", style="grey50")
    parts.append(foot)
    return Group(*parts)


def markdown(report: Report, top: int = 15) -> str:
    """The report as GitHub-flavoured Markdown."""
    ex = report.exposures
    pol = report.policy
    out = [f"# bubbleguard check: {report.source}", "",
           f"Total value {money(report.total_value, report.currency, 0)}, {len(report.positions)} holdings; "
           f"profile `{pol['profile']}`.", "", "## Themes", "", "| theme | you | limit | S&P 500 |",
           "|---|---:|---:|---:|"]
    for t, v in ex.themes.items():
        out.append(f"| {THEME_NAMES.get(t, t)} | {pct(v)} | {pct(pol['max_theme'].get(t))} | "
                   f"{pct(report.market_context['themes'].get(t))} |")
    out.append(f"| Top-10 issuers | {pct(ex.concentration['top10_share'])} | {pct(pol['max_top10'])} | "
               f"{pct(report.market_context['top10_share'])} |")
    out += ["", "## Top issuers", "", "| issuer | weight | direct | via funds | themes |",
            "|---|---:|---:|---:|---|"]
    for i in ex.issuers[:top]:
        out.append(f"| {md(i.issuer)} | {pct(i.weight)} | {pct(i.direct_weight)} | {pct(i.via_funds_weight)} "
                   f"| {', '.join(i.themes)} |")
    out += ["", "## Asset classes", "", "| class | weight |", "|---|---:|"]
    out += [f"| {c} | {pct(v)} |" for c, v in ex.asset_classes.items()]
    if ex.counterparties:
        out += ["", "## Circular-deal counterparties", "", f"_{_deal_basis(report)}._", "",
                "| party | weight | via | cycle |", "|---|---:|---|---|"]
        for c in ex.counterparties:
            via = ", ".join(f"{v['symbol']} {v['weight']:.1%}" for v in c.via[:4])
            cyc = " → ".join([*c.cycles[0], c.cycles[0][0]]) if c.cycles else ""
            out.append(f"| {md(c.issuer)} | {pct(c.weight)} | {md(via)} | {md(cyc)} |")
    if report.scenarios is not None:
        from ._scenarios import scenarios_markdown

        out += ["", scenarios_markdown(report.scenarios, level=2).rstrip()]
    out += ["", "## Findings", ""]
    out += [f"- **{f.severity}** `{f.code}` ({f.subject}): {f.message}" for f in report.findings] or ["None."]
    if ex.unresolved:
        out += ["", "## Unresolved value", "", "| holding | weight | reason |", "|---|---:|---|"]
        out += [f"| {md(u.symbol)} | {pct(u.weight)} | {md(u.reason)} |" for u in ex.unresolved]
    a = report.data_as_of
    out += ["", f"_Data as of: fund holdings {report.fund_holdings_dates()}, deals {a['deals']}, "
                f"prices {a['prices']}._", ""]
    return md_document("\n".join(out))


def render(report: Report, fmt: str, *, width: int = 120, fail_on: str = "error",
           deals: DealGraph | None = None) -> str:
    """Render a report to text in one of :data:`FORMATS` (``deals``: the graph the HTML draws)."""
    if fmt == "json":
        return json_text(report.model_dump(mode="json"))
    if fmt == "csv":
        return csv_text(report.to_frame("issuers").assign(
            symbols=lambda d: d["symbols"].map(lambda s: " ".join(s or [])),
            themes=lambda d: d["themes"].map(" ".join)))
    if fmt == "markdown":
        return markdown(report)
    if fmt == "html":
        from ._html import report_html

        return report_html(report, deals=deals)
    if fmt == "table":
        return to_text(terminal(report, fail_on=fail_on), width=width)
    raise ValueError(f"unknown format '{fmt}'")
