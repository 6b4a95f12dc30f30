"""Every broker fixture through the whole `check` (and one through `rebalance`), totals by hand.

The expected totals are the sums of the files' own value cells, added up by hand from the
fixtures, not from the parser: a layout that reads a file but cannot check it fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bubbleguard.cli import cli

BROKERS = Path(__file__).parents[1] / "fixtures" / "brokers"
BAD = Path(__file__).parents[1] / "fixtures" / "bad"  # files check refuses, with the reason

# file, extra options, currency, total (sum of the file's values), held symbols after look-up
CASES = [
    ("fidelity_Portfolio_Positions_Jun-30-2025.csv", (), "USD",
     2450.18 + 18958.80 + 22065.60 + 12683.96 + 18186.81 + 12.34, 6),
    ("vanguard_OfxDownload.csv", (), "USD",
     1520.33 + 36470.4 + 10218.69 + 14630.0 + 47446.55 + 1579.9, 6),
    ("schwab_Individual-Positions-2025-06-30-161200.csv", (), "USD",
     8269.50 + 13956.00 + 26500.00 + 6722.00, 4),
    ("schwab_All-Accounts-Positions-2025-06-30.csv", (), "USD",
     31598.00 + 14098.40 + 655.12 + 8804.47 + 1994.86, 5),
    ("robinhood_build_holdings.csv", (), "USD", 2369.85 + 1707.19 + 1704.09 + 429.20, 4),
    ("ibkr_ActivityStatement_U1234567_20250630.csv", ("--fx", "EUR=1.1714", "--fx", "HKD=0.1274"),
     "USD", 8104.8 * 1.1714 + 10660 * 0.1274 + 23698.5 + 13791 + 9059.6 + 6034.8
     + 1200 * 1.1714 + 3721.51, 7),
    ("futu_positions.csv", ("--fx", "HKD=0.1282"), "USD",
     7899.50 + 11032.80 + 2791.20 + (10660 + 51000) * 0.1282, 5),
    ("futu_openapi_position_list_query.csv", ("--fx", "HKD=0.1282"), "USD",
     5516.4 + 51000.0 * 0.1282, 2),
    ("european_semicolon_cp1252.csv", (), "EUR", 1435.00 + 14057.50 + 4612.00 + 354.20, 4),
    # written from public layouts (tests/holdings/broker_layouts.md), totals from its tables
    ("etrade_PortfolioDownload.csv", (), "USD", 7315.0 + 6319.6 + 11032.8 + 7100.375 + 1250.00, 5),
    ("etrade_PortfolioDownload_lots.csv", (), "USD", 4572.45 + 7899.5 + 6958.3675 + 2105.40, 4),
    ("ibkr_flex_open_positions.csv", (), "USD", 10972.5 + 3657.96 + 9479.4 + 8274.6 + 5680.3, 5),
    ("ibkr_flex_open_positions_header_trailer.csv", (), "USD", 6319.6 + 5516.4 + 5680.3, 3),
    ("fidelity_Portfolio_Positions_older_header.csv", (), "USD",
     1204.17 + 11360.60 + 6319.60 + 8046.50, 4),
]
TRANSACTIONS = ["fidelity_transactions_History.csv", "fidelity_transactions_Accounts_History.csv",
                "schwab_transactions_Transactions.csv"]


def check_json(*args: str) -> dict:
    res = CliRunner().invoke(cli, ["check", *args, "-f", "json", "--fail-on", "never"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.mark.parametrize(("name", "options", "currency", "total", "count"), CASES,
                         ids=[c[0] for c in CASES])
def test_every_broker_fixture_is_checked(name, options, currency, total, count):
    report = check_json(str(BROKERS / name), *options)
    assert report["currency"] == currency
    assert report["total_value"] == pytest.approx(total, abs=0.005)
    assert len(report["positions"]) == count
    assert sum(p["market_value"] for p in report["positions"]) == pytest.approx(total, abs=0.005)


@pytest.mark.parametrize("name", ["schwab_Individual-Positions-2025-06-30-161200.csv",
                                  "schwab_All-Accounts-Positions-2025-06-30.csv",
                                  "robinhood_build_holdings.csv"])
def test_instrument_type_words_never_fail_a_file(name):
    report = check_json(str(BROKERS / name))
    assert any("instrument types" in n for n in report["notes"])


def test_cash_type_rows_are_cash_and_fund_types_are_left_to_the_snapshot():
    report = check_json(str(BROKERS / "schwab_All-Accounts-Positions-2025-06-30.csv"))
    classes = {p["symbol"]: p["asset_class"] for p in report["positions"]}
    assert classes["CASH"] == "cash" and classes["SWVXX"] == "cash"
    assert classes["VOO"] == "equity" and classes["NVDA"] == "equity"


def test_futu_openapi_codes_match_the_snapshot():
    report = check_json(str(BROKERS / "futu_openapi_position_list_query.csv"), "--fx", "HKD=0.1282")
    names = {p["symbol"]: p["name"] for p in report["positions"]}
    assert set(names) == {"QQQ", "700"}
    assert "TENCENT" in names["700"].upper()


def test_a_broker_file_goes_through_rebalance_and_its_json_parses():
    res = CliRunner().invoke(cli, ["rebalance", str(BROKERS / "schwab_All-Accounts-Positions-2025-06-30.csv"),
                                   "--whole-shares", "-f", "json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    plan = json.loads(res.stdout)
    before = 31598.00 + 14098.40 + 655.12 + 8804.47 + 1994.86
    assert plan["before"]["total_value"] == pytest.approx(before, abs=0.005)


def test_an_inverted_fx_rate_is_refused_with_the_likely_fix():
    res = CliRunner().invoke(cli, ["check", str(BROKERS / "futu_positions.csv"), "--fx", "HKD=7.8"])
    assert res.exit_code == 2
    assert res.stderr == ("Error: futu_positions.csv: --fx HKD=7.8 is 61x away from the bundled rate "
                          "(0.1282 USD per HKD, standing). Rates are USD per unit of the currency. "
                          "It looks inverted: 7.8 HKD to the dollar is --fx HKD=0.1282.\n")


def test_without_a_rate_the_bundled_reference_rate_converts_and_says_so():
    report = check_json(str(BROKERS / "futu_positions.csv"))
    assert report["total_value"] == pytest.approx(7899.50 + 11032.80 + 2791.20 + (10660 + 51000) / 7.80,
                                                  abs=0.005)
    assert any(n.startswith("HKD converted at the bundled reference rate of 7.8 HKD per USD")
               for n in report["notes"])


def test_a_row_with_neither_quantity_nor_value_is_named_and_the_rest_checks(tmp_path):
    # generic_with_preamble.csv: AAPL on line 10 has no quantity and no value
    source = BAD / "generic_with_preamble.csv"
    res = CliRunner().invoke(cli, ["check", str(source), "-f", "json"])
    assert res.exit_code == 2 and res.stdout == ""
    assert res.stderr == ("Error: generic_with_preamble.csv: 1 problem(s) in the holdings: line 10: AAPL "
                          "has neither a quantity nor a market value; fill in one of them, or delete the "
                          "row if the position is closed. Fix these rows and run again.\n")
    # the same export without that row: the file's own "Totals" row is 17,291.90
    fixed = tmp_path / "generic_with_preamble.csv"
    fixed.write_text("".join(line for line in source.read_text().splitlines(keepends=True)
                             if not line.startswith("AAPL,")))
    report = check_json(str(fixed))
    assert report["currency"] == "USD" and report["layout"] == "generic"
    assert report["total_value"] == pytest.approx(1579.90 + 3489.00 + 2408.00 + 7315.00 + 2500.00, abs=0.005)
    assert report["total_value"] == pytest.approx(17291.90, abs=0.005)
    assert {p["symbol"]: p["asset_class"] for p in report["positions"]} == {
        "NVDA": "equity", "SMH": "equity", "IAU": "gold", "BND": "bond", "CASH": "cash"}


@pytest.mark.parametrize("name", TRANSACTIONS)
def test_a_transactions_history_is_refused_with_the_export_to_download(name):
    res = CliRunner().invoke(cli, ["check", str(BAD / name)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "transactions (activity) history" in res.stderr and "Download your positions" in res.stderr
    assert res.stderr.count("\n") == 1


def test_lot_rows_are_not_counted_twice_and_the_account_is_kept():
    lots = check_json(str(BROKERS / "etrade_PortfolioDownload_lots.csv"))
    assert any("skipped 5 tax-lot detail row(s)" in n for n in lots["notes"])
    plan = CliRunner().invoke(cli, ["rebalance", str(BROKERS / "etrade_PortfolioDownload_lots.csv"),
                                    "-f", "json"])
    holdings = json.loads(plan.stdout)["holdings_after"]
    assert {h["account"] for h in holdings} == {"Rollover IRA -5678"}
    flex = check_json(str(BROKERS / "ibkr_flex_open_positions_header_trailer.csv"))
    assert any("Flex section marker" in n for n in flex["notes"])


def test_the_report_is_in_the_base_currency_asked_for():
    report = check_json(str(BROKERS / "futu_positions.csv"), "--fx", "HKD=0.1282",
                        "--base-currency", "HKD")
    assert report["currency"] == "HKD"
    by_hand = (7899.50 + 11032.80 + 2791.20) / 0.1282 + 10660 + 51000
    assert report["total_value"] == pytest.approx(by_hand, abs=0.01)
    plan = CliRunner().invoke(cli, ["rebalance", str(BROKERS / "futu_positions.csv"), "--fx",
                                    "HKD=0.1282", "--base-currency", "HKD", "-f", "json"])
    assert json.loads(plan.stdout)["currency"] == "HKD"


def test_codes_name_their_market_when_no_currency_is_given(tmp_path):
    one = tmp_path / "a_shares.csv"
    one.write_text("symbol,quantity,market_value\n513100,20000,34980\n600519,10,15200\n",
                   encoding="utf-8")
    report = check_json(str(one))
    assert report["currency"] == "CNY" and report["total_value"] == pytest.approx(50180.0)
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("symbol,quantity,market_value\n513100,20000,34980\n00700,100,51000\n"
                     "QQQ,10,5516.40\n", encoding="utf-8")
    report = check_json(str(mixed), "--fx", "CNY=0.14", "--fx", "HKD=0.128", "--base-currency", "CNY")
    assert report["currency"] == "CNY"
    by_hand = 34980 + 51000 * 0.128 / 0.14 + 5516.40 / 0.14
    assert report["total_value"] == pytest.approx(by_hand, abs=0.01)


def test_a_base_currency_without_a_rate_is_a_clear_error():
    res = CliRunner().invoke(cli, ["check", str(BROKERS / "etrade_PortfolioDownload.csv"),
                                   "--base-currency", "XYZ"])
    assert res.exit_code == 2 and "no exchange rate for XYZ" in res.stderr
    assert "Traceback" not in res.output


MAJOR = ["fidelity_Portfolio_Positions_Jun-30-2025.csv", "schwab_All-Accounts-Positions-2025-06-30.csv",
         "schwab_Individual-Positions-2025-06-30-161200.csv", "vanguard_OfxDownload.csv",
         "etrade_PortfolioDownload.csv", "ibkr_flex_open_positions.csv", "robinhood_build_holdings.csv"]
DISCLAIMER = ("\n\n\"The data and information in this spreadsheet is provided to you solely for your "
              "use and is not for distribution.\"\n\"Date downloaded 06/30/2025 4:15 PM ET\"\n")


def _variant(text: str, kind: str) -> bytes:
    if kind == "bom-crlf":
        return ("\ufeff" + text.replace("\r\n", "\n").replace("\n", "\r\n")).encode("utf-8")
    if kind == "footer":
        return (text.rstrip("\n") + DISCLAIMER).encode("utf-8")
    lines = text.splitlines(keepends=True)  # "lower-case header": every line naming the columns
    return "".join(line.lower() if "quantity" in line.lower() else line for line in lines).encode()


@pytest.mark.parametrize("kind", ["bom-crlf", "footer", "lower-case-header"])
@pytest.mark.parametrize("name", MAJOR)
def test_variants_of_each_major_broker_give_the_same_total(tmp_path, name, kind):
    case = next(c for c in CASES if c[0] == name)
    text = (BROKERS / name).read_bytes().decode("utf-8-sig")
    path = tmp_path / name
    path.write_bytes(_variant(text, kind))
    report = check_json(str(path), *case[1])
    assert report["total_value"] == pytest.approx(case[3], abs=0.005)
    assert len(report["positions"]) == case[4]


def test_a_mainland_export_with_dangqian_chicang_is_read_in_cny(tmp_path):
    path = tmp_path / "银河持仓.csv"  # 银河-style columns, GBK as the clients write them
    path.write_bytes("证券代码,证券名称,当前持仓,可用余额,最新价,最新市值\n"
                     "513100,纳指ETF,20000,20000,1.749,34980.00\n"
                     "510300,沪深300ETF,5000,5000,3.912,19560.00\n".encode("gbk"))
    report = check_json(str(path))
    assert report["layout"] == "cn_broker" and report["currency"] == "CNY"
    assert report["total_value"] == pytest.approx(34980.00 + 19560.00)
