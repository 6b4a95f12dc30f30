"""Tests for the plugin hooks, through the example plugin (``examples/bubbleguard-plugin-example``).

Nothing is installed: the example module is registered into a fresh pluggy manager that
replaces ``bubbleguard.plugins.plugin_manager`` (a ``functools.cache``d function), and
entry-point loading is tested with a ``.dist-info`` folder put on ``sys.path``, which is what
``pip install`` leaves behind. Expected exposures are computed by hand from the snapshot tables.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import sys
import tomllib
from collections import defaultdict
from importlib.metadata import entry_points
from pathlib import Path

import pluggy
import pytest
from click.testing import CliRunner

import bubbleguard
from bubbleguard import plugins
from bubbleguard.cli import cli
from bubbleguard.reference import load_snapshot

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "bubbleguard-plugin-example"
EXAMPLE_SRC = EXAMPLE / "src"
DATA = EXAMPLE_SRC / "bubbleguard_plugin_example" / "data" / "target_date_funds.csv"
CODE = "example_hidden_ai_exposure"


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
def example(monkeypatch):
    """Import the example plugin module from its source folder."""
    monkeypatch.syspath_prepend(str(EXAMPLE_SRC))
    return importlib.import_module("bubbleguard_plugin_example")


@pytest.fixture
def pm(monkeypatch, example, tmp_path):
    """Make bubbleguard use a plugin manager with the built-ins and the example plugin."""
    monkeypatch.setenv("BUBBLEGUARD_FUNDS_DIR", str(tmp_path / "no-funds"))
    manager = pluggy.PluginManager("bubbleguard")
    manager.add_hookspecs(plugins.HookSpecs)
    manager.register(plugins._Builtins(), name="bubbleguard.builtins")
    manager.register(example, name="example")
    monkeypatch.setattr(plugins, "plugin_manager", lambda: manager)
    return manager


@pytest.fixture
def fresh_cli(monkeypatch):
    """Yield the CLI group with plugin commands not yet loaded; restore it afterwards."""
    saved = dict(cli.commands)
    monkeypatch.setattr(cli, "_plugins_loaded", False, raising=False)
    yield cli
    cli.commands.clear()
    cli.commands.update(saved)


@pytest.fixture
def real_manager(monkeypatch):
    """Let ``plugin_manager()`` build a new manager, and forget it after the test."""
    plugins.plugin_manager.cache_clear()
    yield
    plugins.plugin_manager.cache_clear()


# --------------------------------------------------------------------------- by hand
def _mix() -> dict[str, float]:
    """Read the target-date fund's holdings from the plugin's CSV with the csv module."""
    with DATA.open(encoding="utf-8") as fh:
        return {r["symbol"]: float(r["weight"]) for r in csv.DictReader(fh) if r["fund"] == "VSXFX"}


def _by_hand(weights: dict[str, float]) -> dict[str, dict[str, float]]:
    """Recursive look-through over the snapshot tables, written independently of lookthrough.py."""
    snap = load_snapshot()
    sec = snap.securities
    held = defaultdict(list)
    for f, s, w in snap.holdings[["fund", "symbol", "weight"]].itertuples(index=False):
        held[f].append((s, w))
    out: dict[str, dict[str, float]] = {"issuer": defaultdict(float), "asset": defaultdict(float),
                                        "unresolved": defaultdict(float)}

    def walk(symbol: str, w: float) -> None:
        kind, cls = sec.at[symbol, "kind"], sec.at[symbol, "asset_class"]
        if kind == "stock":
            out["issuer"][sec.at[symbol, "issuer_id"]] += w
        elif kind == "cash":
            out["asset"]["cash"] += w
        elif cls != "equity":
            out["asset"][cls] += w
        elif held[symbol]:
            total = sum(h for _, h in held[symbol])
            scale = 1.0 / total if total > 1.0 else 1.0  # a list over 100% (round-off) is scaled
            for s, h in held[symbol]:
                walk(s, w * h * scale)
            rest = 1.0 - total * scale
            if rest > 0:
                out["unresolved"][symbol] += w * rest
        else:
            out["unresolved"][symbol] += w

    for symbol, w in weights.items():
        walk(symbol, w)
    return out


# --------------------------------------------------------------------------- the hooks
def test_example_registers_a_rule_a_provider_and_builtins_come_first(pm, example):
    rules = plugins.rules()
    assert rules[-1] is example.hidden_ai_exposure
    from bubbleguard.rules import BUILTIN_RULES

    assert rules[: len(BUILTIN_RULES)] == list(BUILTIN_RULES)
    providers = plugins.providers()
    assert isinstance(providers[0], example.TargetDateFunds)
    assert isinstance(providers[0], plugins.Provider)
    assert providers[-1].name == "local fund files"


def test_provider_answers_only_for_its_funds(example):
    provider = example.TargetDateFunds()
    assert provider.fund_holdings(["QQQ", "XYZ"]) is None
    df = provider.fund_holdings(["VSXFX", "QQQ"])
    assert list(df.columns) == ["fund", "symbol", "weight", "as_of"]
    assert dict(zip(df["symbol"], df["weight"], strict=True)) == _mix()
    assert sum(_mix().values()) == pytest.approx(1.0, abs=1e-9)


def test_provider_holdings_drive_the_look_through(pm):
    report = bubbleguard.check({"VSXFX": 1.0})
    assert report.notes[-1] == ("holdings of VSXFX from example plugin (target-date funds from "
                                "SEC filings)")
    hand = _by_hand(_mix())
    got = {i.issuer_id: i.weight for i in report.exposures.issuers}
    assert got.keys() == {k for k, v in hand["issuer"].items() if v > 0}
    assert max(abs(got[k] - v) for k, v in hand["issuer"].items()) < 1e-12
    mix = _mix()
    assert hand["asset"]["bond"] >= mix["BND"] + mix["BNDX"]  # plus bond funds VXUS lists
    assert report.exposures.asset_classes["bond"] == pytest.approx(hand["asset"]["bond"], abs=1e-12)
    assert report.exposures.asset_classes["cash"] == pytest.approx(hand["asset"]["cash"], abs=1e-12)
    unresolved = defaultdict(float)
    for u in report.exposures.unresolved:
        unresolved[u.origin] += u.weight
    assert dict(unresolved) == pytest.approx(dict(hand["unresolved"]), abs=1e-12)
    ai = sum(v for k, v in hand["issuer"].items() if k in load_snapshot().themes["ai"])
    assert report.exposures.themes["ai"] == pytest.approx(ai, abs=1e-12)
    assert report.data_as_of["fund_holdings"] == "2019-12-31"


def test_rule_flags_ai_exposure_through_funds(pm):
    report = bubbleguard.check({"VSXFX": 1.0})
    found = [f for f in report.findings if f.code == CODE]
    assert len(found) == 1
    f = found[0]
    hand = _by_hand(_mix())
    via = sum(v for k, v in hand["issuer"].items() if k in load_snapshot().themes["ai"])
    assert (f.severity, f.subject, f.limit) == ("info", "ai", 0.10)
    assert f.value == pytest.approx(via, abs=1e-12)
    assert f.message == (f"{via:.1%} of the portfolio is in AI-concentrated issuers held through "
                         f"funds (VSXFX {via:.1%}), more than the 0.0% held in them directly; run "
                         "'bubbleguard funds SYMBOL' to see what each fund holds.")


@pytest.mark.parametrize("holdings", [
    {"NVDA": 0.3, "QQQ": 0.2, "BND": 0.5},   # 12% through QQQ, but 30% held directly
    {"QQQ": 0.1, "BND": 0.9},                # 6% through QQQ: under the 10% threshold
])
def test_rule_is_silent_below_threshold_or_direct_holdings(pm, holdings):
    report = bubbleguard.check(holdings)
    assert CODE not in {f.code for f in report.findings}


def test_rule_counts_only_funds_as_carriers(pm):
    report = bubbleguard.check({"QQQ": 0.3, "SOXX": 0.2, "NVDA": 0.05, "BND": 0.45})
    f = next(f for f in report.findings if f.code == CODE)
    assert "(QQQ " in f.message and "SOXX " in f.message and "NVDA " not in f.message.split(")")[0]


# --------------------------------------------------------------------------- the CLI
def test_command_appears_in_the_cli(pm, fresh_cli):
    runner = CliRunner()
    result = runner.invoke(fresh_cli, ["--help"])
    assert result.exit_code == 0 and "example-funds" in result.stdout
    result = runner.invoke(fresh_cli, ["example-funds"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("VSXFX  holdings as of 2019-12-31  (source: https://www.sec.gov/")
    assert lines[1].startswith("   53.93%  VTI   Vanguard Total Stock Market Index Fund")


def test_check_and_funds_commands_use_the_plugin(pm, fresh_cli, tmp_path):
    holdings = tmp_path / "401k.csv"
    holdings.write_text("symbol,market_value\nVSXFX,250000\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(fresh_cli, ["check", str(holdings), "--format", "json",
                                       "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    assert CODE in {f["code"] for f in json.loads(result.stdout)["findings"]}
    result = runner.invoke(fresh_cli, ["funds", "VSXFX", "--format", "json"])
    assert result.exit_code == 0, result.output
    fl = json.loads(result.stdout)
    assert fl["source"] == "example plugin (target-date funds from SEC filings)"
    assert fl["as_of"] == "2019-12-31"
    assert fl["non_equity"]["bond"] == pytest.approx(_by_hand(_mix())["asset"]["bond"], abs=1e-12)


# --------------------------------------------------------------------------- packaging
def test_pyproject_declares_the_entry_point_and_ships_the_data():
    meta = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["build-system"]["build-backend"] == "hatchling.build"
    entry = meta["project"]["entry-points"]["bubbleguard"]
    assert entry == {"example": "bubbleguard_plugin_example"}
    assert meta["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [
        "src/bubbleguard_plugin_example"]
    assert DATA.is_file() and (EXAMPLE / "README.md").is_file()


def _dist_info(folder: Path) -> None:
    """Write what ``pip install`` leaves: METADATA and entry_points.txt from the pyproject."""
    meta = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    d = folder / f"bubbleguard_plugin_example-{meta['version']}.dist-info"
    d.mkdir(parents=True)
    (d / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {meta['name']}\n"
                                f"Version: {meta['version']}\n", encoding="utf-8")
    eps = io.StringIO()
    for group, items in meta["entry-points"].items():
        eps.write(f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in items.items()))
    (d / "entry_points.txt").write_text(eps.getvalue(), encoding="utf-8")


def test_entry_point_is_loaded_lazily_by_plugin_manager(monkeypatch, tmp_path, real_manager):
    _dist_info(tmp_path / "site")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.syspath_prepend(str(EXAMPLE_SRC))
    monkeypatch.delenv("BUBBLEGUARD_NO_PLUGINS", raising=False)
    monkeypatch.setenv("BUBBLEGUARD_FUNDS_DIR", str(tmp_path / "no-funds"))
    importlib.invalidate_caches()
    found = {ep.name: ep.value for ep in entry_points(group="bubbleguard")}
    assert found.get("example") == "bubbleguard_plugin_example"
    manager = plugins.plugin_manager()
    module = manager.get_plugin("example")
    assert module is sys.modules["bubbleguard_plugin_example"]
    assert module.hidden_ai_exposure in plugins.rules()
    report = bubbleguard.check({"VSXFX": 1.0})
    assert CODE in {f.code for f in report.findings}


def test_no_plugins_switch_skips_entry_points(monkeypatch, tmp_path, real_manager):
    _dist_info(tmp_path / "site")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.syspath_prepend(str(EXAMPLE_SRC))
    monkeypatch.setenv("BUBBLEGUARD_NO_PLUGINS", "1")
    importlib.invalidate_caches()
    manager = plugins.plugin_manager()
    assert manager.get_plugin("example") is None
    assert manager.get_plugin("bubbleguard.builtins") is not None
