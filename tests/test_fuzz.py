"""Fuzzing the inputs: whatever a user writes, the package answers with a report or its own error.

Each property runs a bounded number of generated files in CI; maintainers run longer with
``HYPOTHESIS_PROFILE=fuzz`` (thousands of examples per property). Asserted everywhere: no
exception but the package's own, strict JSON (no NaN or Infinity), look-through that conserves
value to 1e-9, and a result that does not depend on the order of the rows.
"""

from __future__ import annotations

import json
import os
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bubbleguard
from bubbleguard.errors import BubbleguardError

settings.register_profile("ci", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                 HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                 HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SYMBOLS = ["VOO", "QQQ", "NVDA", "BND", "GLD", "SGOV", "SPAXX", "CASH", "VNQ", "513100", "00700",
           "ZZZQ", "=HYPERLINK(1)", "brk b", "", "<b>x</b>", "-cmd|x", "@SUM(1)", "Z\x1b]8;;u\x07Q"]
HEADERS = ["symbol", "Symbol", "Ticker", "quantity", "Qty", "market_value", "Current Value", "price",
           "currency", "account", "cost_basis", "asset_class", "Description", "Type", "证券代码", "市值"]
CELLS = st.one_of(
    st.sampled_from(SYMBOLS),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**20, 10**20).map(str),
    st.sampled_from(["$1,234.56", "(12.50)", "1.234,56", "--", "n/a", "USD", "HKD", "CNY", "bond",
                     "equity", "gold", "1e308", "-0", "\x1b[2J", '"', "'", "\t"]),
    st.text(string.printable + "中文€£", max_size=12),
)


def strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"{constant} in the JSON output")

    return json.loads(text, parse_constant=refuse)


def conserved(report: bubbleguard.Report) -> float:
    ex = report.exposures
    total = (sum(i.weight for i in ex.issuers) + sum(u.weight for u in ex.unresolved)
             + sum(v for k, v in ex.asset_classes.items() if k != "equity"))
    return abs(total - 1.0)


@st.composite
def holdings_files(draw: st.DrawFn) -> tuple[str, list[str]]:
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6, unique=True))
    rows = draw(st.lists(st.lists(CELLS, min_size=len(header), max_size=len(header)),
                         min_size=0, max_size=8))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))

    def line(cells: list[str]) -> str:
        return delimiter.join('"' + c.replace('"', '""') + '"' if delimiter in c or '"' in c
                              or "\n" in c else c for c in cells)

    preamble = draw(st.lists(st.text(string.ascii_letters + " :,", max_size=30), max_size=2))
    return "\n".join([*preamble, line(header), *(line(r) for r in rows)]) + "\n", header


@given(case=holdings_files(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_any_holdings_file_gives_a_report_or_a_clear_error(tmp_path: Path, snapshot, case, encoding):
    text, _ = case
    path = tmp_path / "holdings.csv"
    try:
        path.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        path.write_bytes(text.encode("utf-8"))
    try:
        report = bubbleguard.check(path, snapshot=snapshot)
    except BubbleguardError as exc:
        message = str(exc)
        assert message and "Traceback" not in message and len(message) < 5_000
        return
    strict_json(bubbleguard.render(report, "json"))
    assert conserved(report) < 1e-9
    assert report.total_value == pytest.approx(sum(p.market_value for p in report.positions))
    neutralised(report)


FORMULA = ("=", "+", "-", "@", "\t", "\r")


def neutralised(report: bubbleguard.Report) -> None:
    """No control character in any text output, no formula in a CSV cell, no HTML in Markdown."""
    import csv
    import io
    import re

    outputs = {fmt: bubbleguard.render(report, fmt, width=100) for fmt in ("table", "csv", "markdown")}
    for fmt, text in outputs.items():
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text), fmt
    assert "<" not in outputs["markdown"]
    for row in csv.reader(io.StringIO(outputs["csv"])):
        for cell in row:
            try:
                float(cell)
            except ValueError:
                assert not cell.startswith(FORMULA), cell


@given(weights=st.dictionaries(st.sampled_from(SYMBOLS[:12]), st.floats(0.001, 1e6), min_size=1,
                               max_size=8), seed=st.randoms(use_true_random=False))
def test_the_order_of_the_rows_does_not_matter(snapshot, weights, seed):
    items = list(weights.items())
    shuffled = items[:]
    seed.shuffle(shuffled)
    a = bubbleguard.check(dict(items), snapshot=snapshot)
    b = bubbleguard.check(dict(shuffled), snapshot=snapshot)
    assert a.exposures.themes == pytest.approx(b.exposures.themes, abs=1e-12)
    assert a.exposures.asset_classes == pytest.approx(b.exposures.asset_classes, abs=1e-12)
    assert sorted((f.code, f.subject) for f in a.findings) == \
        sorted((f.code, f.subject) for f in b.findings)
    assert conserved(a) < 1e-9


TOML_VALUES = st.one_of(st.floats(allow_nan=True).map(repr), st.integers(-5, 5).map(str),
                        st.sampled_from(['"x"', "true", "[1, 2]", "{ ai = 0.2 }", "0.2", "1e400"]))


@given(body=st.lists(st.tuples(st.sampled_from(["max_issuer", "max_theme", "max_top10", "profile",
                                               "min_asset_class", "maxissuer", "max_position",
                                               "max_theme_over_market", "error_margin"]),
                               TOML_VALUES), max_size=5, unique_by=lambda kv: kv[0]))
def test_any_policy_file_loads_or_is_refused_clearly(tmp_path: Path, body):
    path = tmp_path / "policy.toml"
    path.write_text("\n".join(f"{k} = {v}" for k, v in body) + "\n", encoding="utf-8")
    try:
        bubbleguard.load_policy(None, path)
    except BubbleguardError as exc:
        assert str(exc)


@given(rows=st.lists(st.lists(st.one_of(st.sampled_from(
    ["NVIDIA", "OpenAI", "2025-09-22", "1", "equity_investment", "confirmed", "1e400", "-5", ""]),
    st.text(max_size=8)), min_size=9, max_size=9), max_size=5))
def test_any_deal_file_loads_or_is_refused_clearly(tmp_path: Path, rows):
    from bubbleguard.deals import COLUMNS, load_deals

    path = tmp_path / "deals.csv"
    lines = [",".join(COLUMNS[:9])] + [",".join('"' + c.replace('"', '""') + '"' for c in r)
                                       for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        load_deals(path)
    except BubbleguardError as exc:
        assert str(exc)


@given(body=st.sampled_from(["[[hypothetical]]\nid = 'x'\nname = 'X'\n[hypothetical.shocks]\n",
                             "[[historical]]\nid = 'y'\nname = 'Y'\n"]),
       extra=st.lists(st.tuples(st.sampled_from(["start", "end", "role", "issuer", "theme"]),
                                TOML_VALUES), max_size=3, unique_by=lambda kv: kv[0]))
def test_any_scenario_file_loads_or_is_refused_clearly(tmp_path: Path, snapshot, body, extra):
    from bubbleguard.scenarios import load_scenarios

    path = tmp_path / "scenarios.toml"
    path.write_text(body + "\n".join(f"{k} = {v}" for k, v in extra) + "\n", encoding="utf-8")
    try:
        load_scenarios(path, snapshot=snapshot)
    except BubbleguardError as exc:
        assert str(exc)


@given(value=TOML_VALUES, dimension=st.sampled_from(["asset_class = { equity = %s }",
                                                      "symbol = { NVDA = %s }", "dependence_extra = %s"]))
def test_any_shock_gives_strict_results_or_a_clear_error(tmp_path: Path, snapshot, value, dimension):
    from bubbleguard.scenarios import run_scenarios

    path = tmp_path / "scenarios.toml"
    path.write_text("[[hypothetical]]\nid = 'x'\nname = 'X'\n[hypothetical.shocks]\n"
                    + dimension % value + "\n", encoding="utf-8")
    try:
        results = run_scenarios({"NVDA": 0.5, "BND": 0.5}, ["x"], file=path, snapshot=snapshot)
    except BubbleguardError as exc:
        assert str(exc)
        return
    strict_json(bubbleguard.render(results, "json"))
