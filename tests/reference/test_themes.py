"""A user's theme file adds issuers to a theme or takes them out, checked like a policy file."""

from __future__ import annotations

import pytest

import bubbleguard
from bubbleguard.errors import DataError
from bubbleguard.reference import read_themes


def _file(tmp_path, text):
    path = tmp_path / "themes.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_theme_file_adds_and_removes_issuers(snapshot, tmp_path):
    path = _file(tmp_path, "symbol,theme,member\nGOOG,ai,\nTSLA,magnificent7,false\nXOM,ai,true\n")
    mine = snapshot.with_themes(read_themes(path, snapshot))
    assert "XOM" in mine.themes["ai"] and "XOM" not in snapshot.themes["ai"]
    assert "TSLA" not in mine.themes["magnificent7"] and "TSLA" in snapshot.themes["magnificent7"]
    assert "GOOGL" in mine.themes["ai"]  # a share class names its issuer
    held = {"TSLA": 0.5, "XOM": 0.5}
    before = bubbleguard.check(held, snapshot=snapshot).exposures.themes
    after = bubbleguard.check(held, snapshot=mine).exposures.themes
    assert before["magnificent7"] == pytest.approx(0.5) and after["magnificent7"] == 0.0
    assert after["ai"] == pytest.approx(1.0)


@pytest.mark.parametrize(("text", "words"), [
    ("ticker,theme\nNVDA,ai\n", "missing column(s) symbol"),
    ("symbol,theme\nNVDA,bubble\n", "line 2: theme 'bubble' is not one of"),
    ("symbol,theme\nZZZQQ,ai\n", "line 2: 'ZZZQQ' is not a stock"),
    ("symbol,theme\nVOO,ai\n", "line 2: 'VOO' is not a stock"),
    ("symbol,theme,member\nNVDA,ai,maybe\n", "line 2: member 'maybe' is not true or false"),
])
def test_a_bad_theme_file_names_the_file_the_row_and_the_fix(snapshot, tmp_path, text, words):
    path = _file(tmp_path, text)
    with pytest.raises(DataError) as err:
        read_themes(path, snapshot)
    assert str(path) in str(err.value) and words in str(err.value)
    assert "\n" not in str(err.value)
