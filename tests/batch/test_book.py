"""Reading a book: missing columns are errors; rows check would refuse become account notes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bubbleguard
from bubbleguard import HoldingsError
from bubbleguard.batch import check_accounts, read_accounts, read_book


def test_no_account_column_is_one_clear_error(snapshot):
    frame = pd.DataFrame({"symbol": ["VOO"], "market_value": [1.0]})
    with pytest.raises(HoldingsError) as err:
        read_book(frame, snapshot, "book.csv")
    text = str(err.value)
    assert text.startswith("book.csv: no account column (found: symbol, market_value).")
    assert "add an 'account' column" in text and "bubbleguard check book.csv" in text


@pytest.mark.parametrize(("columns", "words"), [
    ({"account": ["a"], "market_value": [1.0]}, "no symbol column"),
    ({"account": ["a"], "symbol": ["VOO"]}, "neither a quantity nor a market_value column"),
])
def test_other_missing_columns(snapshot, columns, words):
    with pytest.raises(HoldingsError, match=words):
        read_book(pd.DataFrame(columns), snapshot)


def test_rows_without_an_account_are_an_error(snapshot):
    with pytest.raises(HoldingsError, match=r"1 row\(s\) without an account \(row 2\)"):
        read_book(pd.DataFrame({"account": ["a", None], "symbol": ["VOO", "BND"],
                                "market_value": [1.0, 2.0]}), snapshot)


def test_currencies_per_account_as_check_converts_them(snapshot):
    """One currency: kept; mixed with rates: USD, as check; mixed without a rate: a note."""
    frame = pd.DataFrame({
        "account": ["eur", "eur", "mix", "mix", "mix", "bad", "bad", "usd"],
        "symbol": ["VOO", "BND", "VOO", "0700.HK", "BND", "VOO", "BND", "GLD"],
        "market_value": [100.0, 50.0, 1000.0, 8000.0, 500.0, 10.0, 20.0, 30.0],
        "currency": ["EUR", "eur", "USD", "", "CNY", "USD", "XYZ", None]})
    out = check_accounts(frame, snapshot=snapshot, fx={"CNY": 0.14}).set_index("account")
    assert out["currency"].astype(str).to_dict() == {"eur": "EUR", "mix": "USD", "bad": "USD",
                                                     "usd": "USD"}
    assert out.loc["eur", "total_value"] == 150.0
    for account in ("eur", "mix"):
        rows = frame[frame["account"] == account].drop(columns="account")
        report = bubbleguard.check(rows, snapshot=snapshot, fx={"CNY": 0.14})
        assert out.loc[account, "total_value"] == pytest.approx(report.total_value, rel=1e-12)
        assert out.loc[account, "ai"] == pytest.approx(report.exposures.themes["ai"], rel=1e-9)
    note = out.loc["bad", "notes"]
    assert "several currencies (USD, XYZ)" in note and "no exchange rate for XYZ" in note
    assert "--fx XYZ=RATE" in note and np.isnan(out.loc["bad", "ai"])
    assert out.loc["usd", "codes"] != "" and out.loc["usd", "notes"] == ""


def test_rows_check_would_refuse_are_notes_not_a_crash(snapshot):
    frame = pd.DataFrame({
        "Account": ["a", "a", "b", "b", "c", "d"],
        "Ticker": ["VOO", "BND", "QQQ", "NOPRICE", "VOO", ""],
        "Market Value": [100.0, np.nan, -5.0, np.nan, "n/a", 3.0],
        "Quantity": [np.nan, np.nan, np.nan, 2.0, np.nan, np.nan]})
    out = check_accounts(frame, snapshot=snapshot).set_index("account")
    assert out.loc["a", "total_value"] == 100.0
    assert "row 2 (BND) left out: neither a quantity nor a market value" in out.loc["a", "notes"]
    assert "row 3 (QQQ) left out: a negative quantity" in out.loc["b", "notes"]
    assert "row 4 (NOPRICE) left out: no price" in out.loc["b", "notes"]
    assert "not a number" in out.loc["c", "notes"]
    assert "the symbol is empty" in out.loc["d", "notes"]
    for acct in "bcd":  # nothing left: worth nothing, not checked, no findings
        assert np.isnan(out.loc[acct, "ai"]) and out.loc[acct, "codes"] == ""
        assert "worth nothing" in out.loc[acct, "notes"]


def test_duplicate_symbols_in_an_account_are_summed(snapshot):
    frame = pd.DataFrame({"account": ["a", "a", "a"], "symbol": ["voo", "VOO ", "BND"],
                          "market_value": [100.0, 50.0, 150.0]})
    out = check_accounts(frame, snapshot=snapshot)
    assert out.loc[0, "positions"] == 2 and out.loc[0, "total_value"] == 300.0
    assert out.loc[0, "bond"] == pytest.approx(0.5)


def test_read_accounts_keeps_account_text_and_reads_parquet(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text("account,symbol,market_value\n007,VOO,10\n007,BND,5\n")
    frame = read_accounts(path)
    assert frame["account"].tolist() == ["007", "007"]
    frame.to_parquet(tmp_path / "book.parquet")
    assert read_accounts(tmp_path / "book.parquet")["account"].tolist() == ["007", "007"]
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(HoldingsError, match="cannot be read as a Parquet file"):
        read_accounts(tmp_path / "bad.parquet")



@pytest.mark.parametrize(("block", "dense"), [(7, 8), (5, 0)], ids=["small-blocks", "sorted-sums"])
def test_blocks_and_row_order_do_not_change_the_result(snapshot, monkeypatch, block, dense):
    from bubbleguard.batch import _book

    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"account": rng.choice(list("abcdefgh"), 60),
                          "symbol": rng.choice(["VOO", "BND", "QQQ", "CASH", "NOPE", ""], 60),
                          "market_value": rng.choice([100.0, 0.0, -1.0, np.nan], 60),
                          "quantity": rng.choice([2.0, np.nan], 60)})
    whole = check_accounts(frame, snapshot=snapshot)
    book = read_book(frame, snapshot)
    monkeypatch.setattr(_book, "BLOCK_ROWS", block)
    monkeypatch.setattr(_book, "DENSE_PER_ROW", dense)
    pd.testing.assert_frame_equal(check_accounts(frame, snapshot=snapshot), whole)
    again = read_book(frame, snapshot)  # not grouped by account: read through a sort, same book
    assert (again.values != book.values).nnz == 0 and (again.order != book.order).nnz == 0
    assert again.notes == book.notes
    grouped = frame.sort_values("account", kind="stable").reset_index(drop=True)
    out = check_accounts(grouped, snapshot=snapshot).set_index("account").loc[whole["account"]]
    pd.testing.assert_frame_equal(out.drop(columns="notes").reset_index(),
                                  whole.drop(columns="notes"))


def test_a_base_currency_values_every_account_as_load_holdings_does(snapshot):
    frame = pd.DataFrame({
        "account": ["usd", "mix", "mix", "cny", "xyz"],
        "symbol": ["VOO", "VOO", "513100", "513500", "BND"],
        "market_value": [1000.0, 1000.0, 7000.0, 7100.0, 50.0],
        "currency": ["USD", "USD", "CNY", "CNY", "XYZ"]})
    book = read_book(frame, snapshot, fx={"CNY": 0.14}, base_currency="cny")
    assert list(book.currency.astype(str)) == ["CNY"] * 4
    total = dict(zip(book.accounts, np.asarray(book.values.sum(axis=1)).ravel(), strict=True))
    for account in ("usd", "mix", "cny"):
        rows = frame[frame["account"] == account].drop(columns="account")
        alone = bubbleguard.load_holdings(rows, snapshot=snapshot, fx={"CNY": 0.14},
                                          base_currency="CNY")
        assert total[account] == pytest.approx(alone.positions["market_value"].sum(), rel=1e-12)
    assert total["xyz"] == 0.0
    assert book.notes[3] == ["not checked: the positions are in XYZ, asked for in CNY, and there is "
                             "no exchange rate for XYZ; give --fx XYZ=RATE (USD per XYZ)"]
    with pytest.raises(HoldingsError, match="asked for in EUR and there is no exchange rate"):
        read_book(frame, snapshot, base_currency="EUR")


def test_gains_are_the_rows_unrealised_gains_where_the_cost_basis_is_known(snapshot):
    frame = pd.DataFrame({"account": ["a", "a", "a", "b"], "symbol": ["VOO", "VOO", "BND", "VOO"],
                          "market_value": [100.0, 50.0, 80.0, 10.0],
                          "cost_basis": [60.0, None, 90.0, "x"]})
    book = read_book(frame, snapshot)
    gains = pd.DataFrame(book.gains.toarray(), index=book.accounts, columns=book.symbols)
    # VOO in a: 40 of gain and a row without a basis; BND at a loss; b's basis is not a number
    assert gains.loc["a"].to_dict() == {"VOO": 40.0, "BND": 0.0}
    assert gains.loc["b", "VOO"] == 0.0
    assert read_book(frame.drop(columns="cost_basis"), snapshot).gains is None
