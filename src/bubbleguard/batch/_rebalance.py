"""Batch rebalance: every account of a book re-solved on one compiled problem, across processes.

The instruments (every one the book holds plus the candidates to buy) are fixed for the book,
so one :class:`bubbleguard.planner.Rebalancer` serves every account: its cvxpy problem
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

An account may buy what ``rebalance`` would let it buy alone: the given universe, or by default
its own (:func:`bubbleguard.planner.default_universe` of what it holds; accounts that hold the
same role funds share one). Whatever the account does not hold counts its unresolved share
toward the theme caps, as ``rebalance`` counts it for the account alone: a candidate no account
holds through the problem's structure, one another account holds through the account's
``theme_mask`` Parameter (:attr:`bubbleguard.planner._problem.Spec.theme_unresolved`).

The account options of :func:`bubbleguard.rebalance` go through the same Parameters as there:
locked symbols are neither bought nor sold, new cash is every account's ``cash_change``, and
realised gains (from a ``cost_basis`` column, in accounts whose names are not tax-advantaged)
weigh ``tax_rate`` in the objective. What changes the problem's structure applies to the whole
book: the base currency (every account valued, and priced, in it) and the market (its
universe, and whole board lots).
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
    symbols: tuple[str, ...]  # the book's holdings first (the problem's rows), then candidates
    n_held: int
    policy: Policy
    objective: str
    solver: str
    whole_shares: bool
    min_trade: float | None
    allow_relax: bool
    snapshot: Snapshot | None  # None: the bundled snapshot
    fund_holdings: pd.DataFrame | None
    buy_ok: np.ndarray  # universes × instruments: may it be bought (an account has one universe)
    sell_ok: np.ndarray  # per held instrument (row): may it be sold (not locked)
    price: np.ndarray   # currencies × instruments: the snapshot's share price in each (NaN unknown)
    lots: np.ndarray    # per instrument: units per board lot (1: single units)
    cash: float = 0.0   # new cash in every account (negative: a withdrawal)
    tax_rate: float = 0.15
    market: str = "us"
    # per universe, in a market's accounts: the floors' classes nothing buyable offers, and what
    # check_floors is told the account can buy
    floor_short: tuple[tuple[str, ...], ...] = ()
    floor_buyable: tuple[tuple[str, ...], ...] = ()
    classes: tuple[str, ...] = ()  # per instrument: its asset class (for floor_short)


_LOCAL = threading.local()  # per thread: token → Rebalancer (a Rebalancer is not thread-safe)
_FORKED: dict[str, Rebalancer] = {}  # built in the parent before forking; copied per thread


def _build(recipe: _Recipe) -> Rebalancer:
    from ..planner import Rebalancer
    from ..plugins import with_providers

    base = recipe.snapshot if recipe.snapshot is not None else load_snapshot()
    snap, _ = with_providers(base, list(recipe.symbols), recipe.fund_holdings)
    return Rebalancer(list(recipe.symbols), recipe.policy, snapshot=snap, objective=recipe.objective,
                      solver=recipe.solver, whole_shares=recipe.whole_shares,
                      min_trade=recipe.min_trade, tax_rate=recipe.tax_rate,
                      # rows: what the book holds; what an account does not hold (a candidate,
                      # a row of another account) counts its unresolved share toward the themes,
                      # as rebalance counts it: the planner does not buy exposure it cannot see
                      rows=[(s, "") for s in recipe.symbols[:recipe.n_held]], account_themes=True)


def _rebalancer(recipe: _Recipe) -> Rebalancer:
    cache: dict[str, Rebalancer] = getattr(_LOCAL, "cache", None) or {}
    _LOCAL.cache = cache
    if recipe.token not in cache:
        forked = _FORKED.pop(recipe.token, None)  # the first thread of a forked worker takes it
        cache[recipe.token] = forked if forked is not None else _build(recipe)
    return cache[recipe.token]


#: One account's result: status, note, and its trades as (instrument, side, shares, value).
Result = tuple[str, str, list[tuple[int, str, float, float]]]


def _one(rb: Rebalancer, recipe: _Recipe, values: np.ndarray, cash: float,
         gains: np.ndarray | None = None, currency: int = 0, universe: int = 0,
         held: np.ndarray | None = None) -> Result:
    """Solve one account, setting its Parameters as :func:`bubbleguard.rebalance` does.

    ``gains`` is per instrument the gain fraction of a sale; ``currency`` and ``universe`` are
    the account's rows of ``recipe.price`` and ``recipe.buy_ok``; ``held`` marks the rows the
    account holds (default: those with a value).
    """
    from ..errors import OptimizationError

    price, lots, h = recipe.price[currency], recipe.lots, recipe.n_held
    buy_ok = recipe.buy_ok[universe].copy()
    sell_ok = recipe.sell_ok.copy()
    allowance = 0.0
    if recipe.whole_shares:
        buy_ok &= np.isfinite(price)
        sell_ok &= np.isfinite(price[:h]) | (values[:h] == 0)
        # an account may keep up to one lot's price of uninvested cash
        allowance = float(np.nanmax(np.where(buy_ok, price * lots, np.nan), initial=0.0))
    if recipe.floor_short and recipe.floor_short[universe]:
        problem = _floors(rb, recipe, values, universe)
        if problem:
            return "infeasible", problem, []
    shares = np.divide(values, price, out=np.full(len(values), np.nan), where=np.isfinite(price))
    try:  # the solver's whole units are lots: a lot's price, the lots held
        state = rb.state(values[:h], cash=cash, cash_change=recipe.cash, buy_ok=buy_ok[:, None],
                         sell_ok=sell_ok, gains=None if gains is None else gains[:h],
                         price=price * lots, row_price=(price * lots)[:h],
                         row_shares=(shares / lots)[:h], cash_allowance=allowance,
                         theme_mask=np.append(~(values[:h] > 0 if held is None else held),
                                              np.zeros(len(values) - h + 1, bool)))
    except OptimizationError as exc:  # nothing to rebalance (or a withdrawal of everything)
        return "not_rebalanced", str(exc), []
    # new cash must be invested (a withdrawal raised): no trade is then never the plan
    if recipe.objective == "min-change" and not recipe.cash and _within(rb, state, values, cash):
        return "within_guardrails", "", []
    try:
        sol = rb.solve(state, allow_relax=recipe.allow_relax)
    except OptimizationError as exc:  # the guardrails conflict: the diagnosis is the note
        return "infeasible", str(exc), []
    trades: list[tuple[int, str, float, float]] = []
    for i in np.flatnonzero(sol.sells > 0):
        n = (sol.sell_shares[i] * lots[i] if sol.sell_shares is not None
             else sol.sells[i] / price[i])
        trades.append((int(i), "sell", float(n), float(sol.sells[i])))
    bought = sol.buys.sum(axis=1)
    for i in np.flatnonzero(bought > 0):
        n = (sol.buy_shares[i].sum() * lots[i] if sol.buy_shares is not None
             else bought[i] / price[i])
        trades.append((int(i), "buy", float(n), float(bought[i])))
    note = ""
    if sol.status == "relaxed":
        note = "relaxed: " + ", ".join(f"{g} by {v:.2%}" for g, v in sol.relaxations.items())
    return sol.status, note, trades


def _floors(rb: Rebalancer, recipe: _Recipe, values: np.ndarray, universe: int) -> str:
    """Why the account's floors cannot be met in its market ('' when they can).

    ``rebalance`` refuses such an account (:func:`bubbleguard.planner._markets.check_floors`).
    """
    from ..errors import OptimizationError
    from ..planner._markets import check_floors

    held = pd.Series(values, index=list(recipe.classes)).groupby(level=0).sum()
    if all(held.get(c, 0.0) > 0 for c in recipe.floor_short[universe]):
        return ""
    try:
        check_floors(rb.policy, recipe.market, recipe.floor_buyable[universe], held, rb.snapshot)
    except OptimizationError as exc:
        return str(exc)
    return ""


def _within(rb: Rebalancer, state: Any, values: np.ndarray, cash: float) -> bool:
    """Whether the account as it stands meets every guardrail the planner would impose."""
    w = np.append(values, cash)
    found = rb.evaluate(w / w.sum(), state=state)
    for cap in rb.spec.caps:
        if cap.group in found:
            value, limit = found[cap.group][0], rb.limit(cap.group, state)
            if (value - limit if cap.upper else limit - value) > TOL:
                return False
    return True


def _solve_block(recipe: _Recipe, rows: np.ndarray, values: np.ndarray, cash: np.ndarray,
                 gains: np.ndarray | None = None, currency: np.ndarray | None = None,
                 universe: np.ndarray | None = None, held: np.ndarray | None = None
                 ) -> list[tuple[int, Result]]:
    """Solve the accounts ``rows``.

    Their values and gain fractions are accounts × instruments, what they hold accounts ×
    rows; their cash, currency (the row of ``recipe.price``) and universe (the row of
    ``recipe.buy_ok``) one number per account.
    """
    rb = _rebalancer(recipe)
    with one_blas_thread():
        return [(int(r), _one(rb, recipe, values[i], float(cash[i]),
                              None if gains is None else gains[i],
                              0 if currency is None else int(currency[i]),
                              0 if universe is None else int(universe[i]),
                              None if held is None else held[i]))
                for i, r in enumerate(rows)]


def _fork_context() -> Any:
    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() \
        else None


def rebalance_accounts(frame: pd.DataFrame, policy: Policy | None = None,
                       snapshot: Snapshot | None = None, *, objective: str = "min-change",
                       universe: str | Path | Iterable[str] | None = None,
                       whole_shares: bool | None = None, min_trade: float | None = None,
                       allow_relax: bool = False, lock: Iterable[str] = (), cash: float = 0.0,
                       tax_rate: float = 0.15, base_currency: str | None = None,
                       market: str | None = None, solver: str = "CLARABEL",
                       fund_holdings: pd.DataFrame | None = None, workers: int | None = None,
                       engine: str = "processes", scheduler: str | None = None,
                       progress: Callable[[int, int], None] | None = None,
                       fx: Mapping[str, float] | None = None, where: str = "DataFrame") -> pd.DataFrame:
    """Rebalance every account of a long-format book; one row per trade.

    Parameters
    ----------
    frame
        One row per position: ``account``, ``symbol`` and ``market_value`` and/or ``quantity``
        (with an optional ``price``, ``currency`` and ``cost_basis``), as
        :func:`check_accounts` reads it.
    policy
        Guardrails (default: the balanced profile's).
    snapshot
        Reference data (default: the bundled snapshot).
    objective, universe, min_trade, allow_relax, solver
        As for :func:`bubbleguard.rebalance` (the universe defaults to the bundled diversifiers
        of ``market``).
    whole_shares
        Trade whole shares (whole board lots in a ``market``'s account) or fractional shares;
        default: whole lots with a ``market``, else fractional shares.
    lock
        Symbols not to trade at all, in any account.
    cash
        New cash to invest (positive) or to withdraw (negative) in every account, in the
        account's currency.
    tax_rate
        Estimated tax per unit of realised gain, as for :func:`bubbleguard.rebalance`: a sale's
        gain comes from the book's ``cost_basis`` column (none without one) and counts in the
        accounts whose names are not tax-advantaged (IRA, Roth, 401k…). Several rows of one
        symbol in one account are one holding here, taxed at their summed gain (a single
        account's ``rebalance`` can choose which of them to sell).
    base_currency
        Value every account in this currency (default: its own; USD when it mixes currencies),
        as ``load_holdings(..., base_currency=)`` does; prices are converted into each
        account's currency at the snapshot's reference rates.
    market
        The accounts' exchange, as for :func:`bubbleguard.rebalance`: ``cn`` (buys only
        Shanghai/Shenzhen-listed funds, in lots of 100 units) or ``hk`` (HKEX listings in
        their board lots); default: the US diversifiers. An account whose floors nothing of
        that market offers gets status ``infeasible`` with the reason.
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
        Rates to USD for accounts that mix currencies (and for ``base_currency``), as
        :func:`check_accounts` takes them.
    where
        The source's name, for messages.

    Returns
    -------
    DataFrame
        Columns :data:`TRADE_COLUMNS`: each account's trades (sells, then buys), or one row
        without a symbol when it has none; ``status`` (one of :data:`STATUSES`) and ``note``
        (the diagnosis of an infeasible account, rows the book left out) on every row.

    Raises
    ------
    HoldingsError
        The book cannot be read, the universe has no known symbol, or there is no rate for
        ``base_currency``.
    OptimizationError
        An unknown market, objective or solver.
    """
    from ..planner import read_universe
    from ..planner._markets import board_lots, prices_in, universe_table
    from ..planner._rebalance import TAX_ADVANTAGED
    from ..plugins import with_providers

    mkt = market or "us"
    universe_table(mkt)  # an unknown market is refused before any work
    whole = mkt != "us" if whole_shares is None else whole_shares
    base = snapshot if snapshot is not None else load_snapshot()
    pol = policy if policy is not None else load_policy()
    book = read_book(frame, base, where, fx=fx, base_currency=base_currency)
    sec = base.securities
    kind = sec["kind"].reindex(book.symbols).to_numpy(object)
    is_cash = (np.asarray(book.symbols) == "CASH") | (kind == "cash")
    known = set(sec.index)
    held = [str(s) for s in book.symbols[~is_cash]]
    values = book.values.tocsc()
    cash_held = np.asarray(values[:, np.flatnonzero(is_cash)].sum(axis=1)).ravel()
    held_values = values[:, np.flatnonzero(~is_cash)].tocsr()
    holds = book.order.tocsc()[:, np.flatnonzero(~is_cash)].tocsr()  # a zero-value holding too
    if universe is None:  # each account's own, as rebalance() picks it from what it holds
        universes, which = _default_universes(base, held_values, held, mkt)
    else:
        universes, which = [[s for s in read_universe(universe) if s in known]], None
    universes = [[s for s in u if s != "CASH"] for u in universes]
    candidates = list(dict.fromkeys(s for u in universes for s in u))
    if not candidates:
        raise HoldingsError("None of the universe's symbols is in the reference data, so there is "
                            "nothing to buy; give a universe of known symbols.")
    symbols = list(dict.fromkeys([*held, *candidates]))
    snap, _ = with_providers(base, symbols, fund_holdings)
    col = pd.Index(symbols).get_indexer(book.symbols[~is_cash])
    held_gains = (book.gains.tocsc()[:, np.flatnonzero(~is_cash)].tocsr()
                  if book.gains is not None and tax_rate > 0 else None)
    # each account's prices in its currency, as rebalance() prices one portfolio
    currencies = (list(book.currency.categories) if book.currency is not None else ["USD"])
    account_currency = (np.asarray(book.currency.codes) if book.currency is not None
                        else np.zeros(len(book.accounts), int))
    price = np.vstack([prices_in(snap, symbols, str(c), []) for c in currencies])
    price = np.where(price > 0, price, np.nan)
    lots = board_lots(symbols, mkt)[0] if whole else np.ones(len(symbols))
    locked = {s.upper() for s in lock}
    buy_ok = np.array([[s in u and s not in locked for s in symbols] for u in map(set, universes)])
    floor_short: list[tuple[str, ...]] = []
    offers: list[tuple[str, ...]] = []
    classes = tuple(str(sec["asset_class"].get(s, "equity")) for s in symbols)
    if mkt != "us":  # the floors a market's funds cannot meet (rebalance refuses those accounts)
        unpriced = {s for s, p in zip(symbols, price[0], strict=True) if whole and not p > 0}
        for u in universes:
            offers.append(tuple(s for s in u if s not in unpriced or s in locked))
            offered = {str(sec.at[s, "asset_class"]) for s in offers[-1]}
            floor_short.append(tuple(c for c, f in pol.min_asset_class.items()
                                     if f > 0 and c not in offered))
    recipe = _Recipe(token=uuid.uuid4().hex, symbols=tuple(symbols), policy=pol, objective=objective,
                     solver=solver, whole_shares=whole,
                     # as in rebalance(): fractional plans have no minimum unless one is given
                     min_trade=min_trade if whole or min_trade is not None else 0.0,
                     allow_relax=allow_relax, snapshot=snapshot, fund_holdings=fund_holdings,
                     buy_ok=buy_ok,
                     sell_ok=np.array([s not in locked for s in held], bool), price=price,
                     lots=lots, n_held=len(held),
                     cash=float(cash), tax_rate=float(tax_rate), market=mkt,
                     floor_short=tuple(floor_short), floor_buyable=tuple(offers), classes=classes)
    taxable = np.array([not TAX_ADVANTAGED.search(str(a)) for a in book.accounts], bool)

    n_acc = len(book.accounts)
    total = np.asarray(book.values.sum(axis=1)).ravel()
    todo = np.flatnonzero(total > 0)

    def dense(matrix: Any, rows: np.ndarray) -> np.ndarray:
        out = np.zeros((len(rows), len(symbols)))
        out[:, col] = matrix[rows].toarray()
        return out

    def inputs(rows: np.ndarray) -> tuple[Any, ...]:
        """What ``_solve_block`` takes for the accounts ``rows`` (after the recipe)."""
        v = dense(held_values, rows)
        gains = None
        if held_gains is not None:  # a sale's gain fraction, in taxable accounts only
            gains = np.divide(dense(held_gains, rows), v, out=np.zeros_like(v), where=v > 0)
            gains[~taxable[rows]] = 0.0
        return (rows, v, cash_held[rows], gains, account_currency[rows],
                None if which is None else which[rows], dense(holds, rows)[:, :len(held)] > 0)

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
        _run(recipe, blocks, inputs, procs, engine, scheduler, collect)
    finally:
        getattr(_LOCAL, "cache", {}).pop(recipe.token, None)
        _FORKED.pop(recipe.token, None)
    return _table(book.accounts, symbols, results, book.notes, n_acc)


def _default_universes(snapshot: Snapshot, held_values: Any, held: Sequence[str], market: str
                       ) -> tuple[list[list[str]], np.ndarray | None]:
    """The default universes of the book's accounts and which one each account has.

    :func:`bubbleguard.planner.default_universe` gives each role of ``data/universe.csv`` the
    fund an account holds in it (the largest; ties: the first symbol), else the cheapest: an
    account holding none of them has the plain default (universe 0, and ``None`` when no
    account holds any). ``held_values`` is accounts × ``held`` (every holding stored).
    """
    from ..planner import default_universe
    from ..planner._markets import universe_table

    plain = default_universe(snapshot, market=market)
    table = universe_table(market)
    table = table[table["symbol"].isin(snapshot.securities.index)
                  & table["core"].str.lower().eq("true")]
    role_of = dict(zip(table["symbol"], table["role"], strict=True))
    cols = [j for j, s in enumerate(held) if s in role_of]
    if not cols:
        return [plain], None
    sub = held_values[:, cols].tocsr()
    amount = sub.toarray()
    sub.data[:] = 1.0
    has = sub.toarray() > 0
    roles = sorted({role_of[held[j]] for j in cols})
    choice = np.full((amount.shape[0], len(roles)), -1)
    for r, role in enumerate(roles):
        mine = np.array(sorted((k for k, j in enumerate(cols) if role_of[held[j]] == role),
                               key=lambda k: held[cols[k]]))
        best = np.argmax(np.where(has[:, mine], amount[:, mine], -np.inf), axis=1)  # first: ties
        choice[:, r] = np.where(has[:, mine].any(axis=1), mine[best], -1)
    keys, which = np.unique(choice, axis=0, return_inverse=True)
    universes = [default_universe(snapshot, held=[held[cols[k]] for k in key if k >= 0],
                                  market=market) for key in keys]
    return [plain, *universes], np.asarray(which).ravel() + 1


def _run(recipe: _Recipe, blocks: list[np.ndarray], inputs: Callable[[np.ndarray], tuple[Any, ...]],
         procs: int, engine: str, scheduler: str | None,
         collect: Callable[[list[tuple[int, Result]]], None]) -> None:
    """Solve every block: on Dask, in this process, or on forked (else spawned) processes."""
    if engine == "dask":
        from ._dask import map_blocks

        for part in map_blocks(_solve_block, [(recipe, *inputs(b)) for b in blocks], scheduler):
            collect(part)
    elif procs <= 1 or len(blocks) <= 1:
        for b in blocks:
            collect(_solve_block(recipe, *inputs(b)))
    else:
        # HiGHS (whole shares, minimum trades) keeps threads a forked child would deadlock on
        discrete = recipe.whole_shares or bool(recipe.min_trade)
        ctx = _fork_context() if not discrete else multiprocessing.get_context("spawn")
        if not discrete and ctx is not None:  # build and compile once here; the forked workers inherit it
            rb = _rebalancer(recipe)
            first, blocks = blocks[0], blocks[1:]
            collect(_solve_block(recipe, *inputs(first[:1])))
            blocks = [first[1:], *blocks] if len(first) > 1 else blocks
            _FORKED[recipe.token] = rb
        if not blocks:
            return
        with ProcessPoolExecutor(min(procs, len(blocks)), mp_context=ctx) as pool:
            futures = [pool.submit(_solve_block, recipe, *inputs(b)) for b in blocks]
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

