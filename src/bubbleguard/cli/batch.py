"""``bubbleguard batch``: a whole book of accounts checked in one pass."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..i18n import N_
from . import cli
from .options import build_policy, policy_options, write, write_atomic

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("csv", "parquet", "jsonl")


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
    from ..errors import BubbleguardError

    if output is None:
        if fmt == "parquet":
            raise BubbleguardError("Parquet is binary and is not written to the terminal; give "
                                   "--output FILE (or choose --format csv or jsonl).")
        write(_encode(frame, fmt).decode("utf-8"), None)
        return
    data = _encode(frame, fmt)
    replaced = write_atomic(output, data)
    click.echo(f"{'replaced' if replaced else 'wrote'} {output} ({len(data):,} bytes)", err=True)


@cli.command()
@click.argument("accounts", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True,
              help=N_("Output format (also of --findings)."))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("Write the accounts table to this file (default: the terminal, for csv and jsonl)."))
@click.option("--findings", "findings_file", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("Also write the long table of findings (account, code, severity, subject, value, "
                   "limit) to this file."))
@click.option("--funds", "funds_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=N_("CSV of extra or replacement fund holdings (fund,symbol,weight)."))
@policy_options
@click.option("--fail-on", type=click.Choice(["info", "warning", "error", "never"]), default="error",
              show_default=True, help=N_("Exit with 1 when any account has a finding at or above this "
                                      "severity."))
def batch(accounts: Path, fmt: str, output: Path | None, findings_file: Path | None,
          funds_file: Path | None, fail_on: str, **kw: Any) -> None:
    """Check every account of ACCOUNTS in one pass: one row per account.

    ACCOUNTS is a CSV or Parquet file in long format, one row per position, with the columns
    account, symbol and market_value or quantity (and optionally price). Each row of the output
    has the account's value, theme and asset-class shares, largest issuer, top-10 share, HHI,
    unresolved share and its findings by severity, as 'bubbleguard check' finds them.
    """
    from ..batch._book import read_accounts
    from ..batch._engine import run_batch
    from ..reference._snapshot import load_snapshot, read_fund_holdings

    policy = build_policy(kw)
    snapshot = load_snapshot()
    extra = read_fund_holdings(funds_file) if funds_file else None
    frame = read_accounts(accounts)
    result = run_batch(frame, policy, snapshot, findings=findings_file is not None,
                       fund_holdings=extra, where=str(accounts))
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    _emit(result.accounts, fmt, output)
    if findings_file is not None and result.findings is not None:
        _emit(result.findings, fmt, findings_file)
    sys.exit(result.exit_code(fail_on))
