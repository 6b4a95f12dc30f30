"""Whole-process speed and memory of ``bubbleguard check`` against ``python -c "import pandas"``.

Target (issue "bubbleguard check"): median wall time at most 1.5x that of importing pandas,
peak memory (max RSS) under 250 MB. Run from the repository root::

    python benchmarks/bench_check.py [--runs 15] [--holdings examples/holdings.csv]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time


def run(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and the child's max RSS in MB for one run of ``cmd``."""
    env = {**os.environ, "BUBBLEGUARD_NO_PLUGINS": "1"}
    pid_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.decode()}")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(rss, pid_before) / 1024


def peak_rss(cmd: list[str]) -> float:
    """Max RSS in MB of one run, measured by a fresh wrapper process."""
    code = ("import resource,subprocess,sys;subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--holdings", default="examples/holdings.csv")
    args = ap.parse_args()
    base = [sys.executable, "-c", "import pandas"]
    check_table = [sys.executable, "-m", "bubbleguard", "check", args.holdings, "--fail-on", "never"]
    check_json = [*check_table, "--format", "json"]
    for cmd in (base, check_table):  # warm the file cache
        run(cmd)
    results = {}
    for name, cmd in (("import pandas", base), ("check (table)", check_table), ("check (json)", check_json)):
        walls = [run(cmd)[0] for _ in range(args.runs)]
        results[name] = (statistics.median(walls), peak_rss(cmd))
    pandas_s = results["import pandas"][0]
    print(f"{'command':<16} {'median s':>9} {'ratio':>6} {'peak MB':>8}")
    for name, (wall, mb) in results.items():
        print(f"{name:<16} {wall:>9.3f} {wall / pandas_s:>6.2f} {mb:>8.1f}")
    worst = max(results["check (table)"][0], results["check (json)"][0]) / pandas_s
    peak = max(results["check (table)"][1], results["check (json)"][1])
    print(f"target: ratio <= 1.50 (got {worst:.2f}), peak memory < 250 MB (got {peak:.0f} MB)")


if __name__ == "__main__":
    main()
