"""Risk model for the rebalancer: covariance and expected returns from the bundled prices.

The covariance is PyPortfolioOpt's Ledoit-Wolf shrinkage estimate of daily returns over the
last ``lookback_years`` of the snapshot's daily prices, annualised (252 days). The shrinkage
target is the *constant-correlation* matrix, which keeps every instrument's own variance (the
default constant-variance target would lift a T-bill fund's variance towards the average stock's).
Cash (symbol ``CASH`` and cash-kind instruments) is riskless: zero variance and covariance.

Instruments with short or no price history get a **proxy**, recorded in
:attr:`RiskModel.proxies` so every number can be traced:

1. an instrument with at least ``min_obs`` daily returns in the window uses its own returns; if
   its history starts inside the window, the proxy's returns fill the days before inception
   (the returns are *spliced*, so the covariance matrix stays positive semidefinite);
2. the fund it tracks (the snapshot's ``tracks`` column), when that fund has prices;
3. for a fund with look-through holdings, the look-through-weighted returns of its priced
   constituents, when they cover at least ``min_coverage`` of the fund;
4. for a stock, its sector's Select Sector SPDR fund (XLK, XLC, ...), else SPY;
5. the default fund of the instrument's category (:data:`CATEGORY_PROXIES`, e.g. IEF for
   intermediate treasuries, VWO for emerging markets), else of its asset class
   (:data:`ASSET_CLASS_PROXIES`: SPY for equity, BND for bonds, GLD for gold, VNQ for real
   estate, BIL for cash-like funds, DBC for commodities).

Expected returns (used by the ``max-sharpe`` objective) are CAPM returns by default:
``rf + beta * (E[R_m] - rf)`` with SPY as the market, ``E[R_m]`` its compounded return over the
window and ``rf`` the compounded return of the T-bill fund BIL (PyPortfolioOpt's
``capm_return``); ``mean_historical`` (compounded historical mean) is the alternative.
CAPM returns are far more stable than historical means, which would chase the AI winners the
caps are meant to limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from ..errors import DataError

if TYPE_CHECKING:
    from ..reference._snapshot import Snapshot

__all__ = ["ASSET_CLASS_PROXIES", "CATEGORY_PROXIES", "SECTOR_PROXIES", "RiskModel", "risk_model"]

TRADING_DAYS = 252
MARKET = "SPY"
RISK_FREE = "BIL"

ASSET_CLASS_PROXIES = {"equity": "SPY", "bond": "BND", "gold": "GLD", "real_estate": "VNQ",
                       "cash": "BIL", "commodity": "DBC", "other": "SPY"}
SECTOR_PROXIES = {
    "Information Technology": "XLK", "Communication Services": "XLC",
    "Consumer Discretionary": "XLY", "Consumer Staples": "XLP", "Health Care": "XLV",
    "Financials": "XLF", "Industrials": "XLI", "Energy": "XLE", "Utilities": "XLU",
    "Real Estate": "XLRE", "Materials": "XLB",
}
#: Category (prefix) → proxy fund, first match wins; see the module docstring.
CATEGORY_PROXIES: tuple[tuple[str, str], ...] = (
    ("us_sector_tech", "XLK"), ("us_sector_software", "XLK"), ("us_sector_communication", "XLC"),
    ("us_sector_telecom", "XLC"), ("us_sector_consumer_staples", "XLP"),
    ("us_sector_food", "XLP"), ("us_sector_consumer", "XLY"), ("us_sector_retail", "XLY"),
    ("us_sector_homebuilders", "XLY"), ("us_sector_leisure", "XLY"),
    ("us_sector_restaurants", "XLY"), ("us_sector_health", "XLV"), ("us_sector_biotech", "XLV"),
    ("us_sector_medical", "XLV"), ("us_sector_financials", "XLF"), ("us_sector_banks", "XLF"),
    ("us_sector_regional_banks", "XLF"), ("us_sector_capital_markets", "XLF"),
    ("us_sector_insurance", "XLF"), ("us_sector_energy", "XLE"), ("us_sector_oil", "XLE"),
    ("us_sector_natural_gas", "XLE"), ("us_sector_utilities", "XLU"),
    ("us_sector_industrials", "XLI"), ("us_sector_aerospace", "XLI"),
    ("us_sector_airlines", "XLI"), ("us_sector_transportation", "XLI"),
    ("us_sector_materials", "XLB"), ("us_sector_metals", "XLB"),
    ("semiconductors", "SMH"), ("nasdaq100", "QQQ"), ("thematic", "QQQ"),
    ("us_equal_weight", "RSP"), ("us_large_growth", "VUG"), ("us_large_value", "VTV"),
    ("us_small", "IWM"), ("dividend", "SCHD"), ("us_", "SPY"), ("factor", "SPY"),
    ("emerging", "VWO"), ("country_cn", "VWO"), ("country_in", "VWO"), ("country_br", "VWO"),
    ("country_tw", "VWO"), ("country_kr", "VWO"), ("country_za", "VWO"), ("country_mx", "VWO"),
    ("country", "EFA"), ("region", "EFA"), ("international", "VXUS"), ("global", "VT"),
    ("tips", "TIP"), ("us_treasury_short", "SHY"), ("us_bond_short", "SHY"),
    ("us_treasury_long", "TLT"), ("us_bond_long", "TLT"), ("us_treasury", "IEF"),
    ("corporate_bond", "LQD"), ("high_yield", "HYG"), ("international_bond", "BNDX"),
    ("reit_international", "VNQI"), ("reit_global", "VNQI"), ("reit", "VNQ"),
    ("silver", "SLV"), ("gold", "GLD"), ("tbills", "BIL"), ("money_market", "BIL"),
    ("treasury_floating_rate", "BIL"),
)


@dataclass(frozen=True)
class RiskModel:
    """Annualised covariance and the returns behind it, with the proxies that were used.

    Attributes
    ----------
    symbols
        The instruments, in the order of :attr:`cov`'s rows.
    cov
        Annualised covariance (DataFrame symbols × symbols); riskless cash has zero rows.
    returns
        Daily returns used (dates × symbols, spliced with proxies, cash columns zero).
    proxies
        Symbol → how its returns were obtained, for every instrument that did not use its own
        full history (e.g. ``"SCHB": "VTI (the fund it tracks)"``).
    start, end
        First and last day of the window.
    shrinkage
        The Ledoit-Wolf shrinkage intensity.
    """

    symbols: pd.Index
    cov: pd.DataFrame
    returns: pd.DataFrame
    proxies: dict[str, str] = field(default_factory=dict)
    start: str = ""
    end: str = ""
    shrinkage: float = 0.0
    market: pd.Series | None = None
    risk_free_series: pd.Series | None = None

    def volatility(self, weights: pd.Series | dict[str, float] | np.ndarray) -> float:
        """Annualised volatility of a portfolio (weights by symbol, or aligned with symbols)."""
        w = self._align(weights)
        return float(np.sqrt(max(w @ self.cov.to_numpy() @ w, 0.0)))

    def factor(self) -> np.ndarray:
        """Return a matrix ``F`` with ``F.T @ F == cov`` (for ``sum_squares(F @ w)`` in cvxpy)."""
        vals, vecs = np.linalg.eigh(self.cov.to_numpy())
        keep = vals > 1e-12 * max(vals.max(), 1e-300)
        return (vecs[:, keep] * np.sqrt(vals[keep])).T

    @property
    def risk_free_rate(self) -> float:
        """Annualised compounded return of the T-bill fund over the window (0 without it)."""
        if self.risk_free_series is None or self.risk_free_series.count() == 0:
            return 0.0
        return _annualised(self.risk_free_series)

    def expected_returns(self, method: str = "capm") -> pd.Series:
        """Annualised expected returns per symbol.

        Parameters
        ----------
        method
            ``capm`` (default): PyPortfolioOpt's ``capm_return`` with SPY as the market and
            BIL as the risk-free rate; ``mean_historical``: compounded historical mean.
        """
        from pypfopt import expected_returns as er

        rets = self.returns
        if method == "mean_historical":
            return er.mean_historical_return(rets, returns_data=True, frequency=TRADING_DAYS)
        if method != "capm":
            raise ValueError(f"unknown expected-return method '{method}' (capm, mean_historical)")
        market = self.market if self.market is not None else rets.mean(axis=1)
        mu = er.capm_return(rets.copy(), market_prices=market.to_frame("mkt"), returns_data=True,
                            risk_free_rate=self.risk_free_rate, frequency=TRADING_DAYS)
        return mu.reindex(self.symbols)

    def _align(self, weights: pd.Series | dict[str, float] | np.ndarray) -> np.ndarray:
        if isinstance(weights, np.ndarray):
            return weights.astype(float)
        s = pd.Series(weights, dtype=float)
        return s.reindex(self.symbols).fillna(0.0).to_numpy()


def _annualised(r: pd.Series) -> float:
    r = r.dropna()
    if r.empty:
        return 0.0
    return float(cast(float, (1.0 + r).prod()) ** (TRADING_DAYS / len(r)) - 1.0)


def _daily_block(prices: pd.DataFrame) -> pd.DataFrame:
    """Return the trailing run of daily rows (the snapshot keeps month-ends before 2021)."""
    idx = pd.DatetimeIndex(prices.index)
    gaps = np.diff(idx.values).astype("timedelta64[D]").astype(int)
    big = np.flatnonzero(gaps > 7)
    start = big[-1] + 1 if len(big) else 0
    return prices.iloc[start:]


def _category_proxy(category: str, asset_class: str) -> str:
    for prefix, proxy in CATEGORY_PROXIES:
        if category.startswith(prefix):
            return proxy
    return ASSET_CLASS_PROXIES.get(asset_class or "equity", MARKET)


def risk_model(symbols: Iterable[str], snapshot: Snapshot | None = None, *,
               prices: pd.DataFrame | None = None, lookback_years: float = 5.0,
               min_obs: int = 120, min_coverage: float = 0.6,
               shrinkage_target: str = "constant_correlation",
               asset_classes: dict[str, str] | None = None) -> RiskModel:
    """Estimate the covariance of ``symbols`` from the snapshot's prices, with proxies.

    Parameters
    ----------
    symbols
        Instruments (any order; unknown ones get their asset class's default proxy).
    snapshot
        Reference data (default: the bundled snapshot).
    prices
        Adjusted closes (dates × symbols) to use instead of ``snapshot.prices``.
    lookback_years
        Length of the window, ending on the last price date.
    min_obs
        Fewer own daily returns than this in the window: the proxy is used throughout.
    min_coverage
        Look-through proxies need priced constituents covering at least this share of a fund.
    shrinkage_target
        Ledoit-Wolf target: ``constant_correlation`` (default), ``constant_variance`` or
        ``single_factor``.
    asset_classes
        Asset classes for symbols the snapshot does not know (default equity).

    Returns
    -------
    RiskModel

    Raises
    ------
    DataError
        No usable daily prices at all.
    """
    from pypfopt.risk_models import CovarianceShrinkage

    from ..reference._snapshot import load_snapshot

    snap = snapshot if snapshot is not None else load_snapshot()
    symbols = pd.Index(list(dict.fromkeys(symbols)))
    if prices is None:
        try:
            prices = snap.prices
        except (OSError, FileNotFoundError) as exc:
            raise DataError(f"The snapshot has no price history ({exc}); the risk model "
                            "needs it.") from None
    daily = _daily_block(prices.sort_index())
    if len(daily) < 3:
        raise DataError("The snapshot's price history has no daily prices; the risk model "
                        "needs them.")
    end = daily.index[-1]
    daily = daily[daily.index >= end - pd.DateOffset(days=round(365.25 * lookback_years))]
    own = daily.ffill().pct_change(fill_method=None).iloc[1:]
    builder = _Proxies(snap, own, min_obs, min_coverage, asset_classes or {})
    series = {s: builder.returns(s) for s in symbols}
    rets = pd.DataFrame(series, index=own.index).fillna(0.0)
    riskless = [s for s in symbols if builder.is_cash(s) or float(rets[s].std()) < 1e-10]
    risky = [s for s in symbols if s not in riskless]
    cov = pd.DataFrame(0.0, index=symbols, columns=symbols)
    delta = 0.0
    if len(risky) == 1:
        cov.loc[risky, risky] = float(rets[risky[0]].var()) * TRADING_DAYS
    elif risky:
        cs = CovarianceShrinkage(rets[risky], returns_data=True, frequency=TRADING_DAYS)
        est = cs.ledoit_wolf(shrinkage_target=shrinkage_target)
        cov.loc[risky, risky] = est.to_numpy()
        delta = float(cs.delta or 0.0)
    for s in riskless:
        rets[s] = 0.0
    market = builder.returns(MARKET) if MARKET in own.columns else None
    rf = own[RISK_FREE] if RISK_FREE in own.columns else None
    return RiskModel(symbols=symbols, cov=cov, returns=rets, proxies=builder.used,
                     start=str(own.index[0].date()), end=str(end.date()), shrinkage=delta,
                     market=None if market is None else market.fillna(0.0), risk_free_series=rf)


class _Proxies:
    """Resolves each symbol's return series, recording which proxy was used and why."""

    def __init__(self, snap: Snapshot, own: pd.DataFrame, min_obs: int, min_coverage: float,
                 asset_classes: dict[str, str]) -> None:
        self.snap = snap
        self.own = own
        self.min_obs = min_obs
        self.min_coverage = min_coverage
        self.asset_classes = asset_classes
        self.used: dict[str, str] = {}
        self._cache: dict[str, pd.Series] = {}

    def info(self, symbol: str, column: str) -> str:
        sec = self.snap.securities
        if symbol in sec.index and column in sec.columns:
            return str(sec.at[symbol, column] or "")
        return ""

    def is_cash(self, symbol: str) -> bool:
        return symbol == "CASH" or self.info(symbol, "kind") == "cash"

    def returns(self, symbol: str, depth: int = 0) -> pd.Series:
        if symbol in self._cache:
            return self._cache[symbol]
        zero = pd.Series(0.0, index=self.own.index)
        if self.is_cash(symbol) or depth > 6:
            return zero
        mine = self.own[symbol] if symbol in self.own.columns else None
        n_own = 0 if mine is None else int(mine.count())
        if n_own >= self.min_obs and mine is not None and mine.notna().iloc[0]:
            self._cache[symbol] = mine.fillna(0.0)
            return self._cache[symbol]
        proxy, why = self.proxy(symbol, depth)
        if n_own >= self.min_obs and mine is not None:
            first = cast(pd.Timestamp, mine.first_valid_index())
            out = mine.where(mine.index >= first, proxy)
            self.used[symbol] = f"{why} before {first.date()} (own prices start then)"
        else:
            out = proxy
            self.used[symbol] = why if n_own == 0 else f"{why} (only {n_own} days of own prices)"
        self._cache[symbol] = out.fillna(0.0)
        return self._cache[symbol]

    def proxy(self, symbol: str, depth: int) -> tuple[pd.Series, str]:
        sec = self.snap.securities
        tracks = self.info(symbol, "tracks")
        if tracks and tracks != symbol and (tracks in self.own.columns or tracks in sec.index):
            return self.returns(tracks, depth + 1), f"{tracks} (the fund it tracks)"
        kind = self.info(symbol, "kind")
        if kind == "fund":
            weighted = self.lookthrough(symbol)
            if weighted is not None:
                return weighted
        if kind == "stock":
            sector = self.info(symbol, "sector")
            etf = SECTOR_PROXIES.get(sector, MARKET)
            etf = etf if etf in self.own.columns else MARKET
            label = f"{etf} ({sector} sector fund)" if etf != MARKET else f"{MARKET} (the market)"
            return self._plain(etf), label
        cls = self.info(symbol, "asset_class") or self.asset_classes.get(symbol, "") or "equity"
        target = _category_proxy(self.info(symbol, "category"), cls)
        if target not in self.own.columns:
            target = ASSET_CLASS_PROXIES.get(cls, MARKET)
        if target not in self.own.columns:
            target = MARKET
        if target not in self.own.columns:
            return (pd.Series(0.0, index=self.own.index),
                    "no proxy with prices (treated as riskless)")
        what = self.info(symbol, "category") or cls
        return self._plain(target), f"{target} (default for {what.replace('_', ' ')})"

    def _plain(self, symbol: str) -> pd.Series:
        return self.own[symbol].fillna(0.0)

    def lookthrough(self, symbol: str) -> tuple[pd.Series, str] | None:
        from ..lookthrough import look_through

        lt = look_through([symbol], self.snap)
        split = lt.securities
        if isinstance(split, tuple):  # (row, security position, share) triplets
            _, cols, vals = split
        else:  # a scipy.sparse matrix
            coo = split.tocoo()
            cols, vals = coo.col, coo.data
        weights = pd.Series(vals, index=self.snap.index[cols]).groupby(level=0).sum()
        priced = weights[weights.index.isin(self.own.columns)]
        priced = priced[[self.own[s].count() >= self.min_obs for s in priced.index]]
        if weights.sum() <= 0 or priced.sum() / weights.sum() < self.min_coverage:
            return None
        parts = {s: self.returns(s, 1) for s in priced.index}  # spliced where needed
        mix = (pd.DataFrame(parts) * (priced / priced.sum())).sum(axis=1)
        return mix, (f"look-through mix of {len(priced)} priced holdings "
                     f"({priced.sum() / weights.sum():.0%} of the fund)")
