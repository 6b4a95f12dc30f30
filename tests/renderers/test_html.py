"""The HTML report: every section, escaped text, no external references, renders in Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from click.testing import CliRunner

import bubbleguard
from bubbleguard.cli import cli
from bubbleguard.deals import bundled_graph
from bubbleguard.renderers._html import SECTIONS, report_html

EXAMPLE = Path(__file__).parents[2] / "examples" / "holdings.csv"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NASTY = '<script>alert("x")</script> & "my" <holdings>.csv'


def _fake_plan() -> SimpleNamespace:
    """Build a stand-in with the attributes the report reads (when the planner is missing)."""
    after = pd.DataFrame(
        {
            "account": ["a"] * 4,
            "symbol": ["VOO", "NVDA", "BND", "GLDM"],
            "market_value": [200_000.0, 25_000.0, 100_000.0, 31_000.0],
        }
    )
    trade = SimpleNamespace(side="sell", symbol="NVDA", account="a", shares=100.0, value=20_000.0)
    return SimpleNamespace(
        objective="min-change",
        status="optimal",
        currency="USD",
        trades=[trade],
        guardrails=[],
        notes=["fake plan"],
        before=bubbleguard.check(EXAMPLE),
        after=bubbleguard.check(after),
        post_trade_holdings=lambda: after,
    )


@pytest.fixture(scope="module")
def plan():
    try:
        from bubbleguard.planner import rebalance
    except ImportError:
        return _fake_plan()
    return rebalance(EXAMPLE)


@pytest.fixture(scope="module")
def report():
    return bubbleguard.check(EXAMPLE, scenarios=True).model_copy(update={"source": NASTY})


@pytest.fixture(scope="module")
def page(report):
    return report_html(report, deals=bundled_graph(report.deals_used))


@pytest.fixture(scope="module")
def page_with_plan(plan):
    results = bubbleguard.run_scenarios(EXAMPLE, plan=plan)
    return report_html(plan.before, plan=plan, scenarios=results,
                       deals=bundled_graph(plan.before.deals_used))


def test_the_page_shows_what_it_is_given_and_computes_nothing(monkeypatch, report):
    import bubbleguard.scenarios._run as run

    def refuse(*args, **kwargs):
        raise AssertionError("a renderer ran the scenarios")

    monkeypatch.setattr(run, "run_scenarios", refuse)
    bare = report.model_copy(update={"scenarios": None})
    html = report_html(bare)
    assert "No scenarios were run." in html and '<section id="deals">' in html


def test_every_section_is_present(page, page_with_plan):
    for sid in SECTIONS:
        if sid != "plan":
            assert f'<section id="{sid}">' in page
        assert f'<section id="{sid}">' in page_with_plan
    assert '<section id="plan">' not in page and 'href="#plan"' not in page
    assert page.count("<svg") >= 5  # issuers, themes, asset classes, deal graph, scenarios


def test_self_contained(page, page_with_plan):
    for html in (page, page_with_plan):
        # nothing loads from elsewhere: no address in an attribute (the AI issuers' sources are
        # shown as text, which a browser never fetches)
        assert re.search(r"""=\s*["']?\s*(?:https?:)?//""", html) is None
        assert re.search(r"<(script|link|img|iframe|object|embed)\b", html, re.I) is None
        assert "@import" not in html and "url(" not in html.replace("url(#", "")


def test_text_is_escaped(page):
    assert NASTY not in page and "<holdings>" not in page
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;my&quot; "
    assert escaped + "&lt;holdings&gt;.csv" in page


def test_content(page, page_with_plan, report):
    assert "NVIDIA" in page and "Dot-com crash" in page and "AI unwind (hypothetical)" in page
    assert "SPY (same-category index fund" in page  # the proxies are stated
    for f in report.findings:
        assert f.code in page
    assert "after plan" in page_with_plan and "Rebalance plan" in page_with_plan


def test_check_format_html_cli(tmp_path, monkeypatch):
    from bubbleguard.renderers import _charts as charts

    monkeypatch.setattr(
        charts, "deal_graph_svg", lambda graph, report=None, **kw: "<svg><text>graph</text></svg>"
    )
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli, ["check", str(EXAMPLE), "--format", "html", "--output", str(out)]
    )
    assert result.exit_code == 1, result.output  # the example breaks guardrails
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<section id="scenarios">' in text


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_renders_in_headless_chromium(tmp_path, page_with_plan):
    from PIL import Image

    path = tmp_path / "report.html"
    path.write_text(page_with_plan, encoding="utf-8")
    dom = _chromium(tmp_path, "--dump-dom", path.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    for sid in SECTIONS:
        assert f'id="{sid}"' in dom.stdout
    assert dom.stdout.count("<svg") >= 7
    problems = [
        line
        for line in dom.stderr.splitlines()
        if "CONSOLE" in line or "Uncaught" in line or "Failed to load" in line
    ]
    assert not problems, problems
    shot = tmp_path / "shot.png"
    run = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2400", path.as_uri())
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    with Image.open(shot) as im:
        rgb = im.convert("RGB")
        assert rgb.size == (1280, 2400)
        assert rgb.getpixel((20, 20)) == (0x1F, 0x4E, 0x79)  # the header is drawn
        colors = rgb.resize((128, 240)).getcolors(maxcolors=100_000)
        assert colors is not None and len(colors) > 200  # charts, not a blank page


def test_notebooks_show_a_report_and_a_plan_as_html(report, plan):
    html = report._repr_html_()
    assert html.startswith('<div class="bubbleguard"><style>') and html.endswith("</div>")
    assert '<section id="summary">' in html and '<section id="findings">' in html
    assert "&lt;script&gt;" in html and "<script>" not in html  # the file name is escaped
    assert "body{" not in html and ":root" not in html  # styles scoped to the fragment
    for f in report.findings:
        assert f.code in html
    shown = plan._repr_html_()
    assert '<section id="plan">' in shown and all(t.symbol in shown for t in plan.trades)
    assert len(repr(report)) < 300 and len(repr(plan)) < 300


def test_the_scenarios_read_in_chinese(plan):
    from bubbleguard.i18n import language

    results = bubbleguard.run_scenarios(EXAMPLE, plan=plan)
    with language("zh"):
        page = report_html(plan.before, plan=plan, scenarios=results)
    assert "互联网泡沫破裂" in page and "按AI角色设定冲击" in page  # name and assumptions
    assert "调仓前后的主题敞口" in page or "调仓前后" in page
    assert "Shocks by AI role" not in page and "Themes before and after the plan" not in page
