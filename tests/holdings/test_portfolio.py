"""Holdings input: files, DataFrames and dicts; every problem reported with its row."""

from __future__ import annotations

import pandas as pd
import pytest

from bubbleguard import HoldingsError, load_holdings


def write(tmp_path, text, name="h.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_text(text, encoding=encoding)
    return p


def test_dict_of_weights(tiny):
    pf = load_holdings({"AAA": 0.6, "BONDF": 0.4}, snapshot=tiny)
    assert pf.total_value == pytest.approx(1.0)
    assert list(pf.positions["symbol"]) == ["AAA", "BONDF"]
    assert pf.source == "dict"


def test_quantity_priced_from_price_column_then_snapshot(tmp_path, tiny):
    p = write(tmp_path, "symbol,quantity,price\nAAA,10,\nBBB,4,55\nCASH,250,\n")
    pf = load_holdings(p, snapshot=tiny)
    pos = pf.positions.set_index("symbol")
    assert pos.loc["AAA", "market_value"] == 1000.0  # snapshot price 100
    assert pos.loc["AAA", "value_source"] == "snapshot price 2026-08-03"
    assert pos.loc["BBB", "market_value"] == 220.0 and pos.loc["BBB", "value_source"] == "price"
    assert pos.loc["CASH", "market_value"] == 250.0


def test_duplicate_symbols_kept_apart_and_summed(tmp_path, tiny):
    p = write(tmp_path, "account,symbol,market_value\nIRA,AAA,100\nTaxable,AAA,50\nIRA,CASH,10\n")
    pf = load_holdings(p, snapshot=tiny)
    assert len(pf.positions) == 3
    assert pf.values().to_dict() == {"AAA": 150.0, "CASH": 10.0}


def test_every_problem_is_reported_with_its_line(tmp_path, tiny):
    p = write(tmp_path, "symbol,quantity,market_value\nAAA,-3,\nBBB,abc,\nnan,5,10\nCCC,2,\n")
    with pytest.raises(HoldingsError) as err:
        load_holdings(p, snapshot=tiny)
    problems = err.value.problems
    assert "line 2: quantity '-3' is negative; short positions are not supported" in problems
    assert "line 3: quantity 'abc' is not a number" in problems
    assert "line 4: the symbol is empty; fill it in or delete the row" in problems
    assert any(p.startswith("line 5: no price for CCC") for p in problems)
    assert len(problems) == 4
    assert str(err.value).startswith("h.csv: 4 problem(s) in the holdings")
    assert "\n" not in str(err.value)


def test_rows_without_symbol_are_never_lost_silently(tmp_path, tiny):
    p = write(tmp_path, "symbol,market_value\nAAA,100\n,5\n")
    with pytest.raises(HoldingsError, match=r"line\(s\) 3 hold a quantity or value but no symbol"):
        load_holdings(p, snapshot=tiny)


def test_nan_values_in_a_dataframe(tiny):
    df = pd.DataFrame({"Symbol": ["AAA", "BBB"], "Market Value": [100.0, float("nan")]})
    with pytest.raises(HoldingsError, match="row 2: BBB has neither a quantity nor a market value"):
        load_holdings(df, snapshot=tiny)


def test_missing_columns_and_empty_input(tiny):
    with pytest.raises(HoldingsError, match="no symbol column"):
        load_holdings(pd.DataFrame({"ticker_x": ["A"], "market_value": [1]}), snapshot=tiny)
    with pytest.raises(HoldingsError, match="neither a quantity nor a market_value column"):
        load_holdings(pd.DataFrame({"symbol": ["AAA"]}), snapshot=tiny)
    with pytest.raises(HoldingsError, match="no positions found"):
        load_holdings(pd.DataFrame({"symbol": [], "market_value": []}), snapshot=tiny)
    with pytest.raises(HoldingsError, match="worth nothing"):
        load_holdings({"AAA": 0.0}, snapshot=tiny)


def test_bad_asset_class_and_wrong_type(tiny):
    df = pd.DataFrame({"symbol": ["XYZ"], "market_value": [1], "asset_class": ["stonks"]})
    with pytest.raises(HoldingsError, match="asset_class 'stonks' is not one of"):
        load_holdings(df, snapshot=tiny)
    with pytest.raises(HoldingsError, match="Cannot read holdings from a int"):
        load_holdings(42, snapshot=tiny)  # type: ignore[arg-type]


def test_mixed_currencies_need_rates(tiny):
    df = pd.DataFrame({"symbol": ["AAA", "BBB"], "market_value": [100, 700], "currency": ["USD", "CNY"]})
    with pytest.raises(HoldingsError, match="no exchange rate for EUR"):
        load_holdings(df.assign(currency=["USD", "EUR"]), snapshot=tiny)
    bundled = load_holdings(df, snapshot=tiny)  # CNY has a bundled, dated reference rate
    per_usd = tiny.fx.at["CNY", "per_usd"]
    assert bundled.values()["BBB"] == pytest.approx(700 / per_usd)
    assert any(n.startswith("CNY converted at the bundled reference rate") for n in bundled.notes)
    with pytest.raises(HoldingsError, match="It looks inverted"):
        load_holdings(df, snapshot=tiny, fx={"CNY": 7.1})
    pf = load_holdings(df, snapshot=tiny, fx={"CNY": 0.14})
    assert pf.values().to_dict() == pytest.approx({"AAA": 100.0, "BBB": 98.0})
    one = load_holdings(df.assign(currency="CNY"), snapshot=tiny)
    assert one.currency == "CNY" and one.total_value == 800


def test_symbols_are_normalised(tiny):
    pf = load_holdings({" aaa ": 1.0, "SPAXX**": 1.0, "brk/b": 1.0}, snapshot=tiny)
    assert list(pf.positions["symbol"]) == ["AAA", "SPAXX", "BRK.B"]


def test_european_semicolon_file_with_bom(tmp_path, tiny):
    p = tmp_path / "eu.csv"
    p.write_bytes("Symbol;Quantity;Market Value\nAAA;1;1.234,50\n".encode("utf-8-sig"))
    pf = load_holdings(p, snapshot=tiny)
    assert pf.total_value == pytest.approx(1234.5)


def test_utf16_export(tmp_path, tiny):
    p = tmp_path / "u16.txt"
    p.write_text("Symbol\tMarket Value\nAAA\t100\nBBB\t50\n", encoding="utf-16")
    assert load_holdings(p, snapshot=tiny).total_value == 150.0


def test_locked_column(tiny):
    df = pd.DataFrame({"symbol": ["AAA", "BBB"], "market_value": [1, 1], "locked": ["yes", ""]})
    assert list(load_holdings(df, snapshot=tiny).positions["locked"]) == [True, False]


def test_optimiser_weights_as_dict_or_series(tiny):
    # PyPortfolioOpt's min_volatility() leaves rounding such as -1.55e-05 behind
    pf = load_holdings({"AAA": 0.6, "BBB": 0.4 + 1.55e-05, "CCC": -1.55e-05}, snapshot=tiny)
    assert pf.values()["CCC"] == 0.0
    assert any("read as solver noise and set to 0: CCC" in n for n in pf.notes)
    series = load_holdings(pd.Series({"AAA": 0.5, "BBB": 0.4}), snapshot=tiny)
    assert series.source == "Series" and series.total_value == pytest.approx(0.9)
    assert any(n.startswith("the weights add up to 0.9, not 1; they are kept as given") for n in series.notes)
    with pytest.raises(HoldingsError, match="is negative"):
        load_holdings({"AAA": 1.0, "BBB": -0.1}, snapshot=tiny)
    assert not load_holdings({"AAA": 1000.0, "BBB": 2000.0}, snapshot=tiny).notes  # values, not weights


@pytest.mark.parametrize("rate", [float("nan"), float("inf"), 0.0, -1.0, 1e300, 1e-308])
def test_an_exchange_rate_that_cannot_be_right_is_refused(tiny, rate):
    df = pd.DataFrame({"symbol": ["AAA", "BBB"], "market_value": [100, 700], "currency": ["USD", "XYZ"]})
    with pytest.raises(HoldingsError, match=r"the exchange rate\(s\) XYZ=\S+ cannot be right: a rate is USD"):
        load_holdings(df, snapshot=tiny, fx={"XYZ": rate})


def test_a_value_beyond_the_bound_after_conversion_is_refused(tiny):
    df = pd.DataFrame({"symbol": ["AAA", "BBB"], "market_value": [100, 1e8], "currency": ["USD", "XYZ"]})
    with pytest.raises(HoldingsError, match=r"BBB would be worth more than 1e\+15 USD"):
        load_holdings(df, snapshot=tiny, fx={"XYZ": 1e8})


def test_an_overflowing_quantity_times_price_is_an_error_without_a_warning(tiny):
    import warnings

    df = pd.DataFrame({"symbol": ["AAA"], "quantity": [1e200], "price": [1e200]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(HoldingsError, match="AAA is worth more than 1e"):
            load_holdings(df, snapshot=tiny)
        with pytest.raises(HoldingsError, match="quantity '1e[+]?308' is beyond 1e"):
            load_holdings(pd.DataFrame({"symbol": ["AAA"], "quantity": [1e308]}), snapshot=tiny)
