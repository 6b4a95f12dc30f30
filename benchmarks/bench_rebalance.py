"""Rebalance benchmark: one solve, 1,000 re-solves through cvxpy Parameters, PyPortfolioOpt.

Usage::

    python benchmarks/bench_rebalance.py [--accounts 1000] [--seed 0]

The universe is 60 instruments of the bundled snapshot (the default diversifiers plus broad,
sector and AI-heavy funds and single stocks), looked through to every issuer they hold. Times
exclude imports and the one-off look-through and risk model; "solver" is the time reported by
the solver, "wall" includes cvxpy's parameter update and the numpy re-check of every cap.
Targets: one rebalance < 0.5 s solver time; 1,000 accounts < 30 s wall.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

EXTRA = ["SPY", "IVV", "QQQ", "VUG", "VTV", "XLK", "VGT", "SMH", "SOXX", "MGK", "IWM", "VIG",
         "VYM", "SCHD", "EFA", "ACWI", "VT", "LQD", "HYG", "BNDX", "ARKK", "XLF", "XLV", "XLE",
         "NVDA", "MSFT", "AAPL", "AMZN", "GOOGL", "META", "AVGO", "TSLA", "ORCL", "AMD",
         "DIA", "XLY", "XLP", "XLI", "XLU", "XLB", "XLC", "AGG", "TIP", "IAU", "GLD", "VNQ"]


def universe(snapshot: object) -> list[str]:
    """Sixty instruments the snapshot knows."""
    from bubbleguard.planner import default_universe

    known = snapshot.securities.index  # type: ignore[attr-defined]
    out = list(dict.fromkeys([*default_universe(snapshot, core_only=False),
                              *[s for s in EXTRA if s in known]]))
    return out[:60]


def random_books(symbols: list[str], count: int, seed: int) -> list[dict[str, float]]:
    """AI-heavy random books: 3-10 holdings, half of them among the AI-heavy funds/stocks."""
    rng = np.random.default_rng(seed)
    heavy = [s for s in symbols if s in ("QQQ", "SMH", "SOXX", "XLK", "VGT", "NVDA", "MSFT", "AAPL",
                                         "AVGO", "META", "ARKK", "MGK", "VUG")]
    books = []
    for _ in range(count):
        k = int(rng.integers(3, 11))
        picks = list(rng.choice(heavy, size=min(k // 2 + 1, len(heavy)), replace=False))
        picks += list(rng.choice(symbols, size=k, replace=False))
        picks = list(dict.fromkeys(picks))
        values = rng.lognormal(10, 1, len(picks))
        books.append(dict(zip(picks, values, strict=True)))
    return books


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", default="growth")
    args = parser.parse_args()

    import cvxpy  # noqa: F401  (imports are not timed)

    from bubbleguard import load_policy, load_snapshot
    from bubbleguard.planner import Rebalancer, risk_model

    snap = load_snapshot()
    symbols = universe(snap)
    policy = load_policy(args.profile)
    t0 = time.perf_counter()
    risk = risk_model(symbols, snap)
    rb = Rebalancer(symbols, policy, snapshot=snap, risk=risk)
    setup = time.perf_counter() - t0
    issuers = len(rb.lookthrough.issuer_ids)
    print(f"universe: {len(symbols)} instruments, {issuers} issuers after look-through; "
          f"profile {args.profile}; setup (look-through, risk model, caps) {setup:.2f} s")

    books = random_books(symbols, args.accounts, args.seed)
    # --- one rebalance (first solve compiles the DPP problem)
    t0 = time.perf_counter()
    sol = rb.solve_book(books[0], cash_change=5000.0)
    wall = time.perf_counter() - t0
    print(f"one rebalance: solver {sol.solve_time * 1000:.1f} ms, wall {wall:.2f} s "
          "(first solve, includes compiling the problem)")
    t0 = time.perf_counter()
    sol = rb.solve_book(books[1])
    print(f"one rebalance, compiled: solver {sol.solve_time * 1000:.1f} ms, "
          f"wall {(time.perf_counter() - t0) * 1000:.1f} ms")

    # --- many accounts, same problem, new parameter values
    t0 = time.perf_counter()
    solver_time, failed = 0.0, 0
    for book in books:
        try:
            s = rb.solve_book(book, cash_change=float(np.round(sum(book.values()) * 0.02)))
            solver_time += s.solve_time
        except Exception:  # noqa: BLE001 - an infeasible book is counted, not fatal
            failed += 1
    wall = time.perf_counter() - t0
    print(f"{len(books)} accounts: wall {wall:.1f} s ({wall / len(books) * 1000:.1f} ms each), "
          f"solver {solver_time:.1f} s; infeasible {failed}")

    # --- the same problems through PyPortfolioOpt, with add_bubbleguard_constraints
    compare(symbols, policy, snap, risk, books[0])


def compare(symbols: list[str], policy: object, snap: object, risk: object,
            book: dict[str, float]) -> None:
    """Min-change, min-volatility and max-Sharpe: PyPortfolioOpt vs the Rebalancer."""
    import cvxpy as cp
    from pypfopt import EfficientFrontier

    from bubbleguard.integrations.pypfopt import add_bubbleguard_constraints
    from bubbleguard.planner import Rebalancer

    cov = risk.cov.loc[symbols, symbols]  # type: ignore[attr-defined]
    mu = risk.expected_returns("capm").reindex(symbols).fillna(0.0)  # type: ignore[attr-defined]
    rf = risk.risk_free_rate  # type: ignore[attr-defined]
    w0 = pd.Series(book).reindex(symbols).fillna(0.0)
    w0 = (w0 / w0.sum()).to_numpy()

    def sharpe(w: np.ndarray) -> float:
        return float((mu.to_numpy() @ w - rf) / np.sqrt(w @ cov.to_numpy() @ w))

    rows = []
    for name in ("min-change", "min-volatility", "max-sharpe"):
        t0 = time.perf_counter()
        ef = EfficientFrontier(mu, cov, weight_bounds=(0, 1))
        add_bubbleguard_constraints(ef, policy, snap, margin=2e-5)
        if name == "min-change":
            ef.convex_objective(lambda w, w0: cp.norm1(w - w0), w0=w0)
        elif name == "min-volatility":
            ef.min_volatility()
        else:
            ef.max_sharpe(risk_free_rate=rf)
        t_ppo = time.perf_counter() - t0
        w_ppo = np.array([ef.weights[i] for i in range(len(symbols))])

        t0 = time.perf_counter()
        objective = {"min-change": "min-change", "min-volatility": "min-risk"}.get(name, name)
        no_costs = policy.override(transaction_cost=0.0)  # type: ignore[attr-defined]
        rb = Rebalancer(symbols, no_costs, snapshot=snap, risk=risk, objective=objective)
        sol = rb.solve_book(book) if name == "min-change" else rb.solve_book({"CASH": 1e6})
        t_bg = time.perf_counter() - t0
        w_bg = sol.weights[:-1]
        if name == "min-change":
            a, b = 0.5 * np.abs(w_ppo - w0).sum(), 0.5 * np.abs(w_bg - w0).sum()
            measure = f"one-way turnover {a:.2%} vs {b:.2%}"
        elif name == "min-volatility":
            a, b = np.sqrt(w_ppo @ cov.to_numpy() @ w_ppo), np.sqrt(w_bg @ cov.to_numpy() @ w_bg)
            measure = f"volatility {a:.2%} vs {b:.2%}"
        else:
            measure = f"Sharpe ratio {sharpe(w_ppo):.3f} vs {sharpe(w_bg):.3f}"
        rows.append(f"  {name:15s} PyPortfolioOpt {t_ppo:5.2f} s, Rebalancer {t_bg:5.2f} s "
                    f"(build + solve); {measure}; solver time {sol.solve_time * 1000:.0f} ms")
    print("same caps through PyPortfolioOpt (add_bubbleguard_constraints) vs bubbleguard:")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
