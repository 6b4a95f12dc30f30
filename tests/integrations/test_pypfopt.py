"""PyPortfolioOpt integration: the maps check uses, under min_volatility and max_sharpe."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

from bubbleguard import check, load_policy
from bubbleguard.integrations.pypfopt import add_bubbleguard_constraints, exposure_matrices
from bubbleguard.planner import risk_model

TICKERS = ["QQQ", "VOO", "VTI", "NVDA", "MSFT", "AAPL", "SMH", "VXUS", "BND", "IEF", "TLT",
           "GLD", "VNQ", "SGOV"]
CAP_CODES = {"issuer_cap_exceeded", "theme_cap_exceeded", "top10_cap_exceeded",
             "asset_class_floor_missed", "asset_class_cap_exceeded"}


def test_exposure_matrices_match_the_look_through(tiny):
    maps = exposure_matrices(["FUND2", "AAA", "BONDF", "XYZQ"], tiny)
    assert maps.issuer.shape == (4, len(maps.issuer_ids))
    row = dict(zip(maps.issuer_ids, maps.issuer[0], strict=True))
    assert row["AAA"] == pytest.approx(0.3) and row["CCC"] == pytest.approx(0.4)
    assert maps.themes["ai"][:2] == pytest.approx([0.3, 1.0])
    assert maps.asset_classes.sum(axis=1) == pytest.approx(np.ones(4))
    bond = maps.asset_class_names.index("bond")
    assert maps.asset_classes[2, bond] == 1.0
    assert maps.unresolved == pytest.approx([0.05, 0.0, 0.0, 1.0])
    w = np.array([0.5, 0.5, 0.0, 0.0])
    assert maps.top10_share(w) == pytest.approx(0.5 * 0.85 + 0.5)  # FUND2 is 85% issuers


@pytest.fixture(scope="module")
def market(snapshot):
    rm = risk_model(TICKERS, snapshot)
    return rm.expected_returns("capm"), rm.cov, rm.risk_free_rate


def frontier(market):
    from pypfopt import EfficientFrontier

    mu, cov, _ = market
    return EfficientFrontier(mu, cov)


def assert_passes_check(weights, policy, snapshot):
    report = check(dict(weights), policy=policy, snapshot=snapshot)
    found = {(f.code, f.subject) for f in report.findings if f.code in CAP_CODES}
    assert not found, found
    return report


@pytest.mark.parametrize("profile", ["balanced", "conservative"])
@pytest.mark.parametrize("method", ["min_volatility", "max_sharpe"])
def test_constraints_hold_under_both_pypfopt_objectives(market, snapshot, profile, method):
    policy = load_policy(profile)
    ef = frontier(market)
    maps = add_bubbleguard_constraints(ef, policy, snapshot)
    if method == "max_sharpe":
        ef.max_sharpe(risk_free_rate=market[2])
    else:
        ef.min_volatility()
    w = np.array([ef.weights[i] for i in range(len(TICKERS))])
    # raw weights: every cap within its margin, by the same maps
    assert (maps.issuer.T @ w).max() <= policy.max_issuer + 1e-6
    for theme, cap in policy.max_theme.items():
        assert maps.themes[theme] @ w <= cap + 1e-6
    assert maps.top10_share(w) <= policy.max_top10 + 1e-6
    sec = snapshot.securities.reindex(TICKERS)
    capped = (sec["kind"] != "cash").to_numpy() & ~sec["broad_index"].eq("True").to_numpy()
    assert w[capped].max() <= policy.max_position + 1e-6  # broad index funds may be the core
    # and PyPortfolioOpt's cleaned weights pass bubbleguard.check
    report = assert_passes_check(ef.clean_weights(), policy, snapshot)
    assert report.exposures.themes["ai"] <= policy.max_theme["ai"]


def test_constants_stay_alone_on_the_right(market, snapshot):
    ef = frontier(market)
    before = len(ef._constraints)
    add_bubbleguard_constraints(ef, load_policy("balanced"), snapshot)
    added = ef._constraints[before:]
    assert added
    for c in added:
        assert isinstance(c, cp.constraints.nonpos.Inequality)
        lhs, rhs = c.args
        assert isinstance(rhs, cp.Constant) or isinstance(lhs, cp.Constant), c
        # the variable side must not carry a constant offset (A @ w - b <= 0 breaks max_sharpe)
        side = lhs if isinstance(rhs, cp.Constant) else rhs
        assert side.is_dpp() and not isinstance(side, cp.Constant)


def test_without_the_guardrails_the_frontier_breaks_them(market, snapshot):
    ef = frontier(market)
    ef.max_sharpe(risk_free_rate=market[2])
    report = check(dict(ef.clean_weights()), policy=load_policy("balanced"), snapshot=snapshot)
    assert {f.code for f in report.findings} & CAP_CODES
