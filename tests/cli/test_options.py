"""One input wiring: every command computes on the same holdings, fund data and policy."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bubbleguard.cli import cli

EXAMPLE = Path(__file__).parents[2] / "examples" / "holdings.csv"


def run(*args: str) -> dict:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def keys(obj: object) -> set[str]:
    """Every key at every depth of a JSON value."""
    if isinstance(obj, dict):
        return set(obj) | {k for v in obj.values() for k in keys(v)}
    if isinstance(obj, list):
        return {k for v in obj for k in keys(v)}
    return set()


def test_scenarios_are_the_same_through_check_and_through_scenarios(tmp_path, monkeypatch):
    funds = tmp_path / "funds"
    funds.mkdir()
    # one local fund file: QQQ as 100% NVIDIA, which the ai-unwind shock hits hard
    (funds / "qqq.csv").write_text("fund,symbol,weight\nQQQ,NVDA,1.0\n", encoding="utf-8")
    monkeypatch.setenv("BUBBLEGUARD_FUNDS_DIR", str(funds))
    via_check = run("check", str(EXAMPLE), "--scenarios", "-f", "json", "--fail-on", "never")["scenarios"]
    direct = run("scenarios", str(EXAMPLE), "-f", "json")
    assert any("QQQ" in n and "local fund files" in n for n in run(
        "check", str(EXAMPLE), "-f", "json", "--fail-on", "never")["notes"])
    by_id = {s["id"]: s["return"] for s in direct["scenarios"]}
    assert {s["id"]: s["return"] for s in via_check["scenarios"]} == by_id
    monkeypatch.delenv("BUBBLEGUARD_FUNDS_DIR")
    bundled = {s["id"]: s["return"] for s in run("scenarios", str(EXAMPLE), "-f", "json")["scenarios"]}
    assert bundled["ai-unwind"] != by_id["ai-unwind"]  # the local file mattered
    assert keys(via_check) == keys(direct) and "return" in keys(direct) and "return_" not in keys(direct)


def test_every_command_reads_the_same_funds_file(tmp_path):
    funds = tmp_path / "extra.csv"
    funds.write_text("fund,symbol,weight\nQQQ,NVDA,1.0\n", encoding="utf-8")
    report = run("check", str(EXAMPLE), "--funds", str(funds), "-f", "json", "--fail-on", "never")
    plan = run("rebalance", str(EXAMPLE), "--funds", str(funds), "-f", "json")
    scen = run("scenarios", str(EXAMPLE), "--funds", str(funds), "-f", "json")
    via = run("check", str(EXAMPLE), "--funds", str(funds), "--scenarios", "-f", "json",
              "--fail-on", "never")["scenarios"]
    assert plan["before"]["exposures"]["themes"] == report["exposures"]["themes"]
    assert [s["return"] for s in scen["scenarios"]] == [s["return"] for s in via["scenarios"]]


def test_funds_and_deals_read_the_same_inputs(tmp_path):
    funds = tmp_path / "extra.csv"
    funds.write_text("fund,symbol,weight\nQQQ,NVDA,1.0\n", encoding="utf-8")
    fund = run("funds", "QQQ", "--funds", str(funds), "-f", "json")
    assert fund["source"] == "user fund-holdings file" and fund["themes"]["ai"] == 1.0
    report = run("check", str(EXAMPLE), "--funds", str(funds), "-f", "json", "--fail-on", "never")
    nvda = next(c for c in report["exposures"]["counterparties"] if c["issuer_id"] == "NVDA")
    deals = run("deals", "--holdings", str(EXAMPLE), "--funds", str(funds), "-f", "json")
    node = next(n for n in deals["nodes"] if n["id"] == "NVIDIA")
    assert node["exposure"] == nvda["weight"]


ENGLISH_HEADINGS = ("Findings", "Verdict", "Themes (look-through)", "Top-10 issuers", "Asset classes",
                    "Sectors", "Fund data", "Circular-deal", "Data as of", "Unresolved", "holdings;",
                    "of the portfolio", "limit", "via funds")


def test_check_in_chinese_has_no_english_heading():
    res = CliRunner().invoke(cli, ["check", str(EXAMPLE), "--lang", "zh", "--width", "140"])
    assert res.exit_code == 1, res.output
    for word in ("七巨头", "AI 概念股", "循环交易参与方", "穿透", "发现的问题", "结论：", "资产类别",
                 "数据日期", "US$356,222", "NVIDIA 占组合的 27.7%"):
        assert word in res.stdout, word
    assert [w for w in ENGLISH_HEADINGS if w in res.stdout] == []


def test_the_locale_picks_chinese_and_lang_overrides_it(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    zh = CliRunner().invoke(cli, ["check", str(EXAMPLE), "-f", "markdown"])
    assert "## 发现的问题" in zh.stdout and "七巨头" in zh.stdout
    en = CliRunner().invoke(cli, ["check", str(EXAMPLE), "-f", "markdown", "--lang", "en"])
    assert "## Findings" in en.stdout and "七巨头" not in en.stdout
    monkeypatch.setenv("LC_ALL", "C")  # LC_ALL wins over LANG
    assert "## Findings" in CliRunner().invoke(cli, ["check", str(EXAMPLE), "-f", "markdown"]).stdout


def test_json_in_chinese_is_pure_json_with_english_keys_and_chinese_messages():
    zh = run("check", str(EXAMPLE), "-f", "json", "--lang", "zh")
    en = run("check", str(EXAMPLE), "-f", "json")
    assert keys(zh) == keys(en)
    assert [f["code"] for f in zh["findings"]] == [f["code"] for f in en["findings"]]
    assert zh["exposures"]["themes"] == en["exposures"]["themes"]
    assert "七巨头" in next(f["message"] for f in zh["findings"] if f["subject"] == "magnificent7")
    assert next(f["message"] for f in en["findings"] if f["subject"] == "magnificent7").startswith("51.4%")


def test_errors_and_help_in_chinese(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["check", str(empty), "--lang", "zh"])
    assert res.exit_code == 2
    assert res.stderr == ("错误：empty.csv 是空文件。请重新导出持仓，或写一个带表头（如 symbol,quantity）"
                          "的 CSV。\n")
    helped = CliRunner().invoke(cli, ["check", "--help", "--lang", "zh"]).stdout
    assert helped.startswith("用法：cli check [OPTIONS] HOLDINGS") and "显示本帮助并退出。" in helped
    assert "--lang [zh|en]" in helped and "选项" in helped


def test_the_command_line_leaves_the_library_in_english():
    from bubbleguard import i18n

    CliRunner().invoke(cli, ["check", str(EXAMPLE), "--lang", "zh"])
    assert i18n.get_language() == "en"
