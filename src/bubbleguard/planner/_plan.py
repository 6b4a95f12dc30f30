"""The rebalance plan (pydantic models) and how it is assembled from a solved book.

The post-trade holdings are checked with the same ``check`` the user runs, so the plan's
before/after exposures and findings cannot disagree with ``bubbleguard check``. The JSON form
(``Plan.model_dump(mode="json")``) is the ``bubbleguard.plan/1`` schema: fields may be added,
never renamed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import pandas as pd
from pydantic import Field

from .._model import ResultModel
from ..report import Report
from ._swaps import Swap

if TYPE_CHECKING:
    from ..holdings._portfolio import Portfolio
    from ..policy import Policy
    from ..reference._snapshot import Snapshot
    from ._problem import State
    from ._solver import Rebalancer, Solution

__all__ = ["SCHEMA", "Guardrail", "Holding", "Month", "Plan", "Target", "Trade", "assemble"]

SCHEMA = "bubbleguard.plan/1"
#: What a rebalance minimises.
OBJECTIVES = ("min-change", "min-risk", "max-sharpe")
DUST = 0.005  # currency units: instruments below half a cent are left out of the targets
#: Fractional plans give share counts to this many decimals (the value is the order's amount).
SHARE_DECIMALS = 4


class Trade(ResultModel):
    """One order: buy or sell ``shares`` of ``symbol`` in ``account``."""

    symbol: str
    account: str
    side: Literal["buy", "sell"]
    shares: float | None
    value: float
    price: float | None
    realised_gain: float | None = None
    #: Board lot (units per lot) where the exchange trades in lots; ``shares`` is whole lots of it.
    lot: int | None = None


class Target(ResultModel):
    """An instrument's value and weight before and after the plan (accounts summed)."""

    symbol: str
    name: str = ""
    asset_class: str = ""
    value_before: float
    value_after: float
    weight_before: float
    weight_after: float


class Guardrail(ResultModel):
    """One constraint group before and after the plan (the largest issuer for ``max_issuer``)."""

    constraint: str
    before: float
    after: float
    limit: float
    kind: Literal["cap", "floor"]
    met: bool


class Holding(ResultModel):
    """A post-trade position row."""

    account: str
    symbol: str
    quantity: float | None
    price: float | None
    market_value: float
    cost_basis: float | None
    asset_class: str = ""
    locked: bool = False
    #: The plan's currency: every value and price of the row is in it.
    currency: str = ""


class Month(ResultModel):
    """One month of a monthly-investing schedule: the new money and the buys it pays for."""

    month: int
    deposit: float
    trades: list[Trade]


class Plan(ResultModel):
    """A rebalance plan: targets, trades, costs, taxes, and the check before and after.

    Attributes
    ----------
    status
        ``optimal`` (every guardrail met) or ``relaxed`` (``allow_relax``: see ``relaxations``).
    value_before, value_after, cash_change
        Portfolio value before, after (``before + cash_change - costs``) and the cash change.
    turnover
        Value bought beyond new cash, as a fraction of the value after the cash change.
    traded_value, costs
        Sum of all trade values; transaction costs (``policy.transaction_cost`` × traded).
    realised_gain, realised_gain_tax_advantaged, estimated_tax
        Gains the sells realise in taxable and in tax-advantaged accounts (rows with a cost
        basis), and ``tax_rate`` × the taxable gain (when positive). The taxable gain and the
        tax are ``None`` (unknown, never 0) when a taxable sell has no cost basis.
    volatility_before, volatility_after
        Annualised volatility from the risk model (:mod:`bubbleguard.planner._risk_model`).
    targets, trades, guardrails
        Per instrument before/after; the orders; every constraint before/after.
    relaxations
        Constraint → amount its limit was relaxed by (empty unless ``status == "relaxed"``).
    proxies
        Instruments whose risk came (partly) from a proxy, and which.
    holdings_after
        The post-trade positions (see :meth:`post_trade_holdings`).
    schedule, months_to_guardrails
        Monthly investing (``monthly=``): each month's buys, whose sum is ``trades``, and the
        months until every guardrail holds (None when they do not within the schedule).
    swaps
        With ``suggest_swaps``: fund swaps for what drives a binding theme cap.
    before, after
        ``bubbleguard.check`` reports of the holdings before and after the trades.
    """

    schema_: str = Field(SCHEMA, alias="schema")
    source: str
    currency: str
    objective: str
    solver: str
    status: Literal["optimal", "relaxed"]
    policy: dict[str, Any]
    value_before: float
    value_after: float
    cash_change: float
    turnover: float
    traded_value: float
    costs: float
    realised_gain: float | None
    realised_gain_tax_advantaged: float
    estimated_tax: float | None
    volatility_before: float
    volatility_after: float
    targets: list[Target]
    trades: list[Trade]
    guardrails: list[Guardrail]
    relaxations: dict[str, float] = Field(default_factory=dict)
    proxies: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    solve_time: float = 0.0
    holdings_after: list[Holding]
    before: Report
    after: Report
    schedule: list[Month] = Field(default_factory=list)
    months_to_guardrails: int | None = None
    swaps: list[Swap] = Field(default_factory=list)

    def _repr_html_(self) -> str:
        """Notebook display: the trades, the guardrails and the findings after the plan."""
        from ..renderers._html import fragment

        return fragment(self)

    @property
    def ok(self) -> bool:
        """True when the plan meets every guardrail without relaxation."""
        return self.status == "optimal"

    def __repr__(self) -> str:
        """A one-line summary (the whole plan is ``model_dump()``)."""
        return (f"Plan(source={self.source!r}, objective={self.objective!r}, status={self.status!r}, "
                f"trades={len(self.trades)}, value {self.value_before:,.2f} -> {self.value_after:,.2f} "
                f"{self.currency}, turnover={self.turnover:.1%})")

    def to_frame(self, table: str = "trades") -> pd.DataFrame:
        """Return one part of the plan as a DataFrame.

        Parameters
        ----------
        table
            ``trades`` (default), ``targets``, ``guardrails``, ``holdings`` (post-trade) or
            ``schedule`` (monthly investing: one row per month and buy).
        """
        if table == "holdings":
            return self.post_trade_holdings()
        if table == "schedule":
            cols = ["month", "deposit", *Trade.model_fields]
            return pd.DataFrame([{"month": m.month, "deposit": m.deposit, **t.model_dump()}
                                 for m in self.schedule for t in m.trades], columns=cols)
        tables: dict[str, tuple[list[Any], type[Any]]] = {
            "trades": (self.trades, Trade), "targets": (self.targets, Target),
            "guardrails": (self.guardrails, Guardrail)}
        rows = tables.get(table)
        if rows is None:
            raise ValueError(f"unknown table '{table}' (trades, targets, guardrails, holdings, "
                             "schedule)")
        return pd.DataFrame([r.model_dump() for r in rows[0]], columns=list(rows[1].model_fields))

    def post_trade_holdings(self) -> pd.DataFrame:
        """Return the holdings after the trades, in the form ``check`` and ``rebalance`` accept."""
        cols = list(Holding.model_fields)
        df = pd.DataFrame([h.model_dump() for h in self.holdings_after], columns=cols)
        df["locked"] = df["locked"].map({True: "true", False: ""})
        return df


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def assemble(*, portfolio: Portfolio, snap: Snapshot, policy: Policy, rb: Rebalancer,
             sol: Solution, state: State, symbols: list[str], accounts: list[str],
             held: pd.DataFrame, pos: pd.DataFrame, is_cash: np.ndarray, price: np.ndarray,
             row_price: np.ndarray, gain_frac: np.ndarray, row_taxable: np.ndarray, cash: float,
             cash_account: str, objective: str, tax_rate: float, notes: list[str],
             check: Callable[..., Any], lots: dict[str, int] | None = None) -> Plan:
    """Build the Plan (see :func:`bubbleguard.rebalance`).

    ``check`` runs :func:`bubbleguard.check` on holdings with the plan's policy and fund data;
    it is applied to the holdings before and after the trades. ``lots`` gives the board lot of
    instruments traded in lots (the solution's share counts are units, whole lots of these).
    """
    lot_of = lots or {}
    trades: list[Trade] = []
    # ---- sells, one trade per (symbol, account)
    rows_held = len(held)  # the solver may carry a placeholder row for a cash-only book
    sold = sol.sells[:rows_held]
    qty_held = held["quantity"].to_numpy(float)
    if sol.sell_shares is not None:
        sold_sh = sol.sell_shares[:rows_held]
    else:  # fractional: a whole row sells its exact quantity, a part of one to SHARE_DECIMALS
        sold_sh = np.where(np.isfinite(row_price),
                           np.round(sold / np.where(row_price > 0, row_price, 1.0), SHARE_DECIMALS),
                           np.nan)
        whole_row = np.isfinite(qty_held) & (sold >= held["market_value"].to_numpy(float) - 1e-9)
        sold_sh = np.where(whole_row & (sold > 0), qty_held, sold_sh)
    basis = held["cost_basis"].to_numpy(float)
    gain = sold * gain_frac
    sell_rows = pd.DataFrame({"symbol": held["symbol"], "account": held["account"], "value": sold,
                              "shares": sold_sh, "gain": gain, "taxable": row_taxable,
                              "price": row_price})
    sell_rows = sell_rows[sell_rows["value"] > 0]  # residue was removed by the solver step
    for (sym, acc), g in sell_rows.groupby(["symbol", "account"], sort=False):
        sh = float(g["shares"].sum()) if g["shares"].notna().all() else float("nan")
        gains = g["gain"].dropna()
        trades.append(Trade(symbol=sym, account=acc, side="sell", shares=_num(sh),
                            value=float(g["value"].sum()), price=_num(float(g["price"].iloc[0])),
                            realised_gain=float(gains.sum()) if len(gains) else None,
                            lot=lot_of.get(str(sym))))
    # ---- buys
    buy_sh = sol.buy_shares
    for i, a in zip(*np.nonzero(sol.buys > 0), strict=True):
        v = float(sol.buys[i, a])
        if buy_sh is not None:
            sh = float(buy_sh[i, a])
        else:
            sh = round(v / price[i], SHARE_DECIMALS) if np.isfinite(price[i]) else float("nan")
        trades.append(Trade(symbol=symbols[i], account=accounts[a], side="buy", shares=_num(sh),
                            value=v, price=_num(price[i]), lot=lot_of.get(symbols[i])))
    trades.sort(key=lambda t: (t.side != "sell", t.account, -t.value))

    # ---- post-trade holdings
    rows: list[dict[str, Any]] = []
    before_value = held["market_value"].to_numpy(float)
    frac_left = np.where(before_value > 0,
                         1.0 - sold / np.where(before_value > 0, before_value, 1.0), 0.0)
    for j, r in cast("Iterator[tuple[int, pd.Series]]", held.iterrows()):
        left = float(r["market_value"]) - float(sold[j])
        q = float(r["quantity"])
        if np.isfinite(q) and np.isfinite(sold_sh[j]):
            qty = q - float(sold_sh[j])
        elif np.isfinite(q) and sold[j] <= 0:
            qty = q
        else:
            priced = np.isfinite(row_price[j]) and row_price[j] > 0
            qty = left / row_price[j] if priced else float("nan")
        rows.append({"account": r["account"], "symbol": r["symbol"], "quantity": qty,
                     "price": _num(row_price[j]), "market_value": left,
                     "cost_basis": (float(basis[j] * frac_left[j]) if np.isfinite(basis[j])
                                    else None),
                     "asset_class": r["asset_class"] or "", "locked": bool(r["locked"])})
    first_row = {(r["symbol"], r["account"]): k for k, r in enumerate(rows)}
    for t in (t for t in trades if t.side == "buy"):
        k = first_row.get((t.symbol, t.account))
        if k is None:
            first_row[(t.symbol, t.account)] = len(rows)
            rows.append({"account": t.account, "symbol": t.symbol, "quantity": t.shares,
                         "price": t.price, "market_value": t.value, "cost_basis": t.value,
                         "asset_class": "", "locked": False})
            continue
        row = rows[k]
        row["market_value"] += t.value
        if row["quantity"] is not None and np.isfinite(row["quantity"]) and t.shares is not None:
            row["quantity"] += t.shares
        row["cost_basis"] = None if row["cost_basis"] is None else row["cost_basis"] + t.value
    cash_pos = pos[is_cash]
    for a, acc in enumerate(accounts):
        mine = cash_pos[cash_pos["account"] == acc]
        sym = str(mine["symbol"].iloc[0]) if len(mine) else "CASH"
        amount = float(sol.cash[a])
        if amount > 1e-9:  # even a cent of cash is kept: value is never dropped
            rows.append({"account": acc, "symbol": sym, "quantity": amount, "price": 1.0,
                         "market_value": amount, "cost_basis": amount, "asset_class": "cash",
                         "locked": False})
    rows = [r for r in rows if r["market_value"] > 1e-9]
    holdings_after = [Holding(**{**r, "quantity": None if r["quantity"] is None
                                 else _num(r["quantity"]), "currency": portfolio.currency})
                      for r in rows]

    # ---- targets, guardrails, risk
    values_before = pd.Series(np.append(
        np.bincount(rb.spec.row_symbol[:rows_held], weights=before_value, minlength=len(symbols)),
        float(pos.loc[is_cash, "market_value"].sum())), index=[*symbols, "CASH"])
    values_after = pd.Series(sol.values, index=[*symbols, "CASH"])
    v0, v1 = float(values_before.sum()), float(values_after.sum())
    w0, w1 = values_before / v0, values_after / v1
    sec = snap.securities
    classes = rb.lookthrough.asset_class_matrix().idxmax(axis=1).to_numpy()
    targets = [Target(symbol=s, name=str(sec["name"].get(s, "")) if "name" in sec else "",
                      asset_class=str(classes[i]), value_before=float(values_before[s]),
                      value_after=float(values_after[s]), weight_before=float(w0[s]),
                      weight_after=float(w1[s]))
               for i, s in enumerate(values_before.index)
               if values_before[s] > DUST or values_after[s] > DUST]
    targets.sort(key=lambda t: -t.value_after)
    before_eval = rb.evaluate(w0.to_numpy(), {"max_unresolved": state.unresolved_limit})
    guardrails = []
    for cap in rb.spec.caps:
        if cap.group not in sol.evaluation:
            continue
        after, limit = sol.evaluation[cap.group]
        before = before_eval[cap.group][0]
        met = after <= limit + 1e-9 if cap.upper else after >= limit - 1e-9
        guardrails.append(Guardrail(constraint=cap.group, before=before, after=after, limit=limit,
                                    kind="cap" if cap.upper else "floor", met=met))
    if policy.max_turnover is not None:
        guardrails.append(Guardrail(constraint="max_turnover", before=0.0, after=sol.turnover,
                                    limit=policy.max_turnover, kind="cap",
                                    met=sol.turnover <= policy.max_turnover + 1e-9))
    risk = rb.risk
    vol = lambda w: risk.volatility(w.drop("CASH"))  # noqa: E731
    used = {s for s in symbols if values_before[s] > DUST or values_after[s] > DUST}
    taxable_accounts = set(held.loc[row_taxable, "account"])
    taxable_sells = [t for t in trades if t.side == "sell" and t.account in taxable_accounts]
    known_gain = sum(t.realised_gain or 0.0 for t in taxable_sells)
    free_gain = sum(t.realised_gain or 0.0 for t in trades if t.side == "sell") - known_gain
    taxable_gain: float | None = known_gain
    estimated_tax: float | None = tax_rate * max(known_gain, 0.0)
    unknown = sorted({t.symbol for t in taxable_sells if t.realised_gain is None})
    if unknown:  # a gain without a cost basis is unknown, never 0
        notes.append(f"estimated tax unknown: no cost basis for {', '.join(unknown)} in taxable "
                     f"accounts; the sells with a basis realise {known_gain:,.2f}")
        taxable_gain = estimated_tax = None

    before = check(portfolio)
    post = pd.DataFrame([h.model_dump() for h in holdings_after])
    post["locked"] = post["locked"].map({True: "true", False: ""})
    after = check(post)
    if cash:
        notes.append(f"{'new cash of' if cash > 0 else 'withdrawal of'} {abs(cash):,.2f} "
                     f"{'into' if cash > 0 else 'from'} account '{cash_account}'")
    return Plan(
        source=portfolio.source, currency=portfolio.currency, objective=objective,
        solver=sol.solver, status=sol.status, policy=policy.model_dump(), value_before=v0,
        value_after=v1, cash_change=cash, turnover=sol.turnover,
        traded_value=float(sol.buys.sum() + sol.sells.sum()), costs=sol.cost,
        realised_gain=taxable_gain, realised_gain_tax_advantaged=float(free_gain),
        estimated_tax=estimated_tax, volatility_before=vol(w0),
        volatility_after=vol(w1), targets=targets, trades=trades, guardrails=guardrails,
        relaxations=sol.relaxations,
        proxies={s: p for s, p in risk.proxies.items() if s in used}, notes=notes,
        solve_time=sol.solve_time, holdings_after=holdings_after, before=before, after=after)

