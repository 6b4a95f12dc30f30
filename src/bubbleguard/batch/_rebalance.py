"""Batch rebalance: every account of a book re-solved on one compiled problem, across processes.

The universe (every instrument the book holds plus the candidates to buy) is fixed for the
book, so one :class:`bubbleguard.planner.Rebalancer` serves every account: its cvxpy problem
is compiled once and each account only sets Parameters (:meth:`Rebalancer.state`, then
:meth:`Rebalancer.solve`). Workers are processes (forked from a parent that has already built
and compiled the problem, where the platform forks) or Dask tasks; each worker keeps one
Rebalancer per thread and runs BLAS on one thread. Continuous plans reach Clarabel directly
(:mod:`bubbleguard.planner._compiled`), not through cvxpy's per-solve work.

Each account is one portfolio in one account: cash rows (``CASH`` and cash instruments) are its
cash, the other rows its positions, valued as ``check`` values them. For the ``min-change``
objective an account already within every guardrail is not sent to the solver: no trade is then
the least change (status ``within_guardrails``). An account whose guardrails conflict gets
status ``infeasible`` and the planner's diagnosis (the smallest relaxation) as its note; with
``allow_relax`` it is solved under that relaxation (status ``relaxed``).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import HoldingsError
from ..policy import Policy, load_policy
from ..reference._snapshot import Snapshot, load_snapshot
from ._book import read_book
from ._engine import one_blas_thread

if TYPE_CHECKING:
    from ..planner import Rebalancer

__all__ = ["STATUSES", "TRADE_COLUMNS", "rebalance_accounts"]

#: The trades table: one row per trade, and one row (no symbol) for an account without trades.
TRADE_COLUMNS = ("account", "symbol", "side", "shares", "value", "status", "note")
#: Status of an account, from best to worst.
STATUSES = ("optimal", "within_guardrails", "relaxed", "infeasible", "not_rebalanced")
TOL = 1e-9  # a guardrail is met when it is broken by no more than this (as the planner checks)


@dataclass(frozen=True)
class _Recipe:
    """What a worker needs to build the book's Rebalancer (pickled for spawned workers and Dask)."""

    token: str
    symbols: tuple[str, ...]
    policy: Policy
    objective: str
    solver: str
    whole_shares: bool
    min_trade: float | None
    allow_relax: bool
    snapshot: Snapshot | None  # None: the bundled snapshot
    fund_holdings: pd.DataFrame | None
    buy_ok: np.ndarray  # per instrument: may it be bought
    price: np.ndarray   # per instrument: the snapshot's share price (NaN unknown)


_LOCAL = threading.local()  # per thread: token → Rebalancer (a Rebalancer is not thread-safe)
_FORKED: dict[str, Rebalancer] = {}  # built in the parent before forking; copied per thread


def _build(recipe: _Recipe) -> Rebalancer:
    from ..planner import Rebalancer
    from ..plugins import with_providers

    base = recipe.snapshot if recipe.snapshot is not None else load_snapshot()
    snap, _ = with_providers(base, list(recipe.symbols), recipe.fund_holdings)
    return Rebalancer(list(recipe.symbols), recipe.policy, snapshot=snap, objective=recipe.objective,
                      solver=recipe.solver, whole_shares=recipe.whole_shares,
                      min_trade=recipe.min_trade)


def _rebalancer(recipe: _Recipe) -> Rebalancer:
    cache: dict[str, Rebalancer] = getattr(_LOCAL, "cache", None) or {}
    _LOCAL.cache = cache
    if recipe.token not in cache:
        forked = _FORKED.pop(recipe.token, None)  # the first thread of a forked worker takes it
        cache[recipe.token] = forked if forked is not None else _build(recipe)
    return cache[recipe.token]


#: One account's result: status, note, and its trades as (instrument, side, shares, value).
Result = tuple[str, str, list[tuple[int, str, float, float]]]


def _one(rb: Rebalancer, recipe: _Recipe, values: np.ndarray, cash: float) -> Result:
    from ..errors import OptimizationError

    price = recipe.price
    buy_ok = recipe.buy_ok.copy()
    sell_ok = np.ones(len(values), bool)
    allowance = 0.0
    if recipe.whole_shares:
        buy_ok &= np.isfinite(price)
        sell_ok &= np.isfinite(price) | (values == 0)
        allowance = float(np.nanmax(np.where(buy_ok, price, np.nan), initial=0.0))
    shares = np.divide(values, price, out=np.full(len(values), np.nan), where=np.isfinite(price))
    try:
        state = rb.state(values, cash=cash, buy_ok=buy_ok[:, None], sell_ok=sell_ok, price=price,
                         row_price=price, row_shares=shares, cash_allowance=allowance)
    except OptimizationError as exc:  # nothing to rebalance
        return "not_rebalanced", str(exc), []
    if recipe.objective == "min-change" and _within(rb, state, values, cash):
        return "within_guardrails", "", []
    try:
        sol = rb.solve(state, allow_relax=recipe.allow_relax)
    except OptimizationError as exc:  # the guardrails conflict: the diagnosis is the note
        return "infeasible", str(exc), []
    trades: list[tuple[int, str, float, float]] = []
    for i in np.flatnonzero(sol.sells > 0):
        n = sol.sell_shares[i] if sol.sell_shares is not None else sol.sells[i] / price[i]
        trades.append((int(i), "sell", float(n), float(sol.sells[i])))
    bought = sol.buys.sum(axis=1)
    for i in np.flatnonzero(bought > 0):
        n = sol.buy_shares[i].sum() if sol.buy_shares is not None else bought[i] / price[i]
        trades.append((int(i), "buy", float(n), float(bought[i])))
    note = ""
    if sol.status == "relaxed":
        note = "relaxed: " + ", ".join(f"{g} by {v:.2%}" for g, v in sol.relaxations.items())
    return sol.status, note, trades


def _within(rb: Rebalancer, state: Any, values: np.ndarray, cash: float) -> bool:
    """Whether the account as it stands meets every guardrail the planner would impose."""
    w = np.append(values, cash)
    found = rb.evaluate(w / w.sum())
    for cap in rb.spec.caps:
        if cap.group in found:
            value, limit = found[cap.group][0], rb.limit(cap.group, state)
            if (value - limit if cap.upper else limit - value) > TOL:
                return False
    return True


def _solve_block(recipe: _Recipe, rows: np.ndarray, values: np.ndarray, cash: np.ndarray
                 ) -> list[tuple[int, Result]]:
    """Solve the accounts ``rows`` (their values: accounts × instruments, and their cash)."""
    rb = _rebalancer(recipe)
    with one_blas_thread():
        return [(int(r), _one(rb, recipe, values[i], float(cash[i]))) for i, r in enumerate(rows)]


def _fork_context() -> Any:
    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() \
        else None


def rebalance_accounts(frame: pd.DataFrame, policy: Policy | None = None,
                       snapshot: Snapshot | None = None, *, objective: str = "min-change",
                       universe: str | Path | Iterable[str] | None = None, whole_shares: bool = False,
                       min_trade: float | None = None, allow_relax: bool = False,
                       solver: str = "CLARABEL", fund_holdings: pd.DataFrame | None = None,
                       workers: int | None = None, engine: str = "processes",
                       scheduler: str | None = None, progress: Callable[[int, int], None] | None = None,
                       fx: Mapping[str, float] | None = None, where: str = "DataFrame") -> pd.DataFrame:
    """Rebalance every account of a long-format book; one row per trade.

    Parameters
    ----------
    frame
        One row per position: ``account``, ``symbol`` and ``market_value`` and/or ``quantity``
        (with an optional ``price``), as :func:`check_accounts` reads it.
    policy
        Guardrails (default: the balanced profile's).
    snapshot
        Reference data (default: the bundled snapshot).
    objective, universe, whole_shares, min_trade, allow_relax, solver
        As for :func:`bubbleguard.rebalance` (the universe defaults to the bundled diversifiers).
    fund_holdings
        Extra or replacement fund holdings (columns fund, symbol, weight).
    workers
        Processes (default: the CPUs, at most 4); 1 solves in this process.
    engine
        ``processes`` (default) or ``dask`` (tasks on ``scheduler``, or on Dask's local
        process scheduler).
    scheduler
        Address of a running Dask scheduler (``engine="dask"`` only).
    progress
        Called with (accounts done, accounts) as blocks of accounts finish.
    fx
        Rates to USD for accounts that mix currencies, as :func:`check_accounts` takes them.
    where
        The source's name, for messages.

    Returns
    -------
    DataFrame
        Columns :data:`TRADE_COLUMNS`: each account's trades (sells, then buys), or one row
        without a symbol when it has none; ``status`` (one of :data:`STATUSES`) and ``note``
        (the diagnosis of an infeasible account, rows the book left out) on every row.
    """
    from ..planner import default_universe, read_universe
    from ..plugins import with_providers

    base = snapshot if snapshot is not None else load_snapshot()
    pol = policy if policy is not None else load_policy()
    book = read_book(frame, base, where, fx=fx)
    sec = base.securities
    kind = sec["kind"].reindex(book.symbols).to_numpy(object)
    is_cash = (np.asarray(book.symbols) == "CASH") | (kind == "cash")
    known = set(sec.index)
    wanted = default_universe(base) if universe is None else read_universe(universe)
    candidates = [s for s in wanted if s in known and s != "CASH"]
    if not candidates:
        raise HoldingsError("None of the universe's symbols is in the reference data, so there is "
                            "nothing to buy; give a universe of known symbols.")
    held = [str(s) for s in book.symbols[~is_cash]]
    symbols = list(dict.fromkeys([*held, *candidates]))
    snap, _ = with_providers(base, symbols, fund_holdings)
    col = pd.Index(symbols).get_indexer(book.symbols[~is_cash])
    values = book.values.tocsc()
    cash = np.asarray(values[:, np.flatnonzero(is_cash)].sum(axis=1)).ravel()
    held_values = values[:, np.flatnonzero(~is_cash)].tocsr()
    price = pd.to_numeric(snap.securities["price"].reindex(symbols), errors="coerce").to_numpy(float)
    price = np.where(price > 0, price, np.nan)
    buyable = set(candidates)
    recipe = _Recipe(token=uuid.uuid4().hex, symbols=tuple(symbols), policy=pol, objective=objective,
                     solver=solver, whole_shares=whole_shares,
                     # as in rebalance(): fractional plans have no minimum unless one is given
                     min_trade=min_trade if whole_shares or min_trade is not None else 0.0,
                     allow_relax=allow_relax, snapshot=snapshot, fund_holdings=fund_holdings,
                     buy_ok=np.array([s in buyable for s in symbols]), price=price)

    n_acc = len(book.accounts)
    total = np.asarray(book.values.sum(axis=1)).ravel()
    todo = np.flatnonzero(total > 0)

    def dense(rows: np.ndarray) -> np.ndarray:
        out = np.zeros((len(rows), len(symbols)))
        out[:, col] = held_values[rows].toarray()
        return out

    results: dict[int, Result] = {}
    for i in np.flatnonzero(total <= 0):
        results[int(i)] = ("not_rebalanced", "the positions are worth nothing in total", [])
    procs = workers or min(4, os.cpu_count() or 1)
    blocks = [b for b in np.array_split(todo, max(1, min(len(todo), 4 * procs))) if len(b)]
    done = 0

    def collect(part: list[tuple[int, Result]]) -> None:
        nonlocal done
        results.update(part)
        done += len(part)
        if progress is not None:
            progress(done, len(todo))

    try:
        _run(recipe, blocks, dense, cash, procs, engine, scheduler, collect)
    finally:
        getattr(_LOCAL, "cache", {}).pop(recipe.token, None)
        _FORKED.pop(recipe.token, None)
    return _table(book.accounts, symbols, results, book.notes, n_acc)


def _run(recipe: _Recipe, blocks: list[np.ndarray], dense: Callable[[np.ndarray], np.ndarray],
         cash: np.ndarray, procs: int, engine: str, scheduler: str | None,
         collect: Callable[[list[tuple[int, Result]]], None]) -> None:
    """Solve every block: on Dask, in this process, or on forked (else spawned) processes."""
    if engine == "dask":
        from ._dask import map_blocks

        for part in map_blocks(_solve_block, [(recipe, b, dense(b), cash[b]) for b in blocks],
                               scheduler):
            collect(part)
    elif procs <= 1 or len(blocks) <= 1:
        for b in blocks:
            collect(_solve_block(recipe, b, dense(b), cash[b]))
    else:
        # HiGHS (whole shares, minimum trades) keeps threads a forked child would deadlock on
        discrete = recipe.whole_shares or bool(recipe.min_trade)
        ctx = _fork_context() if not discrete else multiprocessing.get_context("spawn")
        if not discrete and ctx is not None:  # build and compile once here; the forked workers inherit it
            rb = _rebalancer(recipe)
            first, blocks = blocks[0], blocks[1:]
            collect(_solve_block(recipe, first[:1], dense(first[:1]), cash[first[:1]]))
            blocks = [first[1:], *blocks] if len(first) > 1 else blocks
            _FORKED[recipe.token] = rb
        if not blocks:
            return
        with ProcessPoolExecutor(min(procs, len(blocks)), mp_context=ctx) as pool:
            futures = [pool.submit(_solve_block, recipe, b, dense(b), cash[b]) for b in blocks]
            for future in as_completed(futures):
                collect(future.result())


def _table(accounts: pd.Index, symbols: Sequence[str], results: dict[int, Result],
           notes: dict[int, list[str]], n_acc: int) -> pd.DataFrame:
    rows: list[tuple[Any, ...]] = []
    for a in range(n_acc):
        status, note, trades = results[a]
        note = "; ".join([*notes.get(a, []), *([note] if note else [])])
        if not trades:
            rows.append((accounts[a], None, None, np.nan, np.nan, status, note))
        for i, side, shares, value in trades:
            rows.append((accounts[a], symbols[i], side, shares, value, status, note))
    return pd.DataFrame(rows, columns=list(TRADE_COLUMNS))


def exit_code(trades: pd.DataFrame) -> int:
    """2 when no account could be rebalanced, 1 when some could not, else 0."""
    status = trades.drop_duplicates("account")["status"]
    bad = status.isin(["infeasible", "not_rebalanced"])
    if len(status) and bad.all():
        return 2
    return int(bool(bad.any()))

