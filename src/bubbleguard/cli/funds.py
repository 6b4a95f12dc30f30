"""``bubbleguard funds``: the funds the reference data knows, and one fund's look-through.

Without an argument it lists every fund in the snapshot with its category, asset class,
holdings coverage and as-of date. With a SYMBOL it looks through that fund
(:func:`bubbleguard.lookthrough.look_through`, :class:`bubbleguard.exposures.Exposures`): its
largest issuers, its AI / Magnificent 7 / circular-deal shares, and the remainder it does not
itemise, with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import cli
from .options import output_options, show, write

if TYPE_CHECKING:
    import pandas as pd

    from ..reference._snapshot import Snapshot

THEMES = {"ai": "AI-concentrated issuers", "magnificent7": "Magnificent 7",
          "circular_deals": "circular-deal counterparties"}
LIST_COLUMNS = ["fund", "name", "category", "asset_class", "coverage", "holdings", "weight_sum",
                "as_of", "tracks", "source"]


# --------------------------------------------------------------------------- the list
def fund_list(snapshot: Snapshot) -> pd.DataFrame:
    """Every fund in the snapshot: those with holdings, and those counted as their asset class.

    Returns
    -------
    DataFrame
        Columns :data:`LIST_COLUMNS`; ``coverage`` is ``full``, ``top10`` or ``none``.
    """
    import pandas as pd

    sec, funds = snapshot.securities, snapshot.funds
    symbols = sorted(set(funds.index) | set(sec.index[sec["kind"] == "fund"]))
    info = sec.reindex(symbols)
    meta = funds.reindex(symbols)
    has = pd.Index(symbols).isin(funds.index)
    tracks = meta["source"].fillna("").str.extract(r"^tracks (\S+)$")[0].fillna("")
    source = meta["source"].fillna("").where(has, [
        "no holdings data" if c == "equity" else f"counted as {str(c).replace('_', ' ')}"
        for c in info["asset_class"].fillna("equity")])
    return pd.DataFrame({
        "fund": symbols,
        "name": info["name"].fillna("").to_numpy(),
        "category": info["category"].fillna("").to_numpy(),
        "asset_class": info["asset_class"].fillna("equity").to_numpy(),
        "coverage": meta["coverage"].where(has, "none").to_numpy(),
        "holdings": pd.to_numeric(meta["holdings"], errors="coerce").astype("Int64").array,
        "weight_sum": pd.to_numeric(meta["weight_sum"], errors="coerce").to_numpy(),
        "as_of": meta["as_of"].fillna("").to_numpy(),
        "tracks": tracks.to_numpy(),
        "source": source.to_numpy(),
    })


def _list_renderable(df: pd.DataFrame) -> Any:
    import pandas as pd
    from rich.table import Table

    counts = df["coverage"].value_counts()
    table = Table(title=(f"Funds: {len(df)} ({counts.get('full', 0)} full holdings lists, "
                         f"{counts.get('top10', 0)} top 10 only, {counts.get('none', 0)} without "
                         "holdings)"), title_justify="left")
    for h in ("fund", "name", "category", "asset class", "coverage", "holdings", "as of"):
        table.add_column(h, justify="right" if h == "holdings" else "left",
                         no_wrap=h in ("fund", "as of", "coverage"),
                         ratio=2 if h == "name" else None)
    for r in df.itertuples():
        cov = f"full via {r.tracks}" if r.tracks else r.coverage
        table.add_row(r.fund, r.name, r.category.replace("_", " "), r.asset_class.replace("_", " "),
                      cov, "" if pd.isna(r.holdings) else str(r.holdings), r.as_of)
    return table


# --------------------------------------------------------------------------- one fund
def _snapshot_for(symbol: str, snapshot: Snapshot) -> tuple[Snapshot, str | None]:
    """The snapshot with provider holdings for ``symbol`` (same rule as ``check``), and the provider."""
    from ..plugins import with_providers

    snap, notes = with_providers(snapshot, [symbol])
    return snap, (snap.overrides[-1] if notes else None)


def fund_lookthrough(symbol: str, snapshot: Snapshot | None = None) -> dict[str, Any]:
    """Look through one fund: issuers, theme shares, asset classes and unresolved remainder.

    Parameters
    ----------
    symbol
        The fund's ticker.
    snapshot
        Reference data (default: the bundled snapshot, plus providers' holdings for funds it lacks).

    Returns
    -------
    dict
        JSON-ready (``bubbleguard.fund/1``): weights are fractions of the fund; issuers plus
        non-equity asset classes plus unresolved add up to one.
    """
    import difflib

    import numpy as np

    from ..errors import DataError
    from ..exposures import Exposures
    from ..lookthrough import look_through
    from ..reference._snapshot import load_snapshot

    base = snapshot if snapshot is not None else load_snapshot()
    symbol = symbol.strip().upper()
    snap, provided_by = _snapshot_for(symbol, base)
    sec = snap.securities
    kind = sec["kind"].get(symbol)
    if kind in ("stock", "cash"):
        name = sec.at[symbol, "name"]
        raise DataError(f"{symbol} is {'a stock' if kind == 'stock' else 'cash'} ({name}), not a "
                        "fund; 'bubbleguard funds SYMBOL' looks through funds. Run "
                        "'bubbleguard funds' for the list.")
    if kind is None:
        known = list(sec.index[sec["kind"] == "fund"])
        close = difflib.get_close_matches(symbol, known, n=1, cutoff=0.6)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise DataError(f"{symbol} is not a fund the reference data knows, and no fund-holdings "
                        f"file or plugin supplies it.{hint} Run 'bubbleguard funds' for the list, "
                        "or save its holdings as fund,symbol,weight in your fund-files folder.")
    ex = Exposures(lookthrough=look_through([symbol], snap), values=np.ones(1))
    row = snap.funds.loc[symbol] if symbol in snap.funds.index else None

    def meta(col: str) -> str:
        value = None if row is None else row.get(col)
        return "" if value is None or value != value else str(value)  # None or NaN → ""
    iss = ex.issuers
    classes = {k: v for k, v in ex.asset_classes.items() if k != "equity"}
    return {
        "schema": "bubbleguard.fund/1",
        "fund": symbol,
        "name": str(sec.at[symbol, "name"]),
        "category": str(sec.at[symbol, "category"]),
        "asset_class": str(sec.at[symbol, "asset_class"]),
        "coverage": meta("coverage") or "none",
        "holdings": int(float(meta("holdings"))) if meta("holdings") else None,
        "as_of": meta("as_of"),
        "source": provided_by or meta("source"),
        "note": meta("note"),
        "issuers": [{"issuer": r.issuer, "issuer_id": r.issuer_id, "symbols": list(r.symbols),
                     "weight": float(r.weight), "sector": r.sector, "role": r.role,
                     "themes": list(r.themes)} for r in iss.itertuples()],
        "themes": ex.themes,
        "asset_classes": ex.asset_classes,
        "non_equity": classes,
        "concentration": ex.concentration,
        "unresolved": [{"origin": r.origin, "weight": float(r.weight), "reason": r.reason}
                       for r in ex.unresolved.itertuples()],
    }


def _fund_csv(fl: dict[str, Any]) -> str:
    import pandas as pd

    rows = [{"kind": "issuer", "key": i["issuer_id"], "name": i["issuer"], "weight": i["weight"],
             "themes": " ".join(i["themes"]), "reason": ""} for i in fl["issuers"]]
    rows += [{"kind": "asset_class", "key": k, "name": k.replace("_", " "), "weight": v,
              "themes": "",
              "reason": f"{fl['fund']} holds {k.replace('_', ' ')}; not looked through"}
             for k, v in fl["non_equity"].items()]
    rows += [{"kind": "unresolved", "key": u["origin"], "name": "", "weight": u["weight"],
              "themes": "", "reason": u["reason"]} for u in fl["unresolved"]]
    frame = pd.DataFrame(rows, columns=["kind", "key", "name", "weight", "themes", "reason"])
    return str(frame.to_csv(index=False, lineterminator="\n", float_format="%.8g"))


def _fund_renderable(fl: dict[str, Any], top: int) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    cov = {"full": "full holdings list", "top10": "top 10 holdings only",
           "none": "no holdings list"}[fl["coverage"]]
    head = Text()
    head.append(f"{fl['fund']}  {fl['name']}", style="bold")
    cls = fl["asset_class"].replace("_", " ")
    head.append(f"\n{fl['category'] or 'no category'}, {cls}; {cov}")
    if fl["holdings"] is not None:
        head.append(f" ({fl['holdings']} holdings)")
    if fl["as_of"] or fl["source"]:
        head.append(f" as of {fl['as_of'] or 'unknown'} from {fl['source']}")
    if fl["note"]:
        head.append(f"\n{fl['note']}", style="dim")
    parts: list[Any] = [head]
    if fl["issuers"]:
        table = Table(title=f"Top {min(top, len(fl['issuers']))} of {len(fl['issuers'])} issuers "
                            "(look-through)", title_justify="left")
        for h in ("#", "issuer", "symbols", "weight", "AI role", "themes"):
            table.add_column(h, justify="right" if h in ("#", "weight") else "left")
        for n, i in enumerate(fl["issuers"][:top], 1):
            table.add_row(str(n), i["issuer"], " ".join(i["symbols"]), f"{i['weight']:.2%}",
                          i["role"].replace("_", " "), ", ".join(i["themes"]))
        parts.append(table)
        lines = [f"{label}: {fl['themes'].get(k, 0.0):.1%}" for k, label in THEMES.items()]
        lines.append(f"Ten largest issuers: {fl['concentration']['top10_share']:.1%}; effective "
                     f"number of issuers: {fl['concentration']['effective_issuers']:.0f}")
        parts.append(Text("Share of the fund in " + "; ".join(lines[:3]) + ".\n" + lines[3] + "."))
    if fl["non_equity"]:
        parts.append(Text("Not looked through (counted as asset class): " + ", ".join(
            f"{k.replace('_', ' ')} {v:.1%}" for k, v in fl["non_equity"].items()) + "."))
    if fl["unresolved"]:
        table = Table(title="Unresolved remainder", title_justify="left")
        for h in ("from", "weight", "reason"):
            table.add_column(h, justify="right" if h == "weight" else "left")
        for u in fl["unresolved"]:
            table.add_row(u["origin"], f"{u['weight']:.2%}", u["reason"])
        parts.append(table)
    else:
        parts.append(Text("Unresolved remainder: none.", style="dim"))
    return Group(*parts)


# --------------------------------------------------------------------------- the command
@cli.command()
@click.argument("symbol", required=False)
@output_options(("table", "json", "csv"))
@click.option("--top", type=click.IntRange(min=1), default=15, show_default=True,
              help="Issuers shown by the table format (json and csv list all of them).")
@click.option("--coverage", type=click.Choice(["full", "top10", "none"]),
              help="List only funds with this holdings coverage.")
@click.option("--width", type=int, default=None, help="Terminal width for the table format.")
def funds(symbol: str | None, fmt: str, output: Path | None, top: int, coverage: str | None,
          width: int | None) -> None:
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
    from ..reference._snapshot import load_snapshot

    if symbol is None:
        df = fund_list(load_snapshot())
        if coverage:
            df = df[df["coverage"] == coverage]
        if fmt == "json":
            rows = json.loads(df.to_json(orient="records"))
            text = json.dumps({"schema": "bubbleguard.funds/1", "funds": rows}, indent=2,
                              ensure_ascii=False) + "\n"
        elif fmt == "csv":
            text = df.to_csv(index=False, lineterminator="\n", float_format="%.8g")
        else:
            _show(_list_renderable(df), output, width)
            return
        write(text, output)
        return
    fl = fund_lookthrough(symbol)
    if fmt == "json":
        write(json.dumps(fl, indent=2, ensure_ascii=False) + "\n", output)
    elif fmt == "csv":
        write(_fund_csv(fl), output)
    else:
        _show(_fund_renderable(fl, top), output, width)


def _show(renderable: Any, output: Path | None, width: int | None) -> None:
    if output is not None:
        from ..renderers._format import to_text

        write(to_text(renderable, width=width or 120), output)
    else:
        show(renderable, width)
