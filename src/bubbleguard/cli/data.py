"""``bubbleguard data``: what the reference snapshot holds, and refreshing fund holdings.

``data info`` reads the snapshot's manifest and fund table (offline). ``data refresh`` is the
only command in bubbleguard that uses the network: it downloads issuers' holdings files into the
local fund-files folder (see :mod:`bubbleguard.reference.refresh`), and only when it is run.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from . import cli
from .options import output_options, show, write

SCHEMA = "bubbleguard.data-info/1"
_DIR_HELP = ("Fund-files folder (default: $BUBBLEGUARD_FUNDS_DIR, else ~/.bubbleguard/funds); "
             "'bubbleguard check' reads fund holdings from it.")


@cli.group()
def data() -> None:
    """Show what the bundled reference data holds, and refresh fund holdings from issuers.

    \b
    Examples:
      bubbleguard data info
      bubbleguard data refresh --fund IVV --fund SOXX
      bubbleguard data refresh --list
    """  # noqa: D301 - click's \b keeps the examples unwrapped


# --------------------------------------------------------------------------- data info
def _age(date: str, today: dt.date) -> int | None:
    try:
        return (today - dt.date.fromisoformat(date)).days
    except ValueError:
        return None


def _local_files(folder: Path, snapshot_funds: set[str]) -> dict[str, Any]:
    """Funds found in the fund-files folder (what ``check`` will read)."""
    from ..errors import DataError
    from ..reference._snapshot import read_fund_holdings

    out: dict[str, Any] = {"folder": str(folder), "exists": folder.is_dir(), "funds": [],
                           "problems": []}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.csv")):
        try:
            df = read_fund_holdings(path)
        except DataError as exc:
            out["problems"].append(str(exc))
            continue
        as_of = df.groupby("fund")["as_of"].first() if "as_of" in df else None
        for fund, part in df.groupby("fund", sort=True):
            out["funds"].append({
                "fund": str(fund), "file": path.name, "holdings": int(len(part)),
                "weight_sum": round(float(part["weight"].sum()), 6),
                "as_of": str(as_of[fund]) if as_of is not None else "",
                "in_snapshot": str(fund) in snapshot_funds})
    return out


def data_info(today: dt.date | None = None, folder: Path | None = None) -> dict[str, Any]:
    """Collect the manifest, data ages, fund coverage and local fund files (JSON-ready)."""
    from ..reference._providers import LocalFundFiles
    from ..reference._snapshot import load_snapshot

    today = today or dt.date.today()
    snap = load_snapshot()
    man = snap.manifest
    funds = snap.funds
    sec = snap.securities
    as_of = {k: {"date": v, "age_days": _age(v, today)} for k, v in man["as_of"].items()}
    tables = [{"table": name, "rows": t.get("rows"), "source": t.get("source", ""),
               "as_of": t.get("as_of", "")} for name, t in man["tables"].items()]
    tracking = funds["source"].str.startswith("tracks ")
    dated = funds[funds["as_of"] != ""].sort_values("as_of")
    sources = (funds.assign(src=funds["source"].where(~tracking, "tracks another fund"))
               .groupby("src").agg(funds=("as_of", "size"), oldest=("as_of", "min"),
                                   newest=("as_of", "max"))
               .sort_values("funds", ascending=False))
    no_holdings = sec[(sec["kind"] == "fund") & ~sec.index.isin(funds.index)]
    coverage = {
        "funds": int(len(funds)),
        "full": int((funds["coverage"] == "full").sum()),
        "top10": int((funds["coverage"] == "top10").sum()),
        "tracking_another_fund": int(tracking.sum()),
        "without_holdings": {str(k): int(v) for k, v in
                             no_holdings["asset_class"].value_counts().sort_index().items()},
        "oldest": {"fund": str(dated.index[0]), "as_of": str(dated["as_of"].iloc[0]),
                   "age_days": _age(str(dated["as_of"].iloc[0]), today)} if len(dated) else None,
        "newest": {"fund": str(dated.index[-1]), "as_of": str(dated["as_of"].iloc[-1]),
                   "age_days": _age(str(dated["as_of"].iloc[-1]), today)} if len(dated) else None,
        "sources": [{"source": str(s), "funds": int(r.funds), "oldest": str(r.oldest),
                     "newest": str(r.newest)} for s, r in sources.iterrows()],
    }
    return {"schema": SCHEMA, "snapshot_schema": man.get("schema", ""),
            "built_from": man.get("built_from", ""), "today": today.isoformat(), "as_of": as_of,
            "tables": tables, "fund_coverage": coverage, "notes": list(man.get("notes", [])),
            "local_fund_files": _local_files(LocalFundFiles(folder).folder, set(funds.index))}


def _info_renderable(info: dict[str, Any]) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = [Text(f"Reference snapshot ({info['snapshot_schema']}), built from "
                             f"{info['built_from']}", style="bold")]
    t = Table(title="Data dates", title_justify="left")
    for h in ("data", "as of", "age (days)"):
        t.add_column(h, justify="right" if h.startswith("age") else "left")
    for name, d in info["as_of"].items():
        age = "" if d["age_days"] is None else str(d["age_days"])
        t.add_row(name.replace("_", " "), d["date"], age)
    parts.append(t)
    t = Table(title="Tables", title_justify="left")
    for h in ("table", "rows", "source"):
        t.add_column(h, justify="right" if h == "rows" else "left")
    for row in info["tables"]:
        src = row["source"] + (f" (as of {row['as_of']})" if row["as_of"] else "")
        t.add_row(row["table"], f"{row['rows']:,}" if row["rows"] is not None else "", src)
    parts.append(t)
    c = info["fund_coverage"]
    t = Table(title=f"Fund holdings: {c['funds']} funds ({c['full']} full lists, of which "
                    f"{c['tracking_another_fund']} use the fund they track; {c['top10']} top 10 "
                    "only)", title_justify="left")
    for h in ("source", "funds", "oldest", "newest"):
        t.add_column(h, justify="right" if h == "funds" else "left")
    for s in c["sources"]:
        t.add_row(s["source"], str(s["funds"]), s["oldest"], s["newest"])
    parts.append(t)
    lines = []
    if c["oldest"]:
        lines.append(f"Oldest holdings: {c['oldest']['fund']} as of {c['oldest']['as_of']} "
                     f"({c['oldest']['age_days']} days); newest: {c['newest']['fund']} as of "
                     f"{c['newest']['as_of']} ({c['newest']['age_days']} days).")
    if c["without_holdings"]:
        kinds = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in c["without_holdings"].items())
        lines.append(f"Funds counted as their asset class, not looked through: {kinds}.")
    parts.append(Text("\n".join(lines)))
    if info["notes"]:
        parts.append(Text("Notes from the build:", style="bold"))
        parts.append(Text("\n".join(f"- {n}" for n in info["notes"])))
    local = info["local_fund_files"]
    if not local["exists"]:
        parts.append(Text(f"Local fund files: {local['folder']} does not exist (none used).",
                          style="dim"))
    else:
        t = Table(title=f"Local fund files in {local['folder']}", title_justify="left")
        for h in ("fund", "as of", "holdings", "weight sum", "file", "in snapshot"):
            t.add_column(h, justify="right" if h in ("holdings", "weight sum") else "left")
        for f in local["funds"]:
            t.add_row(f["fund"], f["as_of"], str(f["holdings"]), f"{f['weight_sum']:.2%}",
                      f["file"], "yes" if f["in_snapshot"] else "")
        parts.append(t)
        parts += [Text(f"Unreadable: {p}", style="red") for p in local["problems"]]
    return Group(*parts)


@data.command("info")
@output_options(("table", "json"))
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), help=_DIR_HELP)
@click.option("--width", type=int, default=None, help="Terminal width for the table format.")
def info(fmt: str, output: Path | None, folder: Path | None, width: int | None) -> None:
    """Show the reference snapshot: tables, sources, as-of dates and ages, fund coverage, notes.

    Also lists the fund-holdings files in the local fund-files folder, which 'bubbleguard check'
    reads for funds the snapshot lacks.
    """
    result = data_info(folder=folder)
    if fmt == "json":
        write(json.dumps(result, indent=2, ensure_ascii=False) + "\n", output)
    elif output is not None:
        from ..renderers._format import to_text

        write(to_text(_info_renderable(result), width=width or 120), output)
    else:
        show(_info_renderable(result), width)


# --------------------------------------------------------------------------- data refresh
def _default_targets(folder: Path) -> list[str]:
    """Supported funds the snapshot or the fund-files folder already has."""
    from ..reference._snapshot import load_snapshot
    from ..reference.refresh import ISHARES_FUNDS

    have = set(load_snapshot().funds.index)
    if folder.is_dir():
        have |= {p.stem.upper() for p in folder.glob("*.csv")}
    return sorted(have & set(ISHARES_FUNDS))


@data.command("refresh")
@click.option("--fund", "funds", multiple=True, metavar="SYMBOL",
              help="Fund to refresh (repeatable; default: every supported fund the snapshot or "
                   "the folder already has).")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), help=_DIR_HELP)
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read an iShares holdings CSV you downloaded yourself instead of downloading "
                   "(needs one --fund).")
@click.option("--base-url", metavar="URL",
              help="Scheme and host to download from instead of https://www.ishares.com "
                   "(a mirror or proxy; also $BUBBLEGUARD_ISHARES_URL).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
              show_default=True, help="Seconds to wait for the issuer's server.")
@click.option("--list", "list_only", is_flag=True,
              help="List the funds that can be refreshed and their addresses; download nothing.")
def refresh(funds: tuple[str, ...], folder: Path | None, file: Path | None, base_url: str | None,
            timeout: float, list_only: bool) -> None:
    """Download current fund holdings from the issuers into the fund-files folder.

    This is the only bubbleguard command that uses the network, and it runs only when you
    call it. Supported: iShares equity ETFs, which publish their holdings as CSV files (see
    --list). Each fund is written as FUND.csv (fund, symbol, weight, name, as_of) in the
    fund-files folder, replacing an older file of the same fund.
    """
    from ..errors import DataError
    from ..reference.refresh import fetch_fund, funds_folder, holdings_url, supported_funds, write_fund_file

    target_dir = funds_folder(folder)
    if list_only:
        from ..reference._snapshot import load_snapshot

        snap_funds = load_snapshot().funds
        for fund in supported_funds():
            row = snap_funds.loc[fund] if fund in snap_funds.index else None
            have = (f"snapshot {row['coverage']} as of {row['as_of']}" if row is not None
                    else "not in snapshot")
            click.echo(f"{fund:<5} {have:<34} {holdings_url(fund, base_url)}")
        return
    targets = list(dict.fromkeys(f.strip().upper() for f in funds if f.strip()))
    if file is not None and len(targets) != 1:
        raise click.UsageError("--file holds one fund's holdings; name that fund with one --fund.")
    if not targets:
        targets = _default_targets(target_dir)
    if not targets:
        click.echo("Nothing to refresh: name funds with --fund (see --list).", err=True)
        return
    if file is None:
        for fund in targets:
            holdings_url(fund, base_url)  # unsupported funds fail here, before any download
    written, failed = [], []
    for fund in targets:
        where = str(file) if file is not None else holdings_url(fund, base_url)
        click.echo(f"{'Reading' if file is not None else 'Downloading'} {fund} holdings from "
                   f"{where}", err=True)
        try:
            ff = fetch_fund(fund, base_url=base_url, timeout=timeout, file=file)
            path = write_fund_file(ff, target_dir)
        except DataError as exc:
            failed.append((fund, str(exc)))
            continue
        written.append((ff, path))
    for ff, path in written:
        click.echo(f"{ff.fund}: {len(ff.holdings)} holdings ({ff.weight_sum:.2%} of the fund) "
                   f"as of {ff.as_of or 'an undated file'} → {path}")
        for note in ff.notes:
            click.echo(f"  note: {note}")
    if written:
        click.echo(f"'bubbleguard check' reads these files from {target_dir}.")
    if len(failed) == 1 and not written:
        raise DataError(failed[0][1])
    if failed:
        done = (f"{len(written)} fund(s) were written to {target_dir}" if written
                else "nothing was written")
        raise DataError(f"Could not refresh {len(failed)} of {len(targets)} funds ({done}). "
                        + " ".join(msg for _, msg in failed))
