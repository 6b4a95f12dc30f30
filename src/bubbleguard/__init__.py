"""bubbleguard: look through your funds, measure AI-bubble concentration, rebalance under guardrails.

The public API::

    import bubbleguard
    report = bubbleguard.check("holdings.csv")          # or a DataFrame, or {ticker: weight}
    report.to_frame()                                  # issuer exposures as a DataFrame
    plan = bubbleguard.rebalance("holdings.csv")         # imports the optimizer on first use

Nothing heavy loads at import: each part (pandas-based check, optimizer, deal graph, plotting)
loads when one of its names is first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import (
    BubbleguardError,
    DataError,
    DealsError,
    HoldingsError,
    OptimizationError,
    PolicyError,
    ScenarioError,
)

if TYPE_CHECKING:
    from . import deals, scenarios
    from .holdings import Portfolio, load_holdings
    from .planner import Plan, rebalance
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

# public name → (module, attribute); a module is imported on first use of one of its names, so
# `import bubbleguard` is instant and the command line can tune the interpreter before pandas loads
_LAZY = {
    "Portfolio": (".holdings", "Portfolio"),
    "load_holdings": (".holdings", "load_holdings"),
    "PROFILES": (".policy", "PROFILES"),
    "Policy": (".policy", "Policy"),
    "load_policy": (".policy", "load_policy"),
    "Snapshot": (".reference", "Snapshot"),
    "load_snapshot": (".reference", "load_snapshot"),
    "Finding": (".report", "Finding"),
    "Report": (".report", "Report"),
    "check": (".report", "check"),
    "rebalance": (".planner", "rebalance"),
    "Plan": (".planner", "Plan"),
    "deals": (".deals", None),
    "scenarios": (".scenarios", None),
}


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read from the installed metadata, only when asked
        from importlib.metadata import version

        return version("bubbleguard")
    if name in _LAZY:
        module, attr = _LAZY[name]
        mod = import_module(module, __name__)
        value = mod if attr is None else getattr(mod, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bubbleguard' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
