"""The snapshot cache: plain Arrow files, private, atomic, and never a way to run code."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pandas as pd
import pytest

from bubbleguard.reference import _snapshot as reference


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BUBBLEGUARD_CACHE_DIR", str(tmp_path))
    reference.load_snapshot.cache_clear()
    yield tmp_path
    reference.load_snapshot.cache_clear()


def _parses(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = reference._parse

    def counting():
        calls.append(1)
        return real()

    monkeypatch.setattr(reference, "_parse", counting)
    return calls


def test_the_cache_round_trips_and_is_private(cache, monkeypatch):
    first = reference.load_snapshot()  # parses the CSV files and writes the cache
    folder = reference._cache_file()
    assert folder.is_dir() and folder.stat().st_mode & 0o777 == 0o700
    calls = _parses(monkeypatch)
    reference.load_snapshot.cache_clear()
    second = reference.load_snapshot()  # read back, not parsed
    assert calls == []
    for a, b in ((first.securities, second.securities), (first.holdings, second.holdings),
                 (first.issuers, second.issuers), (first.funds, second.funds)):
        pd.testing.assert_frame_equal(a, b)
    assert first.manifest == second.manifest


def test_a_damaged_cache_is_rebuilt(cache, monkeypatch):
    reference.load_snapshot()
    folder = reference._cache_file()
    (folder / "securities.arrow").write_bytes(b"damaged")
    calls = _parses(monkeypatch)
    reference.load_snapshot.cache_clear()
    assert len(reference.load_snapshot().securities) > 1000 and calls == [1]
    assert (folder / "securities.arrow").read_bytes()[:6] == b"ARROW1"


class _Planted:
    def __reduce__(self):
        return (Path.touch, (Path(os.environ["PLANTED_MARKER"]),))


def test_a_planted_pickle_cannot_run_code(cache, monkeypatch, tmp_path_factory):
    marker = tmp_path_factory.mktemp("planted") / "ran"
    monkeypatch.setenv("PLANTED_MARKER", str(marker))
    payload = pickle.dumps(_Planted())
    folder = reference._cache_file()
    folder.mkdir(mode=0o700)
    for name in (*reference._FRAMES, "manifest"):
        (folder / f"{name}.arrow").write_bytes(payload)
    (folder.parent / f"{folder.name}.pickle").write_bytes(payload)  # an old-format cache
    snap = reference.load_snapshot()
    assert len(snap.securities) > 1000 and not marker.exists()


def test_a_cache_others_can_write_is_not_read(cache, monkeypatch):
    reference.load_snapshot()
    folder = reference._cache_file()
    folder.chmod(0o777)
    calls = _parses(monkeypatch)
    reference.load_snapshot.cache_clear()
    reference.load_snapshot()
    assert calls == [1] and folder.stat().st_mode & 0o777 == 0o700


def test_only_the_newest_caches_are_kept(cache):
    for age in range(5):
        old = cache / f"snapshot-old{age}"
        old.mkdir()
        os.utime(old, (1_000_000 - age, 1_000_000 - age))  # old0 is the newest of them
    (cache / "snapshot-older.pickle").write_bytes(b"from an earlier version")
    (cache / "unrelated.txt").write_text("kept")
    reference.load_snapshot()
    left = sorted(p.name for p in cache.iterdir())
    assert left == sorted([reference._cache_file().name, "snapshot-old0", "snapshot-old1",
                           "unrelated.txt"])
