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
