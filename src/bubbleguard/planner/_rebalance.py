"""Rebalance: the least (or least risky) set of trades that brings a portfolio within bounds.

``rebalance()`` is the whole pipeline: holdings → look-through of held and candidate
instruments → one cvxpy problem (built by :mod:`bubbleguard.planner._problem`, solved and re-checked by
:class:`~bubbleguard.planner.Rebalancer`) → trades per account → post-trade holdings → ``check``
on them → :class:`Plan`.

Decisions worth knowing (the README's rebalance section repeats them):

* **Same maps as check.** Every cap is the look-through matrix applied to weights; the plan is
  re-checked with :func:`bubbleguard.report.check` on the post-trade holdings, and its
  before/after exposures and findings come from that check.
* **Top-10 share** is enforced exactly as ``sum_largest(issuer exposures, 10) <= max_top10``
  (convex). Only the 150 issuers that could be largest enter the solver; the full sum is checked
  afterwards and missing issuers are added until it holds. Single-issuer caps enter only for
  issuers some instrument could push over the cap on its own (exact: weights sum to one).
* **Unresolved value** (fund holdings not itemised, unknown symbols) counts as equity but not
  toward issuer or theme caps, exactly as in ``check``. To stop the optimiser from hiding
  exposure in funds it cannot see through, the unresolved share may not rise above
  ``max(policy.max_unresolved, its current level)``. ``unresolved_as_ai=True`` counts it toward the
  AI cap as well (a worst-case bound).
* **Accounts.** Each account pays for its own buys (sales and cash of the same account: money does
  not move between an IRA and a taxable account). New cash goes into, and withdrawals come from,
  ``cash_account``: by default the account holding the most cash, else the first taxable account,
  else the first. Sells come from the rows the objective prefers: tax-advantaged accounts (name
  containing IRA, Roth, 401k, 403b, 457, HSA, 529, SEP, TFSA, RRSP, ISA, SIPP or pension) first,
  then lots with losses or small gains.
* **Taxes.** With cost basis, the gain fraction of a row is ``1 - cost_basis / market_value``;
  the objective adds ``tax_rate × realised gain`` for taxable rows (losses are not rewarded, so no
  wash-sale churn). The plan reports realised gains.
* **Cash.** New cash must be invested (an account keeps at most the cash it had, plus, with whole
  shares, the remainder of rounding). Costs (``policy.transaction_cost`` × traded value) are paid
  from cash, so ``value_after = value_before + cash_change - costs``.
* **Turnover** is the value bought that new cash did not pay for, over the value after the cash
  change; ``policy.max_turnover`` caps it.
* **Objectives.** ``min-change`` minimises traded value plus costs and estimated tax, with three
  small tie-breaks, in order of weight: keep the asset-class mix the guardrails allow
  (``0.05 × |mix change|``, so sale proceeds stay in the same class instead of drifting into
  T-bills), buy low-cost broad index funds rather than narrower equity or bond funds
  (``0.02 × value bought``), then lower risk (``0.01 × variance``). Their weights are small next
  to a trade's cost of one, so they choose among plans of (nearly) the least turnover.
  ``min-risk`` minimises variance plus costs and tax.
  ``max-sharpe`` maximises the Sharpe ratio net of costs and tax, with CAPM expected returns
  (see :mod:`bubbleguard.planner._risk_model`), through the usual homogenising variable transformation.
* **Whole shares / minimum trade** are a mixed-integer program (HiGHS); ``min-change`` then breaks
  ties by the weighted average volatility (linear), and ``min-risk`` / ``max-sharpe`` first solve
  the continuous problem, then find the whole-share plan closest to it.
* **Numerics.** The solver sees every limit tightened by 0.002 percentage points, residual
  trades of interior-point solvers are removed, and every plan is re-checked against every
  constraint with the same maps in numpy before it is returned (never a silently broken cap).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from ..checker import check
from ..errors import OptimizationError
from ..holdings._portfolio import HoldingsInput, Portfolio, load_holdings
from ..plugins import with_providers
from ..policy import Policy, load_policy
from ..reference._snapshot import Snapshot, load_snapshot, packaged
from ._markets import board_lots, check_floors, market_notes, prices_in, qdii_funds
from ._plan import OBJECTIVES, Plan

if TYPE_CHECKING:
    pass


__all__ = ["OBJECTIVES", "default_universe", "expense_ratios", "read_universe", "rebalance"]

MAX_MONTHS = 600  # a monthly schedule longer than fifty years is not a plan

TAX_ADVANTAGED = re.compile(r"\b(ira|roth|401\s?\(?k\)?|403\s?\(?b\)?|457|hsa|529|sep|tfsa|rrsp|"
                            r"isa|sipp|pension)\b", re.IGNORECASE)


def expense_ratios() -> dict[str, float]:
    """Sourced expense ratios, percent a year, by symbol (``data/expense_ratios.csv``).

    Each figure's source and date are in ``snapshot/research/us_funds/expense_ratios.csv``.
    """
    with packaged("expense_ratios.csv").open("rb") as fh:
        table = pd.read_csv(fh, dtype={"symbol": str})
    return dict(zip(table["symbol"], table["expense_ratio_pct"].astype(float), strict=True))


def default_universe(snapshot: Snapshot | None = None, held: Iterable[str] = (), *,
                     core_only: bool = True, market: str = "us") -> list[str]:
    """Return the bundled diversifier candidates (``data/universe.csv``): one fund per role.

    Each role (US broad market, aggregate bonds, gold, US REITs, T-bills…) contributes one fund
    the snapshot knows: the first of ``held`` (largest first) in that role, else the one with
    the lowest sourced expense ratio (ties: the order of the file). ``core_only`` keeps the
    roles the articles name (broad US index funds, bonds, gold, real estate, T-bills) and leaves
    out the second equity sleeves (international, emerging, equal-weight) and long Treasuries.
    ``market`` picks the account's exchange: ``us`` (default), ``cn`` (Shanghai and Shenzhen
    listings: government bond, gold, money-market, broad A-share and QDII ETFs) or ``hk``.
    """
    from ._markets import universe_table

    snap = snapshot if snapshot is not None else load_snapshot()
    table = universe_table(market)
    table = table[table["symbol"].isin(snap.securities.index)]
    if core_only:
        table = table[table["core"].str.lower().eq("true")]
    rank = {s: i for i, s in enumerate(dict.fromkeys(held))}
    table = table.assign(rank=table["symbol"].map(rank).fillna(len(rank)),
                         cost=table["symbol"].map(expense_ratios()).fillna(np.inf))
    first = table.sort_values(["rank", "cost"], kind="stable").drop_duplicates("role")
    return table.loc[table.index.isin(first.index), "symbol"].tolist()


def read_universe(source: str | Path | Iterable[str]) -> list[str]:
    """Symbols from a CSV with a ``symbol`` column, or from any iterable of symbols."""
    from ..symbols import normalize_symbols

    if isinstance(source, (str, Path)):
        from ..errors import HoldingsError

        try:
            df = pd.read_csv(source, dtype=str, keep_default_na=False)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise HoldingsError(f"{source}: cannot read the universe file ({exc}).") from None
        df.columns = [c.strip().lower() for c in df.columns]
        col = "symbol" if "symbol" in df.columns else "ticker" if "ticker" in df.columns else None
        if col is None:
            raise HoldingsError(f"{source}: the universe file needs a 'symbol' column.")
        values = df[col]
    else:
        values = pd.Series(list(source), dtype=str)
    out = normalize_symbols(values, broker=True)
    return [s for s in dict.fromkeys(out) if s]


def _cash_rows(pos: pd.DataFrame, snap: Snapshot) -> pd.Series:
    kind = pos["symbol"].map(snap.securities["kind"]) if "kind" in snap.securities else None
    is_cash = pos["symbol"].eq("CASH")
    return is_cash | (kind.eq("cash") if kind is not None else False)


def rebalance(holdings: HoldingsInput | Portfolio, *, policy: Policy | None = None,
              profile: str = "balanced", objective: str = "min-change",
              universe: str | Path | Iterable[str] | None = None, lock: Iterable[str] = (),
              no_sell: Iterable[str] = (), cash: float = 0.0, whole_shares: bool | None = None,
              min_trade: float | None = None, max_turnover: float | None = None,
              solver: str = "CLARABEL", allow_relax: bool = False, tax_rate: float = 0.15,
              returns: str = "capm", cash_account: str | None = None,
              tax_free_accounts: Iterable[str] | None = None, unresolved_as_ai: bool = False,
              snapshot: Snapshot | None = None, fund_holdings: pd.DataFrame | None = None,
              broker: str | None = None, fx: dict[str, float] | None = None,
              base_currency: str | None = None,
              buy_held: bool = False, buy_only: bool = False, monthly: float | None = None,
              suggest_swaps: bool = False, risk: Any = None, market: str | None = None) -> Plan:
    """Propose trades that bring a portfolio within its guardrails.

    Parameters
    ----------
    holdings
        A path, DataFrame, ``{ticker: value}`` dict or a loaded :class:`Portfolio`.
    policy, profile
        Guardrails (default: the ``profile``'s).
    objective
        ``min-change`` (least turnover meeting the guardrails, ties broken by lower risk),
        ``min-risk`` (least volatility) or ``max-sharpe`` (CAPM expected returns by default).
    universe
        Candidate instruments to buy (CSV path with a ``symbol`` column, or symbols); default:
        the bundled diversifiers (:func:`default_universe`). Held instruments outside it can be
        kept or sold, not added to (unless ``buy_held``).
    lock
        Symbols not to trade at all (rows with ``locked`` true are not traded either).
    no_sell
        Symbols that may be bought but not sold.
    cash
        New cash to invest (positive) or to withdraw (negative).
    whole_shares
        Trade whole shares only (a mixed-integer program), or fractional shares. Default: whole
        shares when the holdings give share counts (a broker export), fractional when they give
        only values or weights (a ``{ticker: weight}`` dict).
    min_trade, max_turnover
        Override the policy's minimum trade value and turnover cap. Whole-share plans default
        to the policy's minimum (the larger of 100 and 0.25% of the account); fractional plans
        to none.
    solver
        cvxpy solver for the continuous problems (CLARABEL default; HiGHS, SCS, OSQP...).
    allow_relax
        When the guardrails conflict, return the plan under the smallest relaxation (status
        ``relaxed``) instead of raising.
    tax_rate
        Estimated tax per unit of realised gain in taxable accounts (0 ignores taxes).
    returns
        Expected returns for ``max-sharpe``: ``capm`` (default) or ``mean_historical``.
    cash_account
        Account receiving new cash or paying the withdrawal (default: see the module notes).
    tax_free_accounts
        Names of tax-advantaged accounts (default: recognised from the account names).
    unresolved_as_ai
        Count unresolved fund value toward the AI theme cap (conservative).
    snapshot, fund_holdings, broker, fx, base_currency
        As for :func:`bubbleguard.check`.
    buy_held
        Also allow buying more of the instruments already held.
    buy_only
        Invest new and held cash without selling anything: the plan that meets the guardrails,
        or, when the money is not enough, the closest one (status ``relaxed``; ``relaxations``
        is the shortfall per guardrail).
    monthly
        Invest this much new money every month, buying only: ``schedule`` gives each month's
        buys (at today's prices) and ``months_to_guardrails`` the months until every guardrail
        holds (see :mod:`bubbleguard.planner._schedule`).
    suggest_swaps
        Also list fund swaps for what drives a binding theme cap (``Plan.swaps``; see
        :mod:`bubbleguard.planner._swaps`).
    risk
        A ready :class:`bubbleguard.planner.RiskModel` covering every instrument.
    market
        The account's exchange: ``cn`` (a mainland account: buys only Shanghai/Shenzhen-listed
        bond, gold, money-market, broad A-share and QDII ETFs, in lots of 100 units) or ``hk``
        (HKEX listings in their board lots); default: the US diversifiers. Plans for these
        accounts trade whole lots unless ``whole_shares=False``, and their notes give the
        prices' dates and the QDII premium caveat (see :mod:`bubbleguard.planner._markets`).

    Returns
    -------
    Plan

    Raises
    ------
    OptimizationError
        The guardrails cannot all hold; ``relaxations`` gives the smallest relaxation.
    """
    from ._risk_model import risk_model
    from ._solver import Rebalancer

    if objective not in OBJECTIVES:
        raise OptimizationError(f"Unknown objective '{objective}'; choose one of "
                                f"{', '.join(OBJECTIVES)}.")
    notes: list[str] = []
    base = snapshot if snapshot is not None else load_snapshot()
    portfolio = holdings if isinstance(holdings, Portfolio) else load_holdings(
        holdings, broker=broker, snapshot=base, fx=fx, base_currency=base_currency)
    pol = policy if policy is not None else load_policy(profile)
    changes = {"max_turnover": max_turnover} if max_turnover is not None else {}
    if min_trade is not None:  # exactly this minimum, not a share of the account
        changes.update(min_trade=min_trade, min_trade_share=0.0)
    pol = pol.override(**changes) if changes else pol
    buy_only = buy_only or monthly is not None
    mkt = market or "us"
    if mkt != "us":
        from ._markets import universe_table

        universe_table(mkt)  # an unknown market is refused before any work

    pos = portfolio.positions.copy()
    pos["account"] = pos["account"].fillna("").astype(str)
    # one canonical order (accounts, then symbols), so any row order gives the same plan
    pos = pos.sort_values(["account", "symbol"], kind="stable").reset_index(drop=True)
    is_cash = _cash_rows(pos, base).to_numpy()
    if whole_shares is None:  # share counts given, or an exchange's account: whole shares (lots)
        whole_shares = mkt != "us" or bool(pos.loc[~is_cash, "quantity"].notna().any())
    accounts = list(dict.fromkeys(pos["account"]))
    held = pos[~is_cash].reset_index(drop=True)
    user_cls = {s: c for s, c in zip(pos["symbol"], pos["asset_class"], strict=True) if c}
    sec = base.securities
    known = lambda s: s in sec.index  # noqa: E731
    largest = held.groupby("symbol")["market_value"].sum().sort_values(ascending=False,
                                                                      kind="stable")
    if universe is None:
        candidates = default_universe(base, held=largest.index, market=mkt)
        buyable = set(candidates) | ({s for s in held["symbol"] if known(s)} if buy_held else set())
    else:
        wanted = read_universe(universe)
        candidates = [s for s in wanted if known(s)]
        unknown = [s for s in wanted if not known(s)]
        if unknown:
            notes.append("universe symbols not in the reference data skipped: "
                         + ", ".join(unknown))
        buyable = set(candidates) | ({s for s in held["symbol"] if known(s)} if buy_held else set())
    lock = {s.upper() for s in lock}
    no_sell = {s.upper() for s in no_sell}
    symbols = list(dict.fromkeys([*held["symbol"], *candidates]))
    # the same fund holdings check uses: a --funds file first, then providers, then the snapshot
    snap, provided = with_providers(base, symbols, fund_holdings)
    notes += provided

    # accounts, cash and tax status
    cash_by_acc = (pos[is_cash].groupby("account")["market_value"].sum()
                   .reindex(accounts).fillna(0.0))
    if pos.loc[is_cash, "locked"].any():
        notes.append("locked cash rows are treated as ordinary cash")
    free = (set(tax_free_accounts) if tax_free_accounts is not None
            else {a for a in accounts if TAX_ADVANTAGED.search(a)})
    taxable = [a for a in accounts if a not in free]
    if cash_account is None:
        cash_account = (cast(str, cash_by_acc.idxmax()) if cash_by_acc.max() > 0
                        else taxable[0] if taxable else accounts[0])
    if cash_account not in accounts:
        accounts.append(cash_account)
        cash_by_acc.loc[cash_account] = 0.0
    acc_pos = {a: i for i, a in enumerate(accounts)}

    # rows, prices, locks, gains
    snap_price = prices_in(snap, symbols, portfolio.currency, notes)
    qty = held["quantity"].to_numpy(float)
    value = held["market_value"].to_numpy(float)
    row_price = held["price"].to_numpy(float)
    row_price = np.where(np.isfinite(row_price), row_price,
                         np.where(qty > 0, value / np.where(qty > 0, qty, 1.0), np.nan))
    sym_idx = {s: i for i, s in enumerate(symbols)}
    row_price = np.where(np.isfinite(row_price), row_price,
                         snap_price[[sym_idx[s] for s in held["symbol"]]])
    shares = np.where(np.isfinite(qty), qty, value / row_price)
    price = snap_price.copy()
    for i, s in enumerate(symbols):
        mine = row_price[(held["symbol"] == s).to_numpy()]
        if not np.isfinite(price[i]) and np.isfinite(mine).any():
            price[i] = float(np.nanmean(mine))
    locked_row = held["locked"].to_numpy(bool) | held["symbol"].isin(lock).to_numpy()
    sell_ok = ~locked_row & ~held["symbol"].isin(no_sell).to_numpy() & (not buy_only)
    buy_ok = np.zeros((len(symbols), len(accounts)), bool)
    for i, s in enumerate(symbols):
        buy_ok[i, :] = s in buyable and s not in lock
    for s, a in zip(held.loc[locked_row, "symbol"], held.loc[locked_row, "account"], strict=True):
        buy_ok[sym_idx[s], acc_pos[a]] = False
    no_price: list[str] = []
    if whole_shares:
        no_price = [s for i, s in enumerate(symbols)
                    if not np.isfinite(price[i]) and buy_ok[i].any()]
        buy_ok[~np.isfinite(price), :] = False
        stuck = ~np.isfinite(row_price) & sell_ok
        sell_ok &= np.isfinite(row_price)
        if (no_price and mkt == "us") or stuck.any():
            notes.append("no share price, so not traded in whole shares: "
                         + ", ".join(dict.fromkeys([*(no_price if mkt == "us" else []),
                                                    *held.loc[stuck, "symbol"]])))
    # board lots: the solver's whole units are lots (a lot's price, the lots held)
    lots, unknown_lot = board_lots(symbols, mkt) if whole_shares else (np.ones(len(symbols)), [])
    row_lot = lots[[sym_idx[s] for s in held["symbol"]]]
    unknown_lot = [s for s in unknown_lot if s in set(held["symbol"])]
    if mkt != "us":
        held_cls = (held.assign(cls=[user_cls.get(s) or str(sec["asset_class"].get(s, "equity"))
                                     for s in held["symbol"]])
                    .groupby("cls")["market_value"].sum())
        check_floors(pol, mkt, [s for s in candidates if s not in no_price], held_cls, base)
    basis = held["cost_basis"].to_numpy(float)
    positive = np.where(value > 0, value, 1.0)
    gain_frac = np.where(np.isfinite(basis) & (value > 0), 1.0 - basis / positive, np.nan)
    row_taxable = held["account"].isin(taxable).to_numpy()
    pref = np.where(row_taxable, 1.0, 0.0) + np.array([acc_pos[a] for a in held["account"]]) * 0.01

    if risk is None:
        risk = risk_model(symbols, snap, asset_classes={**user_cls, "CASH": "cash"})
    rb = Rebalancer(symbols, pol, snapshot=snap, accounts=accounts,
                    min_trade=None if whole_shares or min_trade is not None else 0.0,
                    rows=list(zip(held["symbol"], held["account"], strict=True)),
                    objective=objective,
                    solver=solver, whole_shares=whole_shares, tax_rate=tax_rate, returns=returns,
                    risk=risk, asset_classes=user_cls, row_preference=pref,
                    unresolved_as_ai=unresolved_as_ai)
    # with whole shares an account may keep up to one share's price of uninvested cash
    allowance = (float(np.nanmax(np.where(buy_ok.any(axis=1), price * lots, np.nan), initial=0.0))
                 if whole_shares else 0.0)
    def book(change: float) -> Any:
        return rb.state(value, cash=cash_by_acc.to_numpy(float), cash_change=change,
                        cash_account=acc_pos[cash_account], sell_ok=sell_ok, buy_ok=buy_ok,
                        gains=np.where(row_taxable, np.nan_to_num(gain_frac), 0.0),
                        price=price * lots, row_price=row_price * row_lot,
                        row_shares=shares / row_lot, cash_allowance=allowance)

    months = 0
    if monthly is not None:
        months, cash = _months_needed(rb, book(0.0), acc_pos[cash_account], monthly)
    elif buy_only and cash <= 0 and not (cash_by_acc > 0).any():
        raise OptimizationError("A buy-only plan needs money to invest: give new cash "
                                "(--cash AMOUNT, cash=) or hold cash in an account.")
    state = book(float(cash))
    sol = rb.solve(state, allow_relax=allow_relax or buy_only)
    for _ in range(3 if monthly is not None else 0):  # whole shares may need a month more
        if sol.status == "optimal":
            break
        months, cash = months + 1, cash + cast(float, monthly)
        state = book(float(cash))
        sol = rb.solve(state, allow_relax=True)
    if buy_only and monthly is None:
        notes.append("buy-only: nothing is sold" + ("" if sol.status == "optimal" else
                     "; the money is not enough to meet every guardrail, so this is the closest "
                     "plan (the shortfall per guardrail is under relaxations)"))

    from ._plan import assemble

    if sol.buy_shares is not None:  # lots back to units
        sol.buy_shares = sol.buy_shares * lots[:, None]
    if sol.sell_shares is not None:
        extra = len(sol.sell_shares) - len(row_lot)  # a cash-only book's placeholder row
        sol.sell_shares = sol.sell_shares * np.append(row_lot, np.ones(max(extra, 0)))
    plan = assemble(portfolio=portfolio, snap=snap, policy=pol, rb=rb, sol=sol, state=state,
                    symbols=symbols, accounts=accounts, held=held, pos=pos, is_cash=is_cash,
                    price=price, row_price=row_price, gain_frac=gain_frac, row_taxable=row_taxable,
                    cash=float(cash), cash_account=cash_account, objective=objective,
                    tax_rate=tax_rate, notes=notes,
                    lots={s: int(n) for s, n in zip(symbols, lots, strict=True) if n > 1},
                    check=lambda h: check(h, policy=pol, snapshot=base,
                                          fund_holdings=fund_holdings))
    if mkt != "us":
        dates = sec["price_date"] if "price_date" in sec.columns else pd.Series(dtype=str)
        bought = {t.symbol: (cast(float, t.price), str(dates.get(t.symbol, "")))
                  for t in plan.trades if t.side == "buy" and t.price is not None}
        plan.notes += market_notes(mkt, bought=bought, no_price=no_price, unknown_lot=unknown_lot,
                                   qdii=qdii_funds([*held["symbol"], *bought], base))
    if suggest_swaps:
        from ..lookthrough import look_through
        from ._swaps import suggest_swaps as swaps

        equity = [s for s in default_universe(base, held=largest.index, core_only=False)
                  if str(sec["asset_class"].get(s, "")) == "equity"]
        costs = {**{s: 0.0 for s in held["symbol"] if sec["kind"].get(s) == "stock"},
                 **expense_ratios()}
        lt = look_through([*dict.fromkeys([*held["symbol"], *equity]), "CASH"], snap,
                          asset_classes={**user_cls, "CASH": "cash"})
        plan.swaps = swaps(held, lt, pol, snap, total=float(pos["market_value"].sum()),
                           candidates=equity, taxable=row_taxable,
                           gain_frac=gain_frac, tax_rate=tax_rate, expense=costs)
    if monthly is not None:
        from ._plan import Month
        from ._schedule import spread

        steps = spread([t for t in plan.trades if t.side == "buy"], max(months, 1), whole_shares)
        plan.schedule = [Month(month=m + 1, deposit=cast(float, monthly), trades=ts)
                         for m, ts in enumerate(steps)]
        plan.months_to_guardrails = months if plan.ok else None
        plan.notes.append(
            f"monthly investing of {monthly:,.2f} without selling, at today's prices: "
            + (f"the guardrails are met after {months} month{'s' * (months != 1)}" if plan.ok
               and months else "already within the guardrails; one month's buys" if plan.ok
               else "the guardrails are not met within the months shown"))
    return plan


def _months_needed(rb: Any, state: Any, account: int, monthly: float) -> tuple[int, float]:
    """Months of ``monthly`` new money that buys alone need, and that money (see _schedule)."""
    from ._schedule import least_deposit

    if not monthly > 0:
        raise OptimizationError(f"The monthly amount must be positive, not {monthly:g}.")
    need = least_deposit(rb, state, account)
    if need is None:
        raise OptimizationError(
            "No amount of new money meets every guardrail without selling (a cap that buying "
            "cannot lower, such as one instrument's own cap, or a locked position); rebalance "
            "with sales instead of --monthly, or change the policy.")
    months = int(np.ceil(need * state.value / monthly - 1e-6))  # solver noise is not a month
    if months > MAX_MONTHS:
        raise OptimizationError(
            f"Buying alone would take {months:,} months of {monthly:,.2f} to meet every guardrail "
            f"(about {need * state.value:,.0f} of new money); invest more a month or rebalance "
            "with sales.")
    return months, max(months, 1) * monthly

