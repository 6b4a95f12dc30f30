"""bubbleguard: look through your funds, measure AI-bubble concentration, rebalance under guardrails.

The public API::

    import bubbleguard
    report = bubbleguard.check("holdings.csv")          # or a DataFrame, or {ticker: weight}
    report.to_frame()                                  # issuer exposures as a DataFrame
    bubbleguard.render(report, "markdown")             # any result as text
    plan = bubbleguard.rebalance("holdings.csv")         # imports the optimizer on first use
    bubbleguard.run_scenarios("holdings.csv")          # stress replays and shocks
    bubbleguard.set_language("zh")                     # findings and reports in Chinese from now on

Nothing heavy loads at import: each part (pandas-based check, optimizer, deal graph, plotting)
loads when one of its names is first used.
"""

from __future__ import annotations

from typing import Any

from ._lazy import lazy_exports
from .errors import (
    BubbleguardError,
    DataError,
    DealsError,
    HoldingsError,
    OptimizationError,
    PolicyError,
    ScenarioError,
)

# public name → its module, imported on first use of one of its names, so `import bubbleguard`
# is instant and the command line can tune the interpreter before pandas loads
_getattr, __dir__, _lazy = lazy_exports(__name__, {
    ".holdings._portfolio": ["Portfolio", "load_holdings"],
    ".policy": ["PROFILES", "Policy", "load_policy"],
    ".reference._snapshot": ["Snapshot", "load_snapshot"],
    ".rules": ["Finding"],
    ".report": ["Report"],
    ".checker": ["check"],
    ".planner._rebalance": ["rebalance"],
    ".planner._plan": ["Plan"],
    ".scenarios._run": ["run_scenarios"],
    ".renderers": ["render"],
    ".plugins": ["hookimpl"],
    ".i18n": ["set_language"],
})

__all__ = ["BubbleguardError", "DataError", "DealsError", "HoldingsError", "OptimizationError",
           "PolicyError", "ScenarioError", "__version__", "deals", "scenarios", *_lazy]


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read from the installed metadata, only when asked
        from importlib.metadata import version

        return version("bubbleguard")
    if name in ("deals", "scenarios"):  # the stage packages, as before the layout had folders
        from importlib import import_module

        return import_module(f".{name}", __name__)
    return _getattr(name)
