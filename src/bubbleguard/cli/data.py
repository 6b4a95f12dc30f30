"""``bubbleguard data``: what the reference snapshot holds, and refreshing fund holdings.

``data info`` reads the snapshot's manifest and fund table (offline). ``data refresh`` is the
only command in bubbleguard that uses the network: it downloads issuers' holdings files and SEC
N-PORT filings into the local fund-files folder (see :mod:`bubbleguard.reference.refresh`), and
only when it is run.
"""

from __future__ import annotations

from pathlib import Path

import click

from .._output import json_text
from ..i18n import N_, _
from . import cli
from .options import output_options, show, write

_DIR_HELP = N_("Fund-files folder (default: $BUBBLEGUARD_FUNDS_DIR, else ~/.bubbleguard/funds); "
               "'bubbleguard check' reads fund holdings from it.")


@cli.group()
def data() -> None:
    """Show what the bundled reference data holds, and refresh fund holdings from issuers.

    \b
    Examples:
      bubbleguard data info
      bubbleguard data refresh --fund IVV --fund SPY --fund VOO
      bubbleguard data refresh --held holdings.csv
      bubbleguard data refresh --list
    """  # noqa: D301 - click's \b keeps the examples unwrapped


@data.command("info")
@output_options(("table", "json"))
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), help=_DIR_HELP)
@click.option("--width", type=int, default=None, help=N_("Terminal width for the table format."))
def info(fmt: str, output: Path | None, folder: Path | None, width: int | None) -> None:
    """Show the reference snapshot: tables, sources, as-of dates and ages, fund coverage, notes.

    Also lists the fund-holdings files in the local fund-files folder, which 'bubbleguard check'
    reads for funds the snapshot lacks.
    """
    from ..reference._info import data_info
    from ..renderers._reference import info_renderable

    result = data_info(folder=folder)
    if fmt == "json":
        write(json_text(result), output)
    elif output is not None:
        from ..renderers._format import to_text

        write(to_text(info_renderable(result), width=width or 120), output)
    else:
        show(info_renderable(result), width)


# --------------------------------------------------------------------------- data refresh
def _default_targets(folder: Path) -> list[str]:
    """Funds the sources table names that the snapshot or the fund-files folder already has."""
    from ..reference._snapshot import load_snapshot
    from ..reference.refresh import supported_funds

    have = set(load_snapshot().funds.index)
    if folder.is_dir():
        have |= {p.stem.upper() for p in folder.glob("*.csv")}
    return sorted(have & set(supported_funds()))


def _held_funds(path: Path) -> tuple[list[str], dict[str, str]]:
    """The equity funds a holdings file holds (read by the holdings reader), and its other funds.

    Returns the symbols that are not stocks or cash (unknown symbols included: a mutual fund the
    snapshot lacks), and the funds the snapshot counts as another asset class (bond, gold ...),
    whose holdings are not looked through.
    """
    from ..holdings._portfolio import load_holdings
    from ..reference._snapshot import load_snapshot

    snap = load_snapshot()
    positions = load_holdings(path, snapshot=snap).positions
    sec = snap.securities
    funds: list[str] = []
    other: dict[str, str] = {}
    for sym, given in zip(positions["symbol"].astype(str), positions["asset_class"], strict=True):
        kind, cls = ((str(sec.at[sym, "kind"]), str(sec.at[sym, "asset_class"])) if sym in sec.index
                     else ("", ""))
        cls = str(given or cls)
        if kind in ("stock", "cash") or cls == "cash":
            continue
        if cls not in ("", "equity"):
            other[sym] = cls
        elif sym not in funds:
            funds.append(sym)
    return funds, other


@data.command("refresh")
@click.option("--fund", "funds", multiple=True, metavar="SYMBOL",
              help=N_("Fund to refresh (repeatable; default: every fund with a known source that the "
                   "snapshot or the folder already has)."))
@click.option("--held", "held", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=N_("Refresh the funds this holdings file holds (read like 'bubbleguard check' reads "
                   "it), saying for each where it comes from or that it cannot be refreshed."))
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), help=_DIR_HELP)
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=N_("Read a holdings file you downloaded yourself (iShares, SPDR, Invesco, ARK or "
                   "Vanguard export, or an N-PORT primary_doc.xml) instead of downloading (needs one "
                   "--fund)."))
@click.option("--base-url", metavar="URL",
              help=N_("Scheme and host to download from instead of the issuer's or SEC's (a mirror or "
                   "proxy; also $BUBBLEGUARD_ISHARES_URL, $BUBBLEGUARD_SSGA_URL, $BUBBLEGUARD_INVESCO_URL, "
                   "$BUBBLEGUARD_ARK_URL, $BUBBLEGUARD_SEC_URL)."))
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
              show_default=True, help=N_("Seconds to wait for the issuer's server."))
@click.option("--list", "list_only", is_flag=True,
              help=N_("List the funds that can be refreshed and their addresses; download nothing."))
def refresh(funds: tuple[str, ...], held: Path | None, folder: Path | None, file: Path | None,
            base_url: str | None, timeout: float, list_only: bool) -> None:
    """Download current fund holdings from the issuers or SEC N-PORT into the fund-files folder.

    This is the only bubbleguard command that uses the network, and it runs only when you
    call it. Sources: the daily files of iShares, SSGA SPDR, Invesco and ARK, and for any other
    US-registered fund (Vanguard, Schwab, mutual and target-date funds) its latest SEC N-PORT
    filing; SEC asks for a contact, so set BUBBLEGUARD_SEC_CONTACT to your e-mail address (see
    --list). Each fund is written as FUND.csv (fund, symbol, weight, name, as_of, source) in the
    fund-files folder, replacing an older file of the same fund; 'bubbleguard check' prefers it
    to the bundled holdings.
    """
    from ..errors import DataError
    from ..reference._sources import source_for
    from ..reference.refresh import fetch_fund, funds_folder, holdings_url, supported_funds, write_fund_file

    target_dir = funds_folder(folder)
    if list_only:
        from ..reference._snapshot import load_snapshot

        snap_funds = load_snapshot().funds
        for fund in supported_funds():
            row = snap_funds.loc[fund] if fund in snap_funds.index else None
            have = (_("snapshot {coverage} as of {date}").format(coverage=row["coverage"], date=row["as_of"])
                    if row is not None else _("not in snapshot"))
            src = source_for(fund)
            label = src.label if src is not None else ""
            click.echo(f"{fund:<5} {label:<24} {have:<34} {holdings_url(fund, base_url)}")
        click.echo(_("Any other US fund ticker is looked up in SEC EDGAR's fund list and refreshed "
                     "from its N-PORT filing."))
        return
    targets = list(dict.fromkeys(f.strip().upper() for f in funds if f.strip()))
    if file is not None and (len(targets) != 1 or held is not None):
        raise click.UsageError(_("--file holds one fund's holdings; name that fund with one --fund."))
    cannot: list[str] = []
    if held is not None:
        funds_held, other = _held_funds(held)
        for fund, cls in other.items():
            click.echo(_("{fund}: counted as {asset_class}, nothing to look through").format(
                fund=fund, asset_class=cls), err=True)
        for fund in funds_held:
            src = source_for(fund)
            if src is None:
                click.echo(_("{fund}: cannot be refreshed (not a US fund ticker); save its holdings "
                             "as fund,symbol,weight in {folder}").format(fund=fund, folder=target_dir),
                           err=True)
                cannot.append(fund)
            else:
                click.echo(_("{fund}: from {source}").format(fund=fund, source=src.label), err=True)
                targets.append(fund)
        targets = list(dict.fromkeys(targets))
        if not targets:
            click.echo(_("Nothing to refresh: {file} holds no fund bubbleguard can refresh.").format(
                file=held), err=True)
            return
    if not targets:
        targets = _default_targets(target_dir)
    if not targets:
        click.echo(_("Nothing to refresh: name funds with --fund (see --list)."), err=True)
        return
    if file is None:
        for fund in targets:
            holdings_url(fund, base_url)  # funds that cannot be refreshed fail here, before any download
    written, failed = [], []
    for fund in targets:
        src = source_for(fund)
        if file is not None:
            said = _("Reading {fund} holdings from {where}").format(fund=fund, where=file)
        else:
            said = _("Downloading {fund} holdings from {where}").format(
                fund=fund, where=(src.label + ", " if src is not None and src.provider == "sec" else "")
                + holdings_url(fund, base_url))
        click.echo(said, err=True)
        try:
            ff = fetch_fund(fund, base_url=base_url, timeout=timeout, file=file)
            path = write_fund_file(ff, target_dir)
        except DataError as exc:
            failed.append((fund, str(exc)))
            continue
        written.append((ff, path))
    for ff, path in written:
        click.echo(_("{fund}: {n} holdings ({share} of the fund) as of {date} → {path}").format(
            fund=ff.fund, n=len(ff.holdings), share=f"{ff.weight_sum:.2%}",
            date=ff.as_of or _("an undated file"), path=path))
        for note in ff.notes:
            click.echo("  " + _("note: {note}").format(note=note))
    if written:
        click.echo(_("'bubbleguard check' reads these files from {folder}.").format(folder=target_dir))
    if len(failed) == 1 and not written:
        raise DataError(failed[0][1])
    if failed:
        done = (_("{n} fund(s) were written to {folder}").format(n=len(written), folder=target_dir)
                if written else _("nothing was written"))
        raise DataError(_("Could not refresh {n} of {total} funds ({done}). ").format(
            n=len(failed), total=len(targets), done=done) + " ".join(msg for _fund, msg in failed))
