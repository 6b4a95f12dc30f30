"""bubbleguard: look through your funds, measure AI-bubble concentration, rebalance under guardrails.

The public API::

    import bubbleguard
    report = bubbleguard.check("holdings.csv")          # or a DataFrame, or {ticker: weight}
    report.to_frame()                                  # issuer exposures as a DataFrame
    plan = bubbleguard.rebalance("holdings.csv")         # imports the optimizer on first use

Heavy modules (the optimizer, the deal graph, plotting) load only when first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .errors import (
    BubbleguardError,
    DataError,
    DealsError,
    HoldingsError,
    OptimizationError,
    PolicyError,
    ScenarioError,
)
from .holdings import Portfolio, load_holdings
from .policy import PROFILES, Policy, load_policy
from .reference import Snapshot, load_snapshot
from .report import Finding, Report, check

__all__ = [
    "PROFILES",
    "BubbleguardError",
    "DataError",
    "DealsError",
    "Finding",
    "HoldingsError",
    "OptimizationError",
    "Plan",
    "Policy",
    "PolicyError",
    "Portfolio",
    "Report",
    "ScenarioError",
    "Snapshot",
    "__version__",
    "check",
    "deals",
    "load_holdings",
    "load_policy",
    "load_snapshot",
    "rebalance",
    "scenarios",
]

_LAZY = {
    "rebalance": ("bubbleguard.planner", "rebalance"),
    "Plan": ("bubbleguard.planner", "Plan"),
    "deals": ("bubbleguard.deals", None),
    "scenarios": ("bubbleguard.scenarios", None),
}


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read from the installed metadata, only when asked
        from importlib.metadata import version

        return version("bubbleguard")
    if name in _LAZY:
        module, attr = _LAZY[name]
        mod = import_module(module)
        return mod if attr is None else getattr(mod, attr)
    raise AttributeError(f"module 'bubbleguard' has no attribute {name!r}")
