"""``bubbleguard scenarios``: the JSON contract, formats, selection and bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bubbleguard.cli import cli

FIXTURES = Path(__file__).parents[1] / "fixtures" / "scenarios"
EXAMPLE = Path(__file__).parents[2] / "examples" / "holdings.csv"
BUILTIN_IDS = ["dotcom", "gfc-2008", "bear-2022", "deepseek-2025", "ai-selloff-2025-11", "ai-unwind"]


def _run(*args: str):
    return CliRunner().invoke(cli, ["scenarios", *args])


def test_cli_json_contract():
    result = _run(str(EXAMPLE), "--format", "json", "--scenarios", str(FIXTURES / "good.toml"))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == "bubbleguard.scenarios/1"
    assert [s["id"] for s in data["scenarios"]] == [*BUILTIN_IDS, "covid-2020", "chip-glut"]
    for s in data["scenarios"]:
        assert {"id", "name", "return", "proxies", "contributions"} <= set(s)
        assert isinstance(s["return"], float) and -1.0 <= s["return"] <= 1.0
        assert set(s["proxies"]) == {"QQQ", "VOO", "NVDA", "MSFT", "SMH", "ARKK", "BND", "CASH"}
        assert {"key", "weight", "return", "contribution"} <= set(s["contributions"][0])
    dotcom = data["scenarios"][0]
    assert dotcom["proxies"]["NVDA"] == "own prices"
    assert dotcom["proxies"]["VOO"].startswith("SPY (")


def test_cli_formats_and_selection(tmp_path):
    table = _run(str(EXAMPLE), "--scenario", "dotcom", "--width", "140")
    assert (
        table.exit_code == 0 and "Dot-com crash" in table.output and "AI unwind" not in table.output
    )
    csv = _run(str(EXAMPLE), "-f", "csv", "--scenario", "ai-unwind")
    assert csv.stdout.splitlines()[0].startswith(
        "scenario,scenario_name,scenario_kind,start,end,breakdown"
    )
    out = tmp_path / "s.md"
    md = _run(str(EXAMPLE), "-f", "markdown", "-o", str(out))
    assert md.exit_code == 0 and out.read_text().startswith("# Stress scenarios: holdings.csv")
    assert _run(str(EXAMPLE), "--scenario", "deepseek-2025", "--fail-below", "-0.05").exit_code == 1
    assert _run(str(EXAMPLE), "--scenario", "deepseek-2025", "--fail-below", "-0.5").exit_code == 0


@pytest.mark.parametrize("name", ["unknown_role.toml", "below_minus_100.toml", "not_toml.toml"])
def test_cli_bad_file_exits_2(name):
    result = _run(str(EXAMPLE), "--scenarios", str(FIXTURES / name))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {FIXTURES / name}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_cli_unknown_id_exits_2():
    result = _run(str(EXAMPLE), "--scenario", "crash-2029")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: Unknown scenario id(s) 'crash-2029'; choose from dotcom, gfc-2008, "
        "bear-2022, deepseek-2025, ai-selloff-2025-11, ai-unwind (or add your own "
        "with a scenario file).\n"
    )
