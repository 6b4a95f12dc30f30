"""``bubbleguard check``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from . import cli
from .options import build_policy, fx_option, output_options, parse_fx, policy_options, show, write


@cli.command()
@click.argument("holdings", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@output_options()
@policy_options
@click.option("--fail-on", type=click.Choice(["info", "warning", "error", "never"]), default="error",
              show_default=True, help="Exit with 1 when a finding is at or above this severity.")
@click.option("--broker", help="Force a broker export format (default: detected from the header).")
@click.option("--funds", "funds_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV of extra or replacement fund holdings (fund,symbol,weight).")
@click.option("--include-superseded", is_flag=True, help="Count superseded deals in the deal graph.")
@click.option("--scenarios", "with_scenarios", is_flag=True,
              help="Add the stress scenarios (historical replays and ai-unwind) to the report; "
                   "the HTML format always has them.")
@fx_option
@click.option("--width", type=int, default=None, help="Terminal width for the table format.")
def check(holdings: Path, fmt: str, output: Path | None, fail_on: str, broker: str | None,
          funds_file: Path | None, include_superseded: bool, with_scenarios: bool,
          fx: tuple[str, ...], width: int | None, **kw: Any) -> None:
    """Look through HOLDINGS and report AI concentration, circular-deal and concentration risks.

    HOLDINGS is a CSV with a symbol column and a quantity or market_value column, or a broker's
    positions export (Fidelity, Schwab, Vanguard, Interactive Brokers, Robinhood, Futu, ...).
    """
    from ..checker import check as run_check
    from ..reference._snapshot import read_fund_holdings
    from ..renderers._check import render, terminal

    policy = build_policy(kw)
    extra = read_fund_holdings(funds_file) if funds_file else None
    certainty = ("confirmed", "reported", "uncertain", "superseded") if include_superseded else None
    report = run_check(holdings, policy=policy, fund_holdings=extra, broker=broker, fx=parse_fx(fx),
                       deal_certainty=certainty, scenarios=with_scenarios or fmt == "html")
    if fmt == "table" and output is None:
        show(terminal(report, fail_on=fail_on), width)
    else:
        write(render(report, fmt, width=width or 120, fail_on=fail_on), output)
    sys.exit(report.exit_code(fail_on))
