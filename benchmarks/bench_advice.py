"""Advice benchmark: how much loss each profile's plan removes per unit of turnover.

Usage::

    python benchmarks/bench_advice.py [--scenarios dotcom,gfc-2008,bear-2022,ai-unwind]

For three AI-heavy portfolios (the bundled example: single stocks and funds in two accounts; a
QQQ/NVDA-heavy account; a fund-only account) it prints, for each profile's default plan and for
switching the whole portfolio to the articles' 60/30/10 (VOO/BND/GLD) or 50/30/10/10
(VT/BND/GLD/VNQ): the one-sided turnover, and per scenario the share of the portfolio's loss the
change removes and that share divided by the turnover. Target: the balanced plan removes at least
as much loss per unit of turnover as 60/30/10 in every scenario. The last columns give the
plan's solver time and its trade count.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

SCENARIOS = ("dotcom", "gfc-2008", "bear-2022", "ai-unwind")
MIXES = {"60/30/10": {"VOO": 0.6, "BND": 0.3, "GLD": 0.1},
         "50/30/10/10": {"VT": 0.5, "BND": 0.3, "GLD": 0.1, "VNQ": 0.1}}


def portfolios(snapshot: object) -> dict[str, pd.DataFrame]:
    """The three AI-heavy books, in whole shares at the bundled prices."""
    price = pd.to_numeric(snapshot.securities["price"], errors="coerce")  # type: ignore[attr-defined]

    def book(account: str, values: dict[str, float]) -> pd.DataFrame:
        return pd.DataFrame({"account": account, "symbol": list(values),
                             "quantity": [round(v / price[s]) for s, v in values.items()]})

    return {
        "example (stocks+funds, 2 accounts)": pd.read_csv("examples/holdings.csv"),
        "QQQ/NVDA-heavy": book("Brokerage", {"QQQ": 120_000, "NVDA": 50_000, "VOO": 20_000,
                                             "BND": 10_000}),
        "fund-only": book("IRA", {"QQQ": 80_000, "VUG": 40_000, "SMH": 30_000, "VOO": 30_000,
                                  "ARKK": 10_000}),
    }


def returns(holdings: object, ids: tuple[str, ...]) -> dict[str, float]:
    """Each scenario's portfolio return."""
    from bubbleguard import run_scenarios

    res = run_scenarios(holdings, list(ids))
    return {s.id: s.return_ for s in res.scenarios}


def weights(holdings: pd.DataFrame) -> pd.Series:
    """Weights per symbol, accounts summed."""
    from bubbleguard import check

    report = check(holdings)
    values = pd.Series({p.symbol: p.market_value for p in report.positions}).groupby(level=0).sum()
    return values / values.sum()


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = parser.parse_args()
    ids = tuple(args.scenarios.split(","))

    from bubbleguard import load_snapshot, rebalance

    snap = load_snapshot()
    head = f"{'change':<22}{'turnover':>9}" + "".join(f"{i:>22}" for i in ids)
    print("loss removed (share of the loss) and per unit of turnover, per scenario\n")
    for name, holdings in portfolios(snap).items():
        base = returns(holdings, ids)
        print(f"== {name}: " + ", ".join(f"{i} {base[i]:+.1%}" for i in ids))
        print(head + f"{'solver s':>10}{'trades':>8}")
        rows: list[tuple[str, float, dict[str, float], str]] = []
        for profile in ("conservative", "balanced", "growth"):
            t0 = time.perf_counter()
            plan = rebalance(holdings, profile=profile)
            wall = time.perf_counter() - t0
            after = returns(plan.post_trade_holdings(), ids)
            extra = f"{plan.solve_time:>10.3f}{len(plan.trades):>8}  (whole plan {wall:.1f} s)"
            rows.append((f"{profile} plan", plan.turnover, after, extra))
        w0 = weights(holdings)
        for mix, target in MIXES.items():
            w1 = pd.Series(target)
            turnover = 0.5 * float(w1.sub(w0, fill_value=0.0).abs().sum())
            rows.append((f"switch to {mix}", turnover, returns(dict(target), ids), ""))
        for label, turnover, after, extra in rows:
            cells = []
            for i in ids:
                cut = (after[i] - base[i]) / -base[i] if base[i] < 0 else float("nan")
                cells.append(f"{cut:>+10.1%} {cut / turnover if turnover else float('nan'):>10.2f} ")
            print(f"{label:<22}{turnover:>9.2f}" + "".join(cells) + extra)
        print()


if __name__ == "__main__":
    main()
