"""Tests for bubbleguard.holdings._files: holdings files (broker exports, encodings, bad files) in."""
# ruff: noqa: D103

from __future__ import annotations

import codecs
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import money

from bubbleguard.errors import HoldingsError
from bubbleguard.holdings import BROKERS, BrokerFormat, RawHoldings, parse_number, read_holdings_file

FIXTURES = Path(__file__).parents[1] / "fixtures"
BROKER_FILES = FIXTURES / "brokers"
BAD_FILES = FIXTURES / "bad"


def column(raw: RawHoldings, name: str) -> list[str]:
    return raw.frame[name].tolist()


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "holdings.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- broker fixtures ---------------------------------------------------------------------------


def test_fidelity_positions_export() -> None:
    raw = read_holdings_file(BROKER_FILES / "fidelity_Portfolio_Positions_Jun-30-2025.csv")
    assert raw.format == "fidelity"
    assert raw.source == "fidelity_Portfolio_Positions_Jun-30-2025.csv"
    assert column(raw, "symbol") == ["SPAXX", "NVDA", "QQQ", "MSFT", "FXAIX", "FCASH"]
    assert column(raw, "quantity") == ["", "120", "40", "25.5", "85.312", ""]
    assert column(raw, "market_value") == [
        "$2450.18", "$18958.80", "$22065.60", "$12683.96", "$18186.81", "$12.34"]
    assert column(raw, "account") == ["Z12345678"] * 4 + ["238765432"] * 2
    assert column(raw, "cost_basis") == ["", "$9000.00", "$18000.00", "--", "$15000.00", ""]
    assert column(raw, "description")[1] == "NVIDIA CORPORATION COM"
    assert raw.lines == [2, 3, 4, 5, 7, 8]  # line 6 is "Pending Activity"
    assert "skipped 3 footer line(s) after line 8" in raw.notes
    assert "skipped total/pending row(s) on line(s) 6" in raw.notes
    assert raw.decimal == "."


def test_schwab_single_account_export() -> None:
    raw = read_holdings_file(BROKER_FILES / "schwab_Individual-Positions-2025-06-30-161200.csv")
    assert raw.format == "schwab"
    assert column(raw, "symbol") == ["AVGO", "SMH", "SCHD", "CASH"]
    assert column(raw, "quantity") == ["30", "50", "1,000", "--"]
    assert column(raw, "market_value") == ["$8,269.50", "$13,956.00", "$26,500.00", "$6,722.00"]
    assert set(column(raw, "account")) == {"Individual ...123"}
    assert column(raw, "instrument_type")[3] == "Cash and Money Market"
    assert raw.lines == [4, 5, 6, 7]
    assert "skipped total/pending row(s) on line(s) 8" in raw.notes  # "Positions Total"


def test_schwab_all_accounts_export_has_one_section_per_account() -> None:
    raw = read_holdings_file(BROKER_FILES / "schwab_All-Accounts-Positions-2025-06-30.csv")
    assert raw.format == "schwab"
    assert column(raw, "symbol") == ["NVDA", "GOOGL", "CASH", "VOO", "SWVXX"]
    assert column(raw, "quantity") == ["200", "80", "--", "15.5", "1,994.86"]
    assert column(raw, "market_value") == [
        "$31,598.00", "$14,098.40", "$655.12", "$8,804.47", "$1,994.86"]
    assert column(raw, "account") == ["Individual XXXX-1111"] * 3 + [
        "Roth Contributory IRA XXXX-2222"] * 2
    assert raw.lines == [5, 6, 7, 12, 13]
    assert "skipped total/pending row(s) on line(s) 8, 14" in raw.notes


def test_vanguard_download_ignores_the_transactions_section() -> None:
    raw = read_holdings_file(BROKER_FILES / "vanguard_OfxDownload.csv")
    assert raw.format == "vanguard"
    assert column(raw, "symbol") == ["VMFXX", "VTI", "VGT", "BND", "VFIFX", "NVDA"]
    assert column(raw, "quantity") == [
        "1520.33", "120.0000", "15.5000", "200.0000", "812.441", "10.0000"]
    assert column(raw, "market_value") == [
        "1520.33", "36470.4", "10218.69", "14630.0", "47446.55", "1579.9"]
    assert column(raw, "account") == ["12345678"] * 4 + ["87654321"] * 2
    assert column(raw, "name")[4] == "VANGUARD TARGET RETIREMENT 2050 FUND"
    assert raw.lines == [3, 4, 5, 6, 7, 8]
    assert "skipped 4 footer line(s) after line 8" in raw.notes


def test_ibkr_activity_statement_multi_currency() -> None:
    raw = read_holdings_file(BROKER_FILES / "ibkr_ActivityStatement_U1234567_20250630.csv")
    assert raw.format == "ibkr"
    assert column(raw, "symbol") == ["ASML", "3033", "NVDA", "QQQ", "TSM", "SGOV", "CASH", "CASH"]
    assert column(raw, "currency") == ["EUR", "HKD", "USD", "USD", "USD", "USD", "EUR", "USD"]
    assert column(raw, "quantity") == ["12", "2,000", "150", "25", "40", "60", "", ""]
    assert column(raw, "market_value") == [
        "8104.8", "10660", "23698.5", "13791", "9059.6", "6034.8", "1200", "3721.51"]
    assert column(raw, "cost_basis")[:3] == ["7179", "8200", "14718"]
    assert set(column(raw, "account")) == {"U1234567"}
    assert column(raw, "description")[1] == "CSOP HANG SENG TECH INDEX ETF"
    assert raw.lines == [26, 29, 32, 33, 34, 35, 22, 24]
    assert any("total row(s) on line(s) 27, 28, 30, 31, 36, 37" in n for n in raw.notes)


def test_ibkr_consolidated_statement_keeps_accounts_and_drops_lots(tmp_path: Path) -> None:
    text = (
        "Statement,Header,Field Name,Field Value\n"
        "Statement,Data,Title,Activity Statement\n"
        "Open Positions,Header,DataDiscriminator,Account,Asset Category,Currency,Symbol,"
        "Quantity,Mult,Cost Price,Cost Basis,Close Price,Value,Unrealized P/L,Code\n"
        "Open Positions,Data,Summary,U1111111,Stocks,USD,AMD,10,1,100,1000,138.5,1385,385,\n"
        'Open Positions,Data,Lot,U1111111,Stocks,USD,AMD,"2024-03-01, 10:00:00",10,1,100,1000,'
        "138.5,1385,385,LT\n"
        "Open Positions,Data,Summary,U2222222,Stocks,USD,AMD,5,1,120,600,138.5,692.5,92.5,\n"
        "Open Positions,Total,,,Stocks,USD,,,,,1600,,2077.5,477.5,\n"
    )
    raw = read_holdings_file(write(tmp_path, text))
    assert column(raw, "symbol") == ["AMD", "AMD"]
    assert column(raw, "account") == ["U1111111", "U2222222"]
    assert column(raw, "quantity") == ["10", "5"]
    assert raw.lines == [4, 6]
    assert any("1 tax-lot detail row" in n for n in raw.notes)


def test_robinhood_build_holdings_csv() -> None:
    raw = read_holdings_file(BROKER_FILES / "robinhood_build_holdings.csv")
    assert raw.format == "robinhood"
    assert column(raw, "symbol") == ["NVDA", "PLTR", "VOO", "SOUN"]
    assert column(raw, "quantity") == ["15.00000000", "12.52341200", "3.00000000", "40.00000000"]
    assert column(raw, "market_value") == ["2369.85", "1707.19", "1704.09", "429.20"]
    assert column(raw, "instrument_type") == ["stock", "stock", "etp", "stock"]
    # average_buy_price is per share: cost_basis = quantity x average, empty when unknown
    assert column(raw, "cost_basis") == ["1518.75", "527.861816", "1353.6", ""]


def test_futu_positions_export_keeps_hong_kong_codes_as_text() -> None:
    raw = read_holdings_file(BROKER_FILES / "futu_positions.csv")
    assert raw.format == "futu"
    assert column(raw, "symbol") == ["NVDA", "QQQ", "SMH", "03033", "00700"]
    assert column(raw, "quantity") == ["50", "20", "10", "2,000", "100"]
    assert column(raw, "market_value") == [
        "7,899.50", "11,032.80", "2,791.20", "10,660.00", "51,000.00"]
    assert column(raw, "currency") == ["USD", "USD", "USD", "HKD", "HKD"]
    assert column(raw, "name")[0] == "英伟达"
    assert column(raw, "cost_basis") == ["4925", "9602.4", "2400", "8200", "32000"]


def test_mainland_broker_export_gbk_tab_separated_with_excel_text_codes() -> None:
    raw = read_holdings_file(BROKER_FILES / "cn_broker_tdx_positions.xls")
    assert raw.format == "cn_broker"
    assert column(raw, "symbol") == ["513100", "513500", "159819", "515070", "511880"]
    assert column(raw, "quantity") == ["20000", "15000", "30000", "10000", "100"]
    assert column(raw, "market_value") == ["34980.00", "30945.00", "28680.00", "13840.00",
                                           "10178.00"]
    assert column(raw, "currency") == ["CNY"] * 5
    assert column(raw, "name")[0] == "纳指ETF"
    assert column(raw, "cost_basis")[0] == "29160"
    assert raw.lines == [5, 6, 7, 8, 9]
    assert "decoded as GB18030 (GBK)" in raw.notes
    assert "skipped 2 preamble line(s) before the header on line 4" in raw.notes


def test_mainland_codes_that_lost_leading_zeros_are_padded(tmp_path: Path) -> None:
    text = "证券代码,证券名称,股票余额,市价,市值\n13100,纳指ETF,100,1.7,170\n"
    raw = read_holdings_file(write(tmp_path, text))
    assert column(raw, "symbol") == ["013100"]


def test_generic_file_with_preamble_aliases_and_totals() -> None:
    raw = read_holdings_file(BAD_FILES / "generic_with_preamble.csv")
    assert raw.format == "generic"
    assert column(raw, "symbol") == ["NVDA", "SMH", "IAU", "BND", "AAPL", "CASH"]
    assert column(raw, "quantity") == ["10", "12.5", "40", "", "", ""]
    assert column(raw, "market_value") == [
        "$1,579.90", "$3,489.00", "$2,408.00", "$7,315.00", "", "$2,500.00"]
    assert column(raw, "account") == ["Taxable", "Taxable", "IRA", "IRA", "Taxable", "Taxable"]
    assert column(raw, "cost_basis") == ["955", "2625", "", "", "", ""]
    assert column(raw, "locked") == ["", "", "yes", "", "", ""]
    assert raw.lines == [6, 7, 8, 9, 10, 11]
    assert "skipped 3 preamble line(s) before the header on line 5" in raw.notes
    assert "skipped total/pending row(s) on line(s) 12" in raw.notes


def test_european_semicolon_export_uses_decimal_comma() -> None:
    raw = read_holdings_file(BROKER_FILES / "european_semicolon_cp1252.csv")
    assert raw.format == "generic"
    assert raw.decimal == ","
    assert column(raw, "name")[2] == "Société Générale"
    values = [parse_number(v, raw.decimal) for v in column(raw, "market_value")]
    assert values == [1435.0, 14057.5, 4612.0, 354.2]
    assert [parse_number(v, raw.decimal) for v in column(raw, "quantity")] == [10, 25, 100, 3.5]


@pytest.mark.parametrize("path", sorted(BROKER_FILES.iterdir()), ids=lambda p: p.name)
def test_every_fixture_is_strings_with_canonical_columns(path: Path) -> None:
    raw = read_holdings_file(path)
    allowed = {"symbol", "quantity", "market_value", "price", "currency", "account",
               "cost_basis", "asset_class", "instrument_type", "locked", "name", "description"}
    assert set(raw.frame.columns) <= allowed
    assert len(raw.lines) == len(raw.frame)
    assert all(isinstance(v, str) for v in raw.frame.to_numpy().ravel())
    assert all(v == v.strip() for v in raw.frame.to_numpy().ravel())


# --- forcing a layout and the registry ---------------------------------------------------------


def test_registry_holds_protocol_objects_with_generic_last() -> None:
    assert list(BROKERS)[-1] == "generic"
    assert {"fidelity", "schwab", "vanguard", "ibkr", "robinhood", "futu", "cn_broker"} <= set(
        BROKERS)
    for key, fmt in BROKERS.items():
        assert isinstance(fmt, BrokerFormat)
        assert fmt.id == key and fmt.label and fmt.required


def test_detect_on_real_header_rows() -> None:
    fidelity = ("Account Number,Account Name,Symbol,Description,Quantity,Last Price,"
                "Last Price Change,Current Value,Cost Basis Total,Average Cost Basis,Type")
    assert BROKERS["fidelity"].detect(fidelity.split(","))
    assert not BROKERS["schwab"].detect(fidelity.split(","))
    assert BROKERS["generic"].detect(["Ticker", "Shares"])
    assert not BROKERS["generic"].detect(["Ticker", "Weight"])


def test_forced_broker_reads_and_mismatch_explains(tmp_path: Path) -> None:
    path = BROKER_FILES / "fidelity_Portfolio_Positions_Jun-30-2025.csv"
    assert read_holdings_file(path, broker="Fidelity").format == "fidelity"
    assert read_holdings_file(path, broker="generic").format == "generic"
    with pytest.raises(HoldingsError) as err:
        read_holdings_file(path, broker="vanguard")
    assert "fidelity_Portfolio_Positions_Jun-30-2025.csv" in str(err.value)
    assert "'Investment Name'" in str(err.value)


def test_unknown_broker_name_lists_known_ones() -> None:
    with pytest.raises(HoldingsError) as err:
        read_holdings_file(BROKER_FILES / "vanguard_OfxDownload.csv", broker="fidelty")
    message = str(err.value)
    assert "vanguard_OfxDownload.csv" in message and "Did you mean 'fidelity'?" in message
    assert "schwab" in message and "ibkr" in message


# --- encodings and delimiters -------------------------------------------------------------------

SIMPLE = ("Symbol\tName\tQuantity\tMarket Value\n"
          "NVDA\tNVIDIA\t10\t1579.90\nVOO\tVanguard\t2\t1136.06\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "cp1252"])
def test_encodings_of_a_tab_separated_export(tmp_path: Path, encoding: str) -> None:
    data = SIMPLE.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path = tmp_path / "positions.txt"
    path.write_bytes(data)
    raw = read_holdings_file(path)
    assert column(raw, "symbol") == ["NVDA", "VOO"]
    assert column(raw, "market_value") == ["1579.90", "1136.06"]
    assert raw.lines == [2, 3]


def test_utf16_without_bom(tmp_path: Path) -> None:
    raw = read_holdings_file(write(tmp_path, SIMPLE.replace("\n", "\r\n"), "utf-16-le"))
    assert column(raw, "symbol") == ["NVDA", "VOO"]


def test_cp1252_accents_and_euro_sign(tmp_path: Path) -> None:
    text = "Symbol,Name,Quantity,Market Value\nMC,LVMH Moët Hennessy,3,€1.587\n"
    raw = read_holdings_file(write(tmp_path, text, "cp1252"))
    assert column(raw, "name") == ["LVMH Moët Hennessy"]
    assert column(raw, "market_value") == ["€1.587"]
    assert "decoded as CP1252" in raw.notes


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_chinese_exports_in_gbk(tmp_path: Path, encoding: str) -> None:
    text = "证券代码,证券名称,持仓数量,市值,币种\n513100,纳指ETF,1000,1749.00,人民币\n"
    raw = read_holdings_file(write(tmp_path, text, encoding))
    assert column(raw, "symbol") == ["513100"]
    assert column(raw, "name") == ["纳指ETF"]
    assert column(raw, "currency") == ["CNY"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    rows = [["Ticker", "Qty", "Price"], ["AMD", "5", "138,50" if delimiter == ";" else "138.50"],
            ["MU", "7", "120"]]
    raw = read_holdings_file(write(tmp_path, "\n".join(delimiter.join(r) for r in rows) + "\n"))
    assert column(raw, "symbol") == ["AMD", "MU"]
    assert parse_number(column(raw, "price")[0], raw.decimal) == 138.5
    assert raw.decimal == ("," if delimiter == ";" else ".")


def test_tab_separated_decimal_comma_is_recognised_from_the_numbers(tmp_path: Path) -> None:
    text = "Symbol\tQuantity\tMarket Value\nSAP\t10\t2.345,60\nSIE\t4\t812,00\n"
    raw = read_holdings_file(write(tmp_path, text, "utf-16"))
    assert raw.decimal == ","
    assert [parse_number(v, raw.decimal) for v in column(raw, "market_value")] == [2345.6, 812.0]


def test_excel_sep_hint_line(tmp_path: Path) -> None:
    raw = read_holdings_file(write(tmp_path, "sep=;\nSymbol;Quantity\nNVDA;1,5\n"))
    assert column(raw, "quantity") == ["1,5"]
    assert raw.decimal == ","
    assert raw.lines == [3]


def test_multiline_quoted_cell_keeps_line_numbers(tmp_path: Path) -> None:
    text = 'Symbol,Description,Quantity\nNVDA,"NVIDIA\nCORP",10\nAMD,AMD,5\n'
    raw = read_holdings_file(write(tmp_path, text))
    assert raw.lines == [2, 4]


# --- preambles, footers, totals ----------------------------------------------------------------


def test_footer_after_blank_line_is_skipped_with_a_note(tmp_path: Path) -> None:
    text = ("Account Summary\nAs of 2025-06-30\nSymbol,Quantity,Market Value\nNVDA,10,1579.90\n"
            "AVGO,3,826.95\n\nPrices are delayed at least 15 minutes.\nGenerated by MyBroker\n")
    raw = read_holdings_file(write(tmp_path, text))
    assert column(raw, "symbol") == ["NVDA", "AVGO"]
    assert "skipped 2 preamble line(s) before the header on line 3" in raw.notes
    assert "skipped 2 footer line(s) after line 5" in raw.notes


def test_disclaimer_without_blank_line_ends_the_table(tmp_path: Path) -> None:
    text = ('Symbol,Quantity,Value\nNVDA,10,1579.90\n"Account Total",,1579.90\n'
            '"This statement is provided for information only, not for tax purposes."\n')
    raw = read_holdings_file(write(tmp_path, text))
    assert column(raw, "symbol") == ["NVDA"]
    assert any(n.startswith("skipped 1 footer line(s)") for n in raw.notes)


def test_symbol_without_numbers_is_kept_and_rows_without_symbol_are_noted(tmp_path: Path) -> None:
    text = "Symbol,Quantity,Market Value\nNVDA,,\n,,--\nAMD,n/a,\n"
    raw = read_holdings_file(write(tmp_path, text))
    assert column(raw, "symbol") == ["NVDA", "AMD"]
    assert raw.lines == [2, 4]
    assert "skipped row(s) without a symbol on line(s) 3" in raw.notes


def test_a_value_without_a_symbol_is_an_error_not_dropped(tmp_path: Path) -> None:
    text = "Symbol,Quantity,Market Value\nNVDA,10,1579.90\n,,250.00\n,5,100\nAMD,5,692.50\n"
    with pytest.raises(HoldingsError, match=r"line\(s\) 3, 4 hold a quantity or value but no symbol"):
        read_holdings_file(write(tmp_path, text))


def test_fund_named_total_is_not_a_total_row(tmp_path: Path) -> None:
    text = "Name,Symbol,Shares\nTotal Stock Market Index,VTI,10\nTotal,,10\n"
    raw = read_holdings_file(write(tmp_path, text))
    assert column(raw, "symbol") == ["VTI"]


def test_blank_lines_between_positions_do_not_end_the_table(tmp_path: Path) -> None:
    text = "Symbol,Quantity\nNVDA,10\n\nAMD,5\n"
    assert column(read_holdings_file(write(tmp_path, text)), "symbol") == ["NVDA", "AMD"]


def test_repeated_column_names_are_fine_when_only_one_holds_data(tmp_path: Path) -> None:
    # Fidelity's customised "My View" download repeats some columns, mostly empty.
    text = ("Account number,Account name,Symbol,Description,Quantity,Last price,Current value,"
            "Average cost basis,Cost basis total,Average cost basis,Cost basis total\n"
            "X1,Brokerage,AMD,ADVANCED MICRO DEVICES,10,$138.50,$1385.00,$100.00,$1000.00,,\n")
    raw = read_holdings_file(write(tmp_path, text))
    assert raw.format == "fidelity"
    assert column(raw, "cost_basis") == ["$1000.00"]


def test_average_cost_with_decimal_comma(tmp_path: Path) -> None:
    raw = read_holdings_file(write(tmp_path, "Symbol;Quantity;Avg Cost\nSAP;2,5;100,10\n"))
    assert column(raw, "cost_basis") == ["250,25"]
    assert parse_number(column(raw, "cost_basis")[0], raw.decimal) == pytest.approx(250.25)


def test_canonical_column_names_from_the_design_contract(tmp_path: Path) -> None:
    text = ("symbol,quantity,market_value,price,currency,account,cost_basis,asset_class,locked\n"
            "NVDA,10,1579.90,157.99,USD,Roth,900,equity,true\n")
    raw = read_holdings_file(write(tmp_path, text))
    assert raw.format == "generic"
    assert raw.frame.iloc[0].to_dict() == {
        "symbol": "NVDA", "quantity": "10", "market_value": "1579.90", "price": "157.99",
        "currency": "USD", "account": "Roth", "cost_basis": "900", "asset_class": "equity",
        "locked": "true"}


def test_a_symbol_less_row_without_a_value_does_not_end_the_table(tmp_path: Path) -> None:
    text = "Symbol,Quantity,Market Value\nNVDA,10,1579.90\n,,\u2014\nAMD,5,692.50\n"
    raw = read_holdings_file(write(tmp_path, text))
    assert column(raw, "symbol") == ["NVDA", "AMD"]


def test_symbol_column_alone_is_passed_on(tmp_path: Path) -> None:
    raw = read_holdings_file(write(tmp_path, "Ticker,Weight\nNVDA,0.5\nAMD,0.5\n"))
    assert column(raw, "symbol") == ["NVDA", "AMD"]
    assert any("no quantity or market value column" in n for n in raw.notes)


# --- bad files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("empty.csv", "is empty"),
        ("blank_lines.csv", "is empty"),
        ("header_only.csv", "no position rows"),
        ("duplicate_headers.csv", "2 columns named 'Quantity'"),
        ("no_symbol.csv", "closest known format is Fidelity"),
        ("holdings.xlsx", "Excel .xlsx workbook"),
        ("random.bin", "not a text file"),
    ],
)
def test_bad_files_raise_holdings_error_naming_the_file(name: str, fragment: str) -> None:
    with pytest.raises(HoldingsError) as err:
        read_holdings_file(BAD_FILES / name)
    assert name in str(err.value)
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_no_symbol_error_lists_missing_columns_and_the_fix() -> None:
    with pytest.raises(HoldingsError) as err:
        read_holdings_file(BAD_FILES / "no_symbol.csv")
    message = str(err.value)
    assert "'Symbol'" in message and "--broker" in message and "market_value" in message
    assert "no symbol column" in err.value.problems


def test_unrelated_file_resembles_no_format(tmp_path: Path) -> None:
    with pytest.raises(HoldingsError, match="does not resemble any known broker export"):
        read_holdings_file(write(tmp_path, "foo,bar\n1,2\n"))


def test_missing_file() -> None:
    with pytest.raises(HoldingsError, match="nope.csv: no such file"):
        read_holdings_file(BAD_FILES / "nope.csv")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(list('abc,;\t|"\n $1.-') + ["Symbol", "Qty", "代码", "Total"]),
                max_size=40).map("".join))
def test_any_text_gives_a_table_or_a_holdings_error(tmp_path_factory: pytest.TempPathFactory,
                                                     text: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "h.csv"
    path.write_text(text, encoding="utf-8")
    try:
        raw = read_holdings_file(path)
    except HoldingsError:
        return
    assert len(raw.lines) == len(raw.frame) > 0


# --- parse_number --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        ("$1,234.56", ".", 1234.56),
        ("1,234.56", ".", 1234.56),
        ("1.234,56", ",", 1234.56),
        ("1 234,56", ",", 1234.56),
        ("1'234.5", ".", 1234.5),
        ("(123.45)", ".", -123.45),
        ("($1,000.00)", ".", -1000.0),
        ("-$312.40", ".", -312.4),
        ("$-312.40", ".", -312.4),
        ("+$3.24", ".", 3.24),
        ("−5", ".", -5.0),
        ("12.5%", ".", 12.5),
        ("+110.65%", ".", 110.65),
        ("US$1,000", ".", 1000.0),
        ("HK$ 2,000.50", ".", 2000.5),
        ("¥1,500", ".", 1500.0),
        ("￥88.8", ".", 88.8),
        ("€ 1.234,50", ",", 1234.5),
        ("1.234,50 €", ",", 1234.5),
        ("1,234.56 USD", ".", 1234.56),
        ("USD 99", ".", 99.0),
        ('="0.50"', ".", 0.5),
        ("0.52341200", ".", 0.523412),
        (".5", ".", 0.5),
        ("1e3", ".", 1000.0),
        ("1000", ",", 1000.0),
        ("  42  ", ".", 42.0),
    ],
)
def test_parse_number_values(text: str, decimal: str, expected: float) -> None:
    assert parse_number(text, decimal) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", " ", "-", "--", "n/a", "N/A", "NA", "—", "None"])
def test_parse_number_placeholders(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("text", "decimal"),
    [("abc", "."), ("12abc", "."), ("1,5", "."), ("12,34", "."), ("1.5", ","), ("1.2.3", "."),
     ("$", "."), ("USD", "."), ("1,234,56", "."), ("--5", "."), ("5 apples", ".")],
)
def test_parse_number_rejects_garbage(text: str, decimal: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text, decimal)


def test_parse_number_rejects_unknown_decimal_mark() -> None:
    with pytest.raises(ValueError):
        parse_number("1", decimal=";")


@given(money)
def test_thousands_separated_round_trip(value: float) -> None:
    text = f"{value:,.2f}"
    assert parse_number(text) == float(f"{value:.2f}")


@given(money)
def test_decimal_comma_round_trip(value: float) -> None:
    text = f"{value:,.2f}".translate(str.maketrans(",.", ".,"))
    assert parse_number(text, decimal=",") == float(f"{value:.2f}")


@given(money)
def test_accounting_dollars_round_trip(value: float) -> None:
    body = f"${abs(value):,.2f}"
    text = f"({body})" if value < 0 else body
    expected = float(f"{value:.2f}")
    assert math.isclose(parse_number(text) or 0.0, expected, abs_tol=0.0)


def test_the_delimiter_sniffer_sees_short_lines_only(tmp_path: Path, monkeypatch) -> None:
    """The sniffer's patterns are quadratic in a line's length: a 60,000-comma cell took 26 s."""
    import csv

    seen: list[str] = []
    real = csv.Sniffer.sniff
    monkeypatch.setattr(csv.Sniffer, "sniff", lambda self, sample, delimiters=None:
                        seen.append(sample) or real(self, sample, delimiters))
    text = 'symbol,market_value,name\nNVDA,100,"' + "," * 60_000 + '"\n'
    raw = read_holdings_file(write(tmp_path, text))
    assert column(raw, "symbol") == ["NVDA"] and max(map(len, seen[0].splitlines())) <= 200
    # 60 lines of 400 quoted commas (24 KB) took 3 s: the sniffer now sees 4 KB of it at most
    text = "symbol,market_value,name\n" + ('NVDA,100,"' + "," * 400 + '"\n') * 60
    raw = read_holdings_file(write(tmp_path, text))
    assert len(column(raw, "symbol")) == 60 and len(seen[1]) <= 4096 and seen[1].count("\n") >= 19


def test_control_characters_never_reach_a_report(tmp_path: Path) -> None:
    text = ("symbol,market_value,name\nNVDA,100,NVIDIA Corporation common stock\n"
            "ZZZQ\x1b[2J,100,a name with a bell\x07\nVOO,100,Vanguard S&P 500 ETF\n")
    raw = read_holdings_file(write(tmp_path, text))
    assert column(raw, "symbol") == ["NVDA", "ZZZQ[2J", "VOO"]
    assert column(raw, "name")[1] == "a name with a bell"


def test_a_file_beyond_the_size_limit_is_refused_with_the_way_out(tmp_path: Path, monkeypatch) -> None:
    from bubbleguard.holdings import _files

    monkeypatch.setattr(_files, "MAX_FILE_BYTES", 1_000_000)
    with pytest.raises(HoldingsError, match=r"is 1\.1 MB, more than the 1 MB a holdings file may have "
                                            r"\(about 10,000 positions.*'bubbleguard batch'"):
        read_holdings_file(write(tmp_path, "symbol,quantity\n" + "NVDA,1\n" * 157_000))


def test_the_apostrophe_our_csv_outputs_add_is_read_back_off(tmp_path: Path) -> None:
    text = "account,symbol,market_value\n'=HYPERLINK(1),NVDA,100\n'+acc,VOO,100\nO'Neil,'QQQ,100\n"
    raw = read_holdings_file(write(tmp_path, text))
    assert column(raw, "account") == ["=HYPERLINK(1)", "+acc", "O'Neil"]
    assert column(raw, "symbol") == ["NVDA", "VOO", "'QQQ"]  # only before formula-like text
