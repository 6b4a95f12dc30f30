"""Renderers for the check report: terminal (rich), JSON, CSV and Markdown.

Each renderer returns a string or a rich renderable; only the CLI writes to the terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._output import json_text
from ..i18n import _, format_percent, get_language, ngettext
from ._format import (
    bar,
    csv_text,
    label,
    market_split_text,
    md,
    md_document,
    money,
    pad,
    pct,
    prose,
    theme_name,
    to_text,
)

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table

    from ..deals._graph import DealGraph
    from ..report import Report
    from ..rules import Finding

__all__ = ["markdown", "render", "terminal"]

SEV_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
def _deal_basis(report: Report) -> str:
    used = [label(c) for c in report.deals_used if c != "superseded"]
    left = (_("superseded deals included") if "superseded" in report.deals_used
            else _("superseded deals excluded"))
    return _("Deals used: {used}; {superseded}; deals as of {date}").format(
        used=", ".join(used), superseded=left, date=report.data_as_of["deals"])


def _severities(report: Report) -> str:
    """``2 errors, 1 warning, 3 info`` in the active language."""
    said = []
    for s, n in report.counts().items():
        if n and s == "error":
            said.append(ngettext("{n} error", "{n} errors", n).format(n=n))
        elif n and s == "warning":
            said.append(ngettext("{n} warning", "{n} warnings", n).format(n=n))
        elif n:
            said.append(ngettext("{n} info", "{n} info", n).format(n=n))
    return _(", ").join(said)


def _table(title: str, columns: dict[str, str], **kw: Any) -> Table:
    """A table whose columns are ``{header: kind}``: ``pct`` (fixed width, right) or ``text``.

    Fixed widths spare rich measuring every cell of the numeric columns.
    """
    from rich.cells import cell_len
    from rich.table import Table

    table = Table(title=title, title_justify="left", **kw)
    for header, kind in columns.items():
        if kind == "pct":
            table.add_column(header, justify="right", width=max(cell_len(header), 6), no_wrap=True)
        else:
            table.add_column(header)
    return table


def _findings(findings: list[Finding]) -> RenderableType:
    """Findings as a list: severity, code and value against limit, then what to do, indented."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    if not findings:
        return Text(_("No findings: every guardrail holds."), style="green")
    parts: list[RenderableType] = [Text(_("Findings"), style="italic")]
    for f in findings:
        head = Text(pad(label(f.severity), 8), style=SEV_STYLE[f.severity])
        head.append(f" {f.code}", style="bold")
        if f.value is not None:
            limit = _(", limit {limit}").format(limit=pct(f.limit)) if f.limit is not None else ""
            head.append(f"  {f.subject} {pct(f.value)}{limit}")
        parts += [head, Padding(prose(f.message), (0, 0, 0, 9))]
    return Group(*parts)


def _verdict(report: Report, fail_on: str) -> RenderableType:
    """The first screen: how many findings of each severity and the exit code they give."""
    from rich.panel import Panel
    from rich.text import Text

    said = _severities(report)
    code = report.exit_code(fail_on)
    text = Text()
    text.append(_("Verdict: "), style="bold")
    text.append(said or _("no findings"), style=SEV_STYLE.get(report.worst() or "", "green"))
    text.append(_(", so exit {code} (--fail-on {fail_on})").format(code=code, fail_on=fail_on))
    for f in report.findings[:3]:
        value = ""
        if f.value is not None and f.severity != "info":
            side = "" if f.limit is None else f" {'<' if f.value < f.limit else '>'} {pct(f.limit)}"
            value = f" {pct(f.value)}{side}"
        text.append(f"\n  {pad(label(f.severity), 8)}", style=SEV_STYLE[f.severity])
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
    head.append("  " + _("{source} ({layout} layout, {currency}): {value} in {n} holdings").format(
        source=report.source, layout=report.layout, currency=report.currency,
        value=money(report.total_value, report.currency, 0), n=len(report.positions)) + "\n")
    conc = ex.concentration
    head.append(_("Top-10 issuers {top10} · effective number of issuers {effective} · unresolved "
                  "{unresolved}").format(top10=pct(conc["top10_share"]),
                                         effective=f"{conc['effective_issuers']:.0f}",
                                         unresolved=pct(sum(u.weight for u in ex.unresolved))))
    if any(p.holdings_as_of for p in report.positions):
        head.append("\n" + _("Fund holdings {dates}").format(dates=report.fund_holdings_dates()))

    themes = _table(_("Themes (look-through) against limits"),
                    {_("theme"): "text", _("you"): "pct", _("limit"): "pct", "": "text",
                     _("S&P 500"): "pct"})
    ctx = report.market_context
    rows = [(theme_name(t), v, pol["max_theme"].get(t), ctx["themes"].get(t))
            for t, v in ex.themes.items()]
    rows.append((theme_name("top10"), conc["top10_share"], pol["max_top10"], ctx["top10_share"]))
    scale = max([1e-9, *(max(v, lim or 0.0) for _, v, lim, _ in rows)]) * 1.05  # one scale for all
    for name, v, lim, market in rows:
        themes.add_row(name, pct(v), pct(lim), bar(v, lim, scale=scale), pct(market))

    issuers = _table(_("Top {top} issuers: direct and via funds").format(top=top),
                     {_("issuer"): "text", _("weight"): "pct", _("direct"): "pct", _("via funds"): "pct",
                      _("themes"): "text"})
    for i in ex.issuers[:top]:
        style = "red" if i.weight > pol["max_issuer"] else None
        issuers.add_row(i.issuer, pct(i.weight), pct(i.direct_weight), pct(i.via_funds_weight),
                        ", ".join(map(label, i.themes)), style=style)

    classes = _table(_("Asset classes"), {_("class"): "text", _("weight"): "pct", _("floor"): "pct"})
    floors = pol["min_asset_class"]
    for cls in dict.fromkeys([*ex.asset_classes, *[c for c, f in floors.items() if f > 0]]):
        v = ex.asset_classes.get(cls, 0.0)
        fl = floors.get(cls)
        classes.add_row(label(cls), pct(v), pct(fl) if fl else "", style="yellow" if fl and v < fl else None)

    sectors = _table(_("Sectors (look-through)"), {_("sector"): "text", _("weight"): "pct"})
    for name, v in ex.sectors.items():
        sectors.add_row(label(name), pct(v))

    funds = _table(_("Fund data: whose holdings, and when"),
                   {_("fund"): "text", _("holdings as of"): "text", _("coverage"): "text",
                    _("source"): "text"})
    for p in report.positions:
        if p.kind == "fund":
            none = (_("no holdings data") if p.asset_class == "equity" else
                    _("no holdings data; counted as {asset_class}").format(asset_class=label(p.asset_class)))
            funds.add_row(p.symbol, p.holdings_as_of or "—", label(p.holdings_coverage or "none"),
                          p.holdings_source or none)
    priced = [p for p in report.positions if p.value_source.startswith("snapshot price")]

    parts: list[RenderableType] = [head, _verdict(report, fail_on), _findings(report.findings),
                                   Text(""), themes]
    split = market_split_text(report)
    if split:
        parts.append(prose(split))
    parts += [issuers, classes, sectors]
    if funds.row_count:
        parts.append(funds)
    if ex.counterparties:
        cp = _table(_("Circular-deal counterparties you hold"),
                    {_("party"): "text", _("weight"): "pct", _("via"): "text", _("cycle"): "text"},
                    caption=_deal_basis(report), caption_justify="left")
        for c in ex.counterparties[:10]:
            via = ", ".join(f"{v['symbol']} {pct(v['weight'])}" for v in c.via[:4])
            cyc = " → ".join([*c.cycles[0], c.cycles[0][0]]) if c.cycles else "—"
            cp.add_row(c.issuer, pct(c.weight), via, cyc)
        parts.append(cp)
    if report.scenarios is not None:
        from ._scenarios import scenarios_table

        parts.append(scenarios_table(report.scenarios, compact=True))

    as_of = report.data_as_of
    foot = Text(_("Data as of: fund holdings {funds}, deals {deals}, prices {prices} · S&P 500 comparison "
                  "from {benchmark} as of {market_as_of} · profile {profile}").format(
        funds=report.fund_holdings_dates(), deals=as_of["deals"], prices=as_of["prices"],
        benchmark=ctx["benchmark"], market_as_of=ctx["as_of"], profile=pol["profile"]), style="grey50")
    if ex.unresolved:
        shown = [u for u in ex.unresolved if u.weight >= 5e-5][:5]
        un = "; ".join(f"{u.symbol} {format_percent(u.weight, 2)} ({u.reason})" for u in shown)
        rest = len(ex.unresolved) - len(shown)
        small = sum(u.weight for u in ex.unresolved) - sum(u.weight for u in shown)
        more = _("; {n} smaller remainder(s), {weight} in all").format(
            n=rest, weight=format_percent(small, 3)) if rest else ""
        foot.append("\n" + _("Unresolved (kept, not dropped): {list}").format(list=un) + more, style="grey50")
    if priced:
        foot.append("\n" + _("Valued at snapshot prices, not the file's: ") + ", ".join(
            f"{p.symbol} ({p.value_source.removeprefix('snapshot price ')})" for p in priced),
            style="grey50")
    for note in report.notes:
        foot.append("\n" + _("Note: {note}").format(note=note), style="grey50")
    parts.append(foot if get_language() == "en" else prose(foot.plain, "grey50"))
    return Group(*parts)


def markdown(report: Report, top: int = 15) -> str:
    """The report as GitHub-flavoured Markdown."""
    ex = report.exposures
    pol = report.policy
    dated = any(p.holdings_as_of for p in report.positions)
    out = [f"# bubbleguard check: {report.source}", "",
           _("Total value {value}, {n} holdings; profile `{profile}`.").format(
               value=money(report.total_value, report.currency, 0), n=len(report.positions),
               profile=pol["profile"])
           + (" " + _("Fund holdings {dates}.").format(dates=report.fund_holdings_dates()) if dated else ""),
           "", "## " + _("Themes"), "",
           "| {} | {} | {} | {} |".format(_("theme"), _("you"), _("limit"), _("S&P 500")),
           "|---|---:|---:|---:|"]
    for t, v in ex.themes.items():
        out.append(f"| {theme_name(t)} | {pct(v)} | {pct(pol['max_theme'].get(t))} | "
                   f"{pct(report.market_context['themes'].get(t))} |")
    out.append(f"| {theme_name('top10')} | {pct(ex.concentration['top10_share'])} | "
               f"{pct(pol['max_top10'])} | "
               f"{pct(report.market_context['top10_share'])} |")
    split = market_split_text(report)
    if split:
        out += ["", md(split)]
    out += ["", "## " + _("Top issuers"), "",
            "| {} | {} | {} | {} | {} |".format(_("issuer"), _("weight"), _("direct"), _("via funds"),
                                              _("themes")),
            "|---|---:|---:|---:|---|"]
    for i in ex.issuers[:top]:
        out.append(f"| {md(i.issuer)} | {pct(i.weight)} | {pct(i.direct_weight)} | {pct(i.via_funds_weight)} "
                   f"| {', '.join(map(label, i.themes))} |")
    why = [i for i in ex.issuers[:top] if i.reason]
    if why:
        out += ["", "### " + _("Why these issuers count as AI"), "",
                "| {} | {} | {} | {} |".format(_("issuer"), _("AI role"), _("reason"), _("source")),
                "|---|---|---|---|"]
        out += ["| " + " | ".join(map(md, (i.issuer, label(i.role.replace("_", " ")), i.reason,
                                          i.source))) + " |" for i in why]
    out += ["", "## " + _("Asset classes"), "", "| {} | {} |".format(_("class"), _("weight")), "|---|---:|"]
    out += [f"| {label(c)} | {pct(v)} |" for c, v in ex.asset_classes.items()]
    if ex.counterparties:
        out += ["", "## " + _("Circular-deal counterparties"), "", f"_{_deal_basis(report)}._", "",
                "| {} | {} | {} | {} |".format(_("party"), _("weight"), _("via"), _("cycle")),
                "|---|---:|---|---|"]
        for c in ex.counterparties:
            via = ", ".join(f"{v['symbol']} {pct(v['weight'])}" for v in c.via[:4])
            cyc = " → ".join([*c.cycles[0], c.cycles[0][0]]) if c.cycles else ""
            out.append(f"| {md(c.issuer)} | {pct(c.weight)} | {md(via)} | {md(cyc)} |")
    if report.scenarios is not None:
        from ._scenarios import scenarios_markdown

        out += ["", scenarios_markdown(report.scenarios, level=2).rstrip()]
    out += ["", "## " + _("Findings"), ""]
    out += [f"- **{label(f.severity)}** `{f.code}` ({f.subject}): {f.message}"
            for f in report.findings] or [_("None.")]
    if ex.unresolved:
        out += ["", "## " + _("Unresolved value"), "",
                "| {} | {} | {} |".format(_("holding"), _("weight"), _("reason")), "|---|---:|---|"]
        out += [f"| {md(u.symbol)} | {pct(u.weight)} | {md(u.reason)} |" for u in ex.unresolved]
    a = report.data_as_of
    out += ["", "_" + _("Data as of: fund holdings {funds}, deals {deals}, prices {prices}.").format(
        funds=report.fund_holdings_dates(), deals=a["deals"], prices=a["prices"]) + "_", ""]
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
