"""Renderers for rebalance plans: terminal (rich), JSON, CSV (the trade list) and Markdown.

Each renderer returns a string or a rich renderable; only the CLI writes to the terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._output import json_text
from ..i18n import N_, _
from ._format import csv_text, label, md, md_document, money, pct

if TYPE_CHECKING:
    from ..planner._plan import Plan

__all__ = ["PLAN_FORMATS", "markdown", "render", "terminal"]

PLAN_FORMATS = ("table", "json", "csv", "markdown", "html")
SCHEDULE_ROWS = 12  # rows of the monthly schedule the table and Markdown show
LABELS = {
    "max_issuer": N_("Largest issuer"), "max_theme.magnificent7": N_("Magnificent 7"),
    "max_theme.ai": N_("AI universe"), "max_theme.circular_deals": N_("Circular-deal parties"),
    "max_theme.ai_or_unresolved": N_("AI universe or unresolved (worst case)"),
    "max_theme_over_market.magnificent7": N_("Magnificent 7 beyond the market"),
    "max_theme_over_market.ai": N_("AI universe beyond the market"),
    "max_theme_over_market.circular_deals": N_("Circular-deal parties beyond the market"),
    "max_top10": N_("Top-10 issuers"), "max_position": N_("Largest position"),
    "max_unresolved": N_("Unresolved"), "max_turnover": N_("Turnover"),
}


def _label(constraint: str) -> str:
    if constraint in LABELS:
        return _(LABELS[constraint])
    kind, _dot, cls = constraint.partition(".")
    word = _("floor") if kind.startswith("min") else _("cap")
    return _("{asset_class} ({bound})").format(asset_class=_(CLASS_NAMES.get(cls, cls)), bound=word)


#: Asset classes as a guardrail's name (``Bond (floor)``).
CLASS_NAMES = {"equity": N_("Equity"), "bond": N_("Bond"), "gold": N_("Gold"),
               "real_estate": N_("Real estate"), "cash": N_("Cash"), "commodity": N_("Commodity"),
               "other": N_("Other")}


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


SWAP_COLUMNS = (N_("swap"), N_("value"), N_("AI"), N_("Mag 7"), N_("circular"), N_("unseen"),
                N_("tax"), N_("fee/yr"))


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
    tax = (_("realised gain {gain} taxable (estimated tax {tax})").format(
        gain=money(plan.realised_gain, c), tax=money(plan.estimated_tax, c)) if plan.estimated_tax is not None
        else _("taxable gain and estimated tax unknown (no cost basis for some sells)"))
    lines = [
        _("{objective} plan ({status}, solver {solver}): {n} trades, value {before} → {after}").format(
            objective=plan.objective, status=plan.status, solver=plan.solver, n=len(plan.trades),
            before=money(plan.value_before, c), after=money(plan.value_after, c))
        + (_(" (cash change {change})").format(change=f"{plan.cash_change:+,.2f}")
           if plan.cash_change else ""),
        _("Turnover {turnover}, traded {traded}, costs {costs}; {tax}, {advantaged} in tax-advantaged "
          "accounts").format(turnover=pct(plan.turnover), traded=money(plan.traded_value, c),
                             costs=money(plan.costs, c), tax=tax,
                             advantaged=money(plan.realised_gain_tax_advantaged, c)),
        _("Expected volatility {before} → {after} a year").format(before=pct(plan.volatility_before),
                                                                  after=pct(plan.volatility_after)),
    ]
    if plan.schedule:
        status = (_("every guardrail met after {months} months").format(
                      months=plan.months_to_guardrails) if plan.months_to_guardrails
                  else _("already within the guardrails") if plan.months_to_guardrails == 0
                  else _("guardrails not yet met"))
        lines.append(_("Monthly investing: {months} months of {amount}, buying only; {status}")
                     .format(months=len(plan.schedule), amount=money(plan.schedule[0].deposit, c),
                             status=status))
    if plan.relaxations:
        lines.append(_("Relaxed to find a plan: ") + "; ".join(
            _("{constraint} by {amount}").format(constraint=k, amount=f"{v:.2%}")
            for k, v in plan.relaxations.items()))
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
        head.append(line + "\n", style="yellow" if line.startswith(_("Relaxed to find a plan: ")) else None)

    trades = Table(title=_("Trades"), title_justify="left")
    for i, col in enumerate((_("account"), _("side"), _("symbol"), _("shares"), _("price"), _("value"),
                             _("realised gain"))):
        trades.add_column(col, justify="left" if i < 3 else "right")
    for t in plan.trades:
        side = Text(label(t.side), style="red" if t.side == "sell" else "green")
        trades.add_row(t.account or "—", side, t.symbol, _shares(t.shares), money(t.price),
                       money(t.value), money(t.realised_gain))

    rails = Table(title=_("Guardrails, before and after (look-through)"),
                  title_justify="left")
    for i, col in enumerate((_("guardrail"), _("before"), _("after"), _("limit"), "")):
        rails.add_column(col, justify="left" if i in (0, 4) else "right")
    for g in plan.guardrails:
        mark = Text(_("ok"), style="green") if g.met else Text(_("relaxed"), style="yellow")
        rails.add_row(_label(g.constraint), pct(g.before), pct(g.after),
                      ("≥ " if g.kind == "floor" else "≤ ") + pct(g.limit), mark)

    targets = Table(title=_("Holdings after (accounts summed)"), title_justify="left")
    for i, col in enumerate((_("symbol"), _("class"), _("before"), _("after"), _("weight"))):
        targets.add_column(col, justify="left" if i < 2 else "right")
    for t in plan.targets[:20]:
        targets.add_row(t.symbol, label(t.asset_class), money(t.value_before), money(t.value_after),
                        pct(t.weight_after))

    parts: list[Any] = [head, trades if plan.trades else Text(_("No trades needed."), style="green")]
    if plan.schedule:
        months = Table(title=_("Monthly schedule (all months' buys sum to the trades above)"),
                       title_justify="left")
        for col in (_("month"), _("new money"), _("buys")):
            months.add_column(col, justify="right" if col != _("buys") else "left")
        rows = schedule_rows(plan)
        for row in rows[:SCHEDULE_ROWS]:
            months.add_row(*row)
        if len(rows) > SCHEDULE_ROWS:
            months.add_row("…", "", _("{n} more rows, the last: {months}: {buys} (all in --format "
                                      "json or csv)").format(n=len(rows) - SCHEDULE_ROWS,
                                                             months=rows[-1][0], buys=rows[-1][2]))
        parts.append(months)
    parts += [rails, targets]
    if plan.swaps:
        swaps = Table(title=_("Swaps to consider: the whole position moved, points of the portfolio "
                              "per theme (unseen: holdings the data cannot itemise)"),
                      title_justify="left")
        for col in SWAP_COLUMNS:
            swaps.add_column(col, justify="left" if col == "swap" else "right")
        for cells in swap_rows(plan):
            swaps.add_row(*cells)
        parts.append(swaps)
    findings = [f for f in plan.after.findings if f.severity != "info"]
    after = Text()
    after.append(_("Check after the trades: "), style="bold")
    if findings:
        after.append("; ".join(f"{f.code} ({f.subject})" for f in findings), style="yellow")
    else:
        after.append(_("no warnings or errors."), style="green")
    parts.append(after)
    foot = Text(style="grey50")
    for note in plan.notes:
        foot.append(_("Note: {note}").format(note=note) + "\n")
    for sym, how in plan.proxies.items():
        foot.append(_("Risk proxy: {symbol} ← {proxy}").format(symbol=sym, proxy=how) + "\n")
    if foot.plain:
        parts.append(foot)
    return Group(*parts)


def markdown(plan: Plan) -> str:
    """Render the plan as GitHub-flavoured Markdown."""
    out = [f"# bubbleguard rebalance: {plan.source}", ""]
    out += [f"- {line}" for line in summary_lines(plan)]
    out += ["", "## " + _("Trades"), "",
            "| {} | {} | {} | {} | {} | {} | {} |".format(
                _("account"), _("side"), _("symbol"), _("shares"), _("price"), _("value"),
                _("realised gain")),
            "|---|---|---|---:|---:|---:|---:|"]
    out += [f"| {md(t.account)} | {label(t.side)} | {md(t.symbol)} | {_shares(t.shares)} | "
            f"{money(t.price)} | "
            f"{money(t.value)} | {money(t.realised_gain)} |" for t in plan.trades
            ] or ["| | | {} | | | | |".format(_("none"))]
    if plan.schedule:
        out += ["", "## " + _("Monthly schedule"), "",
                "| {} | {} | {} |".format(_("month"), _("new money"), _("buys")), "|---:|---:|---|"]
        rows = schedule_rows(plan)
        out += [f"| {m} | {d} | {md(b)} |" for m, d, b in rows[:SCHEDULE_ROWS]]
        if len(rows) > SCHEDULE_ROWS:
            out.append("| … | | " + _("{n} more rows, the last: {months}: {buys} (all in JSON or "
                                        "CSV)").format(n=len(rows) - SCHEDULE_ROWS,
                                                       months=rows[-1][0], buys=md(rows[-1][2]))
                       + " |")
    out += ["", "## " + _("Guardrails"), "",
            "| {} | {} | {} | {} | {} |".format(_("guardrail"), _("before"), _("after"), _("limit"),
                                                _("met")),
            "|---|---:|---:|---:|---|"]
    out += [f"| {_label(g.constraint)} | {pct(g.before)} | {pct(g.after)} | "
            f"{'≥' if g.kind == 'floor' else '≤'} {pct(g.limit)} | "
            + (_("yes") if g.met else _("relaxed")) + " |"
            for g in plan.guardrails]
    out += ["", "## " + _("Holdings after"), "",
            "| {} | {} | {} | {} | {} |".format(_("symbol"), _("class"), _("before"), _("after"),
                                                _("weight")),
            "|---|---|---:|---:|---:|"]
    out += [f"| {md(t.symbol)} | {label(t.asset_class)} | {money(t.value_before)} | "
            f"{money(t.value_after)} | {pct(t.weight_after)} |" for t in plan.targets]
    if plan.swaps:
        out += ["", "## " + _("Swaps to consider"), "",
                _("The whole position moved; points of the portfolio per theme (unseen: holdings "
                  "the data cannot itemise)."), "",
                "| " + " | ".join(_(c) for c in SWAP_COLUMNS) + " |",
                "|---|---:|---:|---:|---:|---:|---:|---:|"]
        out += ["| " + " | ".join(md(c) for c in row) + " |" for row in swap_rows(plan)]
    findings = plan.after.findings
    out += ["", "## " + _("Check after the trades"), ""]
    out += [f"- **{label(f.severity)}** `{f.code}` ({f.subject}): {f.message}"
            for f in findings] or [_("No findings.")]
    if plan.notes or plan.proxies:
        out += ["", "## " + _("Notes"), ""]
        out += [f"- {n}" for n in plan.notes]
        out += ["- " + _("risk proxy for {symbol}: {proxy}").format(symbol=s, proxy=p)
                for s, p in plan.proxies.items()]
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
