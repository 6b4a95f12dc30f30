"""Monthly investing without selling: how much new money the guardrails need, and when.

The guardrails are ratios of the portfolio, so the least new money that brings a book within
all of them by buying only is one linear program: buys ``b`` and the deposit ``D`` are the
variables, every cap ``A @ x <= limit * total`` stays linear because the total is
``1 + D - costs``. :func:`least_deposit` solves it with the caps the plan uses; the monthly
schedule then needs ``ceil(D / amount)`` months at today's prices, and spreads the buy-only plan
for that sum over the months (cumulative whole shares, so no month spends more than it has).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._problem import FROM_STATE, cap_constraint

if TYPE_CHECKING:
    from ._plan import Trade
    from ._problem import State
    from ._solver import Rebalancer

__all__ = ["least_deposit", "spread"]


def least_deposit(rb: Rebalancer, state: State, account: int) -> float | None:
    """The least new money (a fraction of the book) that lets buys alone meet every guardrail.

    The deposit goes into ``account``; buys are limited to what ``state`` allows. None when no
    amount is enough (a cap that buying cannot lower, such as an instrument's own cap).
    """
    import cvxpy as cp

    spec = rb.spec
    n, k = spec.n, spec.k
    allowed = (np.asarray(state.buy_cap) > 0).astype(float)
    b = cp.Variable((n, k), nonneg=True)
    deposit = cp.Variable(nonneg=True)
    tc = spec.transaction_cost
    into = np.zeros(k)
    into[account] = 1.0
    cash = state.c0 + deposit * into - (1 + tc) * cp.sum(b, axis=0)
    xf = cp.hstack([state.x0(spec) + cp.sum(b, axis=1), cp.sum(cash)])
    total = 1.0 + deposit - tc * cp.sum(b)
    # new money is invested: an account keeps at most the cash it may keep in the plan itself
    cons = [cash >= 0, cash <= state.cash_cap, b <= cp.multiply(allowed, 1e3)]
    for cap in spec.caps:
        limit = state.unresolved_limit if cap.group == FROM_STATE else cap.limit
        con = cap_constraint(cap, xf, total, float(limit))
        if con is not None:
            cons.append(con)
    problem = cp.Problem(cp.Minimize(deposit + 1e-6 * cp.sum(b)), cons)
    try:
        problem.solve(solver="CLARABEL")
    except cp.SolverError:
        return None
    if problem.status not in ("optimal", "optimal_inaccurate") or deposit.value is None:
        return None
    return max(float(deposit.value), 0.0)


def spread(trades: list[Trade], months: int, whole: bool) -> list[list[Trade]]:
    """Split buys over ``months``: month ``m`` brings each buy to ``m / months`` of it.

    Whole-share buys split their shares (in whole board lots when the trade has a ``lot``),
    fractional ones their value (to the cent); the
    cumulative amounts are rounded down, so every month spends at most its share of the total,
    and the last month completes every buy.
    """
    out: list[list[Trade]] = [[] for _ in range(months)]
    for t in trades:
        total = float(t.shares or 0.0) if whole else t.value
        unit = float(t.lot or 1) if whole else 0.01
        done = 0.0
        for m in range(1, months + 1):
            upto = total if m == months else float(np.floor(total * m / months / unit + 1e-9)) * unit
            step = upto - done
            done = upto
            if step <= 0:
                continue
            if whole:
                value = step * (t.price or t.value / total)
                out[m - 1].append(t.model_copy(update={"shares": step, "value": value}))
            else:
                shares = round(step / t.price, 4) if t.price else None
                out[m - 1].append(t.model_copy(update={"shares": shares, "value": step}))
    return out
