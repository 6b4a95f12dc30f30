"""Policy profiles, TOML files and overrides."""

from __future__ import annotations

import pytest

from bubbleguard import PolicyError, load_policy


def test_profiles_differ_as_documented():
    con, bal, gro = (load_policy(p) for p in ("conservative", "balanced", "growth"))
    assert con.max_theme["ai"] < bal.max_theme["ai"] < gro.max_theme["ai"]
    assert con.min_asset_class["bond"] > bal.min_asset_class["bond"] > gro.min_asset_class["bond"]
    assert bal.profile == "balanced" and bal.max_issuer == 0.08
    assert con.min_asset_class == {"bond": 0.35, "gold": 0.05, "real_estate": 0.05}


def test_toml_file_merges_into_its_profile(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text('profile = "growth"\nmax_issuer = 0.2\n[max_theme]\nai = 0.5\n')
    pol = load_policy(path=p)
    assert pol.profile == "growth" and pol.max_issuer == 0.2
    assert pol.max_theme == {"magnificent7": 0.35, "ai": 0.5, "circular_deals": 0.25}
    assert load_policy("conservative", p).profile == "conservative"  # an explicit profile wins


def test_overrides_and_policy_section(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text("[policy]\nmax_top10 = 0.5\n")
    pol = load_policy(path=p, min_asset_class={"gold": 0.1})
    assert pol.max_top10 == 0.5
    assert pol.min_asset_class == {"bond": 0.20, "gold": 0.1}


@pytest.mark.parametrize(("text", "message"), [
    ("max_isuer = 0.1\n", "max_isuer: unknown setting; did you mean 'max_issuer'?"),
    ("max_issuer = 1.5\n", "max_issuer = 1.5 must be a number between 0 and 1"),
    ("max_issuer = 'lots'\n", "max_issuer: Input should be a valid number"),
    ("min_trade = -5\nmax_data_age_days = 0\n",
     "min_trade = -5.0 must be a number of at least 0; max_data_age_days = 0 must be a number of at least 1"),
    ("[max_theme]\nmag7 = 0.2\n", "unknown max_theme 'mag7'"),
    ("[min_asset_class]\ncrypto = 0.1\n", "unknown asset class 'crypto'"),
    ("max_issuer = \n", "is not valid TOML"),
])
def test_bad_policy_files(tmp_path, text, message):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(PolicyError) as err:
        load_policy(path=p)
    assert message in str(err.value)
    assert str(p) in str(err.value)


def test_unknown_profile_and_missing_file(tmp_path):
    with pytest.raises(PolicyError, match="Unknown profile 'yolo'"):
        load_policy("yolo")
    with pytest.raises(PolicyError, match="Cannot read policy file"):
        load_policy(path=tmp_path / "nope.toml")


def test_policies_are_immutable_and_checked_however_built():
    import dataclasses

    from bubbleguard import Policy

    pol = load_policy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        pol.max_issuer = 0.5
    with pytest.raises(ValueError, match="max_issuer = 2 must be a number between 0 and 1"):
        Policy(max_issuer=2)
    with pytest.raises(ValueError, match="unknown asset class 'crypto'"):
        Policy(min_asset_class={"crypto": 0.1})
    assert pol.override(max_issuer=0.1).max_issuer == 0.1 and pol.max_issuer == 0.08


def test_default_policy_does_not_import_pydantic():
    import subprocess
    import sys

    code = ("import sys\nfrom bubbleguard import load_policy\nload_policy('growth')\n"
            "print('pydantic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_policy_json_schema_and_round_trip():
    from bubbleguard import Policy

    pol = load_policy("conservative")
    assert Policy.model_validate(pol.model_dump()) == pol
    assert "max_issuer" in Policy.model_json_schema()["properties"]


ARTICLES = {  # the source articles' own advice: broad index funds, bonds, gold, real estate
    "60 VOO / 30 BND / 10 GLD": {"VOO": 0.6, "BND": 0.3, "GLD": 0.1},
    "50 VT / 30 BND / 10 GLD / 10 VNQ": {"VT": 0.5, "BND": 0.3, "GLD": 0.1, "VNQ": 0.1},
    "target-date-like": {"VTI": 0.36, "VXUS": 0.24, "BND": 0.25, "BNDX": 0.10, "GLD": 0.05},
}


@pytest.mark.parametrize("name", list(ARTICLES))
def test_the_articles_portfolios_pass_balanced_with_no_warning(snapshot, name):
    from bubbleguard import check, load_policy

    policy = load_policy("balanced", max_data_age_days=100_000)  # the data's age is not the portfolio's
    report = check(ARTICLES[name], policy=policy, snapshot=snapshot)
    assert [f.code for f in report.findings if f.severity != "info"] == []


@pytest.mark.parametrize(("name", "holdings", "expected"), [
    ("60/30/10", {"VOO": 0.6, "BND": 0.3, "GLD": 0.1}, (0.6, 0.9, 0.7)),
    ("VT mix", {"VT": 0.5, "BND": 0.3, "GLD": 0.1, "VNQ": 0.1}, (-6.5, -7.0, -6.3)),
    ("QQQ heavy", {"QQQ": 0.5, "NVDA": 0.2, "BND": 0.2, "GLD": 0.1}, (17.9, 20.5, 19.3)),
    ("example", "examples/holdings.csv", (17.9, 25.1, 22.6)),
])
def test_the_calibration_table_in_the_policy_docs_holds(snapshot, name, holdings, expected):
    from bubbleguard import check
    from bubbleguard.policy import __doc__ as doc

    report = check(holdings, snapshot=snapshot)
    ex, market = report.exposures, report.market_context["themes"]
    beyond = [100 * (ex.themes[t] - market[t] * ex.asset_classes.get("equity", 0.0))
              for t in ("magnificent7", "ai", "circular_deals")]
    assert beyond == pytest.approx(expected, abs=0.051)
    assert all(f"{v:+.1f}".replace("+-", "-") in doc for v in expected)
    failing = {f.subject for f in report.findings if f.code == "theme_over_market_exceeded"}
    assert failing == (set() if expected[0] < 5 else {"magnificent7", "ai", "circular_deals"})
