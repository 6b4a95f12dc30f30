"""Stress scenarios: historical replays and hypothetical shocks on a portfolio's look-through."""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "._results": ["SCHEMA", "Contribution", "PlanComparison", "ScenarioResult", "ScenarioResults"],
    "._defs": ["HistoricalScenario", "ScenarioDef", "ShockScenario", "Shocks", "builtin_scenarios",
               "read_scenario_file"],
    "._run": ["load_scenarios", "post_trade_exposures", "run_scenarios"],
})
