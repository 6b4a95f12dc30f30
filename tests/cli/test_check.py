"""`bubbleguard check` through click's runner: exit codes, formats and error messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bubbleguard.cli import cli


def test_ai_heavy_example_fails_on_error(run):
    res = run("check", "examples/holdings.csv", "--width", "140")
    assert res.exit_code == 1
    assert "Themes (look-through) against limits" in res.output
    assert "NVIDIA" in res.output and "issuer_cap_exceeded" in res.output


def test_fail_on_levels(run):
    assert run("check", "examples/diversified.csv", "-f", "json").exit_code == 0
    assert run("check", "examples/holdings.csv", "--fail-on", "never", "-f", "json").exit_code == 0
    res = run("check", "examples/diversified.csv", "--fail-on", "info", "-f", "json")
    findings = json.loads(res.output)["findings"]
    assert res.exit_code == (1 if findings else 0)


def test_profile_and_overrides_change_the_verdict(run):
    res = run("check", "examples/diversified.csv", "-f", "json", "--profile", "conservative")
    limits = json.loads(res.output)["policy"]
    assert limits["profile"] == "conservative" and limits["min_asset_class"]["bond"] == 0.35
    res = run("check", "examples/holdings.csv", "-f", "json", "--max-ai", "0.9", "--max-mag7", "0.9",
              "--max-circular", "0.9", "--max-over-market", "0.9", "--max-issuer", "0.5",
              "--max-top10", "0.9", "--min-bond", "0", "--min-gold", "0", "--max-data-age", "10000",
              "--fail-on", "warning")
    assert res.exit_code == 0, json.loads(res.output)["findings"]


def test_output_file_and_formats(run, tmp_path):
    for fmt, marker in (("json", '"schema"'), ("csv", "issuer,issuer_id"), ("markdown", "# bubbleguard"),
                        ("table", "Top 15 issuers")):
        out = tmp_path / f"r.{fmt}"
        res = run("check", "examples/holdings.csv", "-f", fmt, "-o", str(out), "--fail-on", "never")
        assert res.exit_code == 0 and res.stdout == ""
        assert res.stderr.startswith(f"wrote {out} (")
        assert marker in out.read_text()


@pytest.mark.parametrize(("content", "message"), [
    ("", "h.csv"),
    ("symbol,quantity\nNVDA,-3\n", "h.csv: 1 problem(s) in the holdings: line 2: quantity '-3' is negative; "
                                   "short positions are not supported. Fix these rows and run again."),
    ("ticker_name,value_x\nA,1\n", "h.csv"),
])
def test_bad_holdings_exit_2_with_one_paragraph(run, tmp_path, content, message):
    p = tmp_path / "h.csv"
    p.write_text(content)
    res = CliRunner().invoke(cli, ["check", str(p)])
    assert res.exit_code == 2
    assert message in res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.startswith("Error: ") and res.stderr.count("\n") == 1


def test_bad_policy_exit_2(run, tmp_path):
    p = tmp_path / "p.toml"
    p.write_text("max_isuer = 0.1\n")
    res = CliRunner().invoke(cli, ["check", "examples/holdings.csv", "--policy", str(p)])
    assert res.exit_code == 2
    assert res.stderr == (f"Error: Invalid policy in {p}: max_isuer: unknown setting; did you mean "
                          "'max_issuer'? Fix these settings (see 'bubbleguard check --help' for the "
                          "fields).\n")


def test_missing_file_is_a_usage_error(run):
    res = CliRunner().invoke(cli, ["check", "nope.csv"])
    assert res.exit_code == 2 and "does not exist" in res.stderr


def test_unknown_symbol_is_kept_and_suggested(run, tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("symbol,market_value\nNVDAA,100\nVOO,100\n")
    data = json.loads(run("check", str(p), "-f", "json", "--fail-on", "never").output)
    (un,) = [u for u in data["exposures"]["unresolved"] if u["symbol"] == "NVDAA"]
    assert un["weight"] == 0.5 and "did you mean NVDA?" in un["reason"]
    assert any(f["code"] == "unknown_symbol" for f in data["findings"])


def test_funds_file_option(run, tmp_path):
    holdings = tmp_path / "h.csv"
    holdings.write_text("symbol,market_value\nMY401K,1000\n")
    funds = tmp_path / "f.csv"
    funds.write_text("fund,symbol,weight\nMY401K,NVDA,60\nMY401K,MSFT,40\n")
    res = run("check", str(holdings), "--funds", str(funds), "-f", "json", "--fail-on", "never")
    data = json.loads(res.output)
    weights = {i["issuer"]: i["weight"] for i in data["exposures"]["issuers"]}
    assert weights == pytest.approx({"NVIDIA": 0.6, "Microsoft": 0.4})


def test_python_dash_m_and_version(run):
    out = subprocess.run([sys.executable, "-m", "bubbleguard", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "version" in out.stdout


HEAVY = ("scipy", "cvxpy", "networkx", "matplotlib", "pypfopt", "dask", "distributed")


def loaded_after(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport sys\nprint(sorted(m for m in {modules!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"'))


def run_cli(*args: str) -> str:
    return (f"from bubbleguard.cli import cli\ntry:\n    cli({list(args)!r})\n"
            "except SystemExit:\n    pass")


def test_check_path_loads_no_heavy_library():
    code = run_cli("check", "examples/holdings.csv", "-f", "json", "-o", "/dev/null")
    assert loaded_after(code, HEAVY) == []


def test_terminal_report_does_not_need_pydantic():
    """pydantic serves JSON, HTML and validation of user policy input, not the terminal report."""
    code = run_cli("check", "examples/holdings.csv", "-f", "table", "-o", "/dev/null")
    assert loaded_after(code, ("pydantic", *HEAVY)) == []


def test_importing_the_package_and_the_command_line_loads_nothing_heavy():
    """`import bubbleguard` is instant; the command line tunes the collector before pandas loads."""
    assert loaded_after("import bubbleguard, bubbleguard.cli", ("pandas", "numpy", "pydantic", "rich")) == []
    assert loaded_after("import bubbleguard\nbubbleguard.check", ("pandas",)) == ["pandas"]


def test_the_first_screen_leads_with_the_verdict_and_the_exit_code(run):
    res = run("check", "examples/holdings.csv", "--width", "80")
    lines = res.output.splitlines()
    verdict = next(i for i, line in enumerate(lines) if "Verdict:" in line)
    assert verdict < 5
    assert "8 errors, 4 warnings, 1 info, so exit 1 (--fail-on error)" in lines[verdict]
    assert lines.index("Findings") < next(i for i, line in enumerate(lines) if "Themes" in line)
    assert "(generic layout, USD)" in lines[0]
    res = run("check", "examples/holdings.csv", "--width", "80", "--fail-on", "never")
    assert "so exit 0 (--fail-on never)" in res.output and res.exit_code == 0


def test_theme_bars_share_one_scale(run):
    res = run("check", "examples/holdings.csv", "--width", "140")
    names = ("AI universe", "Magnificent 7")
    rows = [line for line in res.output.splitlines() if line.lstrip("│ ").startswith(names)]
    filled = [line.count("█") for line in rows]
    assert len(filled) == 2 and filled[0] != filled[1]  # 63% and 51% no longer look the same


def test_terminal_shows_sectors_fund_data_dates_and_snapshot_prices(run):
    out = run("check", "examples/holdings.csv", "--width", "140", "--fail-on", "never").output
    assert "Sectors (look-through)" in out and "Information Technology" in out
    assert "Fund data: whose holdings, and when" in out
    assert "│ ARKK │ 2024-06-04" in out
    assert "Valued at snapshot prices, not the file's: QQQ (2026-08-03)" in out


EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "holdings.csv")


def test_check_and_rebalance_take_a_theme_file(run, tmp_path):
    path = tmp_path / "themes.csv"
    path.write_text("symbol,theme,member\nNVDA,ai,false\nNVDA,circular_deals,false\n", encoding="utf-8")
    base = json.loads(run("check", EXAMPLE, "-f", "json").stdout)
    mine = json.loads(run("check", EXAMPLE, "--themes", str(path), "-f", "json").stdout)
    nvda = next(i for i in base["exposures"]["issuers"] if i["issuer_id"] == "NVDA")["weight"]
    assert base["exposures"]["themes"]["ai"] - mine["exposures"]["themes"]["ai"] == pytest.approx(nvda)
    assert run("rebalance", EXAMPLE, "--themes", str(path)).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("symbol,theme\nNVDA,bubble\n", encoding="utf-8")
    result = run("check", EXAMPLE, "--themes", str(bad))
    assert result.exit_code == 2 and "theme 'bubble'" in result.output


def _packaged(name):
    import csv
    from importlib import resources

    with resources.files("bubbleguard").joinpath("data", name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_mainland_investor_ai_share_at_home_and_abroad_by_hand(run, tmp_path):
    # a QDII Nasdaq-100 ETF, an A-share optical-module maker, Tencent in Hong Kong (as mainland
    # brokers write it) and a CSI 300 ETF of which the data has the index's top 10 only
    p = tmp_path / "cny.csv"
    p.write_text("symbol,market_value,currency\n513100,40000,CNY\n300308,20000,CNY\n"
                 "00700,15000,CNY\n510300,25000,CNY\n")
    res = run("check", str(p), "--format", "json", "--fail-on", "never")
    assert res.exit_code == 0
    r = json.loads(res.output)
    # totals by hand, from the packaged tables alone: 513100 holds QQQ one for one; QQQ's AI
    # share is the sum of its holdings' weights whose issuer has an AI role
    issuer = {row["symbol"]: row["issuer_id"] for row in _packaged("securities.csv")}
    ai = {row["issuer_id"]: row["country"] for row in _packaged("issuers.csv") if row["role"]}
    held = {(row["fund"], row["symbol"]): float(row["weight"]) for row in _packaged("fund_holdings.csv")
            if row["fund"] in ("513100", "QQQ")}
    assert held == {**{k: v for k, v in held.items() if k[0] == "QQQ"}, ("513100", "QQQ"): 1.0}
    qqq_ai = sum(w for (f, s), w in held.items() if f == "QQQ" and issuer.get(s) in ai)
    qqq_ai_us = sum(w for (f, s), w in held.items()
                    if f == "QQQ" and ai.get(issuer.get(s, "")) == "United States")
    assert ai[issuer["300308"]] == ai[issuer["700"]] == "China"
    domestic, abroad = 0.20 + 0.15, 0.40 * qqq_ai
    split = r["exposures"]["market_split"]
    assert r["total_value"] == 100000.0 and r["currency"] == "CNY"
    assert split["home"] == ["China"]
    assert split["domestic"]["ai"] == pytest.approx(domestic, abs=1e-9)
    assert split["abroad"]["ai"] == pytest.approx(abroad, abs=1e-9)
    assert split["unknown"]["ai"] == 0
    assert split["by_country"]["ai"]["United States"] == pytest.approx(0.40 * qqq_ai_us, abs=1e-9)
    assert r["exposures"]["themes"]["ai"] == pytest.approx(domestic + abroad, abs=1e-9)
    assert 0.23 < abroad < 0.25  # QQQ is about 60% AI universe
    # the CSI 300 fund's rest beyond its index's top 10 stays unresolved, and its position says so
    top10 = sum(float(row["weight"]) for row in _packaged("fund_holdings.csv") if row["fund"] == "510300")
    assert top10 == pytest.approx(0.2203)
    un = {u["symbol"]: u["weight"] for u in r["exposures"]["unresolved"]}
    assert un["510300"] == pytest.approx(0.25 * (1 - top10), abs=1e-9)
    pos = {x["symbol"]: x for x in r["positions"]}
    assert (pos["510300"]["holdings_coverage"], pos["510300"]["holdings_as_of"]) == ("top10", "2025-08-05")
    assert (pos["513100"]["holdings_as_of"], pos["513100"]["holdings_coverage"]) == ("2025-10-03", "full")
    assert pos["300308"]["holdings_coverage"] is None  # a stock has no holdings
    res = run("check", str(p), "--fail-on", "never", "--width", "120")
    assert (f"AI universe 59.0%: 35.0% at home (China), {abroad:.1%} abroad (United States"
            in " ".join(res.output.split()))
