"""``bubbleguard check``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..i18n import N_
from . import cli
from .options import input_options, load_inputs, output_options, show, write


@cli.command()
@click.argument("holdings", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@output_options()
@input_options
@click.option("--fail-on", type=click.Choice(["info", "warning", "error", "never"]), default="error",
              show_default=True, help=N_("Exit with 1 when a finding is at or above this severity."))
@click.option("--include-superseded", is_flag=True, help=N_("Count superseded deals in the deal graph."))
@click.option("--scenarios", "with_scenarios", is_flag=True,
              help=N_("Add the stress scenarios (historical replays and ai-unwind) to the report; "
                   "the HTML format always has them."))
@click.option("--width", type=int, default=None, help=N_("Terminal width for the table format."))
def check(holdings: Path, fmt: str, output: Path | None, fail_on: str, include_superseded: bool,
          with_scenarios: bool, width: int | None, **kw: Any) -> None:
    """Look through HOLDINGS and report AI concentration, circular-deal and concentration risks.

    HOLDINGS is a CSV with a symbol column and a quantity or market_value column, or a broker's
    positions export (Fidelity, Schwab, Vanguard, Interactive Brokers, Robinhood, Futu, ...).
    """
    from ..checker import check as run_check
    from ..renderers._check import render, terminal

    inputs = load_inputs(holdings, kw)
    certainty = ("confirmed", "reported", "uncertain", "superseded") if include_superseded else None
    report = run_check(inputs.portfolio, policy=inputs.policy, deal_certainty=certainty,
                       scenarios=with_scenarios or fmt == "html", **inputs.library())
    if fmt == "table" and output is None:
        show(terminal(report, fail_on=fail_on), width)
    else:
        deals = None
        if fmt == "html":  # the page draws the deal graph the report's counterparties used
            from ..deals._graph import bundled_graph

            deals = bundled_graph(report.deals_used)
        write(render(report, fmt, width=width or 120, fail_on=fail_on, deals=deals), output)
    sys.exit(report.exit_code(fail_on))
