"""Solving, checking and diagnosing rebalance problems: the :class:`Rebalancer`.

A :class:`Rebalancer` turns a policy, a set of instruments and a book structure (accounts and
position rows) into a :class:`~bubbleguard.planner._problem.Spec` once, builds the cvxpy problems it needs
lazily and re-solves them with new Parameter values for every book (DPP: no recompilation).
Every solution is re-evaluated with the same linear maps in numpy before it is returned; when
the guardrails conflict, a slack version names the constraints and the smallest relaxation.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse

from ..errors import OptimizationError
from ..guardrails import Cap, caps
from ..lookthrough import look_through
from ..policy import Policy, load_policy
from ._plan import OBJECTIVES
from ._problem import (
    FROM_STATE,
    Infeasible,
    Solution,
    Spec,
    State,
    assign,
    build_problem,
    theme_hidden,
    themed,
)
from ._trades import TradesMixin

if TYPE_CHECKING:
    from ..reference._snapshot import Snapshot
    from ._compiled import ClarabelProgram
    from ._risk_model import RiskModel

__all__ = ["Rebalancer"]

MI_SOLVERS = ("HIGHS", "SCIPY", "GUROBI", "MOSEK", "CPLEX", "SCIP", "CBC", "GLPK_MI", "COPT",
              "XPRESS")
TOP10_POOL = 150
TOL = 1e-9
#: Every limit is tightened by this much inside the solver, so that removing residual trades
#: and round-off never take a plan across a limit (0.002 percentage points).
MARGIN = 2e-5


@contextmanager
def _quiet_solver() -> Iterator[None]:
    """Discard what compiled solvers write to file descriptors 1 and 2 (HiGHS's banner).

    Library code never prints: standard output carries only the requested format (``-f json >
    plan.json`` is JSON) and standard error only bubbleguard's own messages. A solver's failure
    still reaches the caller, as its status or exception.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        saved = (os.dup(1), os.dup(2))
        null = os.open(os.devnull, os.O_WRONLY)
    except OSError:  # no real descriptors (an embedding host): nothing to redirect
        yield
        return
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)


class Rebalancer(TradesMixin):
    """A rebalance problem built once for a fixed set of instruments and accounts.

    Parameters
    ----------
    symbols
        The non-cash instruments (held and candidate); cash is added as ``CASH``.
    policy
        Guardrails (default: the balanced profile).
    snapshot
        Reference data (default: the bundled snapshot).
    accounts
        Account names (cash is kept per account; each account pays for its own buys).
    rows
        ``(symbol, account)`` of every sellable position row (default: one row per symbol in
        the first account).
    objective
        ``min-change`` (default), ``min-risk`` or ``max-sharpe``.
    solver
        cvxpy solver for the continuous problems (default CLARABEL); mixed-integer stages use
        it when it handles integers, else HiGHS.
    whole_shares, min_trade
        Discrete trading: integer shares; no trade below ``min_trade`` (currency units; default
        the policy's, the larger of ``min_trade`` and ``min_trade_share`` of the account).
    tax_rate
        Weight of realised gains in the objective (estimated tax per unit of gain).
    returns
        Expected-return estimate for ``max-sharpe``: ``capm`` or ``mean_historical``.
    risk
        A ready :class:`~bubbleguard.planner.RiskModel` (default: estimated from the snapshot).
    asset_classes
        Asset classes of symbols the snapshot does not know.
    row_preference
        Small per-row numbers; among otherwise equal sells, lower ones are sold first.
    unresolved_as_ai
        Count each instrument's unresolved share toward the AI theme cap (conservative).
    account_themes
        One rebalancer for accounts that hold different instruments: a State's ``theme_mask``
        (:meth:`state`) marks what its account does not hold among the rows, whose unresolved
        share then counts toward the theme caps as for an instrument without a row.

    The unresolved share of an instrument not held (no row) always counts toward every theme
    cap: the planner does not buy exposure it cannot see.
    """

    def __init__(self, symbols: Sequence[str], policy: Policy | None = None, *,
                 snapshot: Snapshot | None = None, accounts: Sequence[str] = ("",),
                 rows: Sequence[tuple[str, str]] | None = None, objective: str = "min-change",
                 solver: str = "CLARABEL", whole_shares: bool = False,
                 min_trade: float | None = None, tax_rate: float = 0.15, returns: str = "capm",
                 risk: RiskModel | None = None, asset_classes: Mapping[str, str] | None = None,
                 row_preference: np.ndarray | None = None, unresolved_as_ai: bool = False,
                 account_themes: bool = False) -> None:
        from ..reference._snapshot import load_snapshot
        from ._risk_model import risk_model

        if objective not in OBJECTIVES:
            raise OptimizationError(f"Unknown objective '{objective}'; choose one of "
                                    f"{', '.join(OBJECTIVES)}.")
        self.snapshot = snapshot if snapshot is not None else load_snapshot()
        self.policy = policy if policy is not None else load_policy()
        self.objective = objective
        self.solver = solver.upper()
        import cvxpy as cp

        if self.solver not in cp.installed_solvers():
            raise OptimizationError(f"The solver '{solver}' is not installed; choose one of "
                                    f"{', '.join(cp.installed_solvers())}.")
        self.whole_shares = whole_shares
        self.min_trade = float(self.policy.min_trade if min_trade is None else min_trade)
        self.min_trade_share = (float(self.policy.min_trade_share) if min_trade is None
                                else 0.0)
        self.symbols = [s for s in dict.fromkeys(symbols) if s != "CASH"]
        self.accounts = list(dict.fromkeys(accounts)) or [""]
        if not self.symbols:
            raise OptimizationError("There is nothing to buy: none of the candidate instruments "
                                    "is in the reference data. Give a universe of known symbols.")
        rows = list(rows) if rows is not None else [(s, self.accounts[0]) for s in self.symbols]
        if not rows:  # only cash held: one empty row keeps the problem's shapes non-empty
            rows = [(self.symbols[0], self.accounts[0])]
            row_preference = np.zeros(1)
        held = [s for s, _ in rows]
        sym_pos = {s: i for i, s in enumerate(self.symbols)}
        acc_pos = {a: i for i, a in enumerate(self.accounts)}
        user = {**(asset_classes or {}), "CASH": "cash"}
        self.lookthrough = look_through([*self.symbols, "CASH"], self.snapshot, asset_classes=user)
        self.risk = risk if risk is not None else risk_model(self.symbols, self.snapshot,
                                                             asset_classes=dict(user))
        cov = self.risk.cov.reindex(index=self.symbols, columns=self.symbols).fillna(0.0).to_numpy()
        full = np.zeros((len(self.symbols) + 1,) * 2)
        full[:-1, :-1] = cov
        vals, vecs = np.linalg.eigh(full)
        keep = vals > 1e-12 * max(float(vals.max()), 1e-300)
        factor = (vecs[:, keep] * np.sqrt(vals[keep])).T
        excess = None
        if objective == "max-sharpe":
            mu = self.risk.expected_returns(returns).reindex(self.symbols).fillna(0.0).to_numpy()
            excess = np.append(mu - self.risk.risk_free_rate, 0.0)
        self.spec = Spec(
            symbols=[*self.symbols, "CASH"], accounts=self.accounts,
            row_symbol=np.array([sym_pos[s] for s, _ in rows], dtype=int),
            row_account=np.array([acc_pos[a] for _, a in rows], dtype=int),
            caps=caps(self.lookthrough, self.policy, unresolved_as_ai=unresolved_as_ai,
                      unresolved_in_themes=np.append(~np.isin(self.symbols, held), False)),
            max_turnover=self.policy.max_turnover,
            transaction_cost=self.policy.transaction_cost, factor=factor,
            sigma=np.sqrt(np.clip(np.diag(full), 0.0, None)), excess_return=excess,
            tax_rate=tax_rate, row_preference=row_preference,
            buy_tier=self._buy_tiers(),
            theme_unresolved=self.lookthrough.unresolved_vector() if account_themes else None)
        self.unresolved = next(c for c in self.spec.caps if c.group == FROM_STATE).matrix.ravel()
        # every guardrail's rows in one sparse matrix (a matrix two caps share, once): a
        # solution's evaluation is one product
        shared = {id(c.matrix): c.matrix for c in self.spec.caps if c.matrix.shape[0]}
        start = dict(zip(shared, np.cumsum([0, *(m.shape[0] for m in shared.values())]).tolist()))
        self._stack = sparse.csr_matrix(np.vstack(list(shared.values()))) if shared else None
        self._rows = {c.group: slice(start[id(c.matrix)], start[id(c.matrix)] + c.matrix.shape[0])
                      for c in self.spec.caps if c.matrix.shape[0]}
        self._set_active()
        self._built: dict[Any, Any] = {}
        self._skip: set[str] = set()
        self.time_limit = 10.0  # seconds for a mixed-integer solve

    def _buy_tiers(self) -> np.ndarray:
        """How readily each instrument is bought, the articles' order: 1 first, 3 last.

        1: broad index funds, aggregate bonds, gold and US real estate; 2: narrower bond funds
        (Treasuries, TIPS) and non-US real estate; 3: everything else (narrow equity, T-bills).
        """
        sec = self.snapshot.securities.reindex(self.symbols)
        broad = sec["broad_index"].astype(str).str.lower().eq("true").to_numpy()
        foreign = sec["category"].astype(str).str.contains("international").to_numpy()
        cls = self.lookthrough.asset_class_matrix().iloc[:-1]
        main = cls.columns.to_numpy()[cls.to_numpy().argmax(axis=1)]
        tier = np.full(len(self.symbols), 3)
        tier[(main == "bond") | ((main == "real_estate") & foreign)] = 2
        tier[(main == "gold") | ((main == "real_estate") & ~foreign)
             | (np.isin(main, ("equity", "bond")) & broad)] = 1
        return tier

    def _set_active(self, extra: Sequence[int] | np.ndarray = ()) -> None:
        """Choose the issuer rows the solver sees.

        A single-issuer cap row only if some instrument alone could break it; for the top-10
        share, the issuers most likely to be largest (the full share is checked afterwards).
        """
        issuers = next(c for c in self.spec.caps if c.group == "max_issuer").matrix
        potential = issuers.max(axis=1) if issuers.shape[0] else np.zeros(0)
        self.potential = potential
        self.spec.active["max_issuer"] = np.flatnonzero(potential > self.policy.max_issuer - 1e-6)
        order = np.argsort(-potential, kind="stable")[:TOP10_POOL]
        pool = np.union1d(order, np.asarray(extra, dtype=int))
        self.spec.active["max_top10"] = pool

    def evaluate(self, weights: np.ndarray, limits: Mapping[str, float] | None = None,
                 state: State | None = None) -> dict[str, tuple[float, float]]:
        """Every guardrail's value and limit for post-trade weights (instruments + CASH).

        With ``state``, its account's view of the theme caps (:attr:`Spec.theme_unresolved`).
        """
        if self._stack is None:
            return {}
        w = np.asarray(weights, float)
        v = self._stack @ w
        hidden = 0.0 if state is None or state.theme_mask is None else \
            float(theme_hidden(self.spec, state) @ w)
        return {cap.group: (cap.reduce(v[self._rows[cap.group]])
                            + (hidden if themed(cap.group) else 0.0),
                            float((limits or {}).get(cap.group, cap.limit)))
                for cap in self.spec.caps if cap.group in self._rows}

    def excess(self, cap: Cap, sol: Solution, limit: float | None) -> float:
        """How far ``sol`` is beyond ``cap`` at ``limit`` (positive: broken), from its evaluation."""
        value = sol.evaluation[cap.group][0] if cap.group in sol.evaluation else cap.value(sol.weights)
        lim = cap.limit if limit is None else limit
        return value - lim if cap.upper else lim - value

    # ------------------------------------------------------------------ solving
    def solve_book(self, values: Mapping[str, float] | pd.Series, *, cash_change: float = 0.0,
                   allow_relax: bool = False) -> Solution:
        """Rebalance a one-account book given as ``{symbol: value}`` (``CASH`` for cash).

        The problem is compiled on the first call; later calls only set Parameters, so
        thousands of books with the same instruments re-solve quickly.

        Raises
        ------
        OptimizationError
            A held symbol is not among this rebalancer's instruments, or the guardrails
            cannot hold (with the diagnosis).
        """
        v = pd.Series(values, dtype=float)
        held_cash = float(v.get("CASH", 0.0))
        v = v.drop("CASH", errors="ignore")
        unknown = sorted(set(v.index) - set(self.symbols))
        if unknown:
            raise OptimizationError(f"The book holds {', '.join(unknown)}, which this rebalancer "
                                    "was not built for; build it with those symbols too.")
        rows = v.reindex(self.symbols).fillna(0.0).to_numpy()
        if self.spec.r != len(self.symbols):
            raise OptimizationError("solve_book needs a rebalancer with one row per symbol "
                                    "(built without ``rows``).")
        return self.solve(self.state(rows, cash=held_cash, cash_change=cash_change),
                          allow_relax=allow_relax)

    def weights(self, solution: Solution) -> pd.Series:
        """Post-trade weights of a solution by symbol (``CASH`` last)."""
        return pd.Series(solution.weights, index=self.spec.symbols)

    def solve(self, state: State, *, allow_relax: bool = False) -> Solution:
        """Solve one book; raise :class:`OptimizationError` with a diagnosis when infeasible."""
        try:
            return self._solve(state, relax=())
        except Infeasible:
            if self.objective == "max-sharpe":
                try:
                    self._run("min-change", state, relax=(), discrete=False)
                except Infeasible:
                    pass
                else:
                    raise OptimizationError(
                        "No portfolio that meets the guardrails has an expected return above the "
                        "risk-free rate, so the Sharpe ratio cannot be maximised; use the "
                        "min-change or min-risk objective.") from None
            relax, message = self.diagnose(state)
            if not allow_relax:
                raise OptimizationError(message, relaxations=relax) from None
            for bump in (0.0, 1e-4, 1e-3, 1e-2):
                key = tuple(sorted((g, v + bump) for g, v in relax.items()))
                try:
                    sol = self._solve(state, relax=key)
                except Infeasible:
                    continue
                sol.status = "relaxed"
                sol.relaxations = dict(key)
                return sol
            raise OptimizationError(message, relaxations=relax) from None

    @property
    def discrete(self) -> bool:
        """Whether plans need a mixed-integer stage (whole shares or a minimum trade)."""
        return self.whole_shares or self.has_min_trade

    @property
    def has_min_trade(self) -> bool:
        """Whether trades have a minimum size."""
        return self.min_trade > 0 or self.min_trade_share > 0

    def _solve(self, state: State, relax: tuple[tuple[str, float], ...]) -> Solution:
        if self.discrete and self.objective != "min-change":
            first = self._run(self.objective, state, relax=relax, discrete=False)
            # round the continuous plan: only its trades may be made, in whole shares / above
            # the minimum; if that has no solution, any trade may be made
            near = replace(state, buy_cap=np.where(first.buys > 0, state.buy_cap, 0.0),
                           sell_cap=np.where(first.sells > 0, state.sell_cap, 0.0))
            try:
                return self._run("track", near, relax=relax, discrete=True, target=first.weights)
            except Infeasible:
                return self._run("track", state, relax=relax, discrete=True,
                                 target=first.weights)
        return self._run(self.objective, state, relax=relax, discrete=self.discrete)

    def _get(self, objective: str, discrete: bool, slack: frozenset[str],
             relax: tuple[tuple[str, float], ...], margin: float) -> Any:
        key = (objective, discrete, slack, relax, margin, tuple(self.spec.active["max_top10"]))
        if key not in self._built:
            self._built[key] = build_problem(
                self.spec, objective=objective, whole_shares=discrete and self.whole_shares,
                min_trade=discrete and self.has_min_trade, slack=slack, relax=relax, margin=margin)
        return self._built[key]

    def _solvers(self, discrete: bool) -> list[str]:
        if not hasattr(self, "_installed"):  # cvxpy probes every solver's import on each call
            import cvxpy as cp

            self._installed = frozenset(cp.installed_solvers())
        installed = self._installed - self._skip
        if discrete:
            first = self.solver if self.solver in MI_SOLVERS else "HIGHS"
            return [s for s in dict.fromkeys([first, "HIGHS", "SCIPY"]) if s in installed]
        return [s for s in dict.fromkeys([self.solver, "CLARABEL", "SCS"]) if s in installed]

    def _call(self, built: Any, discrete: bool) -> tuple[str, float, float]:
        import cvxpy as cp

        last = ""
        for solver in self._solvers(discrete):
            try:
                t0 = time.perf_counter()
                # single-threaded factorisation: faster on problems this size, and steady
                # mixed-integer plans stop within an absolute gap (the objectives are fractions
                # of the portfolio: 0.01% for least change, 0.1% for the closest whole-share
                # version of a risk plan) or at the time limit with the best plan found
                opts: dict[str, Any] = {}
                if solver == "CLARABEL":
                    opts["direct_solve_method"] = "qdldl"
                elif solver == "HIGHS" and discrete:
                    gap = 1e-3 if built.objective == "track" else 1e-4
                    opts.update(time_limit=float(self.time_limit), mip_abs_gap=gap)
                program = self._program(built, opts) if solver == "CLARABEL" else None
                if program is not None:
                    status = program.solve()
                    solve_time, compile_time = program.solve_time, program.compile_time
                else:
                    with _quiet_solver():
                        built.problem.solve(solver=solver, **opts)
                    status = built.problem.status
                    stats = built.problem.solver_stats
                    solve_time = stats.solve_time if stats and stats.solve_time else \
                        time.perf_counter() - t0
                    compile_time = built.problem.compilation_time or 0.0
            except (cp.SolverError, ValueError, ArithmeticError) as exc:
                last = f"{solver}: {exc}"
                continue
            found = built.buys.value is not None
            if status in ("optimal", "optimal_inaccurate") or (status == "user_limit" and found):
                return solver, float(solve_time), float(compile_time)
            if status in ("infeasible", "infeasible_inaccurate"):
                raise Infeasible(status)
            last = f"{solver}: {status}"
        raise OptimizationError(f"No solver could solve the rebalance problem ({last}). "
                                "Install or choose another solver with --solver (e.g. CLARABEL, "
                                "HIGHS, SCS).")

    @staticmethod
    def _program(built: Any, opts: dict[str, Any]) -> ClarabelProgram | None:
        """``built``'s problem compiled for Clarabel (None: solve it through cvxpy)."""
        if built.program is None:
            from ._compiled import ClarabelProgram

            built.program = ClarabelProgram.compile(built.problem, opts) or False
        return built.program or None

    def _run(self, objective: str, state: State, *, relax: tuple[tuple[str, float], ...],
             discrete: bool, target: np.ndarray | None = None, slack: frozenset[str] = frozenset(),
             ) -> Solution:
        floors = {c.group for c in self.spec.caps if not c.upper}
        limits = {g: (self.limit(g, state) or 0.0) + (-v if g in floors else v) for g, v in relax}
        bad: dict[str, float] = {}
        used = ""
        try:
            # a wider margin first; then, if the solver's answer is still off, the next solver
            for margin, switch in ((MARGIN, False), (10 * MARGIN, False), (MARGIN, True)):
                if switch:
                    if len(self._solvers(discrete)) < 2:
                        break
                    self._skip.add(used)
                sol = self._attempt(objective, state, relax, discrete, target, slack, margin,
                                    limits)
                used = sol.solver
                if slack:
                    return sol
                bad = self._violations(sol, state, limits)
                if not bad:
                    if not discrete:
                        sol = self._polish(sol, objective, state, relax, target, margin, limits)
                    return sol
        finally:
            self._skip.clear()
        worst = ", ".join(f"{g} by {v:.2e}" for g, v in bad.items())
        raise OptimizationError(f"The solver's plan breaks {worst}; try another solver "
                                "(--solver CLARABEL or SCS).")

    def _attempt(self, objective: str, state: State, relax: tuple[tuple[str, float], ...],
                 discrete: bool, target: np.ndarray | None, slack: frozenset[str], margin: float,
                 limits: Mapping[str, float]) -> Solution:
        """Solve once; add issuers to the top-10 pool until the full top-10 share holds."""
        top = next(c for c in self.spec.caps if c.group == "max_top10")
        lim = limits.get("max_top10", top.limit)
        for _ in range(6):
            built = self._get(objective, discrete, slack, relax, margin)
            assign(built, self.spec, state, min_trade=self.min_trade,
                   min_trade_share=self.min_trade_share, target=target)
            solver, t_solve, t_compile = self._call(built, discrete)
            sol = self._extract(built, state, discrete)
            sol.solver, sol.solve_time, sol.compile_time = solver, t_solve, t_compile
            if slack or lim is None or self.excess(top, sol, lim) <= TOL:
                break
            v = top.values(sol.weights)
            missing = np.setdiff1d(np.argsort(-v)[:40], self.spec.active["max_top10"])
            if not len(missing):
                break
            self._set_active(np.union1d(self.spec.active["max_top10"], missing))
        return sol

    def limit(self, group: str, state: State) -> float | None:
        if group == "max_turnover":
            return self.spec.max_turnover
        if group == FROM_STATE:
            return state.unresolved_limit
        return next(c.limit for c in self.spec.caps if c.group == group)

    def _violations(self, sol: Solution, state: State,
                    limits: Mapping[str, float]) -> dict[str, float]:
        bad = {}
        for cap in self.spec.caps:
            lim = limits.get(cap.group, self.limit(cap.group, state))
            e = self.excess(cap, sol, lim)
            if e > TOL:
                bad[cap.group] = e
        if self.spec.max_turnover is not None:
            lim = limits.get("max_turnover", self.spec.max_turnover)
            if sol.turnover - lim > 1e-7:  # not a check finding: solver accuracy is enough
                bad["max_turnover"] = sol.turnover - lim
        if (sol.cash < -1e-6).any() or (sol.values < -1e-6).any():
            bad["long_only"] = float(-min(sol.cash.min(), sol.values.min()))
        return bad

    # ------------------------------------------------------------------ diagnosis
    def diagnose(self, state: State) -> tuple[dict[str, float], str]:
        """Find the smallest relaxation that makes the guardrails feasible, and explain it.

        See :func:`bubbleguard.planner._diagnose.diagnose`.
        """
        from ._diagnose import diagnose

        return diagnose(self, state)

    def slack(self, state: State, groups: frozenset[str]) -> dict[str, float]:
        """Solve the slack version (each of ``groups`` may be relaxed at a weighted cost).

        Returns the relaxation per group (fractions of the portfolio, rounded up to 0.01
        percentage point). Raises ``Infeasible`` when even that has no solution.
        """
        built = self._get("slack", self.discrete, groups, (), MARGIN)
        assign(built, self.spec, state, min_trade=self.min_trade,
               min_trade_share=self.min_trade_share)
        self._call(built, self.discrete)
        sol = self._extract(built, state, self.discrete)
        total = float(sol.values.sum()) / state.value
        out = {}
        for g, var in built.slacks.items():
            v = float(var.value or 0.0)
            amount = v if g == "max_turnover" else v / max(total, 1e-12)
            if amount > 1e-6:
                amount = math.ceil((amount + 2e-7) * 1e4) / 1e4
                if g.startswith("min_"):  # a floor cannot go below zero
                    amount = min(amount, self.limit(g, state) or 0.0)
                out[g] = amount
        return {g: out[g] for g in self.spec.groups() if g in out}
