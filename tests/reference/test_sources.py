"""The sources table that ``data refresh`` and the stale-data rule share (reference/_sources.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bubbleguard.reference._sources import PROVIDERS, Source, base_url, source_for, sources

FILES = Path(__file__).parent / "files"


def test_every_listed_fund_has_a_known_provider_and_an_address_if_it_is_an_issuer_file():
    table = sources()
    assert len(table) > 100
    for fund, src in table.items():
        assert src.fund == fund and src.provider in PROVIDERS and src.issuer
        if src.provider == "sec":
            assert src.path == ""
        else:
            assert src.path.startswith("/") and (fund in src.path or fund.lower() in src.path)


def test_every_issuer_file_provider_has_a_real_file_its_reader_is_tested_on():
    issuers = {s.provider for s in sources().values()} - {"sec"}
    assert issuers == {"ishares", "ssga", "invesco", "ark"}
    assert all(any((FILES / p).iterdir()) for p in issuers)


@pytest.mark.parametrize(("fund", "provider", "label"), [
    ("IVV", "ishares", "iShares"), ("spy", "ssga", "SSGA SPDR"), ("QQQ", "invesco", "Invesco"),
    ("ARKK", "ark", "ARK Invest"), ("VOO", "sec", "Vanguard via SEC N-PORT"),
    ("SCHD", "sec", "Schwab via SEC N-PORT"), ("VTTSX", "sec", "SEC N-PORT")])
def test_where_a_fund_comes_from(fund, provider, label):
    src = source_for(fund)
    assert src is not None and src.provider == provider and src.label == label


@pytest.mark.parametrize("code", ["513100", "3195", "159941", "0700.HK", "TOOLONG"])
def test_codes_that_are_no_us_fund_ticker_cannot_be_refreshed(code):
    assert source_for(code) is None


def test_addresses_and_their_overrides(monkeypatch):
    spy = source_for("SPY")
    assert spy is not None
    assert spy.url() == ("https://www.ssga.com/us/en/intermediary/library-content/products/fund-data/"
                         "etfs/us/holdings-daily-us-en-spy.xlsx")
    monkeypatch.setenv("BUBBLEGUARD_SSGA_URL", "http://127.0.0.1:9/")
    assert spy.url().startswith("http://127.0.0.1:9/us/en/")
    assert spy.url("http://mirror.test").startswith("http://mirror.test/us/en/")  # --base-url wins
    assert base_url("sec") == "https://www.sec.gov"
    assert Source("X", "sec").url() == "https://www.sec.gov"
