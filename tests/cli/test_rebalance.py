"""`bubbleguard rebalance` through click's runner: exit codes, formats, files and error messages."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from bubbleguard import check, load_policy
from bubbleguard.cli import cli

EXAMPLE = "examples/holdings.csv"


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["rebalance", *args], catch_exceptions=False)

    return invoke


def test_example_gets_a_plan_and_exit_0(run):
    res = run(EXAMPLE, "--width", "140", "--max-data-age", "10000")
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    assert "bubbleguard rebalance" in out and "Trades" in out and "Guardrails" in out
    assert "NVDA" in out and "sell" in out
    assert "Check after the trades: no warnings or errors." in out
    assert res.stderr == ""


def test_json_plan_follows_the_schema(run):
    res = run(EXAMPLE, "-f", "json")
    assert res.exit_code == 0
    plan = json.loads(res.stdout)
    assert plan["schema"] == "bubbleguard.plan/1" and plan["status"] == "optimal"
    assert plan["objective"] == "min-change" and plan["policy"]["profile"] == "balanced"
    assert {t["side"] for t in plan["trades"]} == {"buy", "sell"}
    assert all(g["met"] for g in plan["guardrails"])
    assert plan["after"]["schema"] == "bubbleguard.report/1"


def test_csv_and_markdown_and_output_file(run, tmp_path):
    res = run(EXAMPLE, "-f", "csv")
    assert res.stdout.splitlines()[0] == "symbol,account,side,shares,value,price,realised_gain,lot"
    out = tmp_path / "plan.md"
    res = run(EXAMPLE, "-f", "markdown", "-o", str(out))
    assert res.exit_code == 0 and res.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# bubbleguard rebalance") and "## Trades" in text


def test_apply_to_writes_holdings_that_pass_check(run, tmp_path):
    after = tmp_path / "after.csv"
    res = run(EXAMPLE, "--apply-to", str(after), "-f", "json")
    assert res.exit_code == 0
    frame = pd.read_csv(after)
    assert {"account", "symbol", "quantity", "market_value", "cost_basis"} <= set(frame.columns)
    report = check(after, policy=load_policy("balanced"))
    assert not [f for f in report.findings if f.code.endswith(("exceeded", "missed"))]
    # the applied holdings need no further trades
    again = run(str(after), "-f", "json")
    assert again.exit_code == 0
    assert sum(t["value"] for t in json.loads(again.stdout)["trades"]) < 0.01 * report.total_value


def test_formula_like_account_names_are_neutralised_and_read_back_as_written(run, tmp_path):
    holdings = tmp_path / "h.csv"
    holdings.write_text('account,symbol,market_value\n"=HYPERLINK(""http://x"")",NVDA,6000\n'
                        "+acc,VOO,3000\n+acc,CASH,1000\n")
    after = tmp_path / "after.csv"
    res = run(str(holdings), "--apply-to", str(after), "-f", "csv")
    assert res.exit_code == 0, res.output
    for text in (res.stdout, after.read_text()):
        cells = [c for line in text.splitlines()[1:] for c in line.split(",")]
        assert not [c for c in cells if c.lstrip('"').startswith(("=", "+", "@"))]
    assert "'=HYPERLINK" in after.read_text() and "'+acc" in after.read_text()
    from bubbleguard import load_holdings

    assert set(load_holdings(after).positions["account"]) == {'=HYPERLINK("http://x")', "+acc"}


def test_conflicting_guardrails_exit_2_with_the_diagnosis(run):
    res = run(EXAMPLE, "--max-turnover", "0.1")
    assert res.exit_code == 2
    assert res.stdout == ""
    err = res.stderr
    assert err.startswith("Error: The guardrails cannot all hold for this portfolio: "
                          "max_turnover (10.0%)")
    assert "The smallest relaxation that works: raise max_turnover from 10.0% to" in err
    assert "--allow-relax" in err and "Traceback" not in err


def test_allow_relax_prints_the_relaxed_plan_and_exits_1(run):
    res = run(EXAMPLE, "--max-turnover", "0.1", "--allow-relax", "-f", "json")
    assert res.exit_code == 1
    plan = json.loads(res.stdout)
    assert plan["status"] == "relaxed" and set(plan["relaxations"]) == {"max_turnover"}
    assert res.stderr.startswith("Warning: no plan meets every guardrail; this one relaxes "
                                 "max_turnover by")


def test_lock_no_sell_cash_and_whole_shares(run):
    res = run(EXAMPLE, "--no-sell", "QQQ", "--cash", "-5000", "--whole-shares", "-f", "json")
    assert res.exit_code == 0, res.stderr
    plan = json.loads(res.stdout)
    assert not [t for t in plan["trades"] if t["symbol"] == "QQQ" and t["side"] == "sell"]
    assert all(float(t["shares"]).is_integer() for t in plan["trades"])
    assert plan["value_after"] == pytest.approx(plan["value_before"] - 5000 - plan["costs"])
    res = run(EXAMPLE, "--lock", "NVDA")
    assert res.exit_code == 2 and "NVDA locked or not to be sold" in res.stderr


def test_universe_file_restricts_the_buys(run, tmp_path):
    universe = tmp_path / "universe.csv"
    universe.write_text("symbol\nBND\nIAU\nVXUS\n", encoding="utf-8")
    res = run(EXAMPLE, "--universe", str(universe), "-f", "json")
    assert res.exit_code == 0, res.stderr
    bought = {t["symbol"] for t in json.loads(res.stdout)["trades"] if t["side"] == "buy"}
    assert bought and bought <= {"BND", "IAU", "VXUS"}


def test_objectives_profiles_and_min_trade(run):
    res = run(EXAMPLE, "--objective", "min-risk", "--profile", "conservative",
              "--min-trade", "1000", "-f", "json")
    assert res.exit_code == 0, res.stderr
    plan = json.loads(res.stdout)
    assert plan["objective"] == "min-risk" and plan["policy"]["profile"] == "conservative"
    assert all(t["value"] >= 1000 - 1e-6 for t in plan["trades"])


def test_bad_input_exits_2(run, tmp_path):
    res = run(EXAMPLE, "--solver", "NOSUCH")
    assert res.exit_code == 2 and "The solver 'NOSUCH' is not installed" in res.stderr
    bad = tmp_path / "u.csv"
    bad.write_text("ticker_list\nBND\n", encoding="utf-8")
    res = run(EXAMPLE, "--universe", str(bad))
    assert res.exit_code == 2 and "needs a 'symbol' column" in res.stderr
    res = run(EXAMPLE, "--objective", "max-return")
    assert res.exit_code == 2 and "max-return" in res.stderr


def test_help_lists_the_options(run):
    res = run("--help")
    for option in ("--objective", "--max-turnover", "--universe", "--lock", "--no-sell", "--cash",
                   "--whole-shares", "--min-trade", "--solver", "--allow-relax", "--apply-to",
                   "--format", "--output", "--profile", "--policy", "--max-ai"):
        assert option in res.stdout


@pytest.mark.parametrize("options", [("--whole-shares",), ("--min-trade", "100"), ("--solver", "HIGHS")])
def test_json_on_stdout_is_json_whatever_the_solver_prints(options):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "bubbleguard", "rebalance", "examples/holdings.csv",
                           *options, "-f", "json"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["schema"] == "bubbleguard.plan/1"


def test_buy_only_buys_and_states_the_shortfall(run):
    res = run(EXAMPLE, "--buy-only", "--cash", "20000", "-f", "json")
    assert res.exit_code == 1
    plan = json.loads(res.stdout)
    assert plan["trades"] and {t["side"] for t in plan["trades"]} == {"buy"}
    assert all(t["shares"] == int(t["shares"]) for t in plan["trades"])
    spent = sum(t["value"] for t in plan["trades"]) + plan["costs"]
    assert spent <= 20000 + 5000 + 1e-6  # the new cash and the 5,000 held, nothing sold
    assert res.stderr.startswith("Warning: the money is not enough to meet every guardrail "
                                 "without selling; short: ")


def test_monthly_gives_a_schedule_that_reaches_the_guardrails(run):
    res = run(EXAMPLE, "--monthly", "20000", "-f", "json")
    assert res.exit_code == 0, res.stderr
    plan = json.loads(res.stdout)
    months = plan["months_to_guardrails"]
    assert months and len(plan["schedule"]) == months
    assert {t["side"] for t in plan["trades"]} == {"buy"}
    per_symbol: dict[str, float] = {}
    for m in plan["schedule"]:
        for t in m["trades"]:
            per_symbol[t["symbol"]] = per_symbol.get(t["symbol"], 0.0) + t["shares"]
    assert per_symbol == {t["symbol"]: t["shares"] for t in plan["trades"]}
    assert plan["cash_change"] == 20000 * months
    table = run(EXAMPLE, "--monthly", "20000")
    assert f"guardrails are met after {months} months" in " ".join(table.stdout.split())


def test_format_html_writes_the_report_with_the_plan_before_and_after(run, tmp_path):
    out = tmp_path / "plan.html"
    res = run(EXAMPLE, "-f", "html", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert 'id="plan"' in page and "after plan" in page  # the plan and its stress comparison
    plan = json.loads(run(EXAMPLE, "-f", "json").stdout)
    for t in plan["trades"]:
        assert f">{t['symbol']}<" in page


# ---------------------------------------------------------------- mainland and Hong Kong accounts
MARKETS = "tests/fixtures/markets"


def _trades(plan):
    return {(t["side"], t["symbol"]): (t["shares"], t["lot"], t["value"]) for t in plan["trades"]}


def test_a_qdii_portfolio_in_cny_buys_a_share_bond_and_gold_etfs_in_whole_lots(run):
    # 40,000 × 2.112 (513100) + 30,000 × 2.286 (513500) + 5,000 cash = 158,060 CNY, no bonds, no gold
    res = run(f"{MARKETS}/qdii_cny.csv", "--market", "cn", "-f", "json")
    assert res.exit_code == 0, res.stderr
    plan = json.loads(res.stdout)
    assert plan["currency"] == "CNY" and plan["after"]["currency"] == "CNY"
    assert plan["value_before"] == pytest.approx(158_060.0)
    assert _trades(plan) == {
        ("sell", "513100"): (22_300, 100, pytest.approx(47_097.60)),   # 223 lots × 100 × 2.112
        ("buy", "511260"): (300, 100, pytest.approx(40_613.40)),       # 3 lots × 100 × 135.378
        ("buy", "518880"): (1_000, 100, pytest.approx(8_433.00)),      # 10 lots × 100 × 8.433
    }
    assert plan["traded_value"] == pytest.approx(96_144.00)
    assert plan["costs"] == pytest.approx(48.072)                      # 0.05% of 96,144
    assert plan["value_after"] == pytest.approx(158_011.928)           # 158,060 - 48.072
    cash = [h for h in plan["holdings_after"] if h["symbol"] == "CASH"]
    # 5,000 + 47,097.6 × 0.9995 - 49,046.4 × 1.0005
    assert cash[0]["market_value"] == pytest.approx(3_003.128)
    floors = {g["constraint"]: g for g in plan["guardrails"]}
    assert floors["min_asset_class.bond"]["after"] == pytest.approx(40_613.40 / 158_011.928)
    assert floors["min_asset_class.gold"]["after"] == pytest.approx(8_433.00 / 158_011.928)
    notes = " ".join(plan["notes"])
    assert "511260 135.378 (2026-07-31)" in notes and "QDII funds (513100, 513500)" in notes


def test_the_qdii_caveat_and_lot_notes_speak_chinese(run):
    res = run(f"{MARKETS}/qdii_cny.csv", "--market", "cn", "--lang", "zh", "--width", "200")
    assert res.exit_code == 0, res.stderr
    assert "QDII 基金（513100, 513500）" in res.stdout and "溢价" in res.stdout
    assert "100 份的整数倍" in res.stdout


def test_a_hong_kong_account_says_it_has_no_bond_or_gold_etf(run):
    res = run(f"{MARKETS}/hk_hkd.csv", "--market", "hk")
    assert res.exit_code == 2
    assert "can buy no fund of bond, gold in the bundled data" in res.stderr
    assert "--min-bond 0 --min-gold 0" in res.stderr


def test_a_hong_kong_account_trades_board_lots_of_each_fund(run):
    # 2,000 × 26.86 (2800) + 30,000 × 5.5 (3033, the export's price) + 30,000 cash = 248,720 HKD
    res = run(f"{MARKETS}/hk_hkd.csv", "--market", "hk", "--min-bond", "0", "--min-gold", "0",
              "-f", "json")
    assert res.exit_code == 0, res.stderr
    plan = json.loads(res.stdout)
    assert plan["currency"] == "HKD" and plan["value_before"] == pytest.approx(248_720.0)
    assert _trades(plan) == {
        ("sell", "3033"): (12_000, 200, pytest.approx(66_000.0)),      # 60 lots of 200 at 5.50
        ("buy", "2800"): (2_000, 500, pytest.approx(53_720.0)),        # 4 lots of 500 at 26.86
    }
    assert plan["costs"] == pytest.approx(59.86)                        # 0.05% of 119,720
    assert plan["value_after"] == pytest.approx(248_660.14)
    position = next(g for g in plan["guardrails"] if g["constraint"] == "max_position")
    assert position["after"] == pytest.approx(99_000 / 248_660.14) and position["met"]
    assert any("no Hong Kong bond, gold or money-market ETF" in n for n in plan["notes"])


def test_a_gbk_mainland_export_goes_through_check_and_a_cn_plan(run):
    export = "tests/fixtures/brokers/cn_broker_tdx_positions.xls"
    checked = CliRunner().invoke(cli, ["check", export, "-f", "json"], catch_exceptions=False)
    assert checked.exit_code == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["currency"] == "CNY" and report["total_value"] == pytest.approx(118_623.0)
    res = run(export, "--market", "cn", "-f", "json")
    assert res.exit_code == 0, res.stderr
    plan = json.loads(res.stdout)
    universe = pd.read_csv("src/bubbleguard/data/universe.csv", dtype=str)
    cn = set(universe.loc[universe["market"] == "cn", "symbol"])
    buys = [t for t in plan["trades"] if t["side"] == "buy"]
    assert buys and {t["symbol"] for t in buys} <= cn
    assert all(t["lot"] == 100 and t["shares"] % 100 == 0 for t in plan["trades"])
    assert plan["after"]["currency"] == "CNY"
    assert all(g["met"] for g in plan["guardrails"])
