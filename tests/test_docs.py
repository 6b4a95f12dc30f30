"""The README's commands and code, and every example, run as written."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bubbleguard.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def cli_lines() -> list[str]:
    lines = [ln.split("#")[0].strip() for b in blocks("bash") for ln in b.splitlines()]
    return [ln for ln in lines if ln.startswith("bubbleguard ")]


def test_readme_starts_with_the_two_commands():
    first = blocks("bash")[0].strip().splitlines()
    assert len(first) == 2
    assert "bubbleguard check examples/holdings.csv" in first[0]
    assert "pytest" in first[1]
    assert "python -m pytest" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("line", cli_lines())
def test_readme_cli_lines(line, tmp_path, monkeypatch):
    args = shlex.split(line)[1:]
    for a in args:
        if a.endswith(".csv") and not (ROOT / a).exists():
            (tmp_path / a).write_text("symbol,market_value\nVOO,600\nBND,300\nGLDM,100\n")
    monkeypatch.chdir(tmp_path)
    for a in args:
        if a.endswith(".csv") and (ROOT / a).exists():
            (tmp_path / a).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / a).write_bytes((ROOT / a).read_bytes())
    res = CliRunner().invoke(cli, args)
    assert res.exit_code in (0, 1), res.output + (res.stderr or "")


def test_readme_python_blocks(monkeypatch):
    monkeypatch.chdir(ROOT)
    for code in blocks("python"):
        exec(compile(code, "README.md", "exec"), {})


def test_readme_policy_example_is_valid(tmp_path):
    from bubbleguard import load_policy

    toml = next(b for b in blocks("toml") if b.startswith("profile"))
    p = tmp_path / "p.toml"
    p.write_text(toml)
    pol = load_policy(path=p)
    assert pol.max_theme["ai"] == 0.25 and pol.min_asset_class["gold"] == 0.07


def test_readme_scenario_example_is_valid(tmp_path):
    from bubbleguard.scenarios import run_scenarios

    toml = next(b for b in blocks("toml") if "[[hypothetical]]" in b)
    p = tmp_path / "s.toml"
    p.write_text(toml)
    results = run_scenarios({"NVDA": 1.0}, ["chip-glut"], file=p)
    assert results["chip-glut"].return_ == pytest.approx(-0.40)


@pytest.mark.parametrize("script", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
def test_example_scripts_run(script):
    out = subprocess.run([sys.executable, str(ROOT / "examples" / script)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()
