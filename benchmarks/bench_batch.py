"""Speed and peak memory of the batch engine on generated books, against looping ``check``.

Targets (issue #13): a book of 1M accounts checked in at most 2 s of compute after loading,
with at most 2 GB peak memory, on 2 cores. Each size runs in a fresh process, so each peak
(max RSS) is that size's own. Run from the repository root::

    python benchmarks/bench_batch.py [--sizes 10000 100000 1000000] [--sample 200]

The books hold 10–20 positions per account, drawn from bundled index, sector, bond, gold, REIT
and cash funds, single stocks and two unknown symbols; one row in ten is a quantity valued at
the snapshot's last price.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

UNIVERSE = ("VOO", "IVV", "SPY", "VTI", "VT", "QQQ", "QQQM", "SMH", "SOXX", "ARKK", "SCHD", "VXUS",
            "BND", "AGG", "TLT", "IEF", "GLD", "IAU", "GLDM", "VNQ", "SGOV", "CASH", "NVDA", "AAPL",
            "MSFT", "GOOGL", "GOOG", "AMZN", "META", "AVGO", "TSLA", "ORCL", "AMD", "JPM", "XOM",
            "BRK.B", "ZZZUNKNOWN", "NOTATICKER")


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

    from bubbleguard.batch import run_batch
    from bubbleguard.reference import load_snapshot

    snap = load_snapshot()
    run_batch(book(100), snapshot=snap)  # warm: imports and the snapshot's cached tables
    frame = book(accounts)
    start = time.perf_counter()
    result = run_batch(frame, snapshot=snap, today=dt.date(2026, 8, 3), workers=2)
    seconds = time.perf_counter() - start
    assert len(result.accounts) == accounts
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"accounts": accounts, "rows": len(frame), "seconds": seconds, "peak_mb": peak}


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
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    per_check = loop_check(args.sample)
    print(f"check, looped over {args.sample} accounts: {per_check * 1e3:.1f} ms per account "
          f"({1 / per_check:,.0f} accounts/s)")
    env = {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}
    import os

    for size in args.sizes:
        cmd = ["taskset", "-c", "0,1"] if sys.platform.startswith("linux") else []
        out = subprocess.run([*cmd, sys.executable, __file__, "--one", str(size)], capture_output=True,
                             text=True, env={**os.environ, **env}, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"batch {r['accounts']:>9,} accounts ({r['rows']:>10,} rows): {r['seconds']:6.2f} s, "
              f"{r['accounts'] / r['seconds']:>10,.0f} accounts/s, {r['rows'] / r['seconds']:>11,.0f} "
              f"rows/s, peak {r['peak_mb']:,.0f} MB, {per_check * r['accounts'] / r['seconds']:,.0f}x "
              "looping check")


if __name__ == "__main__":
    main()
