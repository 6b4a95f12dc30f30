"""Tests for ``bubbleguard data`` and ``bubbleguard funds`` (cli/data.py, cli/funds.py, refresh.py).

``data refresh`` runs against a local HTTP server on 127.0.0.1 that serves the iShares-format
files in ``tests/reference/files/ishares/``; no test touches the real network.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import socket
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from loopback import QuietHandler, serve

import bubbleguard
from bubbleguard.cli import cli
from bubbleguard.errors import DataError
from bubbleguard.reference import load_snapshot, read_fund_holdings
from bubbleguard.reference._fund_files import FundFile, match_local_listings, parse_ishares

FIXTURES = Path(__file__).parents[1] / "reference" / "files" / "ishares"
IVV_PATH = ("/us/products/239726/ishares-core-sp-500-etf/1467271812596.ajax"
            "?fileType=csv&fileName=IVV_holdings&dataType=fund")


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """Every test gets an empty fund-files folder and no iShares URL override."""
    monkeypatch.setenv("BUBBLEGUARD_FUNDS_DIR", str(tmp_path / "funds"))
    monkeypatch.delenv("BUBBLEGUARD_ISHARES_URL", raising=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


class _Handler(QuietHandler):
    """Serves ``<fund>_holdings.csv`` fixtures by the ``fileName`` query; modes for failures."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.seen.append((self.path, self.headers.get("User-Agent", "")))
        if self.server.mode == "slow":
            time.sleep(2.0)
            return
        if self.server.mode in ("huge", "trickle"):  # an endless answer, fast or one byte at a time
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"x" * (1 << 16) if self.server.mode == "huge" else b"x")
                    if self.server.mode == "trickle":
                        time.sleep(0.01)
            except OSError:  # the client gave up
                return
        if self.server.mode == "html":
            body, kind = b"<html><body>Please enable JavaScript</body></html>", "text/html"
        else:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            path = FIXTURES / f"{query.get('fileName', [''])[0]}.csv"
            if not path.is_file():
                self.send_error(404, "Not Found")
                return
            body, kind = path.read_bytes(), "text/csv"
        self.send_body(body, kind)


@pytest.fixture(scope="module")
def _server():
    with serve(_Handler) as server:
        yield server


@pytest.fixture
def server(_server):
    """Reset the local issuer server for a test; ``server.url`` is its base URL."""
    _server.seen.clear()
    _server.mode = "files"
    _server.url = f"http://127.0.0.1:{_server.server_address[1]}"
    return _server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- data info
def test_data_info_json_reports_manifest_ages_and_coverage(runner, tmp_path):
    result = runner.invoke(cli, ["data", "info", "--format", "json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    snap = load_snapshot()
    today = dt.date.today()
    assert info["schema"] == "bubbleguard.data-info/1"
    assert {t["table"]: t["rows"] for t in info["tables"]} == {
        k: v["rows"] for k, v in snap.manifest["tables"].items()}
    for name, date in snap.manifest["as_of"].items():
        assert info["as_of"][name] == {"date": date,
                                       "age_days": (today - dt.date.fromisoformat(date)).days}
    cov = info["fund_coverage"]
    assert cov["funds"] == len(snap.funds) == cov["full"] + cov["top10"]
    assert cov["tracking_another_fund"] == int(snap.funds["source"].str.startswith("tracks ").sum())
    # which lists are not the fund's own file, or only partly: derived, approximated, estimated tails
    assert [d["fund"] for d in cov["derived"]] == ["MAGS", "RSP"]
    assert {a["fund"]: a["by"] for a in cov["approximated"]} == {
        f: s.removeprefix("approximated by ") for f, s in snap.funds["source"].items()
        if s.startswith("approximated by ")}
    assert cov["approximated_by_another_fund"] == len(cov["approximated"]) >= 5
    tails = {t["fund"]: t for t in cov["estimated_tails"]}
    assert {"VTI", "VXUS", "ITOT"} <= set(tails) and tails["VTI"]["holdings"] == 2331
    assert tails["VXUS"]["weight"] == pytest.approx(0.1014)
    assert sum(s["funds"] for s in cov["sources"]) == cov["funds"]
    assert cov["oldest"]["as_of"] == min(d for d in snap.funds["as_of"] if d)
    assert info["notes"] == snap.manifest["notes"]
    assert info["local_fund_files"] == {"folder": str(tmp_path / "funds"), "exists": False,
                                        "funds": [], "problems": []}


def test_data_info_table_shows_tables_dates_and_notes(runner):
    result = runner.invoke(cli, ["data", "info", "--width", "200"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    age = (dt.date.today() - dt.date(2025, 11, 18)).days
    assert "│ fund holdings │ 2025-11-18 │" in out and f"{age} │" in out
    manifest = bubbleguard.load_snapshot().manifest["tables"]
    assert f"fund_holdings.csv │ {manifest['fund_holdings.csv']['rows']:,} │" in out
    assert f"Fund holdings: {manifest['funds.csv']['rows']} funds" in out
    assert "- IVV: merged 1 duplicate rows of the same symbol" in out
    assert "does not exist (none used)" in out
    assert "Derived lists, not the fund's own file (2): MAGS, RSP." in out
    assert "Approximated by a fund of a similar index (5): FSKAX (VTI), IEFA (EFA)" in out
    assert "VXUS (6,193 holdings, 10.14%)" in " ".join(out.split())


# --------------------------------------------------------------------------- funds
def test_funds_list_csv_has_every_fund_with_coverage(runner):
    result = runner.invoke(cli, ["funds", "--format", "csv"])
    assert result.exit_code == 0, result.output
    df = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False).set_index("fund")
    snap = load_snapshot()
    sec = snap.securities
    assert set(df.index) == set(snap.funds.index) | set(sec.index[sec["kind"] == "fund"])
    assert df.loc["QQQ", ["coverage", "holdings", "as_of", "category"]].tolist() == [
        "full", "101", "2025-10-03", "nasdaq100"]
    assert df.loc["513100", "tracks"] == "QQQ"
    assert df.loc["AIQ", "coverage"] == "top10"
    assert df.loc["BND", ["coverage", "asset_class", "source"]].tolist() == [
        "none", "bond", "counted as bond"]


def test_funds_list_filters_by_coverage(runner):
    result = runner.invoke(cli, ["funds", "--coverage", "top10", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["funds"]
    assert len(rows) == int((load_snapshot().funds["coverage"] == "top10").sum())
    assert {r["coverage"] for r in rows} == {"top10"}


def _qqq_by_hand() -> tuple[dict[str, float], float]:
    """QQQ's weight per issuer and in the AI theme, straight from the snapshot tables."""
    snap = load_snapshot()
    held = snap.holdings[snap.holdings["fund"] == "QQQ"]
    issuer = held["symbol"].map(snap.securities["issuer_id"])
    per_issuer = held.groupby(issuer)["weight"].sum()
    ai = float(per_issuer[per_issuer.index.isin(snap.themes["ai"])].sum())
    return per_issuer.to_dict(), ai


def test_funds_qqq_json_matches_the_snapshot_by_hand(runner):
    result = runner.invoke(cli, ["funds", "qqq", "--format", "json"])
    assert result.exit_code == 0, result.output
    fl = json.loads(result.stdout)
    per_issuer, ai = _qqq_by_hand()
    assert fl["fund"] == "QQQ" and fl["coverage"] == "full" and fl["as_of"] == "2025-10-03"
    got = {i["issuer_id"]: i["weight"] for i in fl["issuers"]}
    assert got.keys() == per_issuer.keys()
    assert all(abs(got[k] - v) < 1e-12 for k, v in per_issuer.items())
    assert fl["issuers"][0]["issuer"] == "NVIDIA" and fl["issuers"][0]["symbols"] == ["NVDA"]
    assert abs(fl["themes"]["ai"] - ai) < 1e-12
    unresolved = sum(u["weight"] for u in fl["unresolved"])
    assert abs(unresolved - (1 - sum(per_issuer.values()))) < 1e-12
    assert abs(sum(got.values()) + unresolved + sum(fl["non_equity"].values()) - 1) < 1e-9


def test_funds_qqq_table_and_csv(runner):
    per_issuer, ai = _qqq_by_hand()
    result = runner.invoke(cli, ["funds", "QQQ", "--width", "140", "--top", "3"])
    assert result.exit_code == 0, result.output
    assert "Top 3 of 100 issuers" in result.stdout
    assert "NVIDIA" in result.stdout and f"{per_issuer['NVDA']:.2%}" in result.stdout
    assert f"AI universe: {ai:.1%}" in result.stdout
    assert "part of QQQ not itemised in its holdings file (as of 2025-10-03)" in result.stdout
    result = runner.invoke(cli, ["funds", "QQQ", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["kind"] for r in rows} == {"issuer", "unresolved"}
    assert abs(sum(float(r["weight"]) for r in rows) - 1) < 1e-6


def test_funds_bond_fund_is_its_asset_class(runner):
    result = runner.invoke(cli, ["funds", "BND", "--format", "json"])
    assert result.exit_code == 0, result.output
    fl = json.loads(result.stdout)
    assert fl["issuers"] == [] and fl["non_equity"] == {"bond": 1.0} and fl["coverage"] == "none"


def test_funds_rejects_stocks_and_unknown_symbols(runner):
    result = runner.invoke(cli, ["funds", "NVDA"])
    assert result.exit_code == 2
    assert result.stderr == ("Error: NVDA is a stock (NVIDIA CORP), not a fund; 'bubbleguard funds "
                             "SYMBOL' looks through funds. Run 'bubbleguard funds' for the list.\n")
    result = runner.invoke(cli, ["funds", "QQQX"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: QQQX is not a fund the reference data knows, and no fund-holdings file or plugin "
        "supplies it. Did you mean QQQ? Run 'bubbleguard funds' for the list, or save its "
        "holdings as fund,symbol,weight in your fund-files folder.\n")


# --------------------------------------------------------------------------- parsing
def test_parse_ishares_follows_the_snapshot_builder_rules():
    ff = parse_ishares((FIXTURES / "IVV_holdings.csv").read_bytes(), "IVV")
    h = ff.holdings.set_index("symbol")
    assert ff.as_of == "2025-11-18"
    assert list(h.index[:3]) == ["NVDA", "AAPL", "MSFT"]
    assert h.at["NVDA", "weight"] == pytest.approx(0.0782)
    assert h.at["CASH", "weight"] == pytest.approx(0.0015 + 0.0006)  # money market + USD cash
    assert "ESZ5" not in h.index and h.at["JPM", "weight"] == pytest.approx(0.0146)  # no collateral
    assert ff.weight_sum == pytest.approx(0.4084)
    assert ff.notes == ("IVV: merged 1 duplicate rows of the same symbol",)


def test_parse_ishares_scales_overfull_files_and_drops_negative_cash():
    text = ("Fund Holdings as of,\"Jan 02, 2026\"\n\nTicker,Name,Asset Class,Weight (%),Location\n"
            "AAA,AAA CORP,Equity,60,United States\nBBB,BBB INC,Equity,50,United States\n"
            "USD,USD CASH,Cash,-0.5,United States\nESH6,FUTURE,Futures,1,-\n")
    ff = parse_ishares(text, "TEST")
    assert ff.as_of == "2026-01-02"
    assert ff.holdings.set_index("symbol")["weight"].to_dict() == pytest.approx(
        {"AAA": 0.6 / 1.1, "BBB": 0.5 / 1.1})
    assert ff.notes == ("TEST: left out a negative cash line (-0.5000%); it stays in the fund's "
                        "unresolved remainder",
                        "TEST: weights sum to 110.0000%; scaled down to 100%")


def test_parse_ishares_rejects_a_web_page():
    with pytest.raises(DataError, match="is not an iShares holdings CSV"):
        parse_ishares(b"<html>blocked</html>", "IVV", "https://example.test/x")


def test_local_tickers_map_to_the_company_named(tiny):
    held = pd.DataFrame({"fund": "TEST", "symbol": ["AAA", "BBB", "CCC", "ZZZ"],
                         "weight": [0.1, 0.2, 0.3, 0.4],
                         "name": ["ZETA HOLDINGS", "BBB INC", "OTHER CO", "NEW CO"],
                         "location": ["Japan", "Canada", "United States", "Japan"], "as_of": ""})
    out = match_local_listings(FundFile("TEST", held, "", "x"), tiny)
    assert list(out.holdings["symbol"]) == ["ZZZ", "CCC", "BBB", "AAA.TEST"]
    assert out.notes == ("TEST: 1 local tickers that name another company in the snapshot were "
                         "given its distinct symbol (e.g. AAA.TEST)",)


# --------------------------------------------------------------------------- data refresh
def test_refresh_writes_the_fund_file(runner, server, tmp_path):
    folder = tmp_path / "mine"
    result = runner.invoke(cli, ["data", "refresh", "--fund", "ivv", "--dir", str(folder),
                                 "--base-url", server.url])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Downloading IVV holdings from {server.url}{IVV_PATH}\n"
    path = folder / "IVV.csv"
    assert result.stdout.splitlines() == [
        f"IVV: 12 holdings (40.84% of the fund) as of 2025-11-18 → {path}",
        "  note: IVV: merged 1 duplicate rows of the same symbol",
        f"'bubbleguard check' reads these files from {folder}."]
    assert [p for p, _ in server.seen] == [IVV_PATH]
    assert server.seen[0][1].startswith("bubbleguard/")
    df = read_fund_holdings(path)
    assert list(df.columns) == ["fund", "symbol", "weight", "name", "as_of", "source"]
    assert set(df["fund"]) == {"IVV"} and set(df["as_of"]) == {"2025-11-18"}
    assert set(df["source"]) == {server.url + IVV_PATH}
    assert df.set_index("symbol").at["GOOGL", "weight"] == pytest.approx(0.0292)
    assert not list(folder.glob("*.tmp"))


def test_refreshed_file_feeds_the_look_through(server, tmp_path, monkeypatch):
    monkeypatch.setenv("BUBBLEGUARD_ISHARES_URL", server.url)
    result = CliRunner().invoke(cli, ["data", "refresh", "--fund", "IVV"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "funds" / "IVV.csv"
    report = bubbleguard.check({"IVV": 1.0}, fund_holdings=read_fund_holdings(path))
    weights = {i.issuer_id: i.weight for i in report.exposures.issuers}
    assert weights["NVDA"] == pytest.approx(0.0782)
    assert weights["GOOGL"] == pytest.approx(0.0292 + 0.0235)  # both share classes
    assert report.data_as_of["fund_holdings"] == "2025-11-18"
    assert sum(u.weight for u in report.exposures.unresolved) == pytest.approx(1 - 0.4084)


def test_check_reads_refreshed_snapshot_funds_from_the_folder(server, tmp_path):
    result = CliRunner().invoke(cli, ["data", "refresh", "--fund", "IVV", "--base-url", server.url])
    assert result.exit_code == 0, result.output
    report = bubbleguard.check({"IVV": 1.0})
    assert "holdings of IVV from local fund files" in report.notes
    assert sum(u.weight for u in report.exposures.unresolved) == pytest.approx(1 - 0.4084)


def test_refresh_matches_local_tickers_of_international_funds(runner, server, tmp_path):
    result = runner.invoke(cli, ["data", "refresh", "--fund", "ACWI", "--base-url", server.url])
    assert result.exit_code == 0, result.output
    assert "as of an undated file" in result.stdout
    df = read_fund_holdings(tmp_path / "funds" / "ACWI.csv").set_index("name")
    assert df["symbol"].to_dict() == {
        "APPLE INC": "AAPL", "NVIDIA CORP": "NVDA", "TAIWAN SEMICONDUCTOR MANUFACTURING": "2330",
        "ROYAL BANK OF CANADA": "RY", "AT&T INC": "T", "TELUS CORP": "T.X",
        "SHOPIFY SUBORDINATE VOTING INC CLA": "SHOP"}
    table = runner.invoke(cli, ["data", "info", "--width", "200"]).stdout
    assert "Local fund files in" in table
    assert "│ ACWI │       │        7 │     10.79% │ ACWI.csv │ yes" in table
    info = json.loads(runner.invoke(cli, ["data", "info", "--format", "json"]).stdout)
    assert info["local_fund_files"]["funds"] == [{
        "fund": "ACWI", "file": "ACWI.csv", "holdings": 7, "weight_sum": 0.1079, "as_of": "",
        "in_snapshot": True}]


def test_refresh_defaults_to_supported_funds_already_in_use(tmp_path):
    from bubbleguard.cli.data import _default_targets
    from bubbleguard.reference.refresh import supported_funds

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "IWB.csv").write_text("fund,symbol,weight\nIWB,NVDA,0.07\n", encoding="utf-8")
    (folder / "VSXFX.csv").write_text("fund,symbol,weight\nVSXFX,VTI,1\n", encoding="utf-8")
    targets = _default_targets(folder)
    in_snapshot = set(load_snapshot().funds.index) & set(supported_funds())
    assert set(targets) == in_snapshot | {"IWB"}
    assert {"IVV", "SOXX", "ACWI", "IWB", "QQQ", "ARKK", "DIA"} <= set(targets)
    assert "VSXFX" not in targets and "513100" not in targets


def test_refresh_connection_refused_is_one_paragraph(runner, tmp_path):
    url = f"http://127.0.0.1:{_free_port()}"
    result = runner.invoke(cli, ["data", "refresh", "--fund", "IVV", "--base-url", url])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Downloading IVV holdings from {url}{IVV_PATH}\n"
        f"Error: Could not download the IVV holdings file from {url}{IVV_PATH}: the connection "
        "was refused. Check your internet connection or proxy and try again later; the "
        "fund-files folder was left unchanged for this fund.\n")
    assert not (tmp_path / "funds").exists()


def test_refresh_timeout(runner, server, tmp_path):
    server.mode = "slow"
    start = time.monotonic()
    result = runner.invoke(cli, ["data", "refresh", "--fund", "IVV", "--base-url", server.url,
                                 "--timeout", "0.3"])
    assert time.monotonic() - start < 1.5
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: Could not download the IVV holdings file from {server.url}{IVV_PATH}: the server "
        "did not answer within 0.3 s. Check your internet connection or proxy and try again "
        "later; the fund-files folder was left unchanged for this fund. A longer --timeout may "
        "help on a slow connection.")
    assert not (tmp_path / "funds").exists()


def test_refresh_web_page_instead_of_csv(runner, server):
    server.mode = "html"
    result = runner.invoke(cli, ["data", "refresh", "--fund", "IVV", "--base-url", server.url])
    assert result.exit_code == 2
    assert "is not an iShares holdings CSV (no line starts with 'Ticker,')" in result.stderr
    assert "'bubbleguard data refresh --fund IVV --file PATH'" in result.stderr


def test_refresh_partial_failure_keeps_the_good_files(runner, server, tmp_path):
    result = runner.invoke(cli, ["data", "refresh", "--fund", "IVV", "--fund", "IWB",
                                 "--base-url", server.url])
    assert result.exit_code == 2
    assert (tmp_path / "funds" / "IVV.csv").is_file()
    assert not (tmp_path / "funds" / "IWB.csv").exists()
    error = result.stderr.splitlines()[-1]
    assert error.startswith(f"Error: Could not refresh 1 of 2 funds (1 fund(s) were written to "
                            f"{tmp_path / 'funds'}). Could not download the IWB holdings file")
    assert "the server answered HTTP 404 (Not Found)" in error


def test_refresh_unsupported_fund_fails_before_any_download(runner, server):
    result = runner.invoke(cli, ["data", "refresh", "--fund", "IVV", "--fund", "513100",
                                 "--base-url", server.url])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: '513100' cannot be refreshed: it is not a US fund ticker, "
                                    "and bubbleguard downloads holdings only from iShares, SSGA SPDR,")
    assert server.seen == []


def test_refresh_from_a_file_downloads_nothing(runner, tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    result = runner.invoke(cli, ["data", "refresh", "--fund", "IVV", "--file",
                                 str(FIXTURES / "IVV_holdings.csv")])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Reading IVV holdings from {FIXTURES / 'IVV_holdings.csv'}\n"
    assert len(read_fund_holdings(tmp_path / "funds" / "IVV.csv")) == 12
    result = runner.invoke(cli, ["data", "refresh", "--file", str(FIXTURES / "IVV_holdings.csv")])
    assert result.exit_code == 2 and "name that fund with one --fund" in result.stderr


def test_refresh_list_downloads_nothing(runner, server):
    result = runner.invoke(cli, ["data", "refresh", "--list", "--base-url", server.url])
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("IVV "))
    assert "iShares" in line and "snapshot full as of 2025-11-18" in line
    assert line.endswith(server.url + IVV_PATH)
    iwb = next(ln for ln in result.stdout.splitlines() if ln.startswith("IWB "))
    assert iwb.split()[1:4] == ["iShares", "not", "in"]
    voo = next(ln for ln in result.stdout.splitlines() if ln.startswith("VOO "))
    assert "Vanguard via SEC N-PORT" in voo and voo.endswith(server.url + "/files/company_tickers_mf.json")
    assert server.seen == []


def test_nothing_else_touches_the_network(runner, monkeypatch):
    calls = defaultdict(int)

    def refuse(*args, **kwargs):
        calls["network"] += 1
        raise AssertionError("network used outside 'data refresh'")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    bubbleguard.check({"QQQ": 0.6, "BND": 0.4})
    for args in (["data", "info"], ["funds"], ["funds", "SOXX"]):
        assert runner.invoke(cli, args).exit_code == 0
    assert calls["network"] == 0


@pytest.mark.parametrize(("mode", "said"), [("huge", "the answer is larger than 1 MB"),
                                            ("trickle", "the download took more than 2 s in all")])
def test_refresh_is_bounded_in_size_and_in_time(runner, server, tmp_path, monkeypatch, mode, said):
    from bubbleguard.reference import refresh

    monkeypatch.setattr(refresh, "MAX_DOWNLOAD_BYTES", 1_000_000)
    server.mode = mode
    result = runner.invoke(cli, ["data", "refresh", "--fund", "IVV", "--base-url", server.url,
                                 "--timeout", "0.5"])
    assert result.exit_code == 2 and said in result.stderr
    assert not (tmp_path / "funds").exists()
