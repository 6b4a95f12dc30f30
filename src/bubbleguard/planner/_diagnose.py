"""Explaining infeasible guardrails: which constraints conflict and the smallest relaxation.

A slack version of the problem gives every constraint group (``max_issuer``, ``max_theme.ai``,
``min_asset_class.bond``, ``max_turnover``, ...) a nonnegative slack on its limit and minimises
the weighted slack (operational limits such as turnover are cheaper to relax than the protective
caps and floors). The groups with positive slack are the relaxation; a second solve that keeps
them fixed names the groups on the other side of the conflict, as the alternative relaxation.
Hard constraints (locks, no-sell symbols, the cash change, whole shares) are never relaxed: when
even the slack version is infeasible, the message says which of them is to blame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import OptimizationError
from ._problem import Infeasible, State

if TYPE_CHECKING:
    from ._solver import Rebalancer

__all__ = ["diagnose"]


def _word(group: str) -> str:
    return "lower" if group.startswith("min_") else "raise"


def _pct(x: float, fine: bool) -> str:
    return f"{x:.2%}" if fine else f"{x:.1%}"


def _change(group: str, limit: float, amount: float) -> str:
    to = limit - amount if group.startswith("min_") else limit + amount
    fine = amount < 0.001
    return f"{_word(group)} {group} from {_pct(limit, fine)} to {_pct(to, fine)}"


def diagnose(rb: Rebalancer, state: State) -> tuple[dict[str, float], str]:
    """Find the smallest relaxation that makes the guardrails feasible, and explain it.

    Parameters
    ----------
    rb
        The rebalancer whose problem is infeasible.
    state
        The book.

    Returns
    -------
    relaxations, message
        Constraint group → amount its limit must be relaxed by (fractions of the portfolio,
        rounded up), and one paragraph naming the conflict.

    Raises
    ------
    OptimizationError
        When no relaxation of the guardrails helps (the hard constraints conflict).
    """
    groups = frozenset(rb.spec.groups())
    try:
        relax = rb.slack(state, groups)
    except Infeasible:
        raise OptimizationError(_hard_message(rb, state)) from None
    if not relax:  # feasible with fractional trades, not in whole shares / minimum trades
        raise OptimizationError(
            "No plan in whole shares or with the minimum trade size meets every guardrail, "
            "although a plan with fractional trades does; lower --min-trade or drop "
            "--whole-shares.")
    try:
        alternative = rb.slack(state, groups - set(relax))
    except Infeasible:
        alternative = {}
    conflict = [*relax, *(g for g in alternative if g not in relax)]
    limit = {g: rb.limit(g, state) or 0.0 for g in groups}
    msg = ("The guardrails cannot all hold for this portfolio: "
           + ", ".join(f"{g} ({limit[g]:.1%})" for g in conflict)
           + (" conflict" if len(conflict) > 1 else " cannot be met") + _context(rb, state)
           + ". The smallest relaxation that works: "
           + "; ".join(_change(g, limit[g], a) for g, a in relax.items()) + ".")
    if alternative:
        msg += (" Alternatively, keeping " + ", ".join(relax) + ": "
                + "; ".join(_change(g, limit[g], a) for g, a in alternative.items()) + ".")
    msg += (" Change the policy or the locks, or run with --allow-relax (allow_relax=True) to get "
            "the relaxed plan.")
    return relax, msg


def _context(rb: Rebalancer, state: State) -> str:
    held = state.x0(rb.spec)
    fixed = [rb.symbols[i] for i in np.unique(rb.spec.row_symbol[state.sell_cap <= 0])
             if held[i] > 0]
    return f" (with {', '.join(fixed[:8])} locked or not to be sold)" if fixed else ""


def _hard_message(rb: Rebalancer, state: State) -> str:
    spec = rb.spec
    sellable = np.bincount(spec.row_account, weights=state.sell_cap, minlength=spec.k)
    short = state.c0 + (1 - spec.transaction_cost) * sellable
    for a in np.flatnonzero(short < -1e-12):
        name = f"account '{spec.accounts[a]}'" if spec.accounts[a] else "the account"
        return (f"No plan exists even with every guardrail relaxed: the cash withdrawal needs "
                f"{-state.c0[a] * state.value:,.2f} from {name}, but only "
                f"{(short[a] - state.c0[a]) * state.value:,.2f} can be sold there (locked and "
                "no-sell positions excluded). Withdraw less, from another account, or unlock "
                "positions.")
    return ("No plan exists even with every guardrail relaxed: the locked positions, no-sell "
            "symbols, whole shares and cash change leave no feasible trade. Remove some locks "
            "or no-sell symbols.")
