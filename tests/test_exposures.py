"""Look-through and exposures: hand-computed cases and invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import books

from bubbleguard.exposures import compute_exposures, concentration
from bubbleguard.holdings import load_holdings
from bubbleguard.lookthrough import look_through

MIXED = {"AAA": 100, "FUND1": 200, "FUND2": 400, "QDII": 100, "BONDF": 100, "EQNOH": 50, "XYZQ": 50}


def exposures(tiny, holdings):
    return compute_exposures(load_holdings(holdings, snapshot=tiny), tiny)


def test_hand_computed_issuers(tiny):
    ex = exposures(tiny, MIXED)
    iss = ex.issuers.set_index("issuer_id")
    # AAA: 100 direct + 120 (FUND1) + 120 (FUND2 → FUND1) + 60 (QDII → FUND1) of 1000
    assert iss.loc["AAA", "weight"] == pytest.approx(0.40)
    assert iss.loc["AAA", "direct_weight"] == pytest.approx(0.10)
    assert iss.loc["AAA", "via_funds_weight"] == pytest.approx(0.30)
    assert iss.loc["BBB", "weight"] == pytest.approx(0.15)
    assert iss.loc["CCC", "weight"] == pytest.approx(0.16)
    assert list(iss.index) == ["AAA", "CCC", "BBB"]


def test_hand_computed_buckets_and_unresolved(tiny):
    ex = exposures(tiny, MIXED)
    assert ex.asset_classes == pytest.approx({"equity": 0.86, "bond": 0.10, "cash": 0.04})
    un = ex.unresolved.groupby("origin")["weight"].sum()
    assert un.to_dict() == pytest.approx({"FUND1": 0.05, "EQNOH": 0.05, "XYZQ": 0.05})
    by_holding = ex.unresolved.groupby("symbol")["weight"].sum()
    assert by_holding.to_dict() == pytest.approx(
        {"FUND1": 0.02, "FUND2": 0.02, "QDII": 0.01, "EQNOH": 0.05, "XYZQ": 0.05})
    reasons = dict(zip(ex.unresolved["origin"], ex.unresolved["reason"]))
    assert reasons["EQNOH"] == "no holdings data for fund EQNOH"
    assert reasons["XYZQ"].startswith("unknown symbol")
    assert "not itemised" in reasons["FUND1"]


def test_conservation_contract(tiny):
    ex = exposures(tiny, MIXED)
    non_equity = sum(v for k, v in ex.asset_classes.items() if k != "equity")
    total = ex.issuers["weight"].sum() + non_equity + ex.unresolved["weight"].sum()
    assert total == pytest.approx(1.0, abs=1e-9)
    assert ex.conservation_error() < 1e-9


def test_themes_and_concentration(tiny):
    ex = exposures(tiny, MIXED)
    assert ex.themes == pytest.approx({"magnificent7": 0.40, "ai": 0.40, "circular_deals": 0.56})
    c = ex.concentration
    assert c["top10_share"] == pytest.approx(0.71)
    assert c["hhi"] == pytest.approx((0.4**2 + 0.15**2 + 0.16**2) / 0.71**2)
    assert c["effective_issuers"] == pytest.approx(1 / c["hhi"])


def test_share_classes_are_one_issuer(tiny):
    ex = exposures(tiny, {"GGA": 30, "GGC": 70})
    assert len(ex.issuers) == 1
    row = ex.issuers.iloc[0]
    assert row["issuer"] == "Gg" and row["weight"] == pytest.approx(1.0)
    assert sorted(row["symbols"]) == ["GGA", "GGC"]


def test_user_asset_class_for_unknown_symbol(tiny):
    df = pd.DataFrame({"symbol": ["AAA", "MYBOND"], "market_value": [50, 50], "asset_class": ["", "bond"]})
    ex = exposures(tiny, df)
    assert ex.asset_classes == pytest.approx({"equity": 0.5, "bond": 0.5})
    assert ex.unresolved.empty


def test_fund_overlap(tiny):
    ex = exposures(tiny, {"FUND1": 1, "QDII": 1, "FUND2": 1})
    ov = ex.overlap.set_index(["fund_a", "fund_b"])["overlap"]
    assert ov[("FUND1", "QDII")] == pytest.approx(0.9)  # same issuers, 10% not itemised
    assert ov[("FUND1", "FUND2")] == pytest.approx(0.45)  # min(0.6,0.3)+min(0.3,0.15)


def test_via_lists_the_holdings(tiny):
    ex = exposures(tiny, MIXED)
    via = ex.via(["AAA"]).set_index("symbol")["weight"]
    assert via.to_dict() == pytest.approx({"AAA": 0.10, "FUND1": 0.12, "FUND2": 0.12, "QDII": 0.06})


def test_concentration_of_nothing():
    assert concentration(np.array([])) == {"top10_share": 0.0, "hhi": 0.0, "effective_issuers": 0.0}


@settings(max_examples=60, deadline=None)
@given(books(), st.randoms())
def test_conservation_and_order_independence(tiny, book, rnd):
    ex = exposures(tiny, book)
    non_equity = sum(v for k, v in ex.asset_classes.items() if k != "equity")
    total = ex.issuers["weight"].sum() + non_equity + ex.unresolved["weight"].sum()
    assert total == pytest.approx(1, abs=1e-9)
    assert sum(ex.asset_classes.values()) == pytest.approx(1.0, abs=1e-9)
    assert (ex.issuers["direct_weight"] <= ex.issuers["weight"] + 1e-12).all()
    items = list(book.items())
    rnd.shuffle(items)
    again = exposures(tiny, dict(items))
    a = ex.issuers.set_index("issuer_id")["weight"].sort_index()
    b = again.issuers.set_index("issuer_id")["weight"].sort_index()
    pd.testing.assert_series_equal(a, b, rtol=1e-12)
    assert again.themes == pytest.approx(ex.themes)


@settings(max_examples=30, deadline=None)
@given(books(high=1e6, max_size=8), st.floats(0.1, 100))
def test_scaling_the_portfolio_changes_no_weight(tiny, book, k):
    a = exposures(tiny, book)
    b = exposures(tiny, {s: v * k for s, v in book.items()})
    assert b.themes == pytest.approx(a.themes)
    assert b.asset_classes == pytest.approx(a.asset_classes)


def test_lookthrough_rows_sum_to_one(tiny):
    lt = look_through(["FUND2", "QDII", "BONDF", "NOPE", "CASH"], tiny)
    assert lt.matrix.sum(axis=1) == pytest.approx(np.ones(5))
