"""``bubbleguard batch``: a whole book of accounts checked (or rebalanced) in one pass.

Exit codes when checking: 0 no account has a finding at or above ``--fail-on``, 1 some account
has, 2 nothing could be checked (bad input). With ``--rebalance``: 0 every account has a plan,
1 some account could not be rebalanced (its diagnosis is in the output), 2 none could.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..i18n import N_
from . import cli
from .options import (
    CASH_OPTION,
    LOCK_OPTION,
    MARKET_OPTION,
    TAX_RATE_OPTION,
    build_policy,
    policy_options,
    write,
    write_bytes,
)

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("csv", "parquet", "jsonl")
OBJECTIVES = ("min-change", "min-risk", "max-sharpe")
#: Books of at least this many rows show a progress bar on a terminal (--progress shows it always).
LONG_CHECK, LONG_REBALANCE = 1_000_000, 500


def _encode(frame: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        return buffer.getvalue()
    if fmt == "jsonl":
        return frame.to_json(orient="records", lines=True).encode("utf-8")
    from ..renderers._format import csv_text

    return csv_text(frame).encode("utf-8")


def _emit(frame: pd.DataFrame, fmt: str, output: Path | None) -> None:
    if output is None:
        write(_encode(frame, fmt).decode("utf-8"), None)
        return
    write_bytes(_encode(frame, fmt), output)


@contextmanager
def _progress(show: bool | None, label: str) -> Iterator[Callable[[int, int], None]]:
    """A callback (done, total) drawing a progress bar on stderr, or doing nothing."""
    if show is False or (show is None and not sys.stderr.isatty()):
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=console.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@cli.command()
@click.argument("accounts", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True,
              help=N_("Output format (also of --findings)."))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the accounts table (the trades with --rebalance) to this file (default: the "
                   "terminal, for csv and jsonl).")
@click.option("--findings", "findings_file", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("Also write the long table of findings (account, code, severity, subject, value, "
                      "limit, message) to this file."))
@click.option("--funds", "funds_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=N_("CSV of extra or replacement fund holdings (fund,symbol,weight)."))
@click.option("--fx", multiple=True, metavar="CUR=RATE",
              help="Exchange rate to USD for accounts that mix currencies, e.g. CNY=0.14.")
@policy_options
@click.option("--fail-on", type=click.Choice(["info", "warning", "error", "never"]), default="error",
              show_default=True, help=N_("Exit with 1 when any account has a finding at or above this "
                                      "severity."))
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: this process's threads (--rebalance: its processes); dask: the same "
                   "engine per partition on Dask (pip install 'bubbleguard[batch]').")
@click.option("--scheduler", metavar="ADDRESS",
              help="With --engine dask: the address of a running Dask scheduler, e.g. "
                   "tcp://10.0.0.5:8786 (default: Dask on this machine).")
@click.option("--workers", type=click.IntRange(min=1),
              help="Threads (processes with --rebalance) on this machine (default: the CPUs, at "
                   "most 4).")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar on stderr (default: on a terminal, for long runs).")
@click.option("--rebalance", "do_rebalance", is_flag=True,
              help="Rebalance every account instead: one row per trade (account, symbol, side, "
                   "shares, value) with each account's status and, when it has no plan, why.")
@click.option("--objective", type=click.Choice(OBJECTIVES), default="min-change", show_default=True,
              help="With --rebalance: as for 'bubbleguard rebalance'.")
@click.option("--universe", "universe_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="With --rebalance: CSV with a symbol column, the only instruments that may be bought.")
@click.option("--whole-shares", is_flag=True, help="With --rebalance: trade whole shares only.")
@click.option("--min-trade", type=float, metavar="AMOUNT",
              help="With --rebalance: no trade smaller than this value.")
@click.option("--allow-relax", is_flag=True,
              help="With --rebalance: solve an account whose guardrails conflict under the smallest "
                   "relaxation (status relaxed) instead of giving its diagnosis.")
# the account options of 'bubbleguard rebalance', in its words (and translations); with
# --rebalance only, each for every account: --cash in each account's currency, --base-currency
# for every account (default: each account's own; USD when it mixes currencies)
@MARKET_OPTION
@LOCK_OPTION
@CASH_OPTION
@TAX_RATE_OPTION
@click.option("--base-currency", metavar="CUR",
              help=N_("Value every account in this currency, e.g. CNY or HKD (default: each "
                      "account's own; USD when it mixes currencies)."))
def batch(accounts: Path, fmt: str, output: Path | None, findings_file: Path | None,
          funds_file: Path | None, fx: tuple[str, ...], fail_on: str, engine: str,
          scheduler: str | None, workers: int | None, progress: bool | None, do_rebalance: bool,
          objective: str, universe_file: Path | None, whole_shares: bool, min_trade: float | None,
          allow_relax: bool, market: str | None, lock: tuple[str, ...], cash: float,
          tax_rate: float, base_currency: str | None, **kw: Any) -> None:
    """Check every account of ACCOUNTS in one pass: one row per account.

    ACCOUNTS is a CSV or Parquet file in long format, one row per position, with the columns
    account, symbol and market_value or quantity (and optionally price and currency). Each row
    of the output has the account's value, theme and asset-class shares, largest issuer, top-10
    share, HHI, unresolved share and its findings by severity, as 'bubbleguard check' finds them.
    With --rebalance, every account is re-solved on one compiled problem instead.
    """
    from ..errors import BubbleguardError
    from ..reference._snapshot import load_snapshot, read_fund_holdings
    from .options import parse_fx

    if scheduler and engine != "dask":
        raise BubbleguardError("--scheduler needs --engine dask.")
    ctx = click.get_current_context()
    given = [f"--{name.replace('_', '-')}" for name in ("market", "lock", "cash", "tax_rate")
             if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE]
    if given and not do_rebalance:
        what = "is an option" if len(given) == 1 else "are options"
        raise BubbleguardError(f"{', '.join(given)} {what} of --rebalance: add --rebalance to plan "
                               "trades, or leave them out to check the accounts.")
    if fmt == "parquet" and output is None:
        raise BubbleguardError("Parquet is binary and is not written to the terminal; give "
                               "--output FILE (or choose --format csv or jsonl).")
    policy = build_policy(kw)
    snapshot = load_snapshot()
    extra = read_fund_holdings(funds_file) if funds_file else None
    rates = parse_fx(fx)
    if do_rebalance:
        from ..batch._book import read_accounts
        from ..batch._rebalance import exit_code, rebalance_accounts

        frame = read_accounts(accounts)
        show = progress if progress is not None else (None if len(frame) >= LONG_REBALANCE else False)
        with _progress(show, "rebalancing accounts") as tick:
            trades = rebalance_accounts(
                frame, policy, snapshot, objective=objective, universe=universe_file,
                # without --whole-shares: fractional, or whole lots in a --market's account
                whole_shares=True if whole_shares else None, min_trade=min_trade,
                allow_relax=allow_relax, lock=lock, cash=cash, tax_rate=tax_rate,
                base_currency=base_currency, market=market,
                fund_holdings=extra, workers=workers, engine="dask" if engine == "dask" else
                "processes", scheduler=scheduler, progress=tick, where=str(accounts), fx=rates)
        code = exit_code(trades)
        if code == 2:
            first = trades["note"].iloc[0] if len(trades) else ""
            raise BubbleguardError(f"{accounts}: no account could be rebalanced. The first account's "
                                   f"diagnosis: {first}")
        _emit(trades, fmt, output)
        sys.exit(code)
    if engine == "dask":
        from ..batch._dask import read_dask, run_dask

        result = run_dask(read_dask(str(accounts), str(accounts)), policy, snapshot,
                          findings=findings_file is not None, fund_holdings=extra,
                          scheduler=scheduler, where=str(accounts), fx=rates,
                          base_currency=base_currency)
    else:
        from ..batch._book import read_accounts
        from ..batch._engine import run_batch

        frame = read_accounts(accounts)
        show = progress if progress is not None else (None if len(frame) >= LONG_CHECK else False)
        with _progress(show, "checking accounts") as tick:
            result = run_batch(frame, policy, snapshot, findings=findings_file is not None,
                               fund_holdings=extra, workers=workers, progress=tick,
                               where=str(accounts), fx=rates, base_currency=base_currency)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    checked = result.accounts["total_value"].gt(0) & result.accounts["hhi"].notna()
    if not checked.any():
        first = result.accounts["notes"].iloc[0]
        raise BubbleguardError(f"{accounts}: no account could be checked: every one is worth nothing "
                               f"once the rows that cannot be valued are left out. The first account "
                               f"({result.accounts['account'].iloc[0]}): {first}.")
    _emit(result.accounts, fmt, output)
    if findings_file is not None and result.findings is not None:
        _emit(result.findings, fmt, findings_file)
    sys.exit(result.exit_code(fail_on))
