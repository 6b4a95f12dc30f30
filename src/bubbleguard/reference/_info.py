"""What ``bubbleguard funds`` lists: every fund the snapshot knows, with its coverage and date."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ._snapshot import Snapshot

__all__ = ["LIST_COLUMNS", "fund_list"]

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
