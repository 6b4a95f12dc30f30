"""The SSGA SPDR, Invesco, ARK and Vanguard readers on real published files (reference/_issuer_files.py).

The files and their provenance are in ``tests/reference/files/`` (README.md there).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bubbleguard.errors import DataError
from bubbleguard.reference._issuer_files import parse_ark, parse_invesco, parse_ssga, parse_vanguard, sniff

FILES = Path(__file__).parent / "files"
SPY = FILES / "ssga" / "holdings-daily-us-en-spy.xlsx"
QQQ = FILES / "invesco" / "QQQ_holdings.csv"
ARKK = FILES / "ark" / "ARK_INNOVATION_ETF_ARKK_HOLDINGS.csv"
VEA = FILES / "vanguard" / "Holdings_details_FTSE_Developed_Markets_ETF.csv"
HTML = b"<!DOCTYPE html><html><body>Access denied</body></html>"


def weights(ff):
    return ff.holdings.set_index("symbol")["weight"]


def test_ssga_workbook_as_published():
    ff = parse_ssga(SPY.read_bytes(), "SPY", "spy.xlsx")
    w = weights(ff)
    assert ff.as_of == "2026-04-10"  # "Holdings: As of 10-Apr-2026"
    assert len(ff.holdings) == 505  # 504 stocks and the US DOLLAR line, none of the disclaimers
    # the file's weights add up to 100.2389% (cash included): scaled down like iShares files
    assert ff.notes == ("SPY: weights sum to 100.2389%; scaled down to 100%",)
    total = 1.002389
    assert w["NVDA"] == pytest.approx(0.07847482 / total, rel=1e-5)
    assert w["CASH"] == pytest.approx(0.00292478 / total, rel=1e-5)  # ticker "-", identifier 999USDZ92
    assert {"GOOGL", "GOOG", "BRK.B", "BF.B"} <= set(w.index)
    assert ff.holdings.loc[ff.holdings["symbol"] == "AAPL", "name"].item() == "APPLE INC"
    assert set(ff.holdings["location"]) == {""}  # every line is in USD
    assert ff.weight_sum == pytest.approx(1.0)


def test_invesco_csv_as_published():
    ff = parse_invesco(QQQ.read_bytes(), "QQQ")
    w = weights(ff)
    assert ff.as_of == "2025-09-26"
    assert list(w.index[:3]) == ["NVDA", "MSFT", "AAPL"]  # tickers padded with spaces in the file
    assert w["NVDA"] == pytest.approx(0.09507) and w["GOOG"] == pytest.approx(0.02947)
    assert w["ASML"] == pytest.approx(0.00435)  # an ADR line
    assert len(w) == 15 and ff.weight_sum == pytest.approx(0.56287)  # the trimmed file
    assert ff.notes == ()


def test_ark_csv_with_its_disclaimer_line():
    ff = parse_ark(ARKK.read_bytes(), "ARKK")
    w = weights(ff)
    assert ff.as_of == "2024-06-04"
    assert len(w) == 36  # 35 stocks and one money-market line; the disclaimer is no row
    assert ff.notes == ("ARKK: weights sum to 100.0200%; scaled down to 100%",)
    assert w["TSLA"] == pytest.approx(0.1175 / 1.0002)
    assert w["CASH"] == pytest.approx(0.0018 / 1.0002)  # GOLDMAN FS TRSY OBLIG INST 468, no ticker


def test_vanguard_export_weights_come_from_market_values():
    ff = parse_vanguard(VEA.read_bytes(), "VEA")
    h = ff.holdings.set_index("symbol")
    total = 47_116_894_850.53  # every market value in the (trimmed) file
    assert ff.as_of == "2026-08-31"
    assert h.at["005930", "weight"] == pytest.approx(8_542_624_169.58 / total)
    assert h.at["IAG", "weight"] == pytest.approx(10_531.75 / total)  # printed as <0.01%
    cash = 4_069_637_721.53 + 161_834_731.01 + 114_126_141.83 + 74_010_233.74 + 38_019_569.43 + 2_762_908.52
    assert h.at["CASH", "weight"] == pytest.approx(cash / total)  # short-term reserves
    assert h.at["RR", "weight"] == pytest.approx(1_671_588_893.14 / total)  # "RR/" in the file
    assert h.at["005930", "location"] == "KR" and h.at["IAG", "location"] == "United States"
    assert ff.weight_sum == pytest.approx(1 - 583_146_969.12 / total)  # L'Oreal has no ticker
    assert ff.notes[0] == "VEA: 1 rows without a ticker (L'Oreal SA) left in the remainder"


def test_a_vanguard_export_of_another_fund_is_refused():
    with pytest.raises(DataError, match="holds the Vanguard fund VEA, not VOO; pass the file with "
                                        "--fund VEA"):
        parse_vanguard(VEA.read_bytes(), "VOO", "x.csv")


@pytest.mark.parametrize("parse", [parse_ssga, parse_invesco, parse_ark, parse_vanguard])
def test_a_web_page_is_no_holdings_file(parse):
    with pytest.raises(DataError, match=r"https://example\.test/x is not an? .*'bubbleguard data "
                                        r"refresh --fund XYZ --file PATH'"):
        parse(HTML, "XYZ", "https://example.test/x")


def test_sniff_tells_every_layout_apart():
    found = {p.relative_to(FILES).as_posix(): sniff(p.read_bytes())
             for p in FILES.rglob("*") if p.is_file() and p.suffix in (".csv", ".xlsx", ".xml")}
    assert found == {
        "ishares/IVV_holdings.csv": "ishares", "ishares/ACWI_holdings.csv": "ishares",
        "ssga/holdings-daily-us-en-spy.xlsx": "ssga", "invesco/QQQ_holdings.csv": "invesco",
        "ark/ARK_INNOVATION_ETF_ARKK_HOLDINGS.csv": "ark",
        "vanguard/Holdings_details_FTSE_Developed_Markets_ETF.csv": "vanguard",
        "sec/primary_doc.xml": "sec"}
    assert sniff(HTML) == "" and sniff(b"fund,symbol,weight\nX,Y,1\n") == ""
