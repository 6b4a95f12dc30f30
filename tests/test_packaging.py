"""The built wheel carries the snapshot, stays small and exposes the console script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ["manifest.json", "securities.csv", "issuers.csv", "identifiers.csv", "funds.csv", "fund_holdings.csv",
        "refresh_sources.csv", "prices.csv.gz", "fx_history.csv", "deals.csv", "deal_network.json",
        "scenarios.toml"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{proc.stderr}")
    (whl,) = out.glob("bubbleguard-*.whl")
    return whl


def test_wheel_contains_the_snapshot_and_is_small(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in DATA:
        assert f"bubbleguard/data/{name}" in names
    assert "bubbleguard/py.typed" in names
    assert "bubbleguard/locale/zh_CN/LC_MESSAGES/bubbleguard.mo" in names  # the Chinese messages
    assert not any(n.startswith(("tests/", "snapshot/")) for n in names)
    assert wheel.stat().st_size < 5 * 1024 * 1024


def test_wheel_declares_the_console_script(wheel):
    z = zipfile.ZipFile(wheel)
    (ep,) = [n for n in z.namelist() if n.endswith("entry_points.txt")]
    assert "bubbleguard = bubbleguard.cli:main" in z.read(ep).decode()


def test_package_never_reads_shared_at_run_time():
    src = ROOT / "src" / "bubbleguard"
    for path in src.rglob("*.py"):
        assert "shared/data" not in path.read_text(encoding="utf-8"), path
