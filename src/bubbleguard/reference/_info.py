"""What ``bubbleguard funds`` and ``bubbleguard data info`` show, as data (JSON-ready).

The fund list (every fund the snapshot knows, its coverage and date) and the snapshot's
inventory: tables, sources, data ages, fund coverage and the local fund files ``check`` reads.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataError
from ._providers import LocalFundFiles
from ._snapshot import load_snapshot, read_fund_holdings

if TYPE_CHECKING:
    import pandas as pd

    from ._snapshot import Snapshot

__all__ = ["LIST_COLUMNS", "SCHEMA", "data_info", "fund_list"]

SCHEMA = "bubbleguard.data-info/1"

LIST_COLUMNS = ["fund", "name", "category", "asset_class", "coverage", "holdings", "weight_sum",
                "as_of", "tracks", "source"]


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
    tracks = meta["source"].fillna("").str.extract(r"^(?:tracks|approximated by) (\S+)$")[0].fillna("")
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


def _age(date: str, today: dt.date) -> int | None:
    try:
        return (today - dt.date.fromisoformat(date)).days
    except ValueError:
        return None


def _local_files(folder: Path, snapshot_funds: set[str]) -> dict[str, Any]:
    """Funds found in the fund-files folder (what ``check`` will read)."""
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
    today = today or dt.date.today()
    snap = load_snapshot()
    man = snap.manifest
    funds = snap.funds
    sec = snap.securities
    as_of = {k: {"date": v, "age_days": _age(v, today)} for k, v in man["as_of"].items()}
    tables = [{"table": name, "rows": t.get("rows"), "source": t.get("source", ""),
               "as_of": t.get("as_of", "")} for name, t in man["tables"].items()]
    tracking = funds["source"].str.startswith("tracks ")
    approximated = funds["source"].str.startswith("approximated by ")
    dated = funds[funds["as_of"] != ""].sort_values("as_of")
    sources = (funds.assign(src=funds["source"].where(~tracking, "tracks another fund")
                            .where(~approximated, "approximated by another fund (a similar index)"))
               .groupby("src").agg(funds=("as_of", "size"), oldest=("as_of", "min"),
                                   newest=("as_of", "max"))
               .sort_values("funds", ascending=False))
    no_holdings = sec[(sec["kind"] == "fund") & ~sec.index.isin(funds.index)]
    note = funds["note"].fillna("") if "note" in funds.columns else funds["source"].map(lambda _s: "")
    derived = funds["source"].str.startswith("derived")
    tails = note.str.extract(r"the (\d+) holdings listed at 0\.00% share the remaining "
                             r"(\d+(?:\.\d+)?)%")
    coverage = {
        "funds": int(len(funds)),
        "full": int((funds["coverage"] == "full").sum()),
        "top10": int((funds["coverage"] == "top10").sum()),
        "tracking_another_fund": int(tracking.sum()),
        "approximated_by_another_fund": int(approximated.sum()),
        # lists that are not the fund's own file, or only partly its own: say which
        "derived": [{"fund": str(f), "source": str(funds.at[f, "source"])} for f in funds.index[derived]],
        "approximated": [{"fund": str(f), "by": str(funds.at[f, "source"]).removeprefix("approximated by ")}
                         for f in funds.index[approximated]],
        "estimated_tails": [{"fund": str(f), "holdings": int(r[0]), "weight": float(r[1]) / 100}
                            for f, r in tails.dropna().iterrows()],
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
