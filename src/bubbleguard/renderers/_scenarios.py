"""Renderers for scenario results: terminal (rich), JSON, CSV and Markdown.

Each returns a string or a rich renderable; only the CLI writes to the terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._output import json_text
from ..i18n import N_, _
from ._format import csv_text, md, md_document, money, pct

if TYPE_CHECKING:
    from ..scenarios._results import ScenarioResult, ScenarioResults

__all__ = ["SCENARIO_FORMATS", "render_scenarios", "scenarios_markdown", "scenarios_table"]

SCENARIO_FORMATS = ("table", "json", "csv", "markdown")
FOOTNOTE = N_("Historical: buy-and-hold from the close of the start date to the close of the end "
              "date, bundled adjusted prices; holdings without prices use the proxy named. "
              "Hypothetical: assumed shocks on the look-through, not forecasts.")



def _window(s: ScenarioResult) -> str:
    return f"{s.start} → {s.end}" if s.start else _("hypothetical")


def _worst(s: ScenarioResult, n: int = 3) -> str:
    return ", ".join(f"{c.key} {pct(c.contribution, signed=True)}" for c in s.worst[:n])


def _proxied(s: ScenarioResult) -> list[tuple[str, str]]:
    if s.kind != "historical":
        return []
    return [(k, v) for k, v in s.proxies.items() if v not in (_("own prices"), _("cash (0%)"))]


def _notes(results: ScenarioResults) -> list[tuple[str, str]]:
    out = [(s.id, n) for s in results.scenarios for n in s.notes]
    if results.after is not None:
        out += [(_("{scenario} after the plan").format(scenario=s.id), n)
                for s in results.after.scenarios for n in s.notes]
    return out


def scenarios_table(results: ScenarioResults, compact: bool = False) -> Any:
    """Render the results as a rich renderable (scenario table, proxies, notes).

    ``compact=True`` (for the ``check`` report) leaves out the heading line and the proxy table.
    """
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    plan = {p.id: p for p in results.plan}
    head = Text()
    head.append("bubbleguard scenarios", style="bold")
    head.append(f" {results.source}: {money(results.total_value, results.currency, 0)}")
    table = Table(title=_("Stress scenarios: portfolio return"), title_justify="left")
    for i, col in enumerate((_("scenario"), _("window"), _("return"),
                             _("change ({currency})").format(currency=results.currency))):
        table.add_column(col, justify="right" if i > 1 else "left")
    if plan:
        table.add_column(_("after plan"), justify="right")
    table.add_column(_("worst contributors"), overflow="fold")
    for s in results.scenarios:
        style = "red" if s.return_ <= -0.2 else ("yellow" if s.return_ < 0 else "green")
        row: list[str | Text] = [_(s.name), _window(s), Text(pct(s.return_, signed=True), style=style),
                                 money(s.value_change, decimals=0)]
        if plan:
            p = plan.get(s.id)
            row.append(pct(p.after, signed=True) if p else "")
        row.append(_worst(s))
        table.add_row(*row)
    parts: list[Any] = [table] if compact else [head, Text(""), table]
    proxies = [(s.id, k, v) for s in results.scenarios for k, v in _proxied(s)]
    if proxies and not compact:
        pt = Table(title=_("Proxies for holdings without prices in a window"), title_justify="left")
        for col in (_("scenario"), _("holding"), _("return from")):
            pt.add_column(col, overflow="fold")
        for sid, k, v in proxies:
            pt.add_row(sid, k, v)
        parts.append(pt)
    more = (" " + _("{n} holding-window(s) use a proxy: see 'bubbleguard scenarios'.").format(n=len(proxies))
            if compact and proxies else "")
    foot = Text(_(FOOTNOTE) + " " + _("Prices as of {date}.").format(date=results.prices_as_of) + more,
                style="grey50")
    for sid, note in _notes(results):
        foot.append(f"\n{sid}: {note}", style="grey50")
    parts.append(foot)
    return Group(*parts)


def scenarios_markdown(results: ScenarioResults, level: int = 1) -> str:
    """Render the results as GitHub-flavoured Markdown (``level``: heading level of the title)."""
    h = "#" * level
    plan = {p.id: p for p in results.plan}
    out = [f"{h} " + _("Stress scenarios: {source}").format(source=results.source), "",
           _("Total value {value}.").format(value=money(results.total_value, results.currency, 0)), "",
           "| {} | {} | {} | {} |".format(_("scenario"), _("window"), _("return"), _("change"))
           + (" {} |".format(_("after plan")) if plan else "") + " {} |".format(_("worst contributors")),
           "|---|---|---:|---:|" + ("---:|" if plan else "") + "---|"]
    for s in results.scenarios:
        after = f" {pct(plan[s.id].after, signed=True)} |" if s.id in plan else (" |" if plan else "")
        out.append(f"| {md(_(s.name))} (`{md(s.id)}`) | {_window(s)} | {pct(s.return_, signed=True)} | "
                   f"{money(s.value_change, decimals=0)} |{after} {_worst(s)} |")
    proxies = [(s.id, k, v) for s in results.scenarios for k, v in _proxied(s)]
    if proxies:
        out += ["", f"{h}# " + _("Proxies"), "",
                "| {} | {} | {} |".format(_("scenario"), _("holding"), _("return from")), "|---|---|---|"]
        out += [f"| {md(sid)} | {md(k)} | {md(v)} |" for sid, k, v in proxies]
    notes = [f"- `{sid}`: {n}" for sid, n in _notes(results)]
    if notes:
        out += ["", f"{h}# " + _("Notes"), "", *notes]
    out += ["", "_" + _(FOOTNOTE) + " " + _("Prices as of {date}.").format(date=results.prices_as_of) + "_",
            ""]
    return md_document("\n".join(out))


def scenarios_csv(results: ScenarioResults) -> str:
    """Long CSV: one ``total`` row per scenario, then its lines by holding and by issuer."""
    import pandas as pd

    rows = []
    for s in results.scenarios:
        base = {"scenario": s.id, "scenario_name": s.name, "scenario_kind": s.kind,
                "start": s.start or "", "end": s.end or ""}
        rows.append({**base, "breakdown": "total", "line_kind": "portfolio", "key": "", "name": "",
                     "weight": 1.0, "return": s.return_, "contribution": s.return_, "source": ""})
        for breakdown, items in (("by_holding", s.contributions), ("by_issuer", s.by_issuer)):
            for c in items:
                rows.append({**base, "breakdown": breakdown, "line_kind": c.kind, "key": c.key,
                             "name": c.name, "weight": c.weight, "return": c.return_,
                             "contribution": c.contribution, "source": c.source})
    return csv_text(pd.DataFrame(rows))


def render_scenarios(results: ScenarioResults, fmt: str, *, width: int = 120) -> str:
    """Render results to text in one of :data:`SCENARIO_FORMATS`."""
    if fmt == "json":
        return json_text(results.model_dump(mode="json"))
    if fmt == "csv":
        return scenarios_csv(results)
    if fmt == "markdown":
        return scenarios_markdown(results)
    if fmt == "table":
        from ._format import to_text

        return to_text(scenarios_table(results), width=width)
    raise ValueError(f"unknown format '{fmt}'")
