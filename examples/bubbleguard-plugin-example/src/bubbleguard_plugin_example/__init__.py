"""An example bubbleguard plugin: one rule, one fund-holdings provider and one command.

bubbleguard finds this module through the ``bubbleguard`` entry-point group declared in this
package's ``pyproject.toml`` and registers it with pluggy; each function marked with
``@hookimpl`` below answers one of bubbleguard's hooks:

``register_rules``
    :func:`hidden_ai_exposure` flags AI exposure that arrives through funds and outweighs what
    the investor holds directly (code ``example_hidden_ai_exposure``).
``register_providers``
    :class:`TargetDateFunds` supplies the holdings of a 401(k) target-date fund the bundled
    snapshot lacks, read from ``data/target_date_funds.csv`` (figures from the fund's SEC filing).
``register_commands``
    adds ``bubbleguard example-funds``, which lists the funds the provider supplies.

Everything heavy (pandas, bubbleguard's report types) is imported inside the functions, so
``bubbleguard --help`` stays fast with the plugin installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib.resources import as_file, files
from typing import TYPE_CHECKING, Any

import click

from bubbleguard.plugins import hookimpl

if TYPE_CHECKING:
    import pandas as pd

    from bubbleguard.plugins import Provider, Rule
    from bubbleguard.report import Finding, RuleContext

__all__ = ["HIDDEN_AI_THRESHOLD", "TargetDateFunds", "hidden_ai_exposure"]

#: Flag AI exposure through funds from this share of the portfolio upwards.
HIDDEN_AI_THRESHOLD = 0.10
DATA_FILE = "target_date_funds.csv"


# --------------------------------------------------------------------------- the rule
def hidden_ai_exposure(ctx: RuleContext) -> Iterator[Finding]:
    """AI-concentrated issuers reached through funds, above the threshold and above direct holdings.

    Someone who owns no NVIDIA shares can still have a tenth of their savings in the AI trade
    through an index or target-date fund. This rule adds up the look-through weight of the
    ``ai`` theme's issuers that comes through funds and compares it with the weight held
    directly.

    Parameters
    ----------
    ctx
        The portfolio's exposures, policy and reference data.

    Yields
    ------
    Finding
        At most one, code ``example_hidden_ai_exposure``, severity ``info``.
    """
    from bubbleguard.report import Finding

    iss = ctx.exposures.issuers
    ai = iss[iss["themes"].map(lambda themes: "ai" in themes)]
    via = float(ai["via_funds_weight"].sum())
    direct = float(ai["direct_weight"].sum())
    if via < HIDDEN_AI_THRESHOLD or via <= direct:
        return
    kinds = ctx.snapshot.securities["kind"]
    carriers = ctx.exposures.via(list(ai["issuer_id"])).groupby("symbol")["weight"].sum()
    carriers = carriers[carriers.index.map(lambda s: kinds.get(s) == "fund")]
    top3 = carriers.sort_values(ascending=False).head(3)
    top = ", ".join(f"{s} {w:.1%}" for s, w in top3.items())
    yield Finding(
        code="example_hidden_ai_exposure", severity="info", subject="ai", value=via,
        limit=HIDDEN_AI_THRESHOLD,
        message=(f"{via:.1%} of the portfolio is in AI-concentrated issuers held through funds "
                 f"({top}), more than the {direct:.1%} held in them directly; run "
                 "'bubbleguard funds SYMBOL' to see what each fund holds."))


# --------------------------------------------------------------------------- the provider
@cache
def _holdings() -> pd.DataFrame:
    """Read the packaged holdings file once, validated by bubbleguard's own reader."""
    from bubbleguard.reference import read_fund_holdings

    with as_file(files(__package__) / "data" / DATA_FILE) as path:
        return read_fund_holdings(path)


class TargetDateFunds:
    """Holdings of 401(k) target-date funds that the bundled snapshot does not cover.

    ``data/target_date_funds.csv`` gives each fund's holdings of other funds (fund, symbol,
    weight, as_of, plus the held fund's full name, its market value and the source address).
    bubbleguard looks through the held funds (VTI, VXUS) with its own snapshot, so the
    target-date fund resolves to the same issuers as the ETFs it is built from.
    """

    name = "example plugin (target-date funds from SEC filings)"

    def fund_holdings(self, symbols: list[str]) -> pd.DataFrame | None:
        """Return holdings (fund, symbol, weight, as_of) of the requested funds it knows."""
        df = _holdings()
        df = df[df["fund"].isin(symbols)]
        return df[["fund", "symbol", "weight", "as_of"]].copy() if len(df) else None


# --------------------------------------------------------------------------- the hooks
@hookimpl
def register_rules() -> list[Rule]:
    """Return the plugin's rules."""
    return [hidden_ai_exposure]


@hookimpl
def register_providers() -> list[Provider]:
    """Return the plugin's fund-holdings providers."""
    return [TargetDateFunds()]


@hookimpl
def register_commands(cli: Any) -> None:
    """Add ``bubbleguard example-funds``."""

    @cli.command(name="example-funds")  # type: ignore[untyped-decorator]  # cli is Any
    def example_funds() -> None:
        """List the target-date funds the example plugin supplies, and what they hold."""
        df = _holdings()
        for fund, part in df.groupby("fund", sort=True):
            click.echo(f"{fund}  holdings as of {part['as_of'].iloc[0]}  "
                       f"(source: {part['source'].iloc[0]})")
            for row in part.sort_values("weight", ascending=False).itertuples():
                click.echo(f"  {row.weight:7.2%}  {row.symbol:<5} {row.held_fund}")
        click.echo("Look through one with 'bubbleguard funds SYMBOL'; 'bubbleguard check' uses "
                   "these holdings for the funds the snapshot lacks.")
