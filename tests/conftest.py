"""Shared fixtures: a hand-built tiny snapshot and the bundled one; every test isolated."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from bubbleguard.reference import Snapshot, load_snapshot

SEC_COLUMNS = ["issuer_id", "name", "sector", "country", "kind", "asset_class", "category",
               "broad_index", "tracks", "price", "price_date"]


def _sec(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["symbol", *SEC_COLUMNS]).set_index("symbol")
    return df.astype(str)


@pytest.fixture(scope="session", autouse=True)
def isolated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep every test (and the commands it runs) apart from the user's environment.

    No fund files from ``~/.bubbleguard/funds`` or ``$BUBBLEGUARD_FUNDS_DIR``, no installed
    plugins, a snapshot cache of the test session's own, no issuer-URL override and no locale.
    A test that wants one of them sets it itself.
    """
    root = tmp_path_factory.mktemp("isolated")
    with pytest.MonkeyPatch.context() as mp:  # session-wide, before any module fixture runs
        mp.setenv("BUBBLEGUARD_FUNDS_DIR", str(root / "no-fund-files"))
        mp.setenv("BUBBLEGUARD_NO_PLUGINS", "1")
        mp.setenv("BUBBLEGUARD_CACHE_DIR", str(root / "cache"))
        for name in ("ISHARES", "SSGA", "INVESCO", "ARK", "SEC"):  # no issuer-URL override
            mp.delenv(f"BUBBLEGUARD_{name}_URL", raising=False)
        mp.delenv("BUBBLEGUARD_SEC_CONTACT", raising=False)
        for name in ("LC_ALL", "LC_MESSAGES", "LANG"):  # English unless a test asks for a language
            mp.delenv(name, raising=False)
        yield


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Every test starts, and leaves the next one, in English (the library's default)."""
    from bubbleguard import i18n

    with i18n.language("en"):
        yield


@pytest.fixture(scope="session")
def tiny() -> Snapshot:
    """Five stocks (two share classes of one issuer), four funds, one bond fund.

    FUND1 = 60% AAA + 30% BBB (+10% not itemised); FUND2 = 50% FUND1 + 40% CCC + 10% CASH;
    QDII tracks FUND1 (100%); BONDF has no holdings (bond); EQNOH is an equity fund without
    holdings. GGA and GGC are two share classes of issuer GG.
    """
    securities = _sec([
        ("AAA", "AAA", "Aaa Corp", "Information Technology", "United States", "stock", "equity", "", "False", "", "100", "2026-08-03"),
        ("BBB", "BBB", "Bbb Inc", "Financials", "United States", "stock", "equity", "", "False", "", "50", "2026-08-03"),
        ("CCC", "CCC", "Ccc Ltd", "Energy", "United States", "stock", "equity", "", "False", "", "", ""),
        ("GGA", "GGA", "Gg Class A", "Communication Services", "United States", "stock", "equity", "", "False", "", "10", "2026-08-03"),
        ("GGC", "GGA", "Gg Class C", "Communication Services", "United States", "stock", "equity", "", "False", "", "10", "2026-08-03"),
        ("FUND1", "", "Fund One", "", "", "fund", "equity", "us_large_blend", "True", "", "200", "2026-08-03"),
        ("FUND2", "", "Fund Two", "", "", "fund", "equity", "us_large_blend", "False", "", "", ""),
        ("QDII", "", "Qdii One", "", "", "fund", "equity", "nasdaq100", "False", "FUND1", "", ""),
        ("BONDF", "", "Bond Fund", "", "", "fund", "bond", "us_aggregate_bond", "True", "", "70", "2026-08-03"),
        ("EQNOH", "", "Equity No Holdings", "", "", "fund", "equity", "thematic_ai", "False", "", "", ""),
        ("CASH", "", "Cash", "", "", "cash", "cash", "cash", "False", "", "", ""),
    ])
    issuers = pd.DataFrame({
        "issuer_id": ["AAA", "BBB", "CCC", "GGA"],
        "issuer": ["Aaa", "Bbb", "Ccc", "Gg"],
        "role": ["chips", "", "", "hyperscaler_cloud"],
        "magnificent7": ["true", "false", "false", "true"],
        "reason": ["x", "", "", "y"],
        "sector": ["Information Technology", "Financials", "Energy", "Communication Services"],
        "country": ["United States"] * 4,
    }).set_index("issuer_id")
    holdings = pd.DataFrame({
        "fund": ["FUND1", "FUND1", "FUND2", "FUND2", "FUND2", "QDII"],
        "symbol": ["AAA", "BBB", "FUND1", "CCC", "CASH", "FUND1"],
        "weight": [0.6, 0.3, 0.5, 0.4, 0.1, 1.0],
    })
    funds = pd.DataFrame({
        "fund": ["FUND1", "FUND2", "QDII"], "as_of": ["2025-11-18", "2024-06-04", "2025-11-18"],
        "source": ["test"] * 3, "coverage": ["full", "full", "full"],
        "holdings": ["2", "3", "1"], "weight_sum": ["0.9", "1.0", "1.0"], "note": [""] * 3,
    }).set_index("fund")
    manifest = {"as_of": {"fund_holdings": "2025-11-18", "deals": "2026-06-30", "prices": "2026-08-03"}}
    snap = Snapshot(securities=securities, issuers=issuers, funds=funds, holdings=holdings, manifest=manifest)
    snap.__dict__["deal_tickers"] = frozenset({"AAA", "CCC"})
    return snap


@pytest.fixture(scope="session")
def snapshot() -> Snapshot:
    """The bundled reference snapshot."""
    return load_snapshot()
