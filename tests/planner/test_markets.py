"""Mainland and Hong Kong accounts: their buy universe, board lots, prices and notes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bubbleguard import rebalance
from bubbleguard.errors import OptimizationError
from bubbleguard.planner import default_universe
from bubbleguard.planner._markets import board_lots, prices_in, qdii_funds, universe_table
from bubbleguard.reference import load_snapshot


@pytest.fixture(scope="module")
def snap():
    return load_snapshot()


def test_one_table_holds_every_market_with_one_fund_per_role():
    table = pd.read_csv("src/bubbleguard/data/universe.csv", dtype=str, keep_default_na=False)
    assert set(table["market"]) == {"us", "cn", "hk"}
    assert not table["symbol"].duplicated().any()
    for market in ("cn", "hk"):
        rows = universe_table(market)
        assert len(rows) == (table["market"] == market).sum()
        assert (rows["lot"].eq("") | rows["lot_source"].ne("")).all()  # every lot has its source


def test_the_mainland_universe_is_a_share_listed_only(snap):
    picked = default_universe(snap, market="cn")
    assert picked == ["510300", "511260", "518880", "511880"]  # broad index, bonds, gold, cash
    classes = snap.securities.loc[picked, "asset_class"].tolist()
    assert classes == ["equity", "bond", "gold", "cash"]
    wider = default_universe(snap, market="cn", core_only=False)
    assert {"513500", "513100", "510500", "563360"} <= set(wider)  # QDII and second sleeves
    assert default_universe(snap, held=["511010", "159934"], market="cn")[1:3] == ["511010", "159934"]
    assert default_universe(snap, market="hk") == ["2800", "2828"]


def test_board_lots_are_100_on_the_mainland_and_per_fund_in_hong_kong():
    lots, unknown = board_lots(["510300", "600519", "CASH"], "cn")
    assert lots.tolist() == [100, 100, 1]
    lots, unknown = board_lots(["2800", "2828", "3033", "3195", "700", "NVDA"], "hk")
    assert lots.tolist() == [500, 200, 200, 1, 1, 1]
    assert unknown == ["3195", "700"]  # NVDA trades in single shares
    assert board_lots(["510300"], "us")[0].tolist() == [1]


def test_prices_are_turned_into_the_portfolio_currency(snap):
    notes: list[str] = []
    cny_per_usd = float(snap.fx.at["CNY", "per_usd"])
    got = prices_in(snap, ["511260", "BND", "NOPE"], "CNY", notes)
    assert got[0] == 135.378  # a CNY close as it is
    assert got[1] == pytest.approx(float(snap.securities.at["BND", "price"]) * cny_per_usd)
    assert np.isnan(got[2])
    assert notes == [f"prices in other currencies converted at the bundled reference rate of "
                     f"{cny_per_usd:g} CNY per USD ({snap.fx.at['CNY', 'date']})"]
    usd = prices_in(snap, ["2800"], "USD", [])
    assert usd[0] == pytest.approx(26.86 / float(snap.fx.at["HKD", "per_usd"]))


def test_qdii_funds_are_the_mainland_listings_of_foreign_indices(snap):
    assert qdii_funds(["513100", "513500", "510300", "QQQ", "511260"], snap) == ["513100", "513500"]


def test_an_unknown_market_is_refused():
    with pytest.raises(OptimizationError, match="Unknown market 'jp'"):
        rebalance({"513100": 1000.0}, market="jp")


def test_a_buy_without_a_price_is_named_not_invented(snap):
    # 563360 (CSI A500) has no sourced close: it is left out, and the plan says so
    book = pd.DataFrame({"symbol": ["513100", "CASH"], "quantity": [40_000, 20_000],
                         "currency": "CNY"})
    plan = rebalance(book, market="cn", universe=["563360", "511260", "518880"], snapshot=snap)
    assert "563360" not in {t.symbol for t in plan.trades}
    assert any("no price in the snapshot for 563360, so the plan does not buy them" in n
               for n in plan.notes)
    assert all(t.lot == 100 and t.shares is not None and t.shares % 100 == 0 for t in plan.trades)


def test_a_usd_account_buying_mainland_funds_pays_converted_prices(snap):
    plan = rebalance({"QQQ": 60_000.0, "CASH": 40_000.0}, market="cn", snapshot=snap)
    rate = float(snap.fx.at["CNY", "per_usd"])
    buys = {t.symbol: t for t in plan.trades if t.side == "buy"}
    assert buys and set(buys) <= set(universe_table("cn")["symbol"])
    for t in buys.values():
        local = float(snap.securities.at[t.symbol, "price"])
        assert t.price == pytest.approx(local / rate) and t.value == pytest.approx(t.shares * t.price)


def test_monthly_buys_of_a_mainland_account_are_whole_lots(snap):
    book = pd.DataFrame({"symbol": ["513100", "CASH"], "quantity": [40_000, 1_000], "currency": "CNY"})
    plan = rebalance(book, market="cn", monthly=20_000, snapshot=snap)
    assert plan.schedule
    steps = [t for m in plan.schedule for t in m.trades]
    assert steps and all(t.lot == 100 and t.shares % 100 == 0 for t in steps)
    for t in plan.trades:  # each month's buys add up to the plan's
        assert sum(s.shares for s in steps if s.symbol == t.symbol) == t.shares
