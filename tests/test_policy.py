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
    ("max_issuer = 1.5\n", "max_issuer: Input should be less than or equal to 1"),
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
