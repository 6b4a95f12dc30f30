"""The one ticker normaliser, as holdings, fund files and the snapshot builder use it."""

from __future__ import annotations

import pandas as pd
import pytest

from bubbleguard.symbols import normalize, normalize_symbols


@pytest.mark.parametrize(("raw", "broker", "expected"), [
    (" brk b ", False, "BRK.B"), ("BRK/B", False, "BRK.B"), ("BRK-B", True, "BRK.B"),
    ("7203 JP", False, "7203.JP"), ("7203 JP", True, "7203.JP"), ("0700.HK", False, "0700.HK"),
    ("SPAXX**", True, "SPAXX"), ("US.QQQ", True, "QQQ"), ("HK.00700", True, "700"),
    ("00700", True, "700"), ("SH.600519", True, "600519"), ("510300", True, "510300"),
    ("01211", False, "01211"), ("1211", False, "1211"),  # BYD (HK) and Ma'aden (Riyadh) stay two
])
def test_normalize(raw, broker, expected):
    assert normalize(raw, broker=broker) == expected


def test_the_series_form_agrees_with_the_scalar_form():
    raw = pd.Series(["brk b", "SPAXX**", "HK.00700", "7203 JP", "brk b"])
    assert list(normalize_symbols(raw, broker=True)) == [normalize(s, broker=True) for s in raw]


def test_holdings_and_fund_files_read_7203_jp_as_the_snapshot_does(tiny):
    import bubbleguard

    pf = bubbleguard.load_holdings(pd.DataFrame({"symbol": ["7203 JP", "spaxx**"],
                                                 "market_value": [100.0, 50.0]}), snapshot=tiny)
    assert list(pf.positions["symbol"]) == ["7203.JP", "SPAXX"]
