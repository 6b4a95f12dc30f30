"""Whole-process speed and memory of ``bubbleguard check`` against ``python -c "import pandas"``.

Target (issue "bubbleguard check"): median wall time at most 1.5x that of importing pandas,
peak memory (max RSS) under 250 MB. The commands run interleaved, round after round, so a
machine that speeds up or slows down during the run affects all of them alike. Run from the
repository root::

    python benchmarks/bench_check.py [--runs 21] [--holdings examples/holdings.csv]
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import statistics
import subprocess
import sys
import time


def compile_package() -> None:
    """Write the package's bytecode, as pip does when it installs a wheel.

    An editable install run with PYTHONDONTWRITEBYTECODE set would otherwise compile every
    module from source on every run, which no installed copy does.
    """
    spec = importlib.util.find_spec("bubbleguard")
    for path in spec.submodule_search_locations or []:
        compileall.compile_dir(path, quiet=1)


def wall(cmd: list[str]) -> float:
    """Wall seconds of one run of ``cmd``."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.decode()}")
    return seconds


def peak_rss(cmd: list[str]) -> float:
    """Max RSS in MB of one run, measured by a fresh wrapper process."""
    code = ("import resource,subprocess,sys;subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def main() -> None:
    """Run the commands interleaved and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--holdings", default="examples/holdings.csv")
    args = ap.parse_args()
    check = [sys.executable, "-m", "bubbleguard", "check", args.holdings, "--fail-on", "never"]
    commands = {"import pandas": [sys.executable, "-c", "import pandas"],
                "check (table)": check, "check (json)": [*check, "--format", "json"]}
    compile_package()
    for cmd in commands.values():  # warm the file cache and the snapshot cache
        wall(cmd)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, cmd in commands.items():
            walls[name].append(wall(cmd))
    pandas_s = statistics.median(walls["import pandas"])
    print(f"{'command':<16} {'median s':>9} {'quartiles s':>13} {'ratio':>6} {'peak MB':>8}")
    ratios, peaks = [], []
    for name, cmd in commands.items():
        q1, median, q3 = statistics.quantiles(walls[name], n=4)
        mb = peak_rss(cmd)
        print(f"{name:<16} {median:>9.3f} {q1:>6.3f}-{q3:<6.3f} {median / pandas_s:>6.2f} {mb:>8.1f}")
        if name != "import pandas":
            ratios.append(median / pandas_s)
            peaks.append(mb)
    print(f"target: ratio <= 1.50 (got {max(ratios):.2f}), peak memory < 250 MB (got {max(peaks):.0f} MB)")


if __name__ == "__main__":
    main()
