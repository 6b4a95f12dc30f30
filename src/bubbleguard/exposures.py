"""Exposures of a portfolio: per issuer (direct vs via funds), theme, sector, asset class.

Weights are fractions of the portfolio's total value. Issuer weights plus non-equity asset
classes plus unresolved remainders add up to exactly one: nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import numpy as np
import pandas as pd

from .holdings._portfolio import Portfolio
from .lookthrough import LookThrough, look_through
from .reference._snapshot import ASSET_CLASSES, THEMES, Snapshot

__all__ = ["Exposures", "compute_exposures", "concentration"]


@dataclass(frozen=True)
class Exposures:
    """Where a portfolio's money sits, after looking through every fund.

    Attributes
    ----------
    lookthrough
        The instruments × leaves matrix used.
    values
        Value of each instrument (aligned with ``lookthrough.symbols``).
    """

    lookthrough: LookThrough
    values: np.ndarray

    @property
    def snapshot(self) -> Snapshot:
        """The reference data used."""
        return self.lookthrough.snapshot

    @cached_property
    def total_value(self) -> float:
        """Portfolio value."""
        return float(self.values.sum())

    @cached_property
    def weights(self) -> np.ndarray:
        """Instrument weights."""
        return self.values / self.total_value

    @cached_property
    def leaf_weights(self) -> np.ndarray:
        """Weight of every leaf (sums to 1)."""
        return np.asarray(self.weights @ self.lookthrough.matrix).ravel()

    @cached_property
    def positions(self) -> pd.DataFrame:
        """Instruments with value, weight, kind, asset class and name."""
        sec = self.snapshot.securities
        sym = self.lookthrough.symbols
        kind = sec["kind"].reindex(sym).fillna("unknown")
        cls = self.lookthrough.asset_class_matrix().idxmax(axis=1)
        return pd.DataFrame({"symbol": sym, "market_value": self.values, "weight": self.weights,
                             "kind": kind.to_numpy(), "asset_class": cls.to_numpy(),
                             "name": sec["name"].reindex(sym).fillna("").to_numpy()})

    @cached_property
    def issuers(self) -> pd.DataFrame:
        """One row per issuer with weight > 0, largest first."""
        lt = self.lookthrough
        cols = lt.issuer_columns
        weight = self.leaf_weights[cols]
        direct_rows = (self.positions["kind"] == "stock").to_numpy()
        direct = self.weights[direct_rows] @ lt.matrix[direct_rows][:, cols]
        keep = weight > 0
        ids = lt.issuer_ids[keep]
        iss = self.snapshot.issuers.reindex(ids)
        themes = self.snapshot.themes
        sec_w = lt.security_weights(self.weights)
        stock = self.snapshot.securities.iloc[np.flatnonzero(sec_w > 0)]
        stock = stock[stock["kind"] == "stock"]
        symbols: dict[str, list[str]] = {}
        for sym, issuer in zip(stock.index.to_numpy(object), stock["issuer_id"].to_numpy(object)):
            symbols.setdefault(issuer, []).append(sym)  # numpy arrays: no text object per step
        out = pd.DataFrame({
            "issuer_id": ids,
            "issuer": iss["issuer"].fillna(pd.Series(ids, index=ids)).to_numpy(),
            "symbols": [symbols.get(i, []) for i in ids],
            "weight": weight[keep],
            "direct_weight": direct[keep],
            "via_funds_weight": weight[keep] - direct[keep],
            "value": weight[keep] * self.total_value,
            "sector": iss["sector"].fillna("Unknown").to_numpy(),
            "role": iss["role"].fillna("").to_numpy(),
            "themes": [[t for t in THEMES if i in themes[t]] for i in ids.to_numpy(object)],
            # why an issuer is in the AI universe, and what backs it (empty for the others)
            "reason": iss.get("reason", pd.Series("", index=iss.index)).fillna("").to_numpy(),
            "source": iss.get("source", pd.Series("", index=iss.index)).fillna("").to_numpy(),
        })
        out["via_funds_weight"] = out["via_funds_weight"].clip(lower=0.0)
        return out.sort_values(["weight", "issuer_id"], ascending=[False, True]).reset_index(drop=True)

    @cached_property
    def themes(self) -> dict[str, float]:
        """Theme → look-through weight."""
        lt = self.lookthrough
        return {t: float(self.weights @ lt.theme_vector(t)) for t in THEMES}

    @cached_property
    def theme_countries(self) -> dict[str, dict[str, float]]:
        """Theme → issuer country → look-through weight, largest first ("" = country unknown)."""
        iss = self.issuers
        country = self.snapshot.issuers["country"].reindex(iss["issuer_id"]).fillna("").to_numpy()
        out: dict[str, dict[str, float]] = {}
        for t in THEMES:
            member = np.array([t in th for th in iss["themes"]], dtype=bool)
            s = pd.Series(iss["weight"].to_numpy()[member], index=country[member])
            s = s.groupby(level=0).sum().sort_values(ascending=False, kind="stable")
            out[t] = {str(k): float(v) for k, v in s.items() if v > 0}
        return out

    def market_split(self, home: tuple[str, ...]) -> dict[str, Any]:
        """Theme weights at home (issuers of the ``home`` countries), abroad and of unknown country.

        Parameters
        ----------
        home
            The countries that count as home, e.g. ``("China",)`` for a mainland investor.

        Returns
        -------
        dict
            home (list), domestic / abroad / unknown (theme → weight; the three add up to the
            theme's weight) and by_country (:attr:`theme_countries`).
        """
        by = self.theme_countries
        domestic = {t: sum(w for c, w in v.items() if c in home) for t, v in by.items()}
        unknown = {t: v.get("", 0.0) for t, v in by.items()}
        abroad = {t: sum(w for c, w in v.items() if c and c not in home) for t, v in by.items()}
        return {"home": list(home), "domestic": domestic, "abroad": abroad, "unknown": unknown,
                "by_country": by}

    @cached_property
    def asset_classes(self) -> dict[str, float]:
        """Asset class → weight (equity includes unresolved remainders; sums to 1)."""
        m = self.lookthrough.asset_class_matrix()
        w = self.weights @ m.to_numpy()
        return {c: float(v) for c, v in zip(ASSET_CLASSES, w) if v > 0}

    @cached_property
    def sectors(self) -> dict[str, float]:
        """Sector → weight of equity, plus ``Unresolved``."""
        s = self.issuers.groupby("sector")["weight"].sum().sort_values(ascending=False)
        out = {str(k): float(v) for k, v in s.items()}
        unresolved = float(self.unresolved["weight"].sum())
        if unresolved > 0:
            out["Unresolved"] = unresolved
        return out

    @cached_property
    def unresolved(self) -> pd.DataFrame:
        """Unresolved value per held symbol: symbol, origin fund, weight, reason."""
        lt = self.lookthrough
        cols = np.flatnonzero(lt.leaves["kind"].to_numpy() == "unresolved")
        part = lt.matrix[:, cols] * self.weights[:, None]
        r, c = np.nonzero(part)
        leaves = lt.leaves.iloc[cols]
        out = pd.DataFrame({"symbol": lt.symbols[r], "origin": leaves["key"].to_numpy()[c],
                            "weight": part[r, c], "reason": leaves["reason"].to_numpy()[c]})
        out = out[out["weight"] > 0]
        return out.sort_values("weight", ascending=False).reset_index(drop=True)

    @cached_property
    def concentration(self) -> dict[str, float]:
        """Top-10 issuer share, HHI and effective number of issuers (see :func:`concentration`)."""
        return concentration(self.issuers["weight"].to_numpy())

    @cached_property
    def overlap(self) -> pd.DataFrame:
        """Pairwise overlap of the funds held: Σ min(a_i, b_i) over their issuer weights."""
        pos = self.positions
        funds = np.flatnonzero((pos["kind"] == "fund").to_numpy()
                               & (pos["asset_class"] == "equity").to_numpy()
                               & (self.weights > 0))  # a fund held at 0% overlaps nothing
        if len(funds) < 2:
            return pd.DataFrame(columns=["fund_a", "fund_b", "overlap"])
        dense = self.lookthrough.issuer_matrix()[funds]
        a, b = np.triu_indices(len(funds), k=1)
        ov = np.minimum(dense[a], dense[b]).sum(axis=1)
        sym = pos["symbol"].to_numpy()[funds].astype(str)
        first = sym[a] < sym[b]  # each pair named in alphabetical order: the rows' order never shows
        out = pd.DataFrame({"fund_a": np.where(first, sym[a], sym[b]),
                            "fund_b": np.where(first, sym[b], sym[a]), "overlap": ov})
        return out.sort_values(["overlap", "fund_a", "fund_b"], ascending=[False, True, True],
                               kind="stable").reset_index(drop=True)

    def via(self, issuer_ids: list[str]) -> pd.DataFrame:
        """Which holdings each issuer's exposure comes through.

        Returns
        -------
        DataFrame
            Columns issuer_id, symbol (the holding), weight; one row per pair with weight > 0.
        """
        lt = self.lookthrough
        idx = lt.issuer_ids.get_indexer(cast(pd.Index, issuer_ids))
        ok = idx >= 0
        sub = lt.matrix[:, lt.issuer_columns[idx[ok]]] * self.weights[:, None]
        r, c = np.nonzero(sub)
        ids = np.asarray(issuer_ids)[ok]
        out = pd.DataFrame({"issuer_id": ids[c], "symbol": lt.symbols[r], "weight": sub[r, c]})
        return out[out["weight"] > 0].sort_values(["issuer_id", "weight"], ascending=[True, False])

    def conservation_error(self) -> float:
        """|issuers + non-equity + unresolved − 1| (zero up to rounding)."""
        return abs(float(self.leaf_weights.sum()) - 1.0)


def concentration(weights: np.ndarray) -> dict[str, float]:
    """Concentration measures of issuer weights (fractions of the whole portfolio).

    ``top10_share`` is the sum of the ten largest issuer weights. ``hhi`` is the
    Herfindahl–Hirschman index of the issuer weights renormalised to the equity they make up,
    and ``effective_issuers`` is ``1 / hhi``: the number of equal-weight issuers with the same
    concentration.
    """
    w = np.sort(np.asarray(weights, float))[::-1]
    total = w.sum()
    if total <= 0:
        return {"top10_share": 0.0, "hhi": 0.0, "effective_issuers": 0.0}
    share = w / total
    hhi = float((share**2).sum())
    return {"top10_share": float(w[:10].sum()), "hhi": hhi, "effective_issuers": 1.0 / hhi}


def compute_exposures(portfolio: Portfolio, snapshot: Snapshot) -> Exposures:
    """Look through a portfolio's funds and return its exposures."""
    values = portfolio.values()
    user = portfolio.positions.groupby("symbol")["asset_class"].first()
    lt = look_through(values.index, snapshot, asset_classes=cast("dict[str, str]", user.to_dict()))
    return Exposures(lookthrough=lt, values=values.to_numpy(float))


def fund_exposures(symbol: str, snapshot: Snapshot) -> dict[str, Any]:
    """Look through one fund: issuers, theme shares, asset classes and unresolved remainder.

    Parameters
    ----------
    symbol
        The fund's ticker.
    snapshot
        Reference data, with the fund-holdings providers' data already added
        (:func:`bubbleguard.plugins.with_providers`), as ``bubbleguard funds`` does.

    Returns
    -------
    dict
        JSON-ready (``bubbleguard.fund/1``): weights are fractions of the fund; issuers plus
        non-equity asset classes plus unresolved add up to one.
    """
    import difflib

    from .errors import DataError

    snap = snapshot
    symbol = symbol.strip().upper()
    sec = snap.securities
    kind = sec["kind"].get(symbol)
    if kind in ("stock", "cash"):
        name = str(sec.at[symbol, "name"])
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
        "source": meta("source"),
        "note": meta("note"),
        "issuers": [{"issuer": r.issuer, "issuer_id": r.issuer_id, "symbols": list(r.symbols),
                     "weight": float(r.weight), "sector": r.sector, "role": r.role,
                     "themes": list(r.themes), "reason": r.reason, "source": r.source}
                    for r in cast("Iterator[Any]", iss.itertuples())],
        "themes": ex.themes,
        "asset_classes": ex.asset_classes,
        "non_equity": classes,
        "concentration": ex.concentration,
        "unresolved": [{"origin": r.origin, "weight": float(r.weight), "reason": r.reason}
                       for r in cast("Iterator[Any]", ex.unresolved.itertuples())],
    }


def market_context(snapshot: Snapshot, benchmark: str = "IVV") -> dict[str, Any]:
    """The S&P 500's own concentration (IVV holdings) for comparison.

    The bundled snapshot stores it precomputed (the builder runs this function); a snapshot
    with user fund holdings recomputes it.
    """
    stored = snapshot.manifest.get("market_context")
    if stored and not snapshot.overrides:
        return dict(stored)
    if benchmark not in snapshot.funds.index:
        from .errors import DataError

        raise DataError(f"The reference data has no holdings for {benchmark}, the market the theme "
                        "caps are measured against; use the bundled snapshot or add its holdings.")
    ex = Exposures(lookthrough=look_through([benchmark], snapshot), values=np.ones(1))
    return {"benchmark": f"S&P 500 ({benchmark} holdings)",
            "as_of": str(snapshot.funds.loc[benchmark, "as_of"]),
            "themes": ex.themes, "top10_share": ex.concentration["top10_share"]}
