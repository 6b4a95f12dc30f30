"""Batch rebalance: every account re-solved on one compiled problem; a conflict is a note."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bubbleguard
from bubbleguard.batch import STATUSES, TRADE_COLUMNS, rebalance_accounts
from bubbleguard.policy import load_policy

UNIVERSE = ["VTI", "VXUS", "BND", "GLD", "VNQ"]
BOOK = pd.DataFrame([
    ("ai-heavy", "NVDA", 40000.0), ("ai-heavy", "QQQ", 40000.0), ("ai-heavy", "SMH", 20000.0),
    ("calm", "VTI", 50000.0), ("calm", "VXUS", 20000.0), ("calm", "BND", 20000.0),
    ("calm", "GLD", 5000.0), ("calm", "VNQ", 5000.0),
    ("mag7", "AAPL", 30000.0), ("mag7", "MSFT", 30000.0), ("mag7", "BND", 20000.0),
    ("mag7", "CASH", 20000.0),
    ("empty", "VTI", 0.0),
], columns=["account", "symbol", "market_value"])


def post_trade(rows: pd.DataFrame, trades: pd.DataFrame) -> dict[str, float]:
    """The account's holdings after its trades (cash pays for buys and receives sales)."""
    held = rows.groupby("symbol")["market_value"].sum().to_dict()
    cash = held.pop("CASH", 0.0)
    for t in trades.itertuples():
        sign = -1.0 if t.side == "sell" else 1.0
        held[t.symbol] = held.get(t.symbol, 0.0) + sign * t.value
        cash -= sign * t.value
    held = {s: v for s, v in held.items() if v > 1e-6}
    if cash > 1e-6:
        held["CASH"] = cash
    return held


@pytest.fixture(scope="module")
def policy():
    return load_policy().override(transaction_cost=0.0)


@pytest.fixture(scope="module")
def trades(snapshot, policy):
    return rebalance_accounts(BOOK, policy, snapshot, universe=UNIVERSE, workers=1)


def test_every_account_gets_a_status_and_its_plan_meets_the_guardrails(snapshot, policy, trades):
    assert list(trades.columns) == list(TRADE_COLUMNS)
    status = trades.drop_duplicates("account").set_index("account")["status"]
    assert list(status.index) == ["ai-heavy", "calm", "mag7", "empty"]
    assert set(status) <= set(STATUSES)
    assert status["calm"] == "within_guardrails" and status["empty"] == "not_rebalanced"
    assert status["ai-heavy"] == "optimal"
    heavy = trades[trades["account"] == "ai-heavy"]
    assert {"sell"} == set(heavy.loc[heavy["symbol"].isin(["NVDA", "QQQ", "SMH"]), "side"])
    assert set(heavy.loc[heavy["side"] == "buy", "symbol"]) <= set(UNIVERSE)
    assert heavy.loc[heavy.side == "sell", "value"].sum() == pytest.approx(
        heavy.loc[heavy.side == "buy", "value"].sum(), abs=0.05)  # no cash, no costs: sales pay
    price = pd.to_numeric(snapshot.securities["price"], errors="coerce")
    assert np.allclose(heavy["shares"], heavy["value"] / price.reindex(heavy["symbol"]).to_numpy())
    for account in ("ai-heavy", "mag7"):
        rows = BOOK[BOOK["account"] == account]
        after = post_trade(rows, trades[(trades["account"] == account) & trades["side"].notna()])
        report = bubbleguard.check(after, policy=policy, snapshot=snapshot)
        assert not [f.code for f in report.findings if f.code.endswith(("exceeded", "missed"))]


def test_a_conflict_is_the_account_s_diagnosis_not_a_crash(snapshot):
    strict = load_policy().override(min_asset_class={"bond": 0.3}, transaction_cost=0.0)
    out = rebalance_accounts(BOOK[BOOK["account"].isin(["calm", "mag7"])], strict, snapshot,
                             universe=["VTI", "VXUS"], workers=1)
    row = out.drop_duplicates("account").set_index("account")
    assert row.loc["calm", "status"] == "infeasible"  # 20% bonds, none to buy: cannot reach 30%
    assert row.loc["calm", "note"].startswith("The guardrails cannot all hold for this portfolio: "
                                              "min_asset_class.bond (30.0%)")
    assert pd.isna(row.loc["calm", "symbol"])
    assert row.loc["mag7", "status"] == "infeasible"  # 20% bonds as well


def test_processes_give_the_same_trades(snapshot, policy, trades):
    progress = []
    many = rebalance_accounts(BOOK, policy, snapshot, universe=UNIVERSE, workers=2,
                              progress=lambda done, total: progress.append((done, total)))
    pd.testing.assert_frame_equal(many, trades)
    assert progress[-1] == (3, 3)  # the three accounts with a value


def test_whole_share_accounts_on_processes_do_not_hang(snapshot, policy):
    # HiGHS keeps threads: discrete plans run on spawned workers, never on a forked parent's state
    one = rebalance_accounts(BOOK, policy, snapshot, universe=UNIVERSE, whole_shares=True)
    two = rebalance_accounts(BOOK, policy, snapshot, universe=UNIVERSE, whole_shares=True,
                             workers=2)
    pd.testing.assert_frame_equal(one, two)


@pytest.mark.parametrize("account", ["ai-heavy", "mag7"])
def test_an_account_s_batch_plan_is_its_rebalance_alone(snapshot, policy, trades, account):
    rows = BOOK[BOOK["account"] == account]
    alone = bubbleguard.rebalance(dict(zip(rows["symbol"], rows["market_value"])), policy=policy,
                                  universe=UNIVERSE, snapshot=snapshot, whole_shares=False)
    want = {(t.symbol, t.side): t.value for t in alone.trades}
    mine = trades[(trades["account"] == account) & trades["side"].notna()]
    got = dict(zip(zip(mine["symbol"], mine["side"]), mine["value"]))
    assert got.keys() == want.keys()
    for key, value in want.items():  # the same optimum; solver round-off only
        assert got[key] == pytest.approx(value, rel=1e-4, abs=1.0)
