"""The batch engine against ``check`` on each account alone: every number and every finding."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

import bubbleguard
from bubbleguard.batch import ACCOUNT_COLUMNS, check_accounts, run_batch
from bubbleguard.policy import load_policy
from bubbleguard.reference import ASSET_CLASSES

TODAY = dt.date(2026, 8, 3)
SYMBOLS = ["VOO", "QQQ", "NVDA", "BND", "GLD", "VNQ", "SMH", "ARKK", "VTI", "IVV", "SPY", "AAPL",
           "MSFT", "GOOGL", "GOOG", "CASH", "SGOV", "VXUS", "TLT", "IAU", "SCHD", "META", "AVGO",
           "ZZZUNKNOWN", "NOTATICKER"]


def random_book(n: int, seed: int) -> pd.DataFrame:
    """``n`` accounts of 1–12 rows: values, quantities at snapshot prices, quantity × price."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n):
        for sym in rng.choice(SYMBOLS, int(rng.integers(1, 13))):
            kind = rng.random()
            value = float(rng.lognormal(8, 1.5))
            if kind < 0.15 and sym not in ("ZZZUNKNOWN", "NOTATICKER"):
                rows.append((f"acct-{a:04d}", sym, np.nan, round(value / 50, 3), np.nan))
            elif kind < 0.25:
                rows.append((f"acct-{a:04d}", sym, np.nan, round(value / 50, 3), 50.0))
            elif kind < 0.27:
                rows.append((f"acct-{a:04d}", sym, 0.0, np.nan, np.nan))
            else:
                rows.append((f"acct-{a:04d}", sym, value, np.nan, np.nan))
    return pd.DataFrame(rows, columns=["account", "symbol", "market_value", "quantity", "price"])


def expected(report: bubbleguard.Report) -> dict[str, object]:
    ex = report.exposures
    top = ex.issuers[0] if ex.issuers else None
    codes = " ".join(dict.fromkeys(f.code for f in report.findings))
    counts = report.counts()
    return {"total_value": report.total_value, "positions": len(report.positions), **ex.themes,
            "top_issuer": top.issuer if top else None, "top_issuer_weight": top.weight if top else 0.0,
            "top10_share": ex.concentration["top10_share"], "hhi": ex.concentration["hhi"],
            "effective_issuers": ex.concentration["effective_issuers"],
            **{c: ex.asset_classes.get(c, 0.0) for c in ASSET_CLASSES},
            "unresolved": sum(u.weight for u in ex.unresolved), "errors": counts["error"],
            "warnings": counts["warning"], "infos": counts["info"], "worst": report.worst(),
            "codes": codes}


def same(a: object, b: object) -> bool:
    if b is None:
        return a is None or (isinstance(a, float) and math.isnan(a))
    if isinstance(b, float) or isinstance(a, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)  # type: ignore[arg-type]
    return a == b


@pytest.mark.parametrize("policy", [load_policy(), load_policy(
    "conservative", max_asset_class={"cash": 0.10, "equity": 0.85}, max_position=0.25)],
    ids=["balanced", "conservative-with-caps"])
def test_every_number_and_finding_is_checks(snapshot, policy):
    frame = random_book(150, seed=7)
    batch = run_batch(frame, policy, snapshot, findings=True, today=TODAY, chunk_size=37)
    accounts = batch.accounts.set_index("account")
    assert list(batch.accounts.columns) == list(ACCOUNT_COLUMNS)
    seen_codes: set[str] = set()
    for account, rows in frame.groupby("account", sort=False):
        report = bubbleguard.check(rows.drop(columns="account"), policy=policy, snapshot=snapshot,
                                   today=TODAY)
        got = accounts.loc[account]
        for key, value in expected(report).items():
            assert same(got[key], value), (account, key, got[key], value)
        mine = batch.findings[batch.findings["account"] == account]
        theirs = [(f.code, f.severity, f.subject) for f in report.findings]
        assert list(zip(mine["code"], mine["severity"], mine["subject"])) == theirs, account
        assert list(mine["message"]) == [f.message for f in report.findings], account
        for f, value, limit in zip(report.findings, mine["value"], mine["limit"]):
            assert same(value, f.value if f.value is not None else math.nan) or (
                f.value is None and math.isnan(value))
            assert (f.limit is None and math.isnan(limit)) or same(limit, f.limit)
        seen_codes |= {f.code for f in report.findings}
    # the book exercises most rules (not necessarily all in one profile)
    assert {"issuer_cap_exceeded", "theme_cap_exceeded", "top10_cap_exceeded", "unknown_symbol",
            "asset_class_floor_missed", "unresolved_high", "fund_overlap"} <= seen_codes


def test_messages_are_checks_in_chinese_and_name_each_currency_s_funds(snapshot):
    """A mainland, a Hong Kong and a US account: each told of its own market's funds, in Chinese."""
    from bubbleguard.i18n import language

    frame = pd.DataFrame({
        "account": ["cn", "cn", "hk", "hk", "us", "us", "us", "us"],
        "symbol": ["510300", "159819", "2800", "3033", "NVDA", "QQQ", "ARKK", "ZZZUNKNOWN"],
        "market_value": [40_000.0, 60_000.0, 50_000.0, 50_000.0, 300.0, 400.0, 200.0, 100.0],
        "currency": ["CNY", "CNY", "HKD", "HKD", "USD", "USD", "USD", "USD"]})
    with language("zh"):
        batch = run_batch(frame, snapshot=snapshot, findings=True, today=TODAY)
        for account, rows in frame.groupby("account", sort=False):
            report = bubbleguard.check(rows.drop(columns="account"), snapshot=snapshot, today=TODAY)
            mine = batch.findings[batch.findings["account"] == account]
            assert list(mine["message"]) == [f.message for f in report.findings], account
    floors = batch.findings[batch.findings["code"] == "asset_class_floor_missed"]
    bond = floors[floors["subject"] == "bond"].set_index("account")["message"]
    assert "511260" in bond["cn"] and "BND" in bond["us"] and "511260" not in bond["us"]
    assert "组合" in bond["cn"]


def test_chunks_and_threads_do_not_change_the_result(snapshot):
    frame = random_book(120, seed=3)
    one = check_accounts(frame, snapshot=snapshot, today=TODAY, chunk_size=1000, workers=1)
    many = check_accounts(frame, snapshot=snapshot, today=TODAY, chunk_size=7, workers=3)
    pd.testing.assert_frame_equal(one, many)


def test_value_is_conserved_and_unknown_symbols_stay_unresolved(snapshot):
    frame = pd.DataFrame({"account": ["a", "a", "b", "b"], "symbol": ["VOO", "NOPE1", "NOPE2", "BND"],
                          "market_value": [600.0, 400.0, 250.0, 750.0]})
    out = check_accounts(frame, snapshot=snapshot, today=TODAY).set_index("account")
    assert out.loc["a", "total_value"] == 1000.0
    assert out.loc["a", "unresolved"] >= 0.4 - 1e-12
    assert out.loc["b", "unresolved"] == pytest.approx(0.25)
    shares = out[list(ASSET_CLASSES)].sum(axis=1)
    assert np.allclose(shares, 1.0, atol=1e-12)
    assert "unknown_symbol" in out.loc["b", "codes"].split()


def test_quantity_only_rows_use_snapshot_prices(snapshot):
    price = float(snapshot.securities.at["NVDA", "price"])
    frame = pd.DataFrame({"account": ["x", "x"], "symbol": ["NVDA", "CASH"], "quantity": [10, 500]})
    out = check_accounts(frame, snapshot=snapshot, today=TODAY)
    assert out.loc[0, "total_value"] == pytest.approx(10 * price + 500)


def test_tiny_snapshot_matches_the_rules(tiny):
    """The tiny snapshot has no S&P 500 for check's market context: compare with the rules.

    Without the market, the caps beyond the market cannot be built, so the policy leaves them out.
    """
    import dataclasses

    from bubbleguard.exposures import compute_exposures
    from bubbleguard.holdings import load_holdings
    from bubbleguard.rules import BUILTIN_RULES, RuleContext, run_rules

    frame = pd.DataFrame({
        "account": ["p", "p", "p", "q", "q", "r", "r"],
        "symbol": ["FUND2", "QDII", "GGC", "BONDF", "EQNOH", "AAA", "GGA"],
        "market_value": [500.0, 300.0, 200.0, 700.0, 300.0, 10.0, 30.0]})
    policy = dataclasses.replace(load_policy(), max_theme_over_market={})
    batch = run_batch(frame, policy, tiny, findings=True, today=TODAY)
    for account, rows in frame.groupby("account", sort=False):
        portfolio = load_holdings(rows.drop(columns="account"), snapshot=tiny)
        ex = compute_exposures(portfolio, tiny)
        found = run_rules(RuleContext(portfolio, ex, policy, tiny, TODAY), BUILTIN_RULES)
        got = batch.accounts.set_index("account").loc[account]
        assert same(got["top10_share"], ex.concentration["top10_share"])
        assert same(got["hhi"], ex.concentration["hhi"])
        assert same(got["top_issuer"], ex.issuers["issuer"].iloc[0] if len(ex.issuers) else None)
        for theme, value in ex.themes.items():
            assert same(got[theme], value)
        mine = batch.findings[batch.findings["account"] == account]
        assert list(zip(mine["code"], mine["subject"])) == [(f.code, f.subject) for f in found]
