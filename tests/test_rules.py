"""A held fund's data says how old it is and how to renew it."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import bubbleguard
from bubbleguard import check


def stale(report):
    return [f for f in report.findings if f.code == "data_stale"]


def test_old_holdings_of_a_held_fund_are_a_warning_that_says_how_to_renew_them():
    snap = bubbleguard.load_snapshot()
    held = ("IVV", "QQQ", "ARKK", "VOO", "513100")
    dates = {f: snap.funds.at[f, "as_of"] for f in held}
    today = dt.date.fromisoformat(max(dates.values())) + dt.timedelta(days=181)
    report = check(dict.fromkeys(held, 0.2), today=today)
    (finding,) = stale(report)
    assert finding.severity == "warning"
    age = (today - dt.date.fromisoformat(dates["IVV"])).days
    assert f"IVV ({dates['IVV']}, {age} days)" in finding.message
    # the same sources table as 'data refresh': each renewable fund with its provider
    for fund, label in (("IVV", "iShares"), ("QQQ", "Invesco"), ("ARKK", "ARK Invest"),
                        ("VOO", "Vanguard via SEC N-PORT")):
        assert f"{fund} ({label})" in finding.message and f"--fund {fund}" in finding.message
    command = finding.message.split("'")[1]
    assert command.startswith("bubbleguard data refresh --fund ") and "513100" not in command
    assert "513100 cannot be refreshed automatically yet" in finding.message  # a QDII fund


def test_fresh_holdings_raise_nothing_and_the_limit_is_the_policy_s():
    snap = bubbleguard.load_snapshot()
    as_of = dt.date.fromisoformat(snap.funds.at["IVV", "as_of"])
    assert not stale(check({"IVV": 1.0}, today=as_of + dt.timedelta(days=180)))
    assert stale(check({"IVV": 1.0}, today=as_of + dt.timedelta(days=181)))
    policy = bubbleguard.load_policy().override(max_data_age_days=400)
    assert not stale(check({"IVV": 1.0}, policy=policy, today=as_of + dt.timedelta(days=300)))


def test_each_fund_position_carries_its_holdings_date_source_and_coverage():
    snap = bubbleguard.load_snapshot()
    report = check({"IVV": 0.4, "SMH": 0.3, "NVDA": 0.2, "BND": 0.1})
    pos = {p.symbol: p for p in report.positions}
    assert pos["IVV"].holdings_as_of == snap.funds.at["IVV", "as_of"]
    assert pos["IVV"].holdings_coverage == "full"
    assert pos["SMH"].holdings_coverage == snap.funds.at["SMH", "coverage"]
    assert pos["NVDA"].holdings_as_of is None and pos["BND"].holdings_source is None
    dates = sorted(snap.funds.loc[["IVV", "SMH"], "as_of"])
    assert report.data_as_of["fund_holdings"] == dates[0]
    assert report.data_as_of["fund_holdings_newest"] == dates[1]
    assert report.fund_holdings_dates() == f"from {dates[0]} to {dates[1]}"
    assert '"holdings_as_of":null' in report.model_dump_json().replace(" ", "")


def test_a_fund_held_at_zero_overlaps_nothing(snapshot):
    import bubbleguard

    report = bubbleguard.check({"VOO": 0.6, "VTI": 0.0, "BND": 0.4}, snapshot=snapshot)
    assert not [f for f in report.findings if f.code == "fund_overlap"]
    both = bubbleguard.check({"VOO": 0.3, "VTI": 0.3, "BND": 0.4}, snapshot=snapshot)
    assert [f.subject for f in both.findings if f.code == "fund_overlap"] == ["VOO/VTI"]


def test_floor_advice_names_funds_the_account_can_buy():
    """A mainland (CNY) book is pointed to Shanghai/Shenzhen funds, a US one to US listings."""
    def advice(holdings, currency):
        report = check(pd.DataFrame({"symbol": list(holdings), "market_value": holdings.values(),
                                     "currency": currency}))
        return {f.subject: f.message for f in report.findings
                if f.code in ("asset_class_floor_missed", "no_broad_index_fund")}

    cn = advice({"513100": 50_000.0, "300308": 10_000.0}, "CNY")
    assert "(511260, 511010, 511020)" in cn["bond"] and "(518880, 159934, 518800)" in cn["gold"]
    assert "510300 or 159919" in cn["broad_index"]
    us = advice({"NVDA": 50_000.0}, "USD")
    assert "(BND, AGG, VGIT)" in us["bond"] and "(GLDM, IAU, GLD)" in us["gold"]
    assert "VTI or VOO" in us["broad_index"]
