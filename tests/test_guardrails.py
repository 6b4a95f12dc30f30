"""One guardrail list: the findings, the planner's cvxpy problem, PyPortfolioOpt and skfolio agree.

For every cap of every profile, on the same weights: the number ``check`` reports, the value the
planner evaluates, the left side of the PyPortfolioOpt constraint and the skfolio matrices are one
number, and each says "holds" exactly when the cap holds.
"""

from __future__ import annotations

import numpy as np
import pytest

from bubbleguard import check, load_policy
from bubbleguard.guardrails import caps
from bubbleguard.integrations.pypfopt import add_bubbleguard_constraints
from bubbleguard.integrations.skfolio import bubbleguard_constraints
from bubbleguard.lookthrough import look_through
from bubbleguard.planner import Rebalancer, risk_model
from bubbleguard.policy import PROFILES

TICKERS = ["QQQ", "VOO", "NVDA", "MSFT", "SMH", "VXUS", "BND", "TLT", "GLD", "VNQ", "SGOV", "ZZZQ"]
CAP_CODES = {"issuer_cap_exceeded", "position_cap_exceeded", "theme_cap_exceeded",
             "theme_over_market_exceeded",
             "top10_cap_exceeded", "asset_class_floor_missed", "asset_class_cap_exceeded",
             "unresolved_high"}


def weights(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).dirichlet(np.full(len(TICKERS), 0.7))


def reported(report, group: str, snapshot) -> float:
    """The number the check report shows for one policy field."""
    ex = report.exposures
    kind, _, key = group.partition(".")
    if kind == "max_issuer":
        return max(i.weight for i in ex.issuers)
    if kind == "max_theme":
        return ex.themes[key]
    if kind == "max_theme_over_market":
        market = report.market_context["themes"][key]
        return ex.themes[key] - market * ex.asset_classes.get("equity", 0.0)
    if kind == "max_top10":
        return ex.concentration["top10_share"]
    if kind in ("min_asset_class", "max_asset_class"):
        return ex.asset_classes.get(key, 0.0)
    if kind == "max_unresolved":
        return sum(u.weight for u in ex.unresolved)
    assert kind == "max_position"
    broad = snapshot.securities["broad_index"]
    return max(p.weight for p in report.positions
               if p.kind != "cash" and broad.get(p.symbol) != "True")


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_report_and_the_planner_read_the_same_caps(snapshot, profile, seed):
    policy = load_policy(profile).override(max_asset_class={"equity": 0.7})
    w = weights(seed)
    report = check(dict(zip(TICKERS, w)), policy=policy, snapshot=snapshot)
    guard = caps(look_through(TICKERS, snapshot), policy)
    assert {c.group for c in guard} >= {"max_issuer", "max_top10", "max_unresolved",
                                        "max_asset_class.equity", "min_asset_class.bond"}
    broken = {f.code for f in report.findings if f.code in CAP_CODES}
    rb = Rebalancer(TICKERS, policy, snapshot=snapshot)
    planner = rb.evaluate(np.append(w, 0.0), {"max_unresolved": policy.max_unresolved})
    for cap in guard:
        value = cap.value(w)
        assert value == pytest.approx(reported(report, cap.group, snapshot), abs=1e-9), cap.group
        assert planner[cap.group][0] == pytest.approx(value, abs=1e-12), cap.group
    holds = all(c.excess(w) <= 1e-12 for c in guard)
    assert holds == (not broken), broken


def _pypfopt_sides(ef, start: int, w: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    ef._w.value = w
    return [(np.atleast_1d(c.args[0].value), np.atleast_1d(c.args[1].value))
            for c in ef._constraints[start:]]


@pytest.fixture(scope="module")
def market(snapshot):
    rm = risk_model(TICKERS[:-1], snapshot)  # ZZZQ (unknown) has no prices
    return rm


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_pypfopt_and_skfolio_constraints_are_the_caps(market, snapshot, profile):
    from pypfopt import EfficientFrontier

    policy = load_policy(profile)
    tickers = TICKERS[:-1]
    guard = caps(look_through(tickers, snapshot), policy)
    ef = EfficientFrontier(market.expected_returns("capm"), market.cov, weight_bounds=(-1, 1))
    start = len(ef._constraints)
    add_bubbleguard_constraints(ef, policy, snapshot, margin=0.0)
    sk = bubbleguard_constraints(tickers, policy, snapshot, margin=0.0)
    for seed in range(6):
        w = np.random.default_rng(seed).dirichlet(np.full(len(tickers), 0.7))
        sides = _pypfopt_sides(ef, start, w)
        assert len(sides) == len(guard)  # every cap, none pruned with negative bounds
        for cap, (lhs, rhs) in zip(guard, sides, strict=True):
            if cap.linear:
                A, b = cap.inequality(0.0, long_only=False)
                assert lhs == pytest.approx(A @ w, abs=1e-12) and rhs == pytest.approx(b)
            else:
                assert lhs[0] == pytest.approx(cap.value(w), abs=1e-12)
                assert rhs[0] == pytest.approx(cap.limit)
        linear = [c for c in guard if c.linear]
        holds = bool(np.all(sk["left_inequality"] @ w <= sk["right_inequality"] + 1e-12))
        assert holds == all(c.excess(w) <= 1e-12 for c in linear)


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("method", ["min_volatility", "max_sharpe"])
def test_optimised_weights_pass_check(market, snapshot, profile, method):
    from pypfopt import EfficientFrontier

    policy = load_policy(profile)
    tickers = TICKERS[:-1]
    ef = EfficientFrontier(market.expected_returns("capm"), market.cov)
    add_bubbleguard_constraints(ef, policy, snapshot)
    if method == "max_sharpe":
        ef.max_sharpe(risk_free_rate=market.risk_free_rate)
    else:
        ef.min_volatility()
    w = np.array([ef.weights[i] for i in range(len(tickers))])
    guard = caps(look_through(tickers, snapshot), policy)
    assert max(c.excess(w) for c in guard) <= 1e-6
    report = check(ef.clean_weights(), policy=policy, snapshot=snapshot)
    assert not [f.code for f in report.findings if f.code in CAP_CODES]


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_skfolio_mean_risk_weights_pass_check(market, snapshot, profile):
    from skfolio.optimization import MeanRisk

    policy = load_policy(profile)
    returns = market.returns[TICKERS[:-1]].dropna()
    model = MeanRisk(**bubbleguard_constraints(returns.columns, policy, snapshot)).fit(returns)
    w = np.asarray(model.weights_)
    guard = caps(look_through(list(returns.columns), snapshot), policy)
    assert max(c.excess(w) for c in guard) <= 1e-6
    held = {s: float(x) for s, x in zip(returns.columns, w) if x > 1e-6}
    report = check(held, policy=policy, snapshot=snapshot)
    assert not [f.code for f in report.findings if f.code in CAP_CODES]


def test_a_plan_with_unresolved_as_ai_carries_one_ai_number(snapshot):
    from bubbleguard import rebalance

    plan = rebalance("examples/holdings.csv", snapshot=snapshot, unresolved_as_ai=True)
    rails = {g.constraint: g for g in plan.guardrails}
    assert rails["max_theme.ai"].after == pytest.approx(plan.after.exposures.themes["ai"], abs=1e-9)
    worst = rails["max_theme.ai_or_unresolved"]
    unresolved = sum(u.weight for u in plan.after.exposures.unresolved)
    assert worst.after == pytest.approx(rails["max_theme.ai"].after + unresolved, abs=1e-9)
    assert worst.met and worst.after <= worst.limit + 1e-9
