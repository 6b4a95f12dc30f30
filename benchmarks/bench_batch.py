"""Speed and peak memory of the batch engine on generated books, against looping ``check``.

Targets (issue #13): a book of 1M accounts checked in at most 2 s of compute after loading,
with at most 2 GB peak memory, on 2 cores; 1,000 accounts rebalanced on a 60-instrument
universe in at most 5 s on 2 cores; 100k accounts from CSV, as a whole process, in at most 12×
the whole process of one ``check``. Each size runs in a fresh process pinned to two cores, so
each peak (max RSS) is that size's own. Run from the repository root::

    python benchmarks/bench_batch.py [--sizes 10000 100000 1000000] [--sample 200]
                                     [--rebalance 1000] [--csv 100000]

The books hold 10–20 positions per account, drawn from bundled index, sector, bond, gold, REIT
and cash funds, single stocks and two unknown symbols; one row in ten is a quantity valued at
the snapshot's last price. "load" is valuing the rows into the accounts × instruments matrix
(``read_book``), "compute" the rest of ``run_batch`` (look-through, every guardrail, the
account table); "findings" (up to 100k accounts) the same run with the long table of findings
and their messages. The DuckDB column (when duckdb is installed) is one SQL join of the same
valued rows onto the instruments' theme and asset-class shares, grouped by account: it
computes those shares only, not issuers, top-10, HHI or findings. The rebalance books are
``benchmarks/bench_rebalance.py``'s AI-heavy books (3–10 holdings, no new cash); their time
starts after the solver stack is imported (cvxpy, PyPortfolioOpt and the scikit-learn it loads,
about a second once per process), which is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

UNIVERSE = ("VOO", "IVV", "SPY", "VTI", "VT", "QQQ", "QQQM", "SMH", "SOXX", "ARKK", "SCHD", "VXUS",
            "BND", "AGG", "TLT", "IEF", "GLD", "IAU", "GLDM", "VNQ", "SGOV", "CASH", "NVDA", "AAPL",
            "MSFT", "GOOGL", "GOOG", "AMZN", "META", "AVGO", "TSLA", "ORCL", "AMD", "JPM", "XOM",
            "BRK.B", "ZZZUNKNOWN", "NOTATICKER")


FINDINGS_MAX = 100_000  # books up to this size are timed with the findings table too


def book(accounts: int, seed: int = 0) -> object:
    """A long-format book: ``accounts`` accounts of 10–20 positions each."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    counts = rng.integers(10, 21, accounts)
    n = int(counts.sum())
    codes = rng.integers(0, len(UNIVERSE), n)
    symbol = pd.Categorical.from_codes(codes, categories=list(UNIVERSE))
    value = rng.lognormal(8.0, 1.2, n)
    qty_only = (rng.random(n) < 0.1) & (codes < len(UNIVERSE) - 2)  # the unknowns have no price
    quantity = np.where(qty_only, np.round(value / 100.0, 2) + 1.0, np.nan)
    value[qty_only] = np.nan
    return pd.DataFrame({"account": np.repeat(np.arange(accounts, dtype=np.int64), counts),
                         "symbol": symbol, "market_value": value, "quantity": quantity})


def one(accounts: int) -> dict[str, float]:
    """Time one book (in this process) and return the figures."""
    import datetime as dt

    from bubbleguard.batch import read_book, run_batch
    from bubbleguard.batch._engine import check_book
    from bubbleguard.policy import load_policy
    from bubbleguard.reference import load_snapshot

    snap, policy = load_snapshot(), load_policy()
    run_batch(book(100), snapshot=snap)  # warm: imports and the snapshot's cached tables
    frame = book(accounts)
    start = time.perf_counter()
    valued = read_book(frame, snap, workers=2)
    load = time.perf_counter() - start
    result = check_book(valued, policy, snap, today=dt.date(2026, 8, 3), workers=2)
    seconds = time.perf_counter() - start
    assert len(result.accounts) == accounts
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found: dict[str, float] = {}
    if accounts <= FINDINGS_MAX:
        start = time.perf_counter()
        table = check_book(valued, policy, snap, today=dt.date(2026, 8, 3), workers=2,
                           findings=True).findings
        found = {"findings": float(len(table) if table is not None else 0),
                 "findings_seconds": time.perf_counter() - start}
    return {"accounts": accounts, "rows": len(frame), "seconds": seconds, "load": load,
            "peak_mb": peak, "duckdb": duck(frame, snap), **found}


def duck(frame: object, snap: object) -> float | None:
    """Seconds of one DuckDB join of the valued rows onto per-instrument shares (None: no duckdb)."""
    try:
        import duckdb
    except ImportError:
        return None
    import numpy as np
    import pandas as pd

    from bubbleguard.lookthrough import look_through
    from bubbleguard.reference import ASSET_CLASSES, THEMES

    lt = look_through(list(UNIVERSE), snap)  # type: ignore[arg-type]
    shares = pd.DataFrame({t: lt.theme_vector(t) for t in THEMES}, index=list(UNIVERSE))
    classes = lt.asset_class_matrix()
    for c in ASSET_CLASSES:
        shares[c] = classes[c].to_numpy()
    shares = shares.rename_axis("symbol").reset_index()
    f = frame  # type: ignore[assignment]
    price = pd.to_numeric(snap.securities["price"], errors="coerce")  # type: ignore[attr-defined]
    value = f["market_value"].fillna(f["quantity"] * f["symbol"].astype(str).map(price).astype(float))
    rows = pd.DataFrame({"account": f["account"], "symbol": f["symbol"].astype(str),
                         "value": np.nan_to_num(value.to_numpy(float))})
    cols = ", ".join(f"sum(r.value * s.{c}) / sum(r.value) AS {c}" for c in [*THEMES, *ASSET_CLASSES])
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.register("r", rows)
    con.register("s", shares)
    start = time.perf_counter()
    con.execute(f"SELECT r.account, {cols} FROM r JOIN s USING (symbol) GROUP BY r.account").fetchdf()
    return time.perf_counter() - start


def rebalance(accounts: int) -> dict[str, float]:
    """Rebalance ``accounts`` AI-heavy books on a 60-instrument universe; return the figures."""
    import pandas as pd

    sys.path.insert(0, str(Path(__file__).parent))
    from bench_rebalance import random_books, universe

    start = time.perf_counter()  # the solver stack's imports, once per process: timed apart
    import cvxpy  # noqa: F401
    import sklearn.covariance  # noqa: F401  (PyPortfolioOpt's shrinkage imports it)
    from pypfopt import risk_models  # noqa: F401

    import bubbleguard.planner  # noqa: F401
    from bubbleguard import load_policy, load_snapshot
    from bubbleguard.batch import rebalance_accounts

    imports = time.perf_counter() - start

    snap = load_snapshot()
    symbols = universe(snap)
    books = random_books(symbols, accounts, 0)
    frame = pd.DataFrame([(f"a{i:05d}", s, v) for i, b in enumerate(books) for s, v in b.items()],
                         columns=["account", "symbol", "market_value"])
    policy = load_policy("growth")
    start = time.perf_counter()
    out = rebalance_accounts(frame, policy, snap, universe=symbols, workers=2)
    seconds = time.perf_counter() - start
    status = out.drop_duplicates("account")["status"].value_counts().to_dict()
    return {"accounts": accounts, "instruments": len(symbols), "seconds": seconds,
            "imports": imports, **status}


def whole_process(accounts: int) -> tuple[float, float]:
    """Seconds of ``bubbleguard batch`` on a CSV book and of one ``check``, each a fresh process."""
    import tempfile

    def run(*args: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bubbleguard", *args], check=True,
                       capture_output=True)
        return time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "book.csv")
        book(accounts, seed=2).to_csv(path, index=False)  # type: ignore[attr-defined]
        example = Path(__file__).parents[1] / "examples" / "holdings.csv"
        check = min(run("check", str(example), "--fail-on", "never") for _ in range(3))
        batch = run("batch", str(path), "--output", str(Path(tmp, "out.csv")), "--fail-on",
                    "never")
    return batch, check


def loop_check(sample: int) -> float:
    """Seconds per account of ``bubbleguard.check`` on each account alone."""
    import datetime as dt

    import bubbleguard
    from bubbleguard.reference import load_snapshot

    snap = load_snapshot()
    frame = book(sample, seed=1)
    frame["symbol"] = frame["symbol"].astype(str)
    groups = [g.drop(columns="account") for _, g in frame.groupby("account")]
    bubbleguard.check(groups[0], snapshot=snap)
    start = time.perf_counter()
    for g in groups:
        bubbleguard.check(g, snapshot=snap, today=dt.date(2026, 8, 3))
    return (time.perf_counter() - start) / len(groups)


def main() -> None:
    """Run every size in its own process and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--sample", type=int, default=200)
    ap.add_argument("--rebalance", type=int, default=1000, help="accounts to rebalance (0: none)")
    ap.add_argument("--csv", type=int, default=100_000,
                    help="accounts of the whole-process CSV run (0: none)")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--one-rebalance", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    if args.one_rebalance:
        print(json.dumps(rebalance(args.one_rebalance)))
        return
    per_check = loop_check(args.sample)
    print(f"check, looped over {args.sample} accounts: {per_check * 1e3:.1f} ms per account "
          f"({1 / per_check:,.0f} accounts/s)")
    try:
        import duckdb  # noqa: F401
    except ImportError:
        print("duckdb is not installed: the DuckDB column is left out (pip install duckdb)")
    for size in args.sizes:
        r = _child("--one", size)
        duck = (f", DuckDB join {r['duckdb']:.2f} s (theme and class shares only)"
                if r["duckdb"] is not None else "")
        print(f"batch {r['accounts']:>9,} accounts ({r['rows']:>10,} rows): {r['seconds']:6.2f} s "
              f"(load {r['load']:.2f} s + compute {r['seconds'] - r['load']:.2f} s), "
              f"{r['rows'] / r['seconds']:>11,.0f} rows/s, peak {r['peak_mb']:,.0f} MB, "
              f"{per_check * r['accounts'] / r['seconds']:,.0f}x looping check{duck}")
        if "findings" in r:
            print(f"    with --findings: {r['findings_seconds']:.2f} s for {r['findings']:,.0f} "
                  f"findings and their messages")
    if args.csv:
        batch, check = whole_process(args.csv)
        print(f"batch of {args.csv:,} accounts from CSV, whole process: {batch:.2f} s = "
              f"{batch / check:.1f}x one 'check' of examples/holdings.csv ({check:.2f} s)")
    if args.rebalance:
        r = _child("--one-rebalance", args.rebalance)
        status = ", ".join(f"{k} {v}" for k, v in r.items()
                           if k not in ("accounts", "instruments", "seconds", "imports"))
        print(f"batch rebalance {r['accounts']:,} accounts on {r['instruments']} instruments, "
              f"2 processes: {r['seconds']:.2f} s ({status}), after {r['imports']:.2f} s of "
              f"importing cvxpy, PyPortfolioOpt and scikit-learn")


def _child(flag: str, size: int) -> dict[str, Any]:
    """Run one measurement in a fresh process on two cores; its JSON line."""
    env = {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}
    cmd = ["taskset", "-c", "0,1"] if sys.platform.startswith("linux") else []
    out = subprocess.run([*cmd, sys.executable, __file__, flag, str(size)], capture_output=True,
                         text=True, env={**os.environ, **env}, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
