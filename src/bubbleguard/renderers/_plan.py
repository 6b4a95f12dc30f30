"""Renderers for rebalance plans: terminal (rich), JSON, CSV (the trade list) and Markdown.

Each renderer returns a string or a rich renderable; only the CLI writes to the terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._output import json_text
from ._format import csv_text, md, md_document, money, pct

if TYPE_CHECKING:
    from ..planner._plan import Plan

__all__ = ["PLAN_FORMATS", "markdown", "render", "terminal"]

PLAN_FORMATS = ("table", "json", "csv", "markdown", "html")
SCHEDULE_ROWS = 12  # rows of the monthly schedule the table and Markdown show
LABELS = {
    "max_issuer": "Largest issuer", "max_theme.magnificent7": "Magnificent 7",
    "max_theme.ai": "AI universe", "max_theme.circular_deals": "Circular-deal parties",
    "max_theme.ai_or_unresolved": "AI universe or unresolved (worst case)",
    "max_theme_over_market.magnificent7": "Magnificent 7 beyond the market",
    "max_theme_over_market.ai": "AI universe beyond the market",
    "max_theme_over_market.circular_deals": "Circular-deal parties beyond the market",
    "max_top10": "Top-10 issuers", "max_position": "Largest position",
    "max_unresolved": "Unresolved", "max_turnover": "Turnover",
}


def _label(constraint: str) -> str:
    if constraint in LABELS:
        return LABELS[constraint]
    kind, _, cls = constraint.partition(".")
    word = "floor" if kind.startswith("min") else "cap"
    return f"{cls.replace('_', ' ').capitalize()} ({word})"


def _shares(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.4f}"


def schedule_rows(plan: Plan) -> list[tuple[str, str, str]]:
    """The monthly schedule with runs of identical months as one row: (months, deposit, buys)."""
    rows: list[tuple[str, str, str]] = []
    runs: list[tuple[int, int, str, float]] = []
    for m in plan.schedule:
        buys = ", ".join(f"{t.account + ': ' if t.account else ''}{_shares(t.shares)} {t.symbol}"
                         for t in m.trades) or "none"
        if runs and runs[-1][2] == buys and runs[-1][3] == m.deposit:
            runs[-1] = (runs[-1][0], m.month, buys, m.deposit)
        else:
            runs.append((m.month, m.month, buys, m.deposit))
    for first, last, buys, deposit in runs:
        rows.append((str(first) if first == last else f"{first}–{last}", money(deposit), buys))
    return rows


SWAP_COLUMNS = ("swap", "value", "AI", "Mag 7", "circular", "unseen", "tax", "fee/yr")


def swap_rows(plan: Plan) -> list[tuple[str, ...]]:
    """One row per suggested swap: the points of each theme it removes, its tax and cost."""
    rows = []
    for w in plan.swaps:
        er = "" if w.expense_ratio_change is None else f"{w.expense_ratio_change:+.2f}%"
        rows.append((f"{w.symbol} → {w.replacement}", f"{w.value:,.0f}", *(
                         f"{-100 * w.removed.get(t, 0.0):+.1f}"
                         for t in ("ai", "magnificent7", "circular_deals")),
                     f"{100 * w.unresolved_added:+.1f}",
                     f"{w.estimated_tax:,.0f}" if w.estimated_tax is not None else "unknown", er))
    return rows


def summary_lines(plan: Plan) -> list[str]:
    """Return the plan's headline numbers, one sentence each."""
    c = plan.currency
    tax = (f"realised gain {money(plan.realised_gain, c)} taxable (estimated tax "
           f"{money(plan.estimated_tax, c)})" if plan.estimated_tax is not None else
           "taxable gain and estimated tax unknown (no cost basis for some sells)")
    lines = [
        f"{plan.objective} plan ({plan.status}, solver {plan.solver}): {len(plan.trades)} trades, "
        f"value {money(plan.value_before, c)} → {money(plan.value_after, c)}"
        + (f" (cash change {plan.cash_change:+,.2f})" if plan.cash_change else ""),
        f"Turnover {plan.turnover:.1%}, traded {money(plan.traded_value, c)}, costs "
        f"{money(plan.costs, c)}; {tax}, "
        f"{money(plan.realised_gain_tax_advantaged, c)} in tax-advantaged accounts",
        f"Expected volatility {plan.volatility_before:.1%} → {plan.volatility_after:.1%} a year",
    ]
    if plan.schedule:
        lines.append(f"Monthly investing: {len(plan.schedule)} months of "
                     f"{money(plan.schedule[0].deposit, c)}, buying only; " + (
                         f"every guardrail met after {plan.months_to_guardrails} months"
                         if plan.months_to_guardrails else "already within the guardrails"
                         if plan.months_to_guardrails == 0 else "guardrails not yet met"))
    if plan.relaxations:
        lines.append("Relaxed to find a plan: " + "; ".join(
            f"{k} by {v:.2%}" for k, v in plan.relaxations.items()))
    return lines


def terminal(plan: Plan) -> Any:
    """Render the plan for the terminal: summary, trades, guardrails before/after, notes."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    head = Text()
    head.append("bubbleguard rebalance", style="bold")
    head.append(f"  {plan.source}\n")
    for line in summary_lines(plan):
        head.append(line + "\n", style="yellow" if line.startswith("Relaxed") else None)

    trades = Table(title="Trades", title_justify="left")
    for col in ("account", "side", "symbol", "shares", "price", "value", "realised gain"):
        trades.add_column(col, justify="left" if col in ("account", "side", "symbol") else "right")
    for t in plan.trades:
        side = Text(t.side, style="red" if t.side == "sell" else "green")
        trades.add_row(t.account or "—", side, t.symbol, _shares(t.shares), money(t.price),
                       money(t.value), money(t.realised_gain))

    rails = Table(title="Guardrails, before and after (look-through)",
                  title_justify="left")
    for col in ("guardrail", "before", "after", "limit", ""):
        rails.add_column(col, justify="left" if col in ("guardrail", "") else "right")
    for g in plan.guardrails:
        mark = Text("ok", style="green") if g.met else Text("relaxed", style="yellow")
        rails.add_row(_label(g.constraint), pct(g.before), pct(g.after),
                      ("≥ " if g.kind == "floor" else "≤ ") + pct(g.limit), mark)

    targets = Table(title="Holdings after (accounts summed)", title_justify="left")
    for col in ("symbol", "class", "before", "after", "weight"):
        targets.add_column(col, justify="left" if col in ("symbol", "class") else "right")
    for t in plan.targets[:20]:
        targets.add_row(t.symbol, t.asset_class, money(t.value_before), money(t.value_after),
                        pct(t.weight_after))

    parts: list[Any] = [head, trades if plan.trades else Text("No trades needed.", style="green")]
    if plan.schedule:
        months = Table(title="Monthly schedule (all months' buys sum to the trades above)",
                       title_justify="left")
        for col in ("month", "new money", "buys"):
            months.add_column(col, justify="right" if col != "buys" else "left")
        rows = schedule_rows(plan)
        for row in rows[:SCHEDULE_ROWS]:
            months.add_row(*row)
        if len(rows) > SCHEDULE_ROWS:
            months.add_row("…", "", f"{len(rows) - SCHEDULE_ROWS} more rows, the last: "
                           f"{rows[-1][0]}: {rows[-1][2]} (all in --format json or csv)")
        parts.append(months)
    parts += [rails, targets]
    if plan.swaps:
        swaps = Table(title="Swaps to consider: the whole position moved, points of the portfolio "
                            "per theme (unseen: holdings the data cannot itemise)",
                      title_justify="left")
        for col in SWAP_COLUMNS:
            swaps.add_column(col, justify="left" if col == "swap" else "right")
        for cells in swap_rows(plan):
            swaps.add_row(*cells)
        parts.append(swaps)
    findings = [f for f in plan.after.findings if f.severity != "info"]
    after = Text()
    after.append("Check after the trades: ", style="bold")
    if findings:
        after.append("; ".join(f"{f.code} ({f.subject})" for f in findings), style="yellow")
    else:
        after.append("no warnings or errors.", style="green")
    parts.append(after)
    foot = Text(style="grey50")
    for note in plan.notes:
        foot.append(f"Note: {note}\n")
    for sym, how in plan.proxies.items():
        foot.append(f"Risk proxy: {sym} ← {how}\n")
    if foot.plain:
        parts.append(foot)
    return Group(*parts)


def markdown(plan: Plan) -> str:
    """Render the plan as GitHub-flavoured Markdown."""
    out = [f"# bubbleguard rebalance: {plan.source}", ""]
    out += [f"- {line}" for line in summary_lines(plan)]
    out += ["", "## Trades", "",
            "| account | side | symbol | shares | price | value | realised gain |",
            "|---|---|---|---:|---:|---:|---:|"]
    out += [f"| {md(t.account)} | {t.side} | {md(t.symbol)} | {_shares(t.shares)} | {money(t.price)} | "
            f"{money(t.value)} | {money(t.realised_gain)} |" for t in plan.trades
            ] or ["| | | none | | | | |"]
    if plan.schedule:
        out += ["", "## Monthly schedule", "", "| month | new money | buys |", "|---:|---:|---|"]
        rows = schedule_rows(plan)
        out += [f"| {m} | {d} | {md(b)} |" for m, d, b in rows[:SCHEDULE_ROWS]]
        if len(rows) > SCHEDULE_ROWS:
            out.append(f"| … | | {len(rows) - SCHEDULE_ROWS} more rows, the last: "
                       f"{rows[-1][0]}: {md(rows[-1][2])} (all in JSON or CSV) |")
    out += ["", "## Guardrails", "", "| guardrail | before | after | limit | met |",
            "|---|---:|---:|---:|---|"]
    out += [f"| {_label(g.constraint)} | {pct(g.before)} | {pct(g.after)} | "
            f"{'≥' if g.kind == 'floor' else '≤'} {pct(g.limit)} | "
            f"{'yes' if g.met else 'relaxed'} |"
            for g in plan.guardrails]
    out += ["", "## Holdings after", "", "| symbol | class | before | after | weight |",
            "|---|---|---:|---:|---:|"]
    out += [f"| {md(t.symbol)} | {t.asset_class} | {money(t.value_before)} | "
            f"{money(t.value_after)} | {pct(t.weight_after)} |" for t in plan.targets]
    if plan.swaps:
        out += ["", "## Swaps to consider", "",
                "The whole position moved; points of the portfolio per theme (unseen: holdings "
                "the data cannot itemise).", "", "| " + " | ".join(SWAP_COLUMNS) + " |",
                "|---|---:|---:|---:|---:|---:|---:|---:|"]
        out += ["| " + " | ".join(md(c) for c in row) + " |" for row in swap_rows(plan)]
    findings = plan.after.findings
    out += ["", "## Check after the trades", ""]
    out += [f"- **{f.severity}** `{f.code}` ({f.subject}): {f.message}"
            for f in findings] or ["No findings."]
    if plan.notes or plan.proxies:
        out += ["", "## Notes", ""]
        out += [f"- {n}" for n in plan.notes]
        out += [f"- risk proxy for {s}: {p}" for s, p in plan.proxies.items()]
    out.append("")
    return md_document("\n".join(out))


def render(plan: Plan, fmt: str, *, width: int = 120, scenarios: Any = None,
           deals: Any = None) -> str:
    """Render a plan to text in one of :data:`PLAN_FORMATS` (``csv`` is the trade list).

    ``html`` is the self-contained report of the holdings before the plan with the plan's
    section, and the stress ``scenarios`` and ``deals`` graph when given (see
    :func:`~bubbleguard.renderers._html.report_html`).
    """
    if fmt == "html":
        from ._html import report_html

        return report_html(plan.before, plan=plan, scenarios=scenarios, deals=deals)
    if fmt == "json":
        return json_text(plan.model_dump(mode="json"))
    if fmt == "csv":
        return csv_text(plan.to_frame("schedule" if plan.schedule else "trades"))
    if fmt == "markdown":
        return markdown(plan)
    if fmt == "table":
        from ._format import to_text

        return to_text(terminal(plan), width=width)
    raise ValueError(f"unknown format '{fmt}' (choose one of {', '.join(PLAN_FORMATS)})")
