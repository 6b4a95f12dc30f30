"""SEC N-PORT-P filings and EDGAR's fund tables, read offline (reference/_nport.py).

``primary_doc.xml`` and ``company_tickers_mf.json`` are real EDGAR files (trimmed); the Atom
feed is constructed (no real copy was found): see ``tests/reference/files/README.md``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bubbleguard.errors import DataError
from bubbleguard.reference._nport import (
    Filing,
    FundIds,
    cusip_isin,
    filing_path,
    latest_filing,
    parse_fund_tickers,
    parse_nport,
    series_feed_path,
)

SEC = Path(__file__).parent / "files" / "sec"
DOC = SEC / "primary_doc.xml"


def test_nport_filing_holdings_as_filed():
    ff = parse_nport(DOC.read_bytes(), "DAX", "primary_doc.xml", {"DE0007164600": "SAP"})
    h = ff.holdings.set_index("symbol")
    assert ff.as_of == "2024-01-31"  # genInfo/repPdDate
    # pctVal is percent of net assets; common (EC) and preferred (EP) stock are kept
    assert h.at["SAP", "weight"] == pytest.approx(0.1067730964620)
    assert h.at["SAP", "location"] == ""  # named by the snapshot through its ISIN
    assert h.at["DE0007236101", "weight"] == pytest.approx(0.1003374428279)  # Siemens, by ISIN
    assert h.at["DE0007236101", "location"] == ""
    assert h.at["DE0007664039", "name"] == "VOLKSWAGEN AKTIENGESELLSCHAFT"  # preferred stock
    assert h.at["DE000PAG9113", "name"] == "Dr Ing hc F Porsche AG PREFERRED STOCK"  # name N/A: title
    assert h.at["NL0015001WM6", "name"] == "Qiagen N.V."
    assert h.at["DE0006048432", "name"] == "Henkel AG & Co. KGaA"  # entities decoded
    assert len(h) == 9 and "FDXMH4" not in h.index  # the DAX future stays in the remainder
    pct = (0.357091297344 + 6.419323576617 + 2.017850408520 + 0.725571586094 + 10.67730964620
           + 7.071010036195 + 0.950128094578 + 0.733566055592 + 10.03374428279)
    assert ff.weight_sum == pytest.approx(pct / 100)
    assert ff.notes == (
        "DAX: N-PORT-P of Global X DAX Germany ETF (S000063351), report date 2024-01-31",
        "DAX: debt, derivative and other non-equity rows (0.67% of net assets) left in the remainder")


def test_a_filing_of_another_series_is_refused():
    assert parse_nport(DOC.read_bytes(), "DAX", series="S000063351").as_of == "2024-01-31"
    with pytest.raises(DataError, match=r"x.xml is the N-PORT filing of series S000063351 \(Global X DAX "
                                        r"Germany ETF\), not of VOO's series S000002839"):
        parse_nport(DOC.read_bytes(), "VOO", "x.xml", series="S000002839")


def test_other_edgar_documents_are_refused():
    form_d = b'<?xml version="1.0"?><edgarSubmission><headerData><submissionType>D</submissionType>' \
             b"</headerData></edgarSubmission>"
    with pytest.raises(DataError, match="is an EDGAR document of type 'D', not an N-PORT filing"):
        parse_nport(form_d, "XYZ", "d.xml")
    with pytest.raises(DataError, match="d.html is not an N-PORT filing"):
        parse_nport(b"<html><body>Request Rate Threshold Exceeded", "XYZ", "d.html")


def test_the_ticker_table_maps_share_classes_to_one_series():
    ids = parse_fund_tickers((SEC / "company_tickers_mf.json").read_bytes())
    assert ids["VOO"] == FundIds(36405, "S000002839", "C000092055")
    assert ids["VFIAX"].series == ids["VOO"].series  # one portfolio, two share classes
    assert ids["DAX"] == FundIds(1432353, "S000063351", "C000205374")
    assert ids["SCHD"].cik == 1454889 and ids["VTTSX"].series == "S000035453"
    with pytest.raises(DataError, match="is not EDGAR's fund ticker table"):
        parse_fund_tickers(b"<html>blocked</html>")


def test_the_newest_original_filing_is_chosen():
    feed = (SEC / "browse-edgar-S000063351.atom").read_bytes()
    assert latest_filing(feed, "S000063351") == Filing("0000000000-24-000002", "2024-03-27")
    assert latest_filing(b'<feed xmlns="http://www.w3.org/2005/Atom"/>', "S1") is None
    with pytest.raises(DataError, match="filing list of series S1 cannot be read"):
        latest_filing(b"<html><body>", "S1")


def test_edgar_addresses():
    assert filing_path(1432353, "0001752724-24-071208") == \
        "/Archives/edgar/data/1432353/000175272424071208/primary_doc.xml"
    assert "CIK=S000063351&type=NPORT-P" in series_feed_path("S000063351")


@pytest.mark.parametrize(("cusip", "isin"), [("67066G104", "US67066G1040"), ("037833100", "US0378331005"),
                                             ("594918104", "US5949181045"), ("02079K305", "US02079K3059"),
                                             ("N72482149", ""), ("N/A", "")])
def test_cusip_isin_check_digit(cusip, isin):
    assert cusip_isin(cusip) == isin
