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


def test_under_a_group_umask_the_cache_is_still_private_and_read(cache, monkeypatch):
    old = os.umask(0o002)
    try:
        reference.load_snapshot()
    finally:
        os.umask(old)
    folder = reference._cache_file()
    assert {p.stat().st_mode & 0o777 for p in folder.iterdir()} == {0o600}
    calls = _parses(monkeypatch)
    reference.load_snapshot.cache_clear()
    reference.load_snapshot()
    assert calls == []  # read back: a cache rewritten on every run would be no cache


def test_a_cache_of_the_wrong_shape_is_rebuilt_once_not_a_crash_on_every_run(cache, monkeypatch):
    reference.load_snapshot()
    folder = reference._cache_file()
    pd.DataFrame({"symbol": ["X"], "other": [1]}).to_feather(folder / "securities.arrow")
    (folder / "securities.arrow").chmod(0o600)
    calls = _parses(monkeypatch)
    for _ in range(2):
        reference.load_snapshot.cache_clear()
        snap = reference.load_snapshot()
        assert "kind" in snap.securities.columns and len(snap.securities) > 1000
    assert calls == [1]  # rebuilt by the first run, read by the second


def test_a_cache_with_another_manifest_is_rebuilt(cache, monkeypatch):
    import json

    reference.load_snapshot()
    meta_path = reference._cache_file() / "manifest.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["manifest"]["as_of"] = {"fund_holdings": "1999-01-01"}
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    calls = _parses(monkeypatch)
    reference.load_snapshot.cache_clear()
    assert reference.load_snapshot().manifest["as_of"]["fund_holdings"] != "1999-01-01" and calls == [1]


def test_a_cache_that_is_a_link_or_someone_elses_is_not_read(cache, monkeypatch, tmp_path_factory):
    reference.load_snapshot()
    folder = reference._cache_file()
    moved = tmp_path_factory.mktemp("elsewhere") / "snapshot"
    folder.rename(moved)
    folder.symlink_to(moved, target_is_directory=True)
    assert not reference._private(folder) and reference._read_cache(folder) is None
    reference.load_snapshot.cache_clear()
    reference.load_snapshot()  # rebuilt in place of the link; what it pointed to is left alone
    assert not folder.is_symlink() and folder.is_dir() and (moved / "securities.arrow").exists()
    assert reference._read_cache(folder) is not None
    monkeypatch.setattr(os, "getuid", lambda: os.geteuid() + 1)
    assert reference._read_cache(folder) is None


def test_a_fund_holdings_file_loses_control_characters_in_every_column(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("fund,symbol,weight,name,as_of\nZZZF,NV\x1bDA,1,\x1b]8;;x\x07NVIDIA,2025-01-01\x9b\n")
    df = reference.read_fund_holdings(path)
    assert df.iloc[0][["symbol", "name", "as_of"]].tolist() == ["NVDA", "]8;;xNVIDIA", "2025-01-01"]


def test_pruning_removes_links_without_following_them(cache, tmp_path_factory):
    precious = tmp_path_factory.mktemp("precious")
    (precious / "keep.txt").write_text("keep")
    (cache / "snapshot-link").symlink_to(precious, target_is_directory=True)
    (cache / "snapshot-dangling").symlink_to(cache / "nowhere")
    reference.load_snapshot()
    assert sorted(p.name for p in cache.iterdir()) == [reference._cache_file().name]
    assert (precious / "keep.txt").read_text() == "keep"


def test_the_cache_key_follows_the_tables_contents_not_their_sizes_or_times(cache, tmp_path,
                                                                             monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    for name in reference.TABLES:
        (data / name).write_bytes(reference.packaged(name).read_bytes())
    monkeypatch.setattr(reference, "packaged", lambda name: data / name)
    before = reference._cache_file()
    path = data / "funds.csv"
    info = path.stat()
    text = path.read_bytes()
    swapped = text.replace(b"2025-11-18", b"2025-11-19", 1)  # one date, same size
    assert swapped != text and len(swapped) == len(text)
    path.write_bytes(swapped)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # and the same time
    assert reference._cache_file() != before
    path.write_bytes(text)
    assert reference._cache_file() == before  # the same bytes: the same cache, whatever the time
