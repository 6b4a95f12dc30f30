"""``bubbleguard scenarios``: stress a portfolio with historical replays and hypothetical shocks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..i18n import N_
from . import cli
from .options import Number, input_options, load_inputs, output_options, show, write

FORMATS = ("table", "json", "csv", "markdown")


@cli.command()
@click.argument("holdings", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@output_options(FORMATS)
@input_options
@click.option("--scenarios", "scenario_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=N_("TOML file with your own scenarios ([[hypothetical]] shocks or [[historical]] "
                   "windows)."))
@click.option("--scenario", "ids", multiple=True, metavar="ID",
              help=N_("Run only this scenario (repeatable): dotcom, gfc-2008, bear-2022, "
                   "deepseek-2025, ai-selloff-2025-11, ai-unwind or one of your file's ids."))
@click.option("--top", type=click.IntRange(1, 500), default=15, show_default=True,
              help=N_("Issuer lines kept per hypothetical scenario before an 'other' line."))
@click.option("--fail-below", type=Number(-1.0, 10.0), default=None, metavar="RETURN",
              help=N_("Exit with 1 when a scenario's portfolio return is below this (e.g. -0.3)."))
@click.option("--rebalance", "with_plan", is_flag=True,
              help=N_("Also run the scenarios on the holdings after a rebalance plan (the guardrails "
                   "below; 'bubbleguard rebalance' has every plan option)."))
@click.option("--width", type=int, default=None, help=N_("Terminal width for the table format."))
def scenarios(holdings: Path, fmt: str, output: Path | None, scenario_file: Path | None,
              ids: tuple[str, ...], top: int, fail_below: float | None, with_plan: bool,
              width: int | None, **kw: Any) -> None:
    """Replay historical crashes and apply hypothetical shocks to HOLDINGS.

    Historical replays (dotcom, gfc-2008, bear-2022, deepseek-2025, ai-selloff-2025-11) use the
    bundled adjusted prices, with a named proxy for holdings that did not trade then. The
    hypothetical ai-unwind shocks AI roles and circular-deal parties through your funds; its
    numbers are assumptions, not forecasts (see 'scenarios.toml'). With --rebalance, each
    scenario is also run on the holdings after the proposed trades.
    """
    from ..renderers._scenarios import render_scenarios, scenarios_table
    from ..scenarios._run import run_scenarios

    inputs = load_inputs(holdings, kw)
    plan = None
    if with_plan:
        from ..planner._rebalance import rebalance

        plan = rebalance(inputs.portfolio, policy=inputs.policy, **inputs.library())
    results = run_scenarios(inputs.portfolio, list(ids) or None, file=scenario_file, top=top,
                            plan=plan, **inputs.library())
    if fmt == "table" and output is None:
        show(scenarios_table(results), width)
    else:
        write(render_scenarios(results, fmt, width=width or 120), output)
    failed = fail_below is not None and any(s.return_ < fail_below for s in results.scenarios)
    sys.exit(1 if failed else 0)
