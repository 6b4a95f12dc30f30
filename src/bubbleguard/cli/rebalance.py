"""``bubbleguard rebalance``: a trade list that brings the holdings within the guardrails.

Exit codes: 0 a plan that meets every guardrail; 1 a plan found only by relaxing guardrails
(``--allow-relax``); 2 no plan (the conflict and the smallest relaxation are on stderr).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..i18n import N_, _
from . import cli
from .options import (
    CASH_OPTION,
    LOCK_OPTION,
    MARKET_OPTION,
    TAX_RATE_OPTION,
    Number,
    input_options,
    load_inputs,
    output_options,
    show,
    write,
)

PLAN_FORMATS = ("table", "json", "csv", "markdown", "html")
OBJECTIVES = ("min-change", "min-risk", "max-sharpe")


@cli.command()
@click.argument("holdings", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@output_options(PLAN_FORMATS)
@input_options
@click.option("--objective", type=click.Choice(OBJECTIVES), default="min-change", show_default=True,
              help=N_("min-change: least turnover meeting the guardrails (ties: lower risk); "
                   "min-risk: least volatility; max-sharpe: best CAPM Sharpe ratio."))
@click.option("--max-turnover", type=float,
              help=N_("Cap on value bought (beyond new cash) as a fraction of the portfolio."))
@click.option("--universe", "universe_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=N_("CSV with a symbol column: the only instruments that may be bought."))
@MARKET_OPTION
@LOCK_OPTION
@click.option("--no-sell", multiple=True, metavar="SYMBOL",
              help=N_("Do not sell this symbol (repeatable)."))
@CASH_OPTION
@click.option("--buy-only", is_flag=True,
              help=N_("Invest the new and held cash without selling: the plan that meets the "
                      "guardrails, or the closest one with the shortfall stated (exit 1)."))
@click.option("--monthly", type=Number(), metavar="AMOUNT",
              help=N_("Invest AMOUNT of new money every month, buying only: the month-by-month "
                      "schedule that reaches the guardrails without selling (at today's prices)."))
@click.option("--suggest-swaps", is_flag=True,
              help=N_("Also list fund swaps for what drives a binding theme cap, each checked "
                      "through the look-through, with what it removes and what it costs."))
@click.option("--cash-account", metavar="NAME",
              help=N_("Account receiving new cash or paying a withdrawal (default: the one with the "
                   "most cash, else the first taxable one)."))
@click.option("--whole-shares/--fractional", default=None,
              help=N_("Trade whole shares only, or fractional shares (default: whole shares when "
                      "the holdings give share counts)."))
@click.option("--min-trade", type=Number(0.0), metavar="AMOUNT",
              help=N_("No trade smaller than this value (default for whole shares: the larger of "
                      "100 and 0.25%% of the account; 0 for any size)."))
@TAX_RATE_OPTION
@click.option("--solver", default="CLARABEL", show_default=True,
              help=N_("cvxpy solver for the continuous problem (CLARABEL, HIGHS, SCS, OSQP, ...)."))
@click.option("--allow-relax", is_flag=True,
              help=N_("If the guardrails conflict, show the plan under the smallest relaxation "
                   "(exit 1)."))
@click.option("--apply-to", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("Write the post-trade holdings to this CSV (readable by check and rebalance)."))
@click.option("--width", type=int, default=None, help=N_("Terminal width for the table format."))
def rebalance(holdings: Path, fmt: str, output: Path | None, objective: str,
              max_turnover: float | None, universe_file: Path | None, market: str | None,
              lock: tuple[str, ...],
              no_sell: tuple[str, ...], cash: float, buy_only: bool, monthly: float | None,
              suggest_swaps: bool,
              cash_account: str | None,
              whole_shares: bool | None,
              min_trade: float | None, tax_rate: float, solver: str, allow_relax: bool,
              apply_to: Path | None, width: int | None, **kw: Any) -> None:
    """Propose trades that bring HOLDINGS within the guardrails, with the least change.

    Sells come from tax-advantaged accounts and low-gain lots first; each account pays for
    its own buys. The plan is re-checked with the same engine as 'bubbleguard check'.
    """
    from ..planner._rebalance import rebalance as run
    from ..renderers._plan import render, terminal

    inputs = load_inputs(holdings, kw)
    plan = run(inputs.portfolio, policy=inputs.policy, objective=objective, universe=universe_file,
               lock=lock, no_sell=no_sell, cash=cash, whole_shares=whole_shares,
               min_trade=min_trade, max_turnover=max_turnover, solver=solver,
               allow_relax=allow_relax, tax_rate=tax_rate, cash_account=cash_account,
               buy_only=buy_only, monthly=monthly, suggest_swaps=suggest_swaps, market=market,
               **inputs.library())
    if apply_to is not None:
        from ..renderers._format import csv_text

        write(csv_text(plan.post_trade_holdings()), apply_to, "--apply-to")
    if fmt == "table" and output is None:
        show(terminal(plan), width)
    elif fmt == "html":  # the page: stress results before and after the plan, the deal graph
        from ..deals._graph import bundled_graph
        from ..scenarios._run import run_scenarios

        results = run_scenarios(inputs.portfolio, plan=plan, **inputs.library())
        write(render(plan, fmt, scenarios=results, deals=bundled_graph(plan.before.deals_used)),
              output)
    else:
        write(render(plan, fmt, width=width or 120), output)
    if not plan.ok:
        relaxed = "; ".join(_("{constraint} by {amount}").format(constraint=k, amount=f"{v:.2%}")
                            for k, v in plan.relaxations.items())
        warning = (_("Warning: the money is not enough to meet every guardrail without selling; "
                     "short: {relaxed}.") if buy_only else
                   _("Warning: no plan meets every guardrail; this one relaxes {relaxed}."))
        click.echo(warning.format(relaxed=relaxed), err=True)
        sys.exit(1)
