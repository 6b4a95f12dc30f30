"""Replays in the investor's currency: the USD/CNY (or HKD) move where the FX history has it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from bubbleguard.reference import load_snapshot
from bubbleguard.scenarios import run_scenarios
from bubbleguard.scenarios._fx import fx_move, series_currency


@pytest.fixture(scope="module")
def snap():
    return load_snapshot()


def _ret(snap, symbol, start, end):
    p = snap.prices[symbol]
    return float(p[pd.Timestamp(end)] / p[pd.Timestamp(start)] - 1)


def test_the_fx_history_is_fred_s_on_the_price_dates(snap):
    hist = snap.fx_history
    assert hist.at[pd.Timestamp("2022-01-03"), "CNY"] == 6.355   # DEXCHUS
    assert hist.at[pd.Timestamp("2022-10-12"), "CNY"] == 7.172
    assert hist.at[pd.Timestamp("2007-10-09"), "HKD"] == 7.7604  # DEXHKUS
    assert set(hist.index) <= set(snap.prices.index)
    assert snap.manifest["tables"]["fx_history.csv"]["range"]["CNY"] == ["1981-01-30", "2025-05-09"]


def test_series_currency_follows_the_listing():
    assert series_currency("QQQ") == "USD" and series_currency("513100") == "CNY"
    assert series_currency("sourced") == "USD" and series_currency("") == ""


def test_a_usd_series_is_translated_at_the_window_s_rates(snap):
    move = fx_move(snap, "CNY", dt.date(2022, 1, 3), dt.date(2022, 10, 12), {"USD", "CNY", ""})
    assert move.currency == "CNY"
    assert move.factors == {"USD": pytest.approx(7.172 / 6.355)}  # the yuan fell 12.86%
    assert "CNY per USD moved from 6.3550 to 7.1720 (+12.86%)" in move.notes[0]
    usd_base = fx_move(snap, "USD", dt.date(2022, 1, 3), dt.date(2022, 10, 12), {"CNY"})
    assert usd_base.factors == {"CNY": pytest.approx(6.355 / 7.172)}


def test_a_window_beyond_the_history_is_a_usd_return(snap):
    move = fx_move(snap, "CNY", dt.date(2025, 11, 3), dt.date(2025, 11, 7), {"USD"})
    assert move.currency == "USD" and move.factors == {}
    assert move.notes[0].startswith("USD return: no exchange-rate move applied (the snapshot's CNY per "
                                    "USD history runs 1981-01-30 to 2025-05-09)")


def test_replays_of_a_cny_portfolio_apply_the_usd_cny_move(snap):
    book = pd.DataFrame({"symbol": ["QQQ", "CASH"], "market_value": [70_000.0, 30_000.0],
                         "currency": "CNY"})
    res = run_scenarios(book, ["bear-2022", "ai-selloff-2025-11", "ai-unwind"], snapshot=snap)
    bear = res["bear-2022"]
    qqq = _ret(snap, "QQQ", "2022-01-03", "2022-10-12")
    expected = 0.7 * ((1 + qqq) * 7.172 / 6.355 - 1)  # cash in CNY does not move
    assert bear.currency == "CNY" and bear.return_ == pytest.approx(expected)
    assert bear.value_change == pytest.approx(expected * 100_000)
    late = res["ai-selloff-2025-11"]
    assert late.currency == "USD"
    assert late.return_ == pytest.approx(0.7 * _ret(snap, "QQQ", "2025-11-03", "2025-11-07"))
    assert any(n.startswith("USD return") for n in late.notes)
    shock = res["ai-unwind"]
    assert shock.currency == "CNY" and any("exchange rates unchanged" in n for n in shock.notes)


def test_mainland_prices_need_no_translation_for_a_cny_investor(snap):
    res = run_scenarios(pd.DataFrame({"symbol": ["513100"], "quantity": [10_000], "currency": "CNY"}),
                        ["bear-2022"], snapshot=snap)
    bear = res["bear-2022"]
    assert bear.proxies["513100"] == "own prices" and bear.currency == "CNY" and not bear.notes
    assert bear.return_ == pytest.approx(_ret(snap, "513100", "2022-01-03", "2022-10-12"))


def test_usd_portfolios_keep_their_results(snap):
    res = run_scenarios({"QQQ": 1.0}, ["bear-2022"], snapshot=snap)
    assert res["bear-2022"].currency == "USD" and res["bear-2022"].notes == []
    assert res["bear-2022"].return_ == pytest.approx(_ret(snap, "QQQ", "2022-01-03", "2022-10-12"))


def test_the_currency_notes_speak_chinese(snap):
    from bubbleguard.i18n import language

    book = pd.DataFrame({"symbol": ["QQQ"], "market_value": [1_000.0], "currency": "CNY"})
    with language("zh"):
        res = run_scenarios(book, ["bear-2022", "ai-selloff-2025-11"], snapshot=snap)
    assert "以CNY计：区间内 1 USD 兑 CNY 从 6.3550 变为 7.1720（+12.86%）" in res["bear-2022"].notes[0]
    assert res["ai-selloff-2025-11"].notes[0].startswith("美元收益：未计汇率变动")
