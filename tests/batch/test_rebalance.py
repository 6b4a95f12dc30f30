"""Batch rebalance: every account re-solved on one compiled problem; a conflict is a note."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import bubbleguard
from bubbleguard.batch import STATUSES, TRADE_COLUMNS, rebalance_accounts
from bubbleguard.cli import cli
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


# --------------------------------------------------------------------------- the account options
# Each option of `batch --rebalance` against `rebalance` of each account alone (a holdings CSV
# of its rows), both through the command line: the same trades, account by account.

def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def batch_plan(book: pd.DataFrame, tmp_path, *options: str) -> pd.DataFrame:
    """``batch --rebalance`` of ``book``: its trades table."""
    path = tmp_path / "book.csv"
    book.to_csv(path, index=False)
    res = invoke("batch", str(path), "--rebalance", "--workers", "1", *options)
    assert res.exit_code == 0, res.stderr
    return pd.read_csv(io.StringIO(res.stdout), dtype={"account": str, "symbol": str})


def alone_plan(book: pd.DataFrame, account: str, tmp_path, *options: str) -> dict:
    """``rebalance`` of one account's rows (with their account column) as JSON."""
    path = tmp_path / f"{account}.csv"
    book[book["account"] == account].to_csv(path, index=False)
    res = invoke("rebalance", str(path), "-f", "json", *options)
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


def trades_of(frame: pd.DataFrame, account: str) -> dict[tuple[str, str], tuple[float, float]]:
    mine = frame[(frame["account"] == account) & frame["side"].notna()]
    return {(t.symbol, t.side): (t.shares, t.value) for t in mine.itertuples()}


def values_of(frame: pd.DataFrame, account: str) -> dict[tuple[str, str], float]:
    return {k: v for k, (_, v) in trades_of(frame, account).items()}


def assert_same_trades(frame: pd.DataFrame, plan: dict, account: str) -> None:
    """Assert that the account's batch trades are its plan alone.

    Values agree to 5e-6 relative (1.5e-6 seen), or to the cent or a millionth of the account
    (the residual trades an interior-point solver leaves); shares likewise.
    """
    got = trades_of(frame, account)
    want: dict[tuple[str, str], tuple[float, float]] = {}
    for t in plan["trades"]:
        shares, value = want.get((t["symbol"], t["side"]), (0.0, 0.0))
        want[(t["symbol"], t["side"])] = (shares + t["shares"], value + t["value"])
    dust = max(0.01, 1e-6 * plan["value_before"])
    assert {k for k, (_, v) in got.items() if v > dust} == {k for k, (_, v) in want.items()
                                                            if v > dust}, account
    for key in {*got, *want}:  # the same optimum: solver round-off only
        (n, v), (m, w) = got.get(key, (0.0, 0.0)), want.get(key, (0.0, 0.0))
        assert v == pytest.approx(w, rel=5e-6, abs=dust), (account, key)
        assert n == pytest.approx(m, rel=5e-6, abs=1e-4 + dust / plan_price(plan, key)), (
            account, key)


def plan_price(plan: dict, key: tuple[str, str]) -> float:
    return next((t["price"] for t in plan["trades"] if (t["symbol"], t["side"]) == key
                 and t["price"]), 1.0)


US_BOOK = pd.DataFrame([
    ("ai-heavy", "NVDA", 40000.0), ("ai-heavy", "QQQ", 40000.0), ("ai-heavy", "SMH", 20000.0),
    ("mag7", "AAPL", 30000.0), ("mag7", "MSFT", 30000.0), ("mag7", "BND", 20000.0),
    ("mag7", "CASH", 20000.0),
    ("calm", "VTI", 50000.0), ("calm", "VXUS", 20000.0), ("calm", "BND", 20000.0),
    ("calm", "GLD", 5000.0), ("calm", "VNQ", 5000.0),
], columns=["account", "symbol", "market_value"])


def universe_csv(tmp_path, name: str, symbols) -> str:
    """A universe file of ``symbols`` (a symbol column), as ``--universe`` reads it."""
    path = tmp_path / name
    path.write_text("symbol\n" + "\n".join(symbols) + "\n")
    return str(path)


@pytest.fixture
def universe(tmp_path):
    return universe_csv(tmp_path, "universe.csv", UNIVERSE)


@pytest.fixture
def no_costs(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text("transaction_cost = 0.0\n")
    return str(path)


def test_a_locked_symbol_is_neither_sold_nor_bought_in_any_account(tmp_path, universe):
    free = batch_plan(US_BOOK, tmp_path, "--universe", universe)
    # unlocked, ai-heavy sells SMH and both accounts buy VXUS: the lock has something to stop
    assert ("SMH", "sell") in trades_of(free, "ai-heavy")
    assert all(("VXUS", "buy") in trades_of(free, a) for a in ("ai-heavy", "mag7"))
    options = ("--universe", universe, "--lock", "SMH", "--lock", "vxus")
    locked = batch_plan(US_BOOK, tmp_path, *options)
    assert not locked["symbol"].isin(["SMH", "VXUS"]).any()
    for account in ("ai-heavy", "mag7", "calm"):
        assert_same_trades(locked, alone_plan(US_BOOK, account, tmp_path, *options), account)


def test_new_cash_is_invested_in_every_account_as_rebalance_invests_it(tmp_path, universe,
                                                                     no_costs):
    options = ("--universe", universe, "--cash", "5000", "--policy", no_costs)
    out = batch_plan(US_BOOK, tmp_path, *options)
    status = out.drop_duplicates("account").set_index("account")["status"]
    assert status.to_dict() == dict.fromkeys(["ai-heavy", "mag7", "calm"], "optimal")
    for account in ("ai-heavy", "mag7", "calm"):  # calm was within its guardrails: it invests
        mine = out[out["account"] == account]
        bought = mine.loc[mine["side"] == "buy", "value"].sum()
        sold = mine.loc[mine["side"] == "sell", "value"].sum()
        assert bought - sold == pytest.approx(5000.0, abs=0.05)  # no costs: value is conserved
        assert_same_trades(out, alone_plan(US_BOOK, account, tmp_path, *options), account)


def test_a_withdrawal_is_sold_for_and_one_beyond_an_account_s_value_is_its_note(snapshot, policy):
    book = pd.concat([US_BOOK, pd.DataFrame({"account": ["small"], "symbol": ["VTI"],
                                             "market_value": [20000.0]})])
    out = rebalance_accounts(book, policy, snapshot, universe=UNIVERSE, cash=-30_000.0, workers=1)
    row = out.drop_duplicates("account").set_index("account")
    assert row.loc["small", "status"] == "not_rebalanced"
    assert row.loc["small", "note"] == ("The withdrawal of 30,000.00 is at least the whole "
                                        "portfolio (20,000.00); nothing would remain.")
    for account in ("ai-heavy", "mag7", "calm"):  # each worth 100,000; calm only sells
        assert row.loc[account, "status"] == "optimal"
        mine = out[out["account"] == account]
        sold = mine.loc[mine["side"] == "sell", "value"].sum()
        assert sold - mine.loc[mine["side"] == "buy", "value"].sum() == pytest.approx(
            30_000.0 - (20_000.0 if account == "mag7" else 0.0), abs=0.05)  # mag7 pays from cash


TAX_BOOK = pd.DataFrame([
    # the same holdings, once taxable and once in an IRA: VGT at a large gain, QQQ at none
    ("brokerage", "QQQ", 45000.0, 45000.0), ("brokerage", "VGT", 35000.0, 7000.0),
    ("brokerage", "BND", 20000.0, 21000.0),
    ("IRA-1", "QQQ", 45000.0, 45000.0), ("IRA-1", "VGT", 35000.0, 7000.0),
    ("IRA-1", "BND", 20000.0, 21000.0),
], columns=["account", "symbol", "market_value", "cost_basis"])


def test_the_tax_rate_weighs_realised_gains_where_the_cost_basis_is_known(tmp_path, universe):
    options = ("--universe", universe, "--tax-rate", "0.3")
    taxed = batch_plan(TAX_BOOK, tmp_path, *options)
    untaxed = batch_plan(TAX_BOOK, tmp_path, "--universe", universe, "--tax-rate", "0")
    # without taxes VGT is the cheaper sale; taxed, the account sells QQQ (no gain) instead
    free, paid = trades_of(untaxed, "brokerage"), trades_of(taxed, "brokerage")
    assert free[("VGT", "sell")][1] > 15000.0 and paid[("VGT", "sell")][1] < 5000.0
    assert paid[("QQQ", "sell")][1] > free[("QQQ", "sell")][1] + 15000.0
    assert values_of(taxed, "IRA-1") == pytest.approx(values_of(untaxed, "IRA-1"), rel=1e-5)
    for account in ("brokerage", "IRA-1"):  # IRA-1: tax-advantaged by its name, as alone
        assert_same_trades(taxed, alone_plan(TAX_BOOK, account, tmp_path, *options), account)
    # without a cost_basis column the tax rate changes nothing
    plain = TAX_BOOK.drop(columns="cost_basis")
    assert values_of(batch_plan(plain, tmp_path, *options), "brokerage") == pytest.approx(
        values_of(untaxed, "brokerage"))


MIXED_BOOK = pd.DataFrame([
    ("usd", "NVDA", 40000.0, "USD"), ("usd", "QQQ", 40000.0, "USD"), ("usd", "BND", 20000.0, "USD"),
    ("mixed", "NVDA", 20000.0, "USD"), ("mixed", "513500", 300000.0, "CNY"),
    ("mixed", "CASH", 50000.0, "CNY"),
    ("cny", "513500", 500000.0, "CNY"), ("cny", "CASH", 100000.0, "CNY"),
], columns=["account", "symbol", "market_value", "currency"])


def test_a_base_currency_values_and_prices_every_account_in_it(tmp_path, universe, snapshot):
    options = ("--universe", universe, "--base-currency", "CNY")
    out = batch_plan(MIXED_BOOK, tmp_path, *options)
    for account in ("usd", "mixed", "cny"):
        assert_same_trades(out, alone_plan(MIXED_BOOK, account, tmp_path, *options), account)
    # the USD account's trades are its USD plan at the reference rate, its shares the same
    usd = batch_plan(MIXED_BOOK, tmp_path, "--universe", universe)
    rate = float(snapshot.fx.at["CNY", "per_usd"])
    assert values_of(out, "usd") == pytest.approx(
        {k: v * rate for k, v in values_of(usd, "usd").items()}, rel=1e-5)
    shares = {k: n for k, (n, _) in trades_of(out, "usd").items()}
    assert shares == pytest.approx({k: n for k, (n, _) in trades_of(usd, "usd").items()}, rel=1e-5)


CN_BOOK = pd.DataFrame([
    ("qdii", "513100", 40000, "CNY"), ("qdii", "513500", 30000, "CNY"),
    ("qdii", "CASH", 5000, "CNY"),
    ("nasdaq", "513100", 100000, "CNY"), ("nasdaq", "CASH", 20000, "CNY"),
], columns=["account", "symbol", "quantity", "currency"])


def test_a_mainland_market_buys_its_own_funds_in_board_lots(tmp_path):
    from bubbleguard.planner._markets import universe_table

    out = batch_plan(CN_BOOK, tmp_path, "--market", "cn")
    buys = out[out["side"] == "buy"]
    assert len(buys) and set(buys["symbol"]) <= set(universe_table("cn")["symbol"])
    assert (buys["shares"] % 100 == 0).all() and (buys["shares"] > 0).all()
    for account in ("qdii", "nasdaq"):
        assert_same_trades(out, alone_plan(CN_BOOK, account, tmp_path, "--market", "cn"), account)


def test_a_floor_no_fund_of_the_market_offers_is_the_account_s_note(snapshot):
    book = pd.DataFrame({"account": ["hk", "hk", "bonds", "bonds", "bonds"],
                         "symbol": ["2800", "CASH", "2800", "BND", "GLD"],
                         "quantity": [2000, 30000, 2000, 1000, 100],
                         "currency": ["HKD", "HKD", "HKD", "USD", "USD"]})
    out = rebalance_accounts(book, snapshot=snapshot, market="hk", workers=1)
    row = out.drop_duplicates("account").set_index("account")
    # as rebalance --market hk refuses it: no HKEX bond or gold fund in the bundled data
    assert row.loc["hk", "status"] == "infeasible"
    assert row.loc["hk", "note"].startswith("The hk account can buy no fund of bond, gold in the "
                                            "bundled data")
    assert "can buy no fund" not in row.loc["bonds", "note"]  # it holds bonds and gold


def test_rebalance_options_without_rebalance_are_refused(tmp_path):
    path = tmp_path / "book.csv"
    US_BOOK.to_csv(path, index=False)
    res = invoke("batch", str(path), "--lock", "QQQ", "--cash", "10")
    assert res.exit_code == 2
    assert ("--lock, --cash are options of --rebalance: add --rebalance to plan trades, or leave "
            "them out to check the accounts.") in res.stderr


@pytest.fixture
def cn_universe(tmp_path):
    return universe_csv(tmp_path, "cn_universe.csv", ["510300", "511260", "518880", "511010"])


def test_what_an_account_does_not_hold_counts_as_rebalance_counts_it(tmp_path, cn_universe):
    """A fund another account holds is, for this account, one it cannot see into.

    510300 itemises only its top 10 (78% unresolved): an account that does not hold it counts
    that share toward the theme caps, as ``rebalance`` on the account alone does, even though
    another account of the book holds it.
    """
    book = pd.concat([CN_BOOK, pd.DataFrame([("csi", "510300", 20000, "CNY"),
                                             ("csi", "513100", 30000, "CNY")],
                                            columns=CN_BOOK.columns)], ignore_index=True)
    options = ("--market", "cn", "--universe", cn_universe)
    out = batch_plan(book, tmp_path, *options)
    for account in ("qdii", "nasdaq", "csi"):
        assert_same_trades(out, alone_plan(book, account, tmp_path, *options), account)
