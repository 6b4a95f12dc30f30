"""``bubbleguard funds``: the funds the reference data knows, and one fund's look-through.

Without an argument it lists every fund in the snapshot with its category, asset class,
holdings coverage and as-of date. With a SYMBOL it looks through that fund
(:func:`bubbleguard.exposures.fund_exposures`): its
largest issuers, its AI / Magnificent 7 / circular-deal shares, and the remainder it does not
itemise, with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .._output import json_text
from ..i18n import N_
from . import cli
from .options import output_options, show, write


@cli.command()
@click.argument("symbol", required=False)
@output_options(("table", "json", "csv"))
@click.option("--top", type=click.IntRange(min=1), default=15, show_default=True,
              help=N_("Issuers shown by the table format (json and csv list all of them)."))
@click.option("--coverage", type=click.Choice(["full", "top10", "none"]),
              help=N_("List only funds with this holdings coverage."))
@click.option("--funds", "funds_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=N_("CSV of extra or replacement fund holdings (fund,symbol,weight)."))
@click.option("--width", type=int, default=None, help=N_("Terminal width for the table format."))
def funds(symbol: str | None, fmt: str, output: Path | None, top: int, coverage: str | None,
          funds_file: Path | None, width: int | None) -> None:
    """List the funds in the reference data, or look through one fund (SYMBOL).

    Funds with a full holdings list resolve to issuers; funds with only their top 10 holdings
    keep the rest as an unresolved remainder; bond, gold and other non-equity funds count as
    their asset class. A fund the snapshot lacks is looked up in your fund-files folder and in
    plugins, as 'bubbleguard check' does.

    \b
    Examples:
      bubbleguard funds
      bubbleguard funds --coverage top10 --format csv
      bubbleguard funds QQQ
      bubbleguard funds SOXX --format json
    """  # noqa: D301 - click's \b keeps the examples unwrapped
    from ..exposures import fund_exposures
    from ..plugins import with_providers
    from ..reference._info import fund_list
    from ..reference._snapshot import load_snapshot, read_fund_holdings
    from ..renderers._reference import fund_csv, fund_renderable, list_renderable

    if symbol is None:
        df = fund_list(load_snapshot())
        if coverage:
            df = df[df["coverage"] == coverage]
        if fmt == "json":
            rows = json.loads(df.to_json(orient="records"))
            text = json_text({"schema": "bubbleguard.funds/1", "funds": rows})
        elif fmt == "csv":
            from ..renderers._format import csv_text

            text = csv_text(df, float_format="%.8g")
        else:
            _show(list_renderable(df), output, width)
            return
        write(text, output)
        return
    extra = read_fund_holdings(funds_file) if funds_file else None
    snapshot, _ = with_providers(load_snapshot(), [symbol.strip().upper()], extra)
    fl = fund_exposures(symbol, snapshot)
    if fmt == "json":
        write(json_text(fl), output)
    elif fmt == "csv":
        write(fund_csv(fl), output)
    else:
        _show(fund_renderable(fl, top), output, width)


def _show(renderable: Any, output: Path | None, width: int | None) -> None:
    if output is not None:
        from ..renderers._format import to_text

        write(to_text(renderable, width=width or 120), output)
    else:
        show(renderable, width)
