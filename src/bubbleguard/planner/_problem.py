"""The rebalance optimisation problem (cvxpy), built once and re-solved through Parameters.

Units: every amount is a fraction of ``V1``, the portfolio's value *after* the cash change and
before costs. Variables are buys per (instrument, account) and sells per position row; target
values ``x`` and the cash of each account follow from them, so trades always net to the cash
change (``sum(after) = sum(before) + cash change - costs``) and every account pays for its own
buys (money cannot move between, say, an IRA and a taxable account).

Every guardrail is a :class:`Cap`: one linear map ``A`` of the instrument weights, used as
``A @ x <= limit * T`` in cvxpy (``T`` is the value after costs, so the constraint holds exactly
on post-trade weights ``x / T``) and as ``A @ w`` in numpy by :meth:`Cap.excess`, the check the
planner runs on every solution. The top-10 share is ``sum_largest(A @ x, 10)``, convex, and is
evaluated with the same sum of the ten largest issuer weights that ``check`` reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from ..guardrails import Cap

__all__ = ["SLACK_WEIGHTS", "Infeasible", "Solution", "Spec", "State", "assign", "build_problem",
           "cap_constraint", "min_trades"]

#: Weight of each unit of slack when diagnosing infeasibility: operational limits are cheaper
#: to relax than the protective caps and floors, so the diagnosis relaxes them first.
SLACK_WEIGHTS = {"max_turnover": 1.0, "max_position": 2.0}
PROTECTIVE_WEIGHT = 10.0
RISK_TIEBREAK = 1e-2  # min-change: risk weight small enough never to buy extra turnover
# min-change: each tier of Spec.buy_tier costs this much more per unit bought, so sale proceeds
# go to bonds, gold, real estate and broad index funds before narrower funds or T-bills; it
# weighs more than risk, far less than a trade
TIER_TIEBREAK = 2e-2
IDLE_WEIGHT = 0.5  # whole shares: cost of a unit of uninvested remainder (a buy costs 1)
#: The guardrail whose limit comes from the book: never below the unresolved share it starts with.
FROM_STATE = "max_unresolved"
EPS = 1e-4  # deterministic tie-breaks between equivalent accounts and rows (above solver noise)


class Infeasible(Exception):
    """The solver proved the problem infeasible (internal; turned into OptimizationError)."""


@dataclass
class Spec:
    """The fixed structure of a problem: instruments, accounts, position rows, guardrails.

    ``symbols`` lists the ``n`` non-cash instruments followed by ``CASH``; ``row_symbol`` and
    ``row_account`` give the instrument and account of each sellable position row.
    """

    symbols: list[str]
    accounts: list[str]
    row_symbol: np.ndarray
    row_account: np.ndarray
    caps: list[Cap]
    max_turnover: float | None
    transaction_cost: float
    factor: np.ndarray
    sigma: np.ndarray
    excess_return: np.ndarray | None = None
    tax_rate: float = 0.0
    row_preference: np.ndarray | None = None
    active: dict[str, np.ndarray] = field(default_factory=dict)
    buy_tier: np.ndarray | None = None  # per instrument: 1 bought first … 3 last
    #: per instrument and CASH, the unresolved share a State's ``theme_mask`` counts toward the
    #: theme caps on top of ``caps`` (one problem for accounts that hold different instruments:
    #: what an account does not hold counts as rebalance counts it); None: no such Parameter
    theme_unresolved: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of non-cash instruments."""
        return len(self.symbols) - 1

    @property
    def k(self) -> int:
        """Number of accounts."""
        return len(self.accounts)

    @property
    def r(self) -> int:
        """Number of position rows."""
        return len(self.row_symbol)

    def groups(self) -> list[str]:
        """Every constraint group, in a stable order."""
        out = [c.group for c in self.caps]
        if self.max_turnover is not None:
            out.append("max_turnover")
        return out


@dataclass
class State:
    """The numbers of one account (book) to rebalance, as fractions of ``value``."""

    value: float
    row_x0: np.ndarray
    c0: np.ndarray
    sell_cap: np.ndarray
    buy_cap: np.ndarray
    gain: np.ndarray
    cash_cap: np.ndarray
    deposit: float
    unresolved_limit: float
    price: np.ndarray
    row_price: np.ndarray
    row_shares: np.ndarray
    cash_keep: np.ndarray | None = None
    theme_mask: np.ndarray | None = None  # per instrument and CASH (see Spec.theme_unresolved)

    def x0(self, spec: Spec) -> np.ndarray:
        """Return the current value of each non-cash instrument."""
        return np.bincount(spec.row_symbol, weights=self.row_x0, minlength=spec.n)


@dataclass
class Built:
    """A cvxpy problem with its parameters and the expressions the planner reads back."""

    problem: Any
    params: dict[str, Any]
    buys: Any
    sells: Any
    slacks: dict[str, Any]
    kappa: Any = None
    integers: tuple[Any, Any] | None = None
    objective: str = ""
    #: its :class:`~bubbleguard.planner._compiled.ClarabelProgram` once compiled (False: cannot be)
    program: Any = None


@dataclass
class Solution:
    """A solved book: trades in currency, the resulting weights and how they were obtained."""

    buys: np.ndarray
    sells: np.ndarray
    cash: np.ndarray
    values: np.ndarray
    weights: np.ndarray
    buy_shares: np.ndarray | None
    sell_shares: np.ndarray | None
    cost: float
    turnover: float
    status: str
    solver: str
    solve_time: float
    compile_time: float
    evaluation: dict[str, tuple[float, float]]
    relaxations: dict[str, float] = field(default_factory=dict)


def _cap_rows(spec: Spec, cap: Cap, relax: dict[str, float]) -> np.ndarray | None:
    return spec.active.get(cap.group)


def themed(group: str) -> bool:
    """Whether a cap group is a theme's (its value counts a State's ``theme_mask``)."""
    return (group.startswith("max_theme_over_market.")
            or (group.startswith("max_theme.") and group != "max_theme.ai_or_unresolved"))


def theme_hidden(spec: Spec, state: State) -> np.ndarray:
    """The unresolved share per instrument that ``state`` adds to the theme caps' values."""
    if spec.theme_unresolved is None or state.theme_mask is None:
        return np.zeros(spec.n + 1)
    return spec.theme_unresolved * state.theme_mask


def cap_constraint(cap: Cap, xf: Any, total: Any, limit: Any, *, rows: np.ndarray | None = None,
                   margin: float = 0.0, slack: Any = 0.0, extra: Any = 0.0) -> Any:
    """``cap`` on post-trade values ``xf`` of value ``total``, tightened by ``margin``.

    ``rows`` restricts the cap to some of its rows; ``slack`` may be added to the limit and
    ``extra`` to a one-row cap's value. None when the cap cannot bind (no rows, or a numeric
    limit a long-only share cannot cross).
    """
    import cvxpy as cp

    A = sparse.csr_matrix(cap.matrix if rows is None else cap.matrix[rows])
    if A.shape[0] == 0:
        return None
    if isinstance(limit, (int, float)) and ((cap.upper and limit >= 1.0)
                                            or (not cap.upper and limit <= 0.0)):
        return None  # a long-only share is between 0 and 1
    lhs = A @ xf + extra
    if cap.top:
        lhs = cp.sum_largest(lhs, min(cap.top, A.shape[0]))
    if cap.upper:
        return lhs <= (limit - margin) * total + slack
    return lhs >= (limit + margin) * total - slack


def build_problem(spec: Spec, *, objective: str, whole_shares: bool = False,
                  min_trade: bool = False, linear: bool = False, risk_form: str = "quad",
                  slack: frozenset[str] = frozenset(),
                  relax: tuple[tuple[str, float], ...] = (), margin: float = 1e-7) -> Built:
    """Build the cvxpy problem (DPP: every per-book number is a Parameter).

    Parameters
    ----------
    spec
        Structure and guardrails.
    objective
        ``min-change``, ``min-risk``, ``max-sharpe``, ``track`` (stay close to parameter
        ``target``: the discrete stage of the risk objectives) or ``slack`` (diagnosis).
    whole_shares
        Trade integer numbers of shares (mixed-integer; needs a MILP solver such as HiGHS).
    min_trade
        Each trade is zero or at least its account's minimum (parameters ``min_buy`` and
        ``min_sell``; binary variables).
    linear
        ``min-change`` breaks ties by the weighted average of the instruments' volatilities
        (an upper bound of the portfolio's) instead of its variance: a linear program.
    slack
        Groups that get a nonnegative slack (added to their limit).
    relax
        Amounts by which some limits are relaxed (the ``allow_relax`` plan).
    margin
        Safety margin inside every limit, so solver round-off never crosses it.
    """
    import cvxpy as cp

    n, k, r, N = spec.n, spec.k, spec.r, spec.n + 1
    relaxed = dict(relax)
    P: dict[str, Any] = {}

    def par(name: str, shape: Any = (), **kw: Any) -> Any:
        P[name] = cp.Parameter(shape, name=name, **kw)
        return P[name]

    x0 = par("x0", n)
    c0 = par("c0", k)
    sell_cap = par("sell_cap", r, nonneg=True)
    buy_cap = par("buy_cap", (n, k), nonneg=True)
    cash_cap = par("cash_cap", k, nonneg=True)
    unres = par("unresolved_limit", nonneg=True)
    kappa = cp.Variable(nonneg=True, name="kappa") if objective == "max-sharpe" else None
    one: Any = kappa if kappa is not None else 1.0
    cons: list[Any] = []
    integers = None
    b = cp.Variable((n, k), nonneg=True, name="buys")
    s = cp.Variable(r, nonneg=True, name="sells")
    if whole_shares:  # values tied to integer share counts (kept DPP: parameter × variable)
        nb = cp.Variable((n, k), integer=True, name="buy_shares")
        ns = cp.Variable(r, integer=True, name="sell_shares")
        pb = par("price", (n, k), nonneg=True)
        ps = par("row_price", r, nonneg=True)
        nb_cap = par("buy_share_cap", (n, k), nonneg=True)
        ns_cap = par("row_shares", r, nonneg=True)
        cons += [nb >= 0, ns >= 0, nb <= nb_cap, ns <= ns_cap,
                 b == cp.multiply(pb, nb), s == cp.multiply(ps, ns)]
        integers = (nb, ns)
    cons += [s <= sell_cap * one, b <= buy_cap * one]
    if min_trade:
        mt_b = par("min_buy", (n, k), nonneg=True)
        mt_s = par("min_sell", r, nonneg=True)
        zb = cp.Variable((n, k), boolean=True, name="buy_on")
        zs = cp.Variable(r, boolean=True, name="sell_on")
        cons += [b >= cp.multiply(mt_b, zb), b <= 2.0 * zb, s >= cp.multiply(mt_s, zs),
                 s <= cp.multiply(sell_cap, zs)]
    S = sparse.csr_matrix((np.ones(r), (spec.row_symbol, np.arange(r))), shape=(n, r))
    acc = sparse.csr_matrix((np.ones(r), (spec.row_account, np.arange(r))), shape=(k, r))
    # explicit post-trade variables keep the cap rows sparse (one entry per instrument)
    xf = cp.Variable(n + 1, name="after")
    x = xf[:n]
    cons.append(x == x0 * one - S @ s + cp.sum(b, axis=1))
    buys_acc = cp.sum(b, axis=0)
    sells_acc = acc @ s
    tc = spec.transaction_cost
    cash = c0 * one + (1 - tc) * sells_acc - (1 + tc) * buys_acc
    cons += [cash >= 0, cash <= cash_cap * one]
    idle: Any = 0.0
    if whole_shares:  # cash left over beyond what the account kept: the remainder of rounding
        keep = par("cash_keep", k, nonneg=True)
        idle = cp.sum(cp.pos(cash - keep))
    cons.append(xf[n] == cp.sum(cash))
    traded = cp.sum(b) + cp.sum(s)
    # value after costs: sum(x0) + sum(c0) == 1, so sum(xf) == one - costs; written without the
    # parameters x0 and c0 so that ``limit_parameter * total`` stays DPP
    total = cp.Variable(name="total")  # one variable, so every cap row stays sparse
    cons.append(total == one - tc * traded)
    slacks: dict[str, Any] = {}

    def sl(group: str) -> Any:
        if group not in slack:
            return 0.0
        slacks[group] = cp.Variable(nonneg=True, name=f"slack_{group}")
        return slacks[group]

    hidden = (par("theme_hidden", N, nonneg=True) @ xf if spec.theme_unresolved is not None
              else 0.0)
    for cap in spec.caps:
        if cap.group == FROM_STATE:
            lim: Any = unres + relaxed.get(cap.group, 0.0)
        else:  # a relaxation raises a cap and lowers a floor
            lim = cap.limit + (1 if cap.upper else -1) * relaxed.get(cap.group, 0.0)
        con = cap_constraint(cap, xf, total, lim, rows=_cap_rows(spec, cap, relaxed), margin=margin,
                             slack=sl(cap.group), extra=hidden if themed(cap.group) else 0.0)
        if con is not None:
            cons.append(con)
    if spec.max_turnover is not None:
        allow = par("turnover_allowance", nonneg=True)
        tm = min(margin, spec.max_turnover)  # new cash may always be invested in full
        cons.append(cp.sum(b) <= (allow + relaxed.get("max_turnover", 0.0) - tm) * one
                    + sl("max_turnover"))

    gain = par("gain", r, nonneg=True)
    tax = spec.tax_rate * (gain @ s)
    pref = spec.row_preference if spec.row_preference is not None else np.zeros(r)
    # buys: a much weaker, distinct preference per (instrument, account), only to make the split
    # unique; sells: tax-advantaged accounts first (spec.row_preference)
    buy_pref = 1e-3 * np.outer(1.0 + np.arange(n) / max(n, 1), 1.0 + np.arange(k))
    tie = EPS * (pref @ s + cp.sum(cp.multiply(buy_pref, b)))
    F = spec.factor
    if not F.size:
        risk: Any = 0.0
    elif risk_form == "quad":  # the covariance as the Hessian (QP solvers: HiGHS, OSQP, Clarabel)
        risk = cp.quad_form(xf, cp.psd_wrap(F.T @ F))
    else:
        risk = cp.sum_squares(F @ xf)
    if objective == "min-change":
        lin = linear or whole_shares or min_trade
        rterm = RISK_TIEBREAK * (spec.sigma @ xf) if lin else RISK_TIEBREAK * risk
        if spec.buy_tier is not None:
            rterm = rterm + TIER_TIEBREAK * ((spec.buy_tier - 1.0) @ cp.sum(b, axis=1))
        # leaving a remainder idle is cheaper than buying odd lots to place it
        goal = traded + tc * traded + tax + rterm + tie + IDLE_WEIGHT * idle
    elif objective == "min-risk":
        goal = risk + tc * traded + tax + tie
    elif objective == "max-sharpe":
        assert spec.excess_return is not None
        cons.append(spec.excess_return @ xf - tc * traded - tax == 1.0)
        goal = risk + tie
    elif objective == "track":
        target = par("target", N, nonneg=True)
        goal = cp.norm1(xf - target) + tc * traded + tax + 1e-3 * traded + tie + 1e-3 * idle
    elif objective == "slack":
        # a guardrail's shortfall weighs relative to its limit: 5 points short of a 5% gold
        # floor is worse than 5 points over a 35% AI cap
        scale = {c.group: max(c.limit, 0.05) for c in spec.caps}
        goal = sum(SLACK_WEIGHTS.get(g, PROTECTIVE_WEIGHT / scale.get(g, 1.0)) * v
                   for g, v in slacks.items())
        goal = goal + 1e-4 * traded + tie
    else:
        raise ValueError(f"unknown objective '{objective}'")
    problem = cp.Problem(cp.Minimize(goal), cons)
    return Built(problem=problem, params=P, buys=b, sells=s, slacks=slacks, kappa=kappa,
                 integers=integers, objective=objective)


def min_trades(spec: Spec, state: State, floor: float, share: float) -> np.ndarray:
    """Each account's smallest trade (fractions of the value): ``max(floor, share × account)``."""
    held = np.bincount(spec.row_account, weights=state.row_x0, minlength=spec.k)
    return np.maximum(floor / state.value, share * (held + np.clip(state.c0, 0.0, None)))


def assign(built: Built, spec: Spec, state: State, *, min_trade: float = 0.0,
           min_trade_share: float = 0.0, target: np.ndarray | None = None) -> None:
    """Set every parameter of ``built`` from ``state``."""
    P = built.params
    least = min_trades(spec, state, min_trade, min_trade_share)
    values: dict[str, Any] = {
        "x0": state.x0(spec), "c0": state.c0, "sell_cap": state.sell_cap,
        "buy_cap": state.buy_cap, "cash_cap": state.cash_cap,
        "cash_keep": state.cash_cap if state.cash_keep is None else state.cash_keep,
        "unresolved_limit": state.unresolved_limit, "gain": np.clip(state.gain, 0.0, None),
        "turnover_allowance": (spec.max_turnover or 0.0) + state.deposit,
        "min_buy": np.repeat(least[None, :], spec.n, axis=0),
        # a whole position smaller than the minimum may still be sold
        "min_sell": np.minimum(least[spec.row_account], state.sell_cap),
    }
    if "price" in P:
        price = np.nan_to_num(state.price / state.value)
        row_price = np.nan_to_num(state.row_price / state.value)
        values["price"] = np.repeat(price[:, None], spec.k, axis=1)
        values["row_price"] = row_price
        tradable = (price > 0)[:, None] & (state.buy_cap > 0)
        most = np.floor(2.0 / np.where(price > 0, price, 1.0))[:, None]
        values["buy_share_cap"] = np.where(tradable, most, 0.0)
        values["row_shares"] = np.where((row_price > 0) & (state.sell_cap > 0),
                                        np.floor(np.nan_to_num(state.row_shares) + 1e-9), 0.0)
    if "theme_hidden" in P:
        values["theme_hidden"] = theme_hidden(spec, state)
    if target is not None:
        values["target"] = target
    for name, p in P.items():
        p.value = values[name]
