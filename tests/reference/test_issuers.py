"""One company, one issuer: former names and variant spellings merge across fund families."""

from __future__ import annotations

import pytest

import bubbleguard


@pytest.mark.parametrize("fund", ["VOO", "VTI", "VUG"])
def test_meta_in_vanguard_lists_is_one_issuer_with_its_theme(snapshot, fund):
    report = bubbleguard.check({fund: 1.0}, snapshot=snapshot)
    meta = [i for i in report.exposures.issuers if i.issuer_id == "META"]
    assert len(meta) == 1 and "magnificent7" in meta[0].themes
    assert not [i for i in report.exposures.issuers if "facebook" in i.issuer.lower()]


def test_funds_on_the_same_index_agree_on_the_magnificent_7(snapshot):
    shares = {f: bubbleguard.check({f: 1.0}, snapshot=snapshot).exposures.themes["magnificent7"]
              for f in ("VOO", "IVV", "SPY")}
    assert max(shares.values()) - min(shares.values()) < 0.015  # lists dated weeks apart


@pytest.mark.parametrize(("held", "issuer"), [
    ({"ASML": 0.5, "VEA": 0.5}, "ASML"), ({"IBM": 0.5, "SPY": 0.5}, "IBM"),
    ({"T": 0.5, "SPY": 0.5}, "T"), ({"GE": 0.5, "SPY": 0.5}, "GE")])
def test_a_company_held_directly_and_through_a_fund_is_one_issuer(snapshot, held, issuer):
    report = bubbleguard.check(held, snapshot=snapshot)
    rows = [i for i in report.exposures.issuers if i.issuer_id == issuer]
    assert len(rows) == 1
    assert rows[0].direct_weight == pytest.approx(0.5) and rows[0].via_funds_weight > 0
