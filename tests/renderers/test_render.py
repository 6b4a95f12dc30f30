"""``bubbleguard.render``: the one entry point renders every result type in each of its formats."""

from __future__ import annotations

import json

import pytest

import bubbleguard
from bubbleguard.scenarios import run_scenarios


@pytest.fixture(scope="module")
def results(snapshot):
    weights = {"NVDA": 0.4, "VOO": 0.4, "BND": 0.2}
    return {"report": bubbleguard.check(weights, snapshot=snapshot),
            "plan": bubbleguard.rebalance(weights, snapshot=snapshot),
            "scenarios": run_scenarios(weights, ["dotcom", "ai-unwind"], snapshot=snapshot)}


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
@pytest.mark.parametrize("kind", ["report", "plan", "scenarios"])
def test_every_result_renders_in_every_format(results, kind, fmt):
    text = bubbleguard.render(results[kind], fmt, width=100)
    assert text.strip()
    if fmt == "json":
        json.loads(text)


def test_anything_else_is_a_type_error():
    with pytest.raises(TypeError, match="cannot render a dict"):
        bubbleguard.render({}, "json")
