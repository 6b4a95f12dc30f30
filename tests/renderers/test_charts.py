"""Charts: matplotlib Figures on the Agg canvas, PNG/SVG export, lazy imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import bubbleguard
from bubbleguard.renderers import _charts as charts
from bubbleguard.scenarios import run_scenarios

EXAMPLE = Path(__file__).parents[2] / "examples" / "holdings.csv"


@pytest.fixture(scope="module")
def report():
    return bubbleguard.check(EXAMPLE)


@pytest.fixture(scope="module")
def results(snapshot):
    after = {"VOO": 60_000.0, "BND": 30_000.0, "GLDM": 10_000.0}

    class Plan:
        targets = after

    return run_scenarios(EXAMPLE, ["dotcom", "ai-unwind"], snapshot=snapshot, plan=Plan())


def test_report_charts_are_agg_figures(report):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    for fig in (
        charts.issuers_chart(report),
        charts.themes_chart(report),
        charts.asset_classes_chart(report),
    ):
        assert isinstance(fig, Figure) and isinstance(fig.canvas, FigureCanvasAgg)
        png = charts.to_png(fig, dpi=50)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_issuers_chart_content(report):
    fig = charts.issuers_chart(report, top=5)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][::-1] == [
        i.issuer for i in report.exposures.issuers[:5]
    ]
    bars = ax.containers
    assert len(bars) == 2  # direct and via funds, stacked
    nvda = report.exposures.issuers[0]
    assert bars[0][-1].get_width() == pytest.approx(nvda.direct_weight)
    assert bars[1][-1].get_x() == pytest.approx(nvda.direct_weight)
    assert bars[1][-1].get_width() == pytest.approx(nvda.via_funds_weight)


def test_scenario_and_plan_charts(results, report):
    fig = charts.scenarios_chart(results)
    assert len(fig.axes[0].containers) == 2  # before and after
    svg = charts.to_svg(fig)
    assert svg.lstrip().startswith("<?xml") and "Dot-com crash" in svg  # text kept as text
    ba = charts.before_after_chart(
        {"ai": 0.6, "magnificent7": 0.5}, {"ai": 0.2, "magnificent7": 0.1}, {"ai": 0.3}
    )
    assert len(ba.axes[0].containers) == 2


def test_charts_speak_the_active_language(results, report):
    from bubbleguard.i18n import language

    with language("zh"):
        issuers = charts.to_svg(charts.issuers_chart(report))
        scenarios = charts.to_svg(charts.scenarios_chart(results))
        themes = charts.to_svg(charts.themes_chart(report))
    assert "穿透基金后的前几大发行人" in issuers and "直接持有" in issuers and "通过基金" in issuers
    assert "互联网泡沫破裂" in scenarios and "Dot-com crash" not in scenarios
    assert "你的组合" in scenarios and "调仓后" in scenarios
    assert "七巨头" in themes and "Magnificent 7" not in themes
    english = charts.to_svg(charts.issuers_chart(report))
    assert "Top issuers after looking through funds" in english and "held directly" in english


def test_inline_svg_is_safe_to_embed(report):
    svg = charts.inline_svg(charts.to_svg(charts.themes_chart(report)), "t1", 'a "quoted" <label>')
    assert svg.startswith("<svg") and "http" not in svg and "<metadata" not in svg
    assert 'aria-label="a &quot;quoted&quot; &lt;label&gt;"' in svg
    assert ' id="t1-' in svg and 'id="' not in svg.replace(' id="t1-', "")


def test_deal_party_exposure(report):
    from bubbleguard.deals import bundled_graph

    exposure = charts.deal_party_exposure(report, bundled_graph())
    assert exposure["NVIDIA"] == pytest.approx(report.exposures.counterparties[0].weight)
    assert set(exposure) <= {
        "NVIDIA",
        "Microsoft",
        "Broadcom",
        "Alphabet",
        "Amazon",
        "AMD",
        "Meta Platforms",
        "Intel",
        "Oracle",
        "Dell Technologies",
        "CoreWeave",
        "SoftBank Group",
        "IREN",
        "Blue Owl",
        "Nebius",
    }


def test_plotting_is_never_imported_on_the_default_paths():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "import bubbleguard.renderers._charts, bubbleguard.renderers._html\n"
        "from bubbleguard.cli import cli\n"
        f"for args in (['check', {str(EXAMPLE)!r}], ['check', {str(EXAMPLE)!r}, '-f', 'json'],\n"
        f"             ['scenarios', {str(EXAMPLE)!r}, '-f', 'json']):\n"
        "    r = CliRunner().invoke(cli, args)\n"
        "    assert r.exit_code in (0, 1), r.output\n"
        "bad = [m for m in ('matplotlib', 'networkx') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
