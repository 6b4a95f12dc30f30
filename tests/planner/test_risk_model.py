"""Risk model: Ledoit-Wolf covariance from the bundled prices, proxies, expected returns."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from bubbleguard.errors import DataError
from bubbleguard.planner._risk_model import ASSET_CLASS_PROXIES, CATEGORY_PROXIES, risk_model


@pytest.fixture(scope="module")
def priced(tiny):
    """The tiny snapshot with 300 days of prices for some of its instruments."""
    snap = replace(tiny)
    for key in ("deals", "deal_tickers"):
        if key in tiny.__dict__:
            snap.__dict__[key] = tiny.__dict__[key]
    rng = np.random.default_rng(11)
    dates = pd.bdate_range("2025-01-01", periods=300)
    market = rng.normal(0.0005, 0.01, len(dates))
    data = {"SPY": market, "AAA": 1.4 * market + rng.normal(0, 0.02, len(dates)),
            "BBB": 0.8 * market + rng.normal(0, 0.01, len(dates)),
            "FUND1": market + rng.normal(0, 0.004, len(dates)),
            "BONDF": rng.normal(0.0001, 0.003, len(dates)), "BIL": np.full(len(dates), 0.0001)}
    prices = pd.DataFrame({k: 100 * np.cumprod(1 + v) for k, v in data.items()},
                          index=pd.Index(dates, name="date"))
    prices.loc[prices.index[:150], "BBB"] = np.nan  # BBB lists half-way through
    monthly = pd.DataFrame(100.0, index=pd.date_range("2020-01-31", periods=12, freq="ME"),
                           columns=prices.columns)  # month-ends before the daily block
    snap.__dict__["prices"] = pd.concat([monthly, prices])
    return snap


def test_covariance_is_symmetric_psd_and_cash_is_riskless(priced):
    rm = risk_model(["AAA", "BBB", "BONDF", "FUND1", "CASH"], priced)
    cov = rm.cov.to_numpy()
    assert np.allclose(cov, cov.T)
    assert np.linalg.eigvalsh(cov).min() > -1e-12
    assert (rm.cov.loc["CASH"] == 0).all() and (rm.cov["CASH"] == 0).all()
    assert rm.volatility({"AAA": 1.0}) > rm.volatility({"BONDF": 1.0}) > 0
    assert rm.volatility({"CASH": 1.0}) == 0.0
    F = rm.factor()
    assert np.allclose(F.T @ F, cov, atol=1e-12)
    # the month-end rows before the daily block are not used
    assert rm.start >= "2025-01-01"
    assert 0.0 <= rm.shrinkage <= 1.0


def test_proxies_are_documented(priced):
    rm = risk_model(["AAA", "BBB", "QDII", "FUND2", "CCC", "EQNOH", "NOSUCH"], priced, min_obs=100)
    p = rm.proxies
    assert "AAA" not in p  # full own history
    assert p["BBB"].startswith("SPY") and "own prices start then" in p["BBB"]  # spliced
    assert p["QDII"] == "FUND1 (the fund it tracks)"
    assert p["FUND2"] == "SPY (default for us large blend)"  # priced holdings cover < 60%
    assert p["CCC"] == "SPY (the market)"  # no sector fund priced in this snapshot
    assert p["EQNOH"].startswith("SPY (default for thematic ai")
    assert p["NOSUCH"].startswith("SPY")
    # a spliced series is the proxy before the instrument's first price
    first = priced.prices["BBB"].first_valid_index()
    spy = priced.prices["SPY"].pct_change()
    early = rm.returns.index < first
    assert np.allclose(rm.returns.loc[early, "BBB"], spy.reindex(rm.returns.index)[early])


def test_look_through_proxy(priced):
    rm = risk_model(["FUND2", "AAA", "BBB"], priced, min_obs=100, min_coverage=0.4)
    assert rm.proxies["FUND2"] == "look-through mix of 2 priced holdings (47% of the fund)"
    mix = (0.3 * rm.returns["AAA"] + 0.15 * rm.returns["BBB"]) / 0.45
    assert np.allclose(rm.returns["FUND2"], mix)


def test_expected_returns(priced):
    rm = risk_model(["AAA", "BONDF", "FUND1"], priced)
    capm = rm.expected_returns()
    assert list(capm.index) == ["AAA", "BONDF", "FUND1"]
    assert capm["AAA"] > capm["FUND1"] > capm["BONDF"]  # betas 1.4 > 1 > 0
    assert rm.risk_free_rate == pytest.approx((1.0001 ** 252) - 1, rel=1e-3)
    hist = rm.expected_returns("mean_historical")
    assert np.isfinite(hist).all()
    with pytest.raises(ValueError):
        rm.expected_returns("oracle")


def test_no_daily_prices_is_a_data_error(priced):
    snap = replace(priced)
    snap.__dict__["prices"] = priced.prices.iloc[:12]  # month-ends only
    with pytest.raises(DataError, match="daily prices"):
        risk_model(["AAA"], snap)


def test_proxy_tables_point_at_priced_funds(snapshot):
    priced = set(snapshot.prices.columns)
    assert set(ASSET_CLASS_PROXIES.values()) <= priced
    assert {p for _, p in CATEGORY_PROXIES} <= priced


def test_bundled_prices_cover_the_default_universe(snapshot):
    from bubbleguard.planner import default_universe

    universe = default_universe(snapshot)
    rm = risk_model([*universe, "NVDA", "QQQ"], snapshot)
    assert not set(rm.proxies) & set(universe)  # every diversifier has its own history
    vol = pd.Series(np.sqrt(np.diag(rm.cov)), index=rm.symbols)
    assert vol["NVDA"] > vol["QQQ"] > vol["BND"] > vol["SGOV"]
    assert 0.1 < vol["QQQ"] < 0.4
