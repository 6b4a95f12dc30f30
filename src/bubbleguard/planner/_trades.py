"""Between currency and the solver: a book's numbers in, trades and post-trade numbers out.

:meth:`TradesMixin.state` turns a book (position values, cash, locks, gains, prices) into the
fractions the problem's Parameters take. On the way back, interior-point solvers leave tiny
residual trades (a few cents to a few dollars) spread over equivalent instruments: they are
removed, or moved onto a larger trade of the same kind, and the result is re-checked against
every limit; only if that fails is the problem re-solved with those trades forbidden.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import OptimizationError
from ._problem import Infeasible, Solution, State

__all__ = ["TradesMixin"]


class TradesMixin:
    """Methods of :class:`~bubbleguard.planner.Rebalancer` that turn solver values into trades."""

    spec: Any
    lookthrough: Any
    min_trade: float
    policy: Any
    unresolved: np.ndarray

    if TYPE_CHECKING:  # defined by Rebalancer
        def evaluate(self, weights: np.ndarray, limits: Mapping[str, float] | None = None,
                     state: State | None = None) -> dict[str, tuple[float, float]]:
            """Every guardrail's value and limit for post-trade weights (instruments + CASH)."""

        def _attempt(self, objective: str, state: State, relax: tuple[tuple[str, float], ...],
                     discrete: bool, target: np.ndarray | None, slack: frozenset[str],
                     margin: float, limits: Mapping[str, float]) -> Solution: ...

        def _violations(self, sol: Solution, state: State,
                        limits: Mapping[str, float]) -> dict[str, float]: ...

    def state(self, row_values: np.ndarray, *, cash: np.ndarray | float = 0.0,
              cash_change: float = 0.0, cash_account: int = 0, sell_ok: np.ndarray | None = None,
              buy_ok: np.ndarray | None = None, gains: np.ndarray | None = None,
              price: np.ndarray | None = None, row_price: np.ndarray | None = None,
              row_shares: np.ndarray | None = None, cash_allowance: float = 0.0,
              theme_mask: np.ndarray | None = None) -> State:
        """Turn currency amounts of one book into a :class:`State` (fractions of the value).

        Parameters
        ----------
        row_values
            Value of every position row (same order as ``rows``).
        cash
            Cash per account (scalar: all in the first account).
        cash_change
            New cash (positive) or a withdrawal (negative), in ``cash_account``.
        sell_ok, buy_ok
            Per row / per (instrument, account): may it be sold / bought (default: yes).
        gains
            Per row: gain fraction ``1 - cost_basis / value`` (taxable rows only).
        price, row_price, row_shares
            Share prices and held shares, for whole-share plans.
        cash_allowance
            Extra cash an account may keep (the remainder of whole-share rounding).
        theme_mask
            Per instrument and CASH: 1 where its unresolved share counts toward the theme caps
            (a rebalancer built with ``account_themes``: the instruments this account does not
            hold; see :attr:`Spec.theme_unresolved`).
        """
        spec = self.spec
        row_values = np.asarray(row_values, float)
        if len(row_values) < spec.r:  # the placeholder row of a cash-only book
            pad = spec.r - len(row_values)
            def grow(a: Any, fill: Any) -> Any:
                return None if a is None else np.append(np.asarray(a), [fill] * pad)

            row_values = grow(row_values, 0.0)
            sell_ok, gains = grow(sell_ok, False), grow(gains, 0.0)
            row_price, row_shares = grow(row_price, np.nan), grow(row_shares, 0.0)
        cash_acc = np.zeros(spec.k) + (np.asarray(cash, float) if np.ndim(cash) else 0.0)
        if not np.ndim(cash):
            cash_acc[0] = float(cash)
        value = float(row_values.sum() + cash_acc.sum() + cash_change)
        if value <= 0 and cash_change >= 0:
            raise OptimizationError("The book is empty: there is nothing to rebalance.")
        if value <= 0:
            raise OptimizationError(f"The withdrawal of {-cash_change:,.2f} is at least the "
                                    f"whole portfolio ({value - cash_change:,.2f}); nothing "
                                    "would remain.")
        c0 = cash_acc.copy()
        c0[cash_account] += cash_change
        keep = np.clip(cash_acc, 0.0, None)
        if cash_change < 0:
            keep[cash_account] = max(0.0, c0[cash_account])
        sell = np.ones(spec.r, bool) if sell_ok is None else np.asarray(sell_ok, bool)
        buy = np.ones((spec.n, spec.k), bool) if buy_ok is None else np.asarray(buy_ok, bool)
        w = lambda a: np.asarray(a, float) / value  # noqa: E731
        x0 = row_values / value
        before = float(row_values.sum() + cash_acc.sum())
        unres_before = float(self.unresolved[:-1] @ np.bincount(
            spec.row_symbol, weights=row_values, minlength=spec.n)) / max(before, 1e-300)
        nan_r = np.full(spec.r, np.nan)
        return State(
            value=value, row_x0=x0, c0=w(c0), sell_cap=np.where(sell, x0, 0.0),
            buy_cap=np.where(buy, 2.0, 0.0),
            gain=np.zeros(spec.r) if gains is None else np.nan_to_num(np.asarray(gains, float)),
            cash_cap=w(keep) + cash_allowance / value, cash_keep=w(keep),
            deposit=max(cash_change, 0.0) / value,
            unresolved_limit=max(self.policy.max_unresolved, unres_before + 1e-4),
            price=np.full(spec.n, np.nan) if price is None else np.asarray(price, float),
            row_price=nan_r if row_price is None else np.asarray(row_price, float),
            row_shares=nan_r if row_shares is None else np.asarray(row_shares, float),
            theme_mask=None if theme_mask is None else np.asarray(theme_mask, float))


    def _extract(self, built: Any, state: State, discrete: bool) -> Solution:
        spec, V = self.spec, state.value
        scale = float(built.kappa.value) if built.kappa is not None else 1.0
        if built.integers is not None and discrete:
            buy_sh = np.round(built.integers[0].value).clip(0.0)
            sell_sh = np.round(built.integers[1].value).clip(0.0)
            b = buy_sh * np.nan_to_num(state.price)[:, None] / V
            s = sell_sh * np.nan_to_num(state.row_price) / V
            return self._finish(b, s, state, 0.0, buy_sh, sell_sh)
        b = np.asarray(built.buys.value, float).reshape(spec.n, spec.k) / scale
        s = np.asarray(built.sells.value, float).ravel() / scale
        return self._finish(b, s, state, max(1e-9, 0.005 / V))

    def _finish(self, b: np.ndarray, s: np.ndarray, state: State, dust: float,
                buy_sh: np.ndarray | None = None, sell_sh: np.ndarray | None = None) -> Solution:
        """Trades (fractions of the value) → cash, post-trade values and weights, evaluated.

        Continuous trades below ``dust`` are dropped, sells leaving less than ``dust`` sell the
        whole row, and round-off that would overdraw an account trims its buys.
        """
        spec, V = self.spec, state.value
        if buy_sh is None:
            s = np.clip(s, 0.0, state.sell_cap)
            s = np.where(state.sell_cap - s < dust, state.sell_cap, s)
            s = np.where(s < dust, 0.0, s)
            b = np.where(b < dust, 0.0, np.clip(b, 0.0, None))
        tc = spec.transaction_cost
        sells_acc = np.bincount(spec.row_account, weights=s, minlength=spec.k)
        cash = state.c0 + (1 - tc) * sells_acc - (1 + tc) * b.sum(axis=0)
        if buy_sh is None:
            b, s = b.copy(), s.copy()
            for a in np.flatnonzero((cash < 0) & (cash > -1e-6)):  # round-off: trim the buys
                col = b[:, a]
                if col.sum() > 0:
                    col *= max(0.0, 1.0 + cash[a] / ((1 + tc) * col.sum()))
                cash[a] = state.c0[a] + (1 - tc) * sells_acc[a] - (1 + tc) * col.sum()
                rows = np.flatnonzero(spec.row_account == a)
                more = -cash[a] / (1 - tc)  # nothing left to trim (a withdrawal): sell that more
                room = np.where(state.sell_cap[rows] - s[rows] >= more, s[rows], -1.0)
                if more > 0 and room.max() > 0:
                    s[rows[np.argmax(room)]] += more  # of the largest sale that has it
                    sells_acc[a] += more
                    cash[a] = state.c0[a] + (1 - tc) * sells_acc[a] - (1 + tc) * col.sum()
        sold = np.bincount(spec.row_symbol, weights=s, minlength=spec.n)
        x = state.x0(spec) - sold + b.sum(axis=1)
        xf = np.append(x, cash.sum())
        total = xf.sum()
        return Solution(buys=b * V, sells=s * V, cash=cash * V, values=xf * V, weights=xf / total,
                        buy_shares=buy_sh, sell_shares=sell_sh, cost=tc * (b.sum() + s.sum()) * V,
                        turnover=max(0.0, b.sum() - state.deposit), status="optimal", solver="",
                        solve_time=0.0, compile_time=0.0,
                        evaluation=self.evaluate(xf / total,
                                                 {"max_unresolved": state.unresolved_limit}, state))

    def _polish(self, sol: Solution, objective: str, state: State,
                relax: tuple[tuple[str, float], ...], target: np.ndarray | None, margin: float,
                limits: Mapping[str, float]) -> Solution:
        """Drop trades too small to matter (interior-point residue) without breaking any limit.

        Trades below ``max(min_trade, 0.05% of the value, 0.01)`` are first simply removed; if
        that breaks a limit, they are forbidden and the problem is re-solved (every constraint
        enforced again). If neither works, the first solution stands.
        """
        threshold = max(self.min_trade, 5e-4 * state.value, 0.01)
        total_time = sol.solve_time
        for _ in range(3):
            small_b = (sol.buys > 0) & (sol.buys < threshold)
            small_s = (sol.sells > 0) & (sol.sells < threshold)
            if not small_b.any() and not small_s.any():
                break
            accepted = False
            for cut in self._cuts(sol, small_b, small_s, state):
                if not self._violations(cut, state, limits):
                    cut.solver, cut.compile_time = sol.solver, sol.compile_time
                    sol, accepted = cut, True
                    break
            if accepted:
                break
            trimmed = replace(state, buy_cap=np.where(small_b, 0.0, state.buy_cap),
                              sell_cap=np.where(small_s, 0.0, state.sell_cap))
            try:
                new = self._attempt(objective, trimmed, relax, False, target, frozenset(), margin,
                                    limits)
            except (Infeasible, OptimizationError):
                break
            if self._violations(new, trimmed, limits):
                break
            total_time += new.solve_time
            sol, state = new, trimmed
        sol.solve_time = total_time
        return sol

    def _cuts(self, sol: Solution, small_b: np.ndarray, small_s: np.ndarray,
              state: State) -> Iterator[Solution]:
        """Yield candidate solutions without the small trades.

        The small trades are dropped, or moved to the largest buy of the same asset class in
        the same account (keeping the cash flows).
        """
        V = state.value
        dust = max(1e-9, 0.005 / V)
        b = np.where(small_b, 0.0, sol.buys) / V
        s = np.where(small_s, 0.0, sol.sells) / V
        # money no longer raised by a dropped sell is taken off the account's largest buy
        lost = np.bincount(self.spec.row_account, weights=np.where(small_s, sol.sells, 0.0) / V,
                           minlength=self.spec.k)
        for a in np.flatnonzero(lost > 0):
            i = int(np.argmax(b[:, a]))
            b[i, a] = max(0.0, b[i, a] - lost[a] * (1 - self.spec.transaction_cost)
                          / (1 + self.spec.transaction_cost))
        yield self._finish(b, s, state, dust)
        classes = self.lookthrough.asset_class_matrix().to_numpy()[:-1].argmax(axis=1)
        moved = b.copy()
        for i, a in zip(*np.nonzero(small_b), strict=True):
            same = np.flatnonzero((classes == classes[i]) & (b[:, a] > 0))
            if len(same):
                moved[same[np.argmax(b[same, a])], a] += sol.buys[i, a] / V
        if not np.array_equal(moved, b):
            yield self._finish(moved, s, state, dust)
