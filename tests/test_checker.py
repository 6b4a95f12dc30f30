"""check() on the bundled snapshot: real-data expectations and the JSON contract."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pytest

import bubbleguard
from bubbleguard.renderers._check import render

RAW_IVV = {"NVDA": 0.0782, "GOOGL": 0.0292, "GOOG": 0.0235}  # iShares IVV file, 2025-11-18


@pytest.fixture(scope="module")
def example():
    return bubbleguard.check("examples/holdings.csv")


def issuer(report, issuer_id):
    return next(i for i in report.exposures.issuers if i.issuer_id == issuer_id)


def test_single_stock_is_all_direct():
    r = bubbleguard.check({"NVDA": 1.0})
    nv = issuer(r, "NVDA")
    assert (nv.weight, nv.direct_weight, nv.via_funds_weight) == (1.0, 1.0, 0.0)
    assert r.exposures.themes == {"magnificent7": 1.0, "ai": 1.0, "circular_deals": 1.0}


def test_share_classes_merge_to_alphabet_with_issuer_weights_from_the_raw_file():
    r = bubbleguard.check({"IVV": 1.0})
    alphabet = issuer(r, "GOOGL")
    assert alphabet.issuer == "Alphabet"
    assert sorted(alphabet.symbols) == ["GOOG", "GOOGL"]
    assert alphabet.weight == pytest.approx(RAW_IVV["GOOGL"] + RAW_IVV["GOOG"])
    assert issuer(r, "NVDA").weight == pytest.approx(RAW_IVV["NVDA"])
    assert issuer(r, "NVDA").via_funds_weight == pytest.approx(RAW_IVV["NVDA"])


def test_qdii_and_mutual_fund_classes_look_through_to_the_tracked_fund():
    qqq = bubbleguard.check({"QQQ": 1.0}).exposures
    for other in ("513100", "160213"):
        ex = bubbleguard.check({other: 1.0}).exposures
        assert ex.themes == pytest.approx(qqq.themes)
    assert bubbleguard.check({"VTSAX": 1}).exposures.themes == pytest.approx(
        bubbleguard.check({"VTI": 1}).exposures.themes)


def test_top10_fund_keeps_an_explicit_remainder():
    r = bubbleguard.check({"AIQ": 1.0})
    (un,) = r.exposures.unresolved
    assert un.symbol == "AIQ" and "top 10" in un.reason
    assert un.weight == pytest.approx(1 - sum(i.weight for i in r.exposures.issuers))
    assert 0.5 < un.weight < 0.65  # AIQ's top 10 are 42.8% of the fund


def test_non_equity_funds_are_asset_classes():
    r = bubbleguard.check({"BND": 40, "GLDM": 10, "VNQ": 10, "SGOV": 10, "VTI": 30})
    ac = r.exposures.asset_classes
    assert ac["bond"] == pytest.approx(0.4) and ac["gold"] == pytest.approx(0.1)
    assert ac["real_estate"] == pytest.approx(0.1)
    assert ac["cash"] == pytest.approx(0.1, abs=0.002)  # SGOV plus VTI's own cash
    assert not any(f.code == "asset_class_floor_missed" for f in r.findings)


def test_conservation_on_the_example(example):
    ex = example.exposures
    non_equity = sum(v for k, v in ex.asset_classes.items() if k != "equity")
    total = sum(i.weight for i in ex.issuers) + non_equity + sum(u.weight for u in ex.unresolved)
    assert total == pytest.approx(1.0, abs=1e-9)
    assert sum(p.weight for p in example.positions) == pytest.approx(1.0)


def test_example_findings_and_context(example):
    codes = {(f.code, f.subject) for f in example.findings}
    assert ("theme_cap_exceeded", "ai") in codes
    assert ("issuer_cap_exceeded", "NVIDIA") in codes
    assert ("asset_class_floor_missed", "gold") in codes
    assert example.exit_code("error") == 1
    ctx = example.market_context
    assert 0.3 < ctx["themes"]["magnificent7"] < 0.4  # the articles' 35-37%
    assert ctx["top10_share"] == pytest.approx(0.4063, abs=1e-3)
    assert example.data_as_of["fund_holdings"] == "2024-06-04"  # ARKK, the oldest fund held


def test_json_contract(example):
    data = json.loads(render(example, "json"))
    assert data["schema"] == "bubbleguard.report/1"
    assert set(data["data_as_of"]) == {"fund_holdings", "fund_holdings_newest", "deals", "prices",
                                       "ai_universe"}
    assert {"symbol", "market_value", "weight", "kind"} <= set(data["positions"][0])
    first = data["exposures"]["issuers"][0]
    assert {"issuer", "symbols", "weight", "direct_weight", "via_funds_weight", "themes"} <= set(first)
    assert first["issuer"] == "NVIDIA" and first["reason"].startswith("Dominant supplier of AI")
    assert first["source"].startswith("deal table D006")  # what backs its place in the AI list
    assert set(data["exposures"]["themes"]) == {"magnificent7", "ai", "circular_deals"}
    assert {"symbol", "weight", "reason"} <= set(data["exposures"]["unresolved"][0])
    assert {"code", "severity", "subject", "value", "limit", "message"} <= set(data["findings"][0])
    cp = data["exposures"]["counterparties"]
    assert {"issuer", "symbols", "weight", "via", "cycles", "dependence"} <= set(cp[0])
    oracle = next(c for c in cp if c["issuer"] == "Oracle")
    assert ["OpenAI", "Oracle", "NVIDIA"] in oracle["cycles"]
    assert [v["symbol"] for v in oracle["via"]] == ["VOO"]


def test_counterparty_via_adds_up(example):
    for c in example.exposures.counterparties:
        assert sum(v["weight"] for v in c.via) == pytest.approx(c.weight)


def test_to_frame_and_other_formats(example):
    df = example.to_frame()
    assert list(df.columns[:3]) == ["issuer", "issuer_id", "symbols"]
    assert df["weight"].is_monotonic_decreasing
    assert set(example.to_frame("findings").columns) >= {"code", "severity"}
    csv = render(example, "csv")
    assert csv.splitlines()[1].startswith("NVIDIA,NVDA,NVDA,")
    md = render(example, "markdown")
    assert "| NVIDIA |" in md and "## Findings" in md
    table = render(example, "table", width=120)
    assert "Circular-deal counterparties you hold" in table


def test_diversified_example_is_clean_under_balanced():
    # on a day when the bundled fund holdings are recent (their age is judged in test_data_age)
    r = bubbleguard.check("examples/diversified.csv", today=dt.date(2025, 12, 1))
    assert r.exit_code("warning") == 0, [f.message for f in r.findings]


def test_user_fund_holdings_override():
    extra = pd.DataFrame({"fund": ["MY401K", "MY401K"], "symbol": ["NVDA", "BND"], "weight": [0.5, 0.5]})
    r = bubbleguard.check({"MY401K": 100.0}, fund_holdings=extra)
    assert issuer(r, "NVDA").weight == pytest.approx(0.5)
    assert r.exposures.asset_classes["bond"] == pytest.approx(0.5)


def test_library_never_prints(capsys, example):
    bubbleguard.check({"QQQ": 1})
    assert capsys.readouterr() == ("", "")


def _leaves(value, path="report"):
    """Every (path, value) leaf of a nested dict/list structure."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, value


def test_report_holds_plain_validated_values(example):
    """check() builds the report without a second validation pass; what it holds must validate."""
    dumped = example.model_dump()
    odd = [(p, type(v).__name__) for p, v in _leaves(dumped)
           if not isinstance(v, (str, int, float, bool, type(None)))]
    assert odd == []
    again = bubbleguard.Report.model_validate(dumped)
    assert again.model_dump() == dumped


def test_findings_render_as_a_list_with_limits(example):
    table = render(example, "table", width=100)
    assert "error    issuer_cap_exceeded  NVIDIA 27.7%, limit 8.0%" in table
    nvda = next(f for f in example.findings if f.code == "issuer_cap_exceeded" and f.subject == "NVIDIA")
    assert " ".join(nvda.message.split()[:4]) in table  # the sentence saying what to do, indented


def test_text_from_data_is_printed_as_is():
    from rich.table import Table

    from bubbleguard.renderers._format import to_text

    t = Table()
    t.add_column("name")
    t.add_row("[bold]Fund[/bold] :smile:")
    assert "[bold]Fund[/bold] :smile:" in to_text(t)


SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_rendered_example_matches_the_stored_snapshot(fmt):
    """The whole rendered report at a fixed width; refresh with UPDATE_SNAPSHOTS=1 after a change."""
    report = bubbleguard.check("examples/holdings.csv", today=dt.date(2026, 11, 21))
    text = "\n".join(line.rstrip() for line in render(report, fmt, width=100).splitlines()) + "\n"
    stored = SNAPSHOTS / f"check_example.{'txt' if fmt == 'table' else 'md'}"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        stored.write_text(text, encoding="utf-8")
    assert text == stored.read_text(encoding="utf-8")


def test_repr_is_one_short_line():
    r = bubbleguard.check("examples/holdings.csv")
    text = repr(r)
    assert "\n" not in text and len(text) < 200
    assert text.startswith("Report(source='holdings.csv', total_value=356,221.66 USD, positions=8")
    assert "8 error, 4 warning, 1 info" in text


def test_fund_positions_say_whose_holdings_and_when_in_every_format(example):
    funds = [p for p in example.positions if p.kind == "fund"]
    assert funds and all(p.holdings_coverage for p in funds)
    dated = [p for p in funds if p.holdings_as_of]
    first, last = min(p.holdings_as_of for p in dated), max(p.holdings_as_of for p in dated)
    assert example.fund_holdings_dates() == f"from {first} to {last}"
    text = render(example, "table", width=120)
    assert f"Fund holdings from {first} to {last}" in text.split("Verdict")[0]  # the headline
    assert f"Fund holdings from {first} to {last}." in render(example, "markdown").splitlines()[2]
    html = render(example, "html")
    for p in funds:  # the data section names every fund, its date, coverage and source
        assert f"<td>{p.symbol}</td><td>{p.holdings_as_of or '—'}</td>" in html
    none = [p for p in funds if p.holdings_coverage == "none"]
    assert none and all(p.holdings_as_of is None and p.holdings_source is None for p in none)
