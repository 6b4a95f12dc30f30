"""A mainland investor's QDII and A-share diversifier funds are known, classed and looked through."""

from __future__ import annotations

import pandas as pd
import pytest

import bubbleguard
from bubbleguard import check

NASDAQ100_QDII = ["513100", "159941", "159632", "513300", "159513", "160213", "159501", "513390",
                  "159696", "161130", "270042", "040046"]
SP500_QDII = ["513500", "050025", "159612", "513650", "159655"]


@pytest.mark.parametrize("code", NASDAQ100_QDII)
def test_nasdaq100_qdii_funds_look_through_like_qqq(code):
    qqq = check({"QQQ": 1.0}).exposures.themes
    assert check({code: 1.0}).exposures.themes == pytest.approx(qqq, abs=1e-12)


@pytest.mark.parametrize("code", SP500_QDII)
def test_sp500_qdii_funds_look_through_like_ivv(code):
    ivv = check({"IVV": 1.0}).exposures.themes
    assert check({code: 1.0}).exposures.themes == pytest.approx(ivv, abs=1e-12)


def test_a_share_diversifiers_are_their_asset_classes(tmp_path):
    holdings = tmp_path / "持仓.csv"
    holdings.write_text("symbol,market_value,currency\n513100,50000,CNY\n159941,30000,CNY\n"
                        "511010,20000,CNY\n518880,10000,CNY\n511880,5000,CNY\n510300,20000,CNY\n",
                        encoding="utf-8")
    report = check(holdings)
    assert report.currency == "CNY" and report.total_value == 135000
    assert report.exposures.asset_classes == pytest.approx(
        {"equity": 100000 / 135000, "bond": 20000 / 135000, "gold": 10000 / 135000,
         "cash": 5000 / 135000})
    assert not [f for f in report.findings if f.code == "unknown_symbol"]
    # the CSI 300 fund itemises its index's top 10 only: the rest is shown as unresolved, never dropped
    assert {u.symbol for u in report.exposures.unresolved if u.weight > 0.01} == {"510300"}


def test_money_market_etfs_are_funds_priced_as_funds():
    sec = bubbleguard.load_snapshot().securities
    assert sec.at["511880", "kind"] == "fund" and sec.at["511880", "asset_class"] == "cash"
    assert sec.at["3195", "tracks"] == "IVV"


def test_index_etfs_look_through_their_index_top_10():
    """510300 and 159919 hold the CSI 300's top 10 (22.03% on 2025-08-05), 159819 the CSI AI Theme's."""
    csi300 = check({"510300": 100_000.0})
    assert sum(u.weight for u in csi300.exposures.unresolved) == pytest.approx(1 - 0.2203, abs=1e-9)
    moutai = next(i for i in csi300.exposures.issuers if i.issuer_id == "600519")
    assert moutai.weight == pytest.approx(0.0413, abs=1e-12)
    assert check({"159919": 1.0}).exposures.issuers == csi300.exposures.issuers
    ai_fund = check({"159819": 1.0})
    weights = {i.issuer_id: i.weight for i in ai_fund.exposures.issuers}
    assert weights["688256"] == pytest.approx(0.072) and weights["300308"] == pytest.approx(0.0482)
    unresolved = sum(u.weight for u in ai_fund.exposures.unresolved)
    assert unresolved == pytest.approx(1 - 0.5014, abs=1e-9)
    assert sum(weights.values()) + unresolved == pytest.approx(1.0, abs=1e-12)
    funds = bubbleguard.load_snapshot().funds
    assert funds.at["159819", "coverage"] == "top10" and funds.at["159819", "as_of"] == "2025-04-01"


def test_mainland_and_hong_kong_closes_are_the_sourced_ones_with_their_dates():
    from bubbleguard.reference import load_snapshot

    closes = pd.read_csv("snapshot/research/china/prices/closes.csv", dtype=str, keep_default_na=False)
    sec = load_snapshot().securities
    priced = closes[(closes["close"] != "") & closes["symbol"].isin(sec.index)]
    assert len(priced) == 16  # 3188 is not in the snapshot, 3033 has no close
    for row in priced.itertuples():
        assert float(sec.at[row.symbol, "price"]) == float(row.close), row.symbol
        assert sec.at[row.symbol, "price_date"] == row.date
        assert sec.at[row.symbol, "price_currency"] == row.currency
    assert sec.at["3033", "price"] == "" and sec.at["3033", "price_currency"] == ""
    us = sec[(sec["price"] != "") & ~sec.index.isin(priced["symbol"])]
    assert set(us["price_currency"]) == {"USD"}


def test_mainland_daily_histories_are_in_the_prices_on_their_own_dates():
    from bubbleguard.reference import load_snapshot

    prices = load_snapshot().prices
    for code in ("510300", "511260", "513100", "518880"):
        raw = pd.read_csv(f"snapshot/research/china/prices/history/{code}.csv", index_col="date",
                          parse_dates=["date"])["close"]
        both = prices[code].dropna().index.intersection(raw.index)
        assert len(both) > 1000
        assert (prices.loc[both, code] - raw[both]).abs().max() < 5e-4, code
        assert prices[code].last_valid_index() == raw.index[-1]
    assert "511990" not in prices  # a money-market ETF's price is no return series
