"""Rebalancing under the guardrails: one cvxpy problem per book of accounts, trades, a Plan.

Named ``planner`` so that the package does not shadow :func:`bubbleguard.rebalance`; cvxpy loads
only when a problem is built.
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "._rebalance": ["default_universe", "expense_ratios", "read_universe", "rebalance"],
    "._plan": ["OBJECTIVES", "SCHEMA", "Guardrail", "Holding", "Plan", "Target", "Trade"],
    "._solver": ["Rebalancer"],
    "._problem": ["Solution"],
    "._risk_model": ["RiskModel", "risk_model"],
})
