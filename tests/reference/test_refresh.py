"""``data refresh`` from every provider, on loopback (reference/refresh.py, cli/data.py).

A local HTTP server on 127.0.0.1 answers the issuers' and SEC EDGAR's addresses with the real
files in ``tests/reference/files/``; no test touches the real network.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner
from loopback import QuietHandler, serve

import bubbleguard
from bubbleguard.cli import cli
from bubbleguard.reference import read_fund_holdings
from bubbleguard.reference.refresh import _fund_ids

FILES = Path(__file__).parent / "files"
SPY_PATH = "/us/en/intermediary/library-content/products/fund-data/etfs/us/holdings-daily-us-en-spy.xlsx"
QQQ_PATH = ("/us/financial-products/etfs/holdings/main/holdings/0?audienceType=Investor&action=download"
            "&ticker=QQQ")
ARKK_PATH = "/fund-documents/funds-etf-csv/ARK_INNOVATION_ETF_ARKK_HOLDINGS.csv"
MAPPING = "/files/company_tickers_mf.json"
DAX_DOC = "/Archives/edgar/data/1432353/000000000024000002/primary_doc.xml"


class _Issuers(QuietHandler):
    """The issuers' and EDGAR's addresses, answered with the real files."""

    def _file(self) -> Path | None:
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path.endswith(".xlsx"):
            return FILES / "ssga" / Path(url.path).name
        if url.path.startswith("/us/financial-products/etfs/holdings/"):
            return FILES / "invesco" / f"{query['ticker'][0]}_holdings.csv"
        if url.path.startswith("/fund-documents/funds-etf-csv/"):
            return FILES / "ark" / Path(url.path).name
        if url.path == MAPPING:
            return FILES / "sec" / "company_tickers_mf.json"
        if url.path == "/cgi-bin/browse-edgar" and query.get("type") == ["NPORT-P"]:
            return FILES / "sec" / f"browse-edgar-{query['CIK'][0]}.atom"
        if url.path == DAX_DOC:
            return FILES / "sec" / "primary_doc.xml"
        return None

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.seen.append((self.path, self.headers.get("User-Agent", "")))
        if self.server.mode == "forbidden" and "/files/" in self.path:
            self.send_error(403, "Forbidden")
            return
        path = self._file()
        if path is None or not path.is_file():
            self.send_error(404, "Not Found")
            return
        self.send_body(path.read_bytes())


@pytest.fixture(scope="module")
def _server():
    with serve(_Issuers) as server:
        yield server


@pytest.fixture
def server(_server, monkeypatch, tmp_path):
    _server.seen.clear()
    _server.mode = "files"
    _server.url = f"http://127.0.0.1:{_server.server_address[1]}"
    monkeypatch.setenv("BUBBLEGUARD_FUNDS_DIR", str(tmp_path / "funds"))
    _fund_ids.cache_clear()
    return _server


def refresh(*args: str):
    return CliRunner().invoke(cli, ["data", "refresh", *args])


def test_every_provider_downloads_and_writes_one_file_each(server, tmp_path):
    result = refresh("--fund", "SPY", "--fund", "QQQ", "--fund", "ARKK", "--fund", "DAX",
                     "--base-url", server.url)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "funds"
    assert result.stderr.splitlines() == [
        f"Downloading SPY holdings from {server.url}{SPY_PATH}",
        f"Downloading QQQ holdings from {server.url}{QQQ_PATH}",
        f"Downloading ARKK holdings from {server.url}{ARKK_PATH}",
        f"Downloading DAX holdings from SEC N-PORT, {server.url}{MAPPING}"]
    out = result.stdout.splitlines()
    assert out[0] == f"SPY: 505 holdings (100.00% of the fund) as of 2026-04-10 → {folder / 'SPY.csv'}"
    assert f"QQQ: 15 holdings (56.29% of the fund) as of 2025-09-26 → {folder / 'QQQ.csv'}" in out
    assert f"ARKK: 36 holdings (100.00% of the fund) as of 2024-06-04 → {folder / 'ARKK.csv'}" in out
    assert f"DAX: 9 holdings (38.99% of the fund) as of 2024-01-31 → {folder / 'DAX.csv'}" in out
    # EDGAR: the ticker table, the series' filing list, the newest original filing
    sec = [p for p, _ua in server.seen if not p.startswith(("/us/", "/fund-documents/"))]
    assert sec == [MAPPING, "/cgi-bin/browse-edgar?action=getcompany&CIK=S000063351&type=NPORT-P"
                   "&dateb=&owner=include&count=10&output=atom", DAX_DOC]
    for fund, url, as_of in (("SPY", SPY_PATH, "2026-04-10"), ("DAX", DAX_DOC, "2024-01-31")):
        df = read_fund_holdings(folder / f"{fund}.csv")
        assert list(df.columns) == ["fund", "symbol", "weight", "name", "as_of", "source"]
        assert set(df["source"]) == {server.url + url} and set(df["as_of"]) == {as_of}


def test_refreshed_files_override_the_snapshot_in_check(server, tmp_path):
    assert refresh("--fund", "SPY", "--fund", "ARKK", "--base-url", server.url).exit_code == 0
    report = bubbleguard.check({"SPY": 0.5, "ARKK": 0.5})
    assert "holdings of ARKK, SPY from local fund files" in report.notes
    weights = {i.issuer_id: i.weight for i in report.exposures.issuers}
    spy = read_fund_holdings(tmp_path / "funds" / "SPY.csv").set_index("symbol")["weight"]
    assert spy["NVDA"] == pytest.approx(0.07847482 / 1.002389, rel=1e-5)  # the SSGA file's weight
    assert weights["NVDA"] == pytest.approx(0.5 * spy["NVDA"])  # ARKK holds no NVIDIA
    assert weights["TSLA"] == pytest.approx(0.5 * spy["TSLA"] + 0.5 * 0.1175 / 1.0002, rel=1e-6)
    assert report.data_as_of["fund_holdings"] == "2024-06-04"  # ARKK's file is the older


def test_held_refreshes_the_funds_a_holdings_file_holds(server, tmp_path):
    held = tmp_path / "holdings.csv"
    held.write_text("symbol,market_value\nSPY,5000\nNVDA,2000\nDAX,1000\n513100,800\nCASH,500\n"
                    "BND,700\n", encoding="utf-8")
    result = refresh("--held", str(held), "--base-url", server.url)
    assert result.exit_code == 0, result.output
    said = result.stderr.splitlines()
    assert said[:4] == [
        "BND: counted as bond, nothing to look through", "SPY: from SSGA SPDR", "DAX: from SEC N-PORT",
        f"513100: cannot be refreshed (not a US fund ticker); save its holdings as "
        f"fund,symbol,weight in {tmp_path / 'funds'}"]
    assert not any(line.startswith(("NVDA", "CASH")) for line in said)  # a stock and cash
    assert sorted(p.name for p in (tmp_path / "funds").glob("*.csv")) == ["DAX.csv", "SPY.csv"]


def test_a_file_saved_by_hand_is_read_whatever_its_issuer(server, tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    for fund, path, n in (("VEA", FILES / "vanguard" / "Holdings_details_FTSE_Developed_Markets_ETF.csv", 16),
                          ("SPY", FILES / "ssga" / "holdings-daily-us-en-spy.xlsx", 505),
                          ("DAX", FILES / "sec" / "primary_doc.xml", 9)):
        result = refresh("--fund", fund, "--file", str(path))
        assert result.exit_code == 0, result.output
        assert len(read_fund_holdings(tmp_path / "funds" / f"{fund}.csv")) == n
    vea = read_fund_holdings(tmp_path / "funds" / "VEA.csv").set_index("name")
    assert vea.at["Roche Holding AG", "symbol"] != "ROP"  # Roche's Swiss ticker is not Roper's
    result = refresh("--fund", "VEA", "--file", str(FILES / "README.md"))
    assert result.exit_code == 2 and "bubbleguard cannot tell its layout" in result.stderr


def test_sec_gets_the_contact_and_a_refusal_says_how_to_give_it(server, monkeypatch):
    monkeypatch.setenv("BUBBLEGUARD_SEC_CONTACT", "me@example.org")
    assert refresh("--fund", "DAX", "--base-url", server.url).exit_code == 0
    agents = {p.split("?")[0]: ua for p, ua in server.seen}
    assert agents[MAPPING].endswith(" me@example.org") and agents[DAX_DOC].endswith(" me@example.org")
    assert refresh("--fund", "SPY", "--base-url", server.url).exit_code == 0
    assert "me@example.org" not in server.seen[-1][1]  # issuers are not given it
    _fund_ids.cache_clear()
    server.mode = "forbidden"
    result = refresh("--fund", "DAX", "--base-url", server.url)
    assert result.exit_code == 2
    assert "SEC EDGAR answered HTTP 403 (Forbidden). SEC asks automated clients to name a contact: " \
           "set BUBBLEGUARD_SEC_CONTACT to your e-mail address" in result.stderr


def test_a_ticker_edgar_does_not_list_cannot_be_refreshed(server):
    result = refresh("--fund", "ZZZZ", "--base-url", server.url)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(
        "Error: 'ZZZZ' cannot be refreshed: SEC EDGAR's fund ticker table does not list it")
