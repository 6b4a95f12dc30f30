"""One company, one issuer: former names and variant spellings merge across fund families."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import bubbleguard
from bubbleguard.reference._snapshot import packaged


@pytest.mark.parametrize("fund", ["VOO", "VTI", "VUG"])
def test_meta_in_vanguard_lists_is_one_issuer_with_its_theme(snapshot, fund):
    report = bubbleguard.check({fund: 1.0}, snapshot=snapshot)
    meta = [i for i in report.exposures.issuers if i.issuer_id == "META"]
    assert len(meta) == 1 and "magnificent7" in meta[0].themes
    assert not [i for i in report.exposures.issuers if "facebook" in i.issuer.lower()]


@pytest.mark.parametrize(("held", "issuer"), [
    ({"ASML": 0.5, "VEA": 0.5}, "ASML"), ({"IBM": 0.5, "SPY": 0.5}, "IBM"),
    ({"T": 0.5, "SPY": 0.5}, "T"), ({"GE": 0.5, "SPY": 0.5}, "GE")])
def test_a_company_held_directly_and_through_a_fund_is_one_issuer(snapshot, held, issuer):
    report = bubbleguard.check(held, snapshot=snapshot)
    rows = [i for i in report.exposures.issuers if i.issuer_id == issuer]
    assert len(rows) == 1
    assert rows[0].direct_weight == pytest.approx(0.5) and rows[0].via_funds_weight > 0


# --------------------------------------------------------------------------- the issuer master
CURATED = Path(__file__).resolve().parents[2] / "snapshot" / "curated"


def _packaged(name: str) -> pd.DataFrame:
    with packaged(name).open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def test_no_two_issuers_share_an_identifier(snapshot):
    ids = _packaged("identifiers.csv")
    ids["issuer_id"] = snapshot.securities.loc[ids["symbol"], "issuer_id"].to_numpy()
    assert ids["isin"].str.fullmatch(r"[A-Z]{2}[0-9A-Z]{9}[0-9]").all()
    assert (ids.groupby("isin")["issuer_id"].nunique() == 1).all()
    # a US ISIN holds the CUSIP, whose first six characters number the issuer
    us = ids[ids["isin"].str.startswith("US")]
    per_code = us.groupby(us["isin"].str[2:8])["issuer_id"].nunique()
    assert (per_code == 1).all(), per_code[per_code > 1]
    alphabet = set(us.loc[us["isin"].str[2:8] == "02079K", "symbol"])
    assert alphabet == {"GOOGL", "GOOG"}


def _spelling(name: str) -> str:
    return re.sub(r"[^A-Z0-9]+", " ", name.upper()).strip()


def test_no_two_issuers_share_an_alias(snapshot):
    aliases = pd.read_csv(CURATED / "issuer_name_aliases.csv", dtype=str, keep_default_na=False)
    sec = snapshot.securities[snapshot.securities["kind"] == "stock"]
    spelled = sec["name"].map(_spelling)
    for alias in aliases.itertuples():
        named = sec.loc[spelled == _spelling(alias.name), "issuer_id"]
        target = snapshot.securities.at[alias.issuer_symbol, "issuer_id"]
        assert set(named) <= {target}, (alias.name, set(named))


def test_a_made_up_symbol_is_a_company_whose_ticker_another_company_uses(snapshot):
    sec = snapshot.securities
    made_up = sec[sec.index.str.contains(r"\.X\d*$")]
    base = made_up.index.str.replace(r"(?:\.X\d*)+$", "", regex=True)
    assert base.isin(sec.index).all()  # else the ticker would have been given back
    assert (made_up["issuer_id"].to_numpy() != sec.loc[base, "issuer_id"].to_numpy()).all()
    assert len(made_up) < 700  # 2,461 before the issuer master, on 3,500 fewer securities
    assert {"META.X1", "T.X1", "IBM.X1", "ASML.X"}.isdisjoint(sec.index)
    assert sec.at["T.X", "name"] == "TELUS CORP"  # a different company under AT&T's ticker


# --------------------------------------------------------------------------- one index, one exposure
def _theme_shares(snapshot, fund: str, on: str | None = None) -> dict[str, float]:
    """A fund's theme shares, its weights revalued at the closes of ``on`` when given.

    Revaluing moves each priced holding by its own price change from the list's date to ``on``
    (the bundled prices cover about 100 of the largest stocks; the rest keep their price).
    """
    held = snapshot.holdings[snapshot.holdings["fund"] == fund].groupby("symbol")["weight"].sum()
    if on is not None:
        prices = snapshot.prices
        start = pd.Timestamp(snapshot.funds.at[fund, "as_of"])
        priced = held.index.intersection(prices.columns)
        move = pd.Series(1.0, index=held.index)
        move[priced] = (prices.loc[pd.Timestamp(on), priced] / prices.loc[start, priced]).fillna(1.0)
        moved = held * move
        held = moved / moved.sum() * held.sum()
    issuer = snapshot.securities["issuer_id"].reindex(held.index)
    return {t: float(held[issuer.isin(members).to_numpy()].sum()) for t, members in snapshot.themes.items()}


def _agree(a: dict[str, float], b: dict[str, float], within: float) -> None:
    for theme in a:
        assert abs(a[theme] - b[theme]) < within, (theme, a[theme], b[theme])


def test_voo_and_splg_lists_two_days_apart_agree_within_one_point(snapshot):
    assert (snapshot.funds.at["VOO", "as_of"], snapshot.funds.at["SPLG", "as_of"]) == (
        "2025-10-31", "2025-10-29")  # dated by their prices, not by the download day
    _agree(_theme_shares(snapshot, "VOO"), _theme_shares(snapshot, "SPLG"), within=0.01)


@pytest.mark.parametrize("fund", ["VOO", "SPLG", "SPYM"])
def test_sp500_funds_at_ivvs_date_agree_with_ivv_within_one_point(snapshot, fund):
    held = "SPLG" if fund == "SPYM" else fund
    _agree(_theme_shares(snapshot, held, on="2025-11-18"), _theme_shares(snapshot, "IVV"), within=0.01)


def test_spy_five_months_later_agrees_with_ivv_within_a_point_and_a_half(snapshot):
    # SPY's list is of 2026-04-10, IVV's of 2025-11-18: revalued to SPY's date, IVV's list still
    # misses five months of index changes and the moves of stocks without bundled prices
    assert snapshot.funds.at["SPY", "as_of"] == "2026-04-10"
    _agree(_theme_shares(snapshot, "IVV", on="2026-04-10"), _theme_shares(snapshot, "SPY"), within=0.015)


def test_qqqm_is_qqq(snapshot):
    a = bubbleguard.check({"QQQ": 1.0}, snapshot=snapshot).exposures.themes
    b = bubbleguard.check({"QQQM": 1.0}, snapshot=snapshot).exposures.themes
    _agree(a, b, within=1e-9)


def test_total_market_funds_agree_within_a_point_and_a_half(snapshot):
    # VTI (CRSP US Total Market) and ITOT (S&P Total Market) hold different indexes of the same
    # market, and Vanguard's list is likely a month-end one: 1.5 points, not one
    vti, itot = _theme_shares(snapshot, "VTI"), _theme_shares(snapshot, "ITOT")
    _agree(vti, itot, within=0.015)
    assert snapshot.funds.at["SCHB", "source"] == "approximated by VTI"


def test_every_ai_issuer_has_a_role_a_reason_and_a_source_and_the_list_a_version(snapshot):
    ai = snapshot.issuers.loc[sorted(snapshot.themes["ai"])]
    assert len(ai) == snapshot.manifest["themes"]["ai"]["issuers"] == 60
    assert (ai["reason"] != "").all() and (ai["source"] != "").all()
    assert snapshot.manifest["themes"]["ai"]["version"] == "2"
    # every issuer is backed by a dated public source, the deal table or the source articles
    assert not ai["source"].str.contains("no public source").any()
    linked = ai["source"].str.contains("https?://")
    assert ai.loc[linked, "source"].str.contains(r", dated \d{4}-\d{2}").all()
    assert (linked | ai["source"].str.contains("deal table|source articles")).all()
    assert (ai["country"] != "").all()
    assert snapshot.as_of["ai_universe"] == snapshot.manifest["themes"]["ai"]["date"]
    assert "D022" in ai.at["MSFT", "source"]
    assert (snapshot.issuers.loc[~snapshot.issuers.index.isin(ai.index), "source"] == "").all()


def test_china_ai_supply_chain_is_in_the_ai_universe_one_issuer_per_company(snapshot):
    sec, ai = snapshot.securities, snapshot.themes["ai"]
    codes = ["300308", "300502", "601138", "688256", "688041", "002463", "300476", "688981",
             "981", "700", "9988", "9888", "1810"]
    issuers = sec.loc[codes, "issuer_id"]
    assert issuers.isin(list(ai)).all()
    # SMIC in Shanghai and in Hong Kong, Baidu in Hong Kong and in New York: one issuer each
    assert issuers["688981"] == issuers["981"] == sec.at["0981.HK", "issuer_id"]
    assert issuers["9888"] == sec.at["BIDU", "issuer_id"]
    assert (snapshot.issuers.loc[issuers, "country"] == "China").all()
