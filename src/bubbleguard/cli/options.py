"""Options shared by several commands, and the one input wiring every command calls.

Every command that reads holdings takes the same input options (``--broker``, ``--funds``,
``--fx`` and the policy options) and turns them into its inputs with :func:`load_inputs`: the same
snapshot, fund-holdings file, portfolio and policy. The library functions then add the
registered fund-holdings providers in one place (:func:`bubbleguard.plugins.with_providers`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .._output import write_atomic
from ..i18n import N_, _
from ..renderers._format import FORMATS

if TYPE_CHECKING:
    import pandas as pd

    from ..holdings._portfolio import Portfolio
    from ..policy import Policy
    from ..reference._snapshot import Snapshot

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

#: The largest amount of money any option takes (holdings files have the same bound).
MAX_AMOUNT = 1e15


class Number(click.ParamType):
    """A finite number between ``low`` and ``high``: click's ``FloatRange`` lets ``nan`` through."""

    name = "number"

    def __init__(self, low: float = -MAX_AMOUNT, high: float = MAX_AMOUNT) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        """``value`` as a float, or a usage error that says what is allowed."""
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"'{value}' is not a number", param, ctx)
        if not self.low <= number <= self.high:  # nan fails both comparisons
            self.fail(f"{value} is not a number between {self.low:g} and {self.high:g}", param, ctx)
        return number


#: The account options of ``rebalance``, which ``batch --rebalance`` takes for every account.
MARKET_OPTION = click.option(
    "--market", type=click.Choice(("cn", "hk")), default=None,
    help=N_("The account's exchange: cn buys only Shanghai/Shenzhen-listed bond, gold, "
            "money-market, A-share index and QDII ETFs in lots of 100; hk only HKEX "
            "listings in their board lots (default: US-listed funds)."))
LOCK_OPTION = click.option("--lock", multiple=True, metavar="SYMBOL",
                           help=N_("Do not trade this symbol (repeatable)."))
CASH_OPTION = click.option("--cash", type=Number(), default=0.0, show_default=True,
                           metavar="AMOUNT", help=N_("New cash to invest; negative to withdraw."))
TAX_RATE_OPTION = click.option(
    "--tax-rate", type=Number(0.0, 1.0), default=0.15, show_default=True,
    help=N_("Weight of realised gains in taxable accounts (0 ignores taxes)."))


def output_options(formats: tuple[str, ...] = FORMATS) -> Decorator:
    """``--format`` and ``--output``."""

    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                         help="Write to this file instead of the terminal (whole or not at all; an "
                              "existing file is replaced, and stderr says so).")(f)
        return click.option("--format", "-f", "fmt", type=click.Choice(formats), default=formats[0],
                            show_default=True, help=N_("Output format."))(f)

    return deco


def lang_option() -> click.Option:
    """``--lang zh|en``: the language of the output, help and errors (default: from the locale).

    Every command and group has it (the command line adds it to each); the locale's language is
    set before the command line is parsed, so ``--help`` without ``--lang`` follows it too.
    """
    from ..i18n import set_language

    def chosen(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value is not None:
            set_language(value)

    return click.Option(["--lang"], type=click.Choice(["zh", "en"]), default=None, is_eager=True,
                        expose_value=False, callback=chosen,
                        help=N_("Language of the output, help and errors (default: from LC_ALL, "
                                "LC_MESSAGES or LANG; zh_CN, zh_HK and zh_TW give zh)."))


def policy_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--profile``, ``--policy`` and the cap/floor overrides."""
    opts = [
        click.option("--profile", type=click.Choice(["conservative", "balanced", "growth"]),
                     default=None, help=N_("Guardrail profile (default: balanced, or the policy file's).")),
        click.option("--policy", "policy_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help=N_("TOML policy file overriding the profile.")),
        click.option("--max-issuer", type=float,
                     help=N_("Cap on one issuer's look-through weight (fraction).")),
        click.option("--max-mag7", type=float, help=N_("Cap on the Magnificent 7 (fraction).")),
        click.option("--max-ai", type=float, help=N_("Cap on the AI universe (fraction).")),
        click.option("--max-circular", type=float,
                     help=N_("Cap on circular-deal counterparties (fraction).")),
        click.option("--max-over-market", type=float,
                     help=N_("Cap on each theme's share beyond the market's own share of your equity "
                          "(fraction of the portfolio, e.g. 0.05).")),
        click.option("--max-top10", type=float, help=N_("Cap on the ten largest issuers (fraction).")),
        click.option("--min-bond", type=float, help=N_("Floor for bonds (fraction).")),
        click.option("--min-gold", type=float, help=N_("Floor for gold (fraction).")),
        click.option("--min-real-estate", type=float, help=N_("Floor for real estate (fraction).")),
        click.option("--max-data-age", "max_data_age_days", type=click.IntRange(min=1),
                     help=N_("Warn when a held fund's holdings are older than this many days "
                          "(default 180).")),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def build_policy(kw: dict[str, Any]) -> Any:
    """Pop the policy options from a command's keyword arguments and build the Policy."""
    from ..policy import load_policy
    from ..reference._snapshot import THEMES

    theme = {k: v for k, v in (("magnificent7", kw.pop("max_mag7")), ("ai", kw.pop("max_ai")),
                               ("circular_deals", kw.pop("max_circular"))) if v is not None}
    floors = {k: v for k, v in (("bond", kw.pop("min_bond")), ("gold", kw.pop("min_gold")),
                                ("real_estate", kw.pop("min_real_estate"))) if v is not None}
    overrides: dict[str, Any] = {"max_issuer": kw.pop("max_issuer"), "max_top10": kw.pop("max_top10"),
                                 "max_data_age_days": kw.pop("max_data_age_days")}
    if theme:
        overrides["max_theme"] = theme
    over = kw.pop("max_over_market")
    if over is not None:
        overrides["max_theme_over_market"] = dict.fromkeys(THEMES, over)
    if floors:
        overrides["min_asset_class"] = floors
    profile = kw.pop("profile")
    path = kw.pop("policy_file")
    overrides = {k: v for k, v in overrides.items() if v is not None}
    return load_policy(profile, path, **overrides)


def input_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--broker``, ``--funds``, ``--fx`` and the policy options: what :func:`load_inputs` reads."""
    return policy_options(holdings_options(f))


def holdings_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--broker``, ``--funds``, ``--themes``, ``--fx`` and ``--base-currency``: how holdings are read."""
    opts = [
        click.option("--broker",
                     help=N_("Force a broker export format (default: detected from the header).")),
        click.option("--funds", "funds_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help=N_("CSV of extra or replacement fund holdings (fund,symbol,weight).")),
        click.option("--themes", "themes_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="CSV of your own theme lists (symbol,theme[,member]): adds issuers to "
                          "magnificent7, ai or circular_deals, or takes them out with member=false."),
        click.option("--fx", multiple=True, metavar="CUR=RATE",
                     help=N_("Exchange rate to USD for mixed-currency holdings, e.g. CNY=0.14.")),
        click.option("--base-currency", metavar="CUR",
                     help=N_("Report values in this currency, e.g. CNY or HKD (default: the file's "
                          "own; USD when it mixes currencies).")),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


@dataclass(frozen=True)
class Inputs:
    """What a command computes on: the holdings, the reference data and the guardrails."""

    portfolio: Portfolio
    snapshot: Snapshot
    fund_holdings: pd.DataFrame | None
    policy: Policy

    def library(self) -> dict[str, Any]:
        """The keyword arguments ``check``, ``rebalance`` and ``run_scenarios`` share."""
        return {"snapshot": self.snapshot, "fund_holdings": self.fund_holdings}


def load_inputs(holdings: Path, kw: dict[str, Any]) -> Inputs:
    """Pop the input options from a command's keyword arguments and load what they name.

    A command with :func:`holdings_options` only gets the default policy.
    """
    from ..holdings._portfolio import load_holdings
    from ..policy import load_policy
    from ..reference._snapshot import load_snapshot, read_fund_holdings

    policy = build_policy(kw) if "profile" in kw else load_policy()
    funds_file, broker, fx = kw.pop("funds_file"), kw.pop("broker"), parse_fx(kw.pop("fx"))
    snapshot = load_snapshot()
    themes_file = kw.pop("themes_file", None)
    if themes_file:
        from ..reference._themes import read_themes

        snapshot = snapshot.with_themes(read_themes(themes_file, snapshot), f"themes from {themes_file.name}")
    extra = read_fund_holdings(funds_file) if funds_file else None
    portfolio = load_holdings(holdings, broker=broker, snapshot=snapshot, fx=fx,
                              base_currency=kw.pop("base_currency"))
    return Inputs(portfolio, snapshot, extra, policy)


def parse_fx(values: tuple[str, ...]) -> dict[str, float] | None:
    """Turn ``("CNY=0.14",)`` into ``{"CNY": 0.14}``."""
    out = {}
    for v in values:
        cur, _sep, rate = v.partition("=")
        try:
            out[cur.strip().upper()] = float(rate)
        except ValueError:
            raise click.BadParameter(_("'{value}' is not CUR=RATE (e.g. CNY=0.14)").format(value=v),
                                     param_hint="--fx") from None
    return out or None


def write(text: str, output: Path | None, option: str = "--output") -> None:
    """Write text to stdout, or atomically to a file and say so on stderr.

    The text goes to a temporary file in the target folder that is renamed over the target, so
    a full disk or a killed process never leaves a half-written report under the final name. An
    existing file is replaced, and stderr says it was.
    """
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    write_bytes(text.encode("utf-8"), output, option)


def write_bytes(data: bytes, output: Path, option: str = "--output") -> None:
    """Write ``data`` atomically to a file and say so on stderr ("wrote" or "replaced").

    See :func:`bubbleguard._output.write_atomic`: a failure leaves no half-written file.
    """
    replaced = write_atomic(output, data, what=f"{option} path")
    click.echo(f"{'replaced' if replaced else 'wrote'} {output} ({len(data):,} bytes)", err=True)


def show(renderable: Any, width: int | None) -> None:
    """Print a rich renderable on the terminal.

    The text comes from data (issuer and file names): rich's markup, emoji codes and automatic
    highlighting are off, and control characters are dropped (see ``renderers._format``).
    """
    from ..renderers._format import Printable, console

    console(width=width).print(Printable(renderable))
