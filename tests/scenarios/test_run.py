"""Scenarios: historical replays against hand computations, proxies, shocks and files."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from bubbleguard.errors import ScenarioError
from bubbleguard.exposures import compute_exposures
from bubbleguard.holdings import load_holdings
from bubbleguard.scenarios import Shocks, ShockScenario, load_scenarios, run_scenarios

FIXTURES = Path(__file__).parents[1] / "fixtures" / "scenarios"
EXAMPLE = Path(__file__).parents[2] / "examples" / "holdings.csv"
HISTORICAL = {
    "dotcom": ("2000-03-24", "2002-10-09"),
    "gfc-2008": ("2007-10-09", "2009-03-09"),
    "bear-2022": ("2022-01-03", "2022-10-12"),
    "deepseek-2025": ("2025-01-24", "2025-01-27"),
    "ai-selloff-2025-11": ("2025-11-03", "2025-11-07"),
}
BUILTIN_IDS = [*HISTORICAL, "ai-unwind"]
RESEARCH = Path(__file__).parents[2] / "snapshot" / "research" / "pre2002"


def _sourced() -> dict[str, float]:
    """Dot-com returns from the levels in the research file, by the series' first word."""
    table = pd.read_csv(RESEARCH / "returns_2000-03-24_2002-10-09.csv")
    table = table.assign(key=table["series"].str.split().str[0]).drop_duplicates("key")
    return dict(zip(table["key"], table["end_level"] / table["start_level"] - 1.0))


SOURCED = _sourced()


def _ret(snapshot, symbol: str, scenario: str) -> float:
    """Buy-and-hold return straight from the price table (NaN when a close is missing)."""
    start, end = HISTORICAL[scenario]
    p = snapshot.prices[symbol]
    return float(p.loc[end] / p.loc[start] - 1.0)


@pytest.fixture(scope="module")
def sixty_forty(snapshot):
    return run_scenarios({"SPY": 60_000, "TLT": 40_000}, list(HISTORICAL), snapshot=snapshot)


# --------------------------------------------------------------------------- definitions
def test_builtin_scenarios_keep_their_ids_and_dates():
    defs = {d.id: d for d in load_scenarios()}
    assert list(defs) == BUILTIN_IDS
    for sid, (start, end) in HISTORICAL.items():
        assert (str(defs[sid].start), str(defs[sid].end)) == (start, end)
    unwind = defs["ai-unwind"]
    assert unwind.kind == "hypothetical" and "not a forecast" in unwind.description
    assert unwind.shocks.role["chips"] == -0.5 and unwind.shocks.dependence_extra == -0.2


# --------------------------------------------------------------------------- historical
@pytest.mark.parametrize("scenario", list(HISTORICAL))
def test_sixty_forty_matches_hand_computation(snapshot, sixty_forty, scenario):
    spy = _ret(snapshot, "SPY", scenario)
    tlt = _ret(snapshot, "TLT", scenario)
    res = sixty_forty[scenario]
    if scenario == "dotcom":  # TLT started in 2002 and no bond fund in the snapshot is older:
        assert pd.isna(tlt)  # the scenario's sourced long-Treasury return (VUSTX) stands in
        assert res.proxies["TLT"].startswith("Vanguard Long-Term Treasury Fund (VUSTX)")
        assert "sourced return" in res.proxies["TLT"] and res.unpriced_weight == 0.0
        tlt = {c.key: c.return_ for c in res.contributions}["TLT"]
        assert tlt == pytest.approx(SOURCED["VUSTX"], abs=5e-5)
    else:
        assert res.proxies == {"SPY": "own prices", "TLT": "own prices"}
    assert res.return_ == pytest.approx(0.6 * spy + 0.4 * tlt, abs=1e-12)
    assert res.value_change == pytest.approx(100_000 * res.return_)
    by = {c.key: c for c in res.contributions}
    assert by["SPY"].contribution == pytest.approx(0.6 * spy)
    assert sum(c.contribution for c in res.contributions) == pytest.approx(res.return_)


def test_nvda_on_deepseek_day(snapshot):
    res = run_scenarios({"NVDA": 1.0}, ["deepseek-2025"], snapshot=snapshot)["deepseek-2025"]
    assert res.return_ == pytest.approx(_ret(snapshot, "NVDA", "deepseek-2025"))
    assert -0.18 < res.return_ < -0.16  # the article's "NVIDIA -17%"
    assert res.worst[0].key == "NVDA"


def test_proxies_follow_the_documented_rules(snapshot):
    holdings = {
        "VOO": 1,
        "FXAIX": 1,
        "513100": 1,
        "AMAT": 1,
        "KO": 1,
        "CASH": 1,
        "BND": 1,
        "ARKK": 1,
    }
    res = run_scenarios(holdings, ["dotcom", "bear-2022"], snapshot=snapshot)
    dot, bear = res["dotcom"], res["bear-2022"]
    spy = _ret(snapshot, "SPY", "dotcom")
    rets = {c.key: c.return_ for c in dot.contributions}
    # 3: same-category index fund (VOO's own prices start in 2010)
    assert dot.proxies["VOO"] == "SPY (same-category index fund; own prices start 2010-09-30)"
    assert rets["VOO"] == pytest.approx(spy)
    # 2: the fund it tracks, itself proxied when it has no prices (IVV starts 2000-05)
    assert dot.proxies["FXAIX"].startswith("SPY (via IVV, the fund it tracks")
    assert bear.proxies["FXAIX"] == "IVV (the fund it tracks; no own prices in the snapshot)"
    # the QDII ETF's own (CNY) closes start in 2020: before, the fund it tracks
    assert dot.proxies["513100"] == "QQQ (the fund it tracks; own prices start 2020-01-31)"
    assert bear.proxies["513100"] == "own prices"
    # 5: stocks without prices: QQQ for technology, SPY otherwise
    assert dot.proxies["AMAT"].startswith("QQQ (default for technology stocks")
    assert rets["AMAT"] == pytest.approx(_ret(snapshot, "QQQ", "dotcom"))
    assert dot.proxies["KO"].startswith("SPY (default for stocks")
    # 6: cash; 7: bonds before any bond fund existed at the scenario's sourced return
    assert dot.proxies["CASH"] == "cash (0%)" and rets["CASH"] == 0.0
    assert dot.proxies["BND"].startswith("Vanguard Total Bond Market Index Fund (VBMFX)")
    assert rets["BND"] == pytest.approx(SOURCED["VBMFX"], abs=5e-5)
    assert bear.proxies["BND"] == "own prices"
    # 4 → 5: ARKK's holdings had no prices in 2000, so its category default applies
    assert dot.proxies["ARKK"].startswith("QQQ (default for thematic innovation")


def test_look_through_proxy_by_hand(snapshot):
    """AIQ (top-10 holdings only): priced holdings at their own returns, the rest at QQQ."""
    res = run_scenarios({"AIQ": 1.0}, ["deepseek-2025"], snapshot=snapshot)["deepseek-2025"]
    held = snapshot.holdings[snapshot.holdings["fund"] == "AIQ"].set_index("symbol")["weight"]
    p = snapshot.prices
    start, end = HISTORICAL["deepseek-2025"]
    priced = held[[s in p.columns and pd.notna(p.at[pd.Timestamp(start), s]) for s in held.index]]
    own = {s: p.at[pd.Timestamp(end), s] / p.at[pd.Timestamp(start), s] - 1 for s in priced.index}
    expected = sum(w * own[s] for s, w in priced.items()) + (1 - priced.sum()) * _ret(
        snapshot, "QQQ", "deepseek-2025"
    )
    assert res.return_ == pytest.approx(expected)
    assert res.proxies["AIQ"].startswith(
        f"look-through ({priced.sum():.0%} of the fund in {len(priced)} priced"
    )
    assert "rest QQQ" in res.proxies["AIQ"]


def test_unknown_symbol_uses_its_asset_class(snapshot):
    df = pd.DataFrame({"symbol": ["ZZBOND"], "market_value": [100.0], "asset_class": ["bond"]})
    res = run_scenarios(df, ["bear-2022"], snapshot=snapshot)["bear-2022"]
    assert res.proxies["ZZBOND"].startswith("AGG (default for unknown symbol, treated as bond")
    assert res.return_ == pytest.approx(_ret(snapshot, "AGG", "bear-2022"))


# --------------------------------------------------------------------------- hypothetical
TINY_SHOCKS = ShockScenario(
    id="tiny",
    name="Tiny",
    shocks=Shocks(
        role={"chips": -0.5},
        theme={"magnificent7": -0.3, "circular_deals": -0.2, "ai": -0.4},
        sector={"Financials": -0.1},
        asset_class={"equity": -0.05, "bond": 0.02, "cash": 0.0},
    ),
)


def test_shocks_on_tiny_by_hand(tiny):
    """FUND2 = 30% AAA + 15% BBB + 5% FUND1 remainder + 40% CCC + 10% cash (see conftest)."""
    res = run_scenarios(
        {"FUND2": 100, "GGC": 50, "BONDF": 30, "EQNOH": 20},
        ["tiny"],
        file=[TINY_SHOCKS],
        snapshot=tiny,
    )["tiny"]
    # AAA: role chips beats theme; BBB: sector; CCC: theme circular_deals (no role); FUND1's
    # remainder: the equity default; GGC: share class of GG, theme magnificent7 before ai.
    fund2 = 0.3 * -0.5 + 0.15 * -0.1 + 0.05 * -0.05 + 0.4 * -0.2 + 0.1 * 0.0
    rets = {c.key: c.return_ for c in res.contributions}
    assert rets["FUND2"] == pytest.approx(fund2)
    assert rets["GGC"] == pytest.approx(-0.3)
    assert rets["BONDF"] == pytest.approx(0.02)
    assert rets["EQNOH"] == pytest.approx(-0.4)  # unresolved AI fund → its category's theme
    assert res.return_ == pytest.approx(0.5 * fund2 + 0.25 * -0.3 + 0.15 * 0.02 + 0.1 * -0.4)
    by = {c.key: c for c in res.by_issuer}
    assert by["AAA"].weight == pytest.approx(0.15) and by["AAA"].source == "role chips -50%"
    assert by["GGA"].source == "theme magnificent7 -30%"
    assert by["CCC"].contribution == pytest.approx(0.5 * 0.4 * -0.2)
    assert sum(c.contribution for c in res.by_issuer) == pytest.approx(res.return_)
    assert res.worst[0].key == "AAA"


def test_symbol_issuer_and_dependence_shocks_on_tiny(tiny):
    from bubbleguard.scenarios._shocks import apply_shocks

    sc = ShockScenario(
        id="x",
        name="x",
        shocks=Shocks(
            symbol={"FUND1": -0.9, "GGA": -0.6},
            issuer={"Bbb": -0.25},
            role={"chips": -0.5},
            dependence_extra=-0.2,
        ),
    )
    ex = compute_exposures(load_holdings({"FUND1": 1, "FUND2": 1, "GGC": 1}, snapshot=tiny), tiny)
    out = apply_shocks(ex, sc, dependence={"AAA": 0.5, "BBB": 1.0})
    rets = dict(zip(ex.lookthrough.symbols, out.holding_returns, strict=True))
    assert rets["FUND1"] == pytest.approx(-0.9)  # a fund symbol shock replaces its look-through
    assert rets["GGC"] == pytest.approx(-0.6)  # a share-class shock applies to the issuer
    # inside FUND2: AAA chips -50% plus 0.5 × -20%; BBB's issuer shock (given by name) takes no
    # extra; FUND1's unitemised 10% takes FUND1's shock; CCC and cash have none
    assert rets["FUND2"] == pytest.approx(0.3 * -0.6 + 0.15 * -0.25 + 0.05 * -0.9)
    assert out.holding_rules[list(ex.lookthrough.symbols).index("FUND1")] == "symbol FUND1 -90%"


def test_ai_unwind_on_the_sp500(snapshot):
    res = run_scenarios({"IVV": 1.0}, ["ai-unwind"], snapshot=snapshot)["ai-unwind"]
    assert -0.35 < res.return_ < -0.25  # "about -30%" in scenarios.toml
    nvda = next(c for c in res.by_issuer if c.key == "NVDA")
    dep = json.loads(
        (Path(__file__).parents[2] / "src/bubbleguard/data/deal_network.json").read_text()
    )["parties"]["NVDA"]["dependence"]
    assert nvda.return_ == pytest.approx(-0.5 - 0.2 * dep)
    assert res.by_issuer[-1].kind == "other"
    assert sum(c.contribution for c in res.by_issuer) == pytest.approx(res.return_)


# --------------------------------------------------------------------------- files
BAD = {
    "unknown_symbol.toml": ("typo", "NVDAX", "did you mean 'NVDA'?"),
    "unknown_theme.toml": ("bad-theme", "magnificent8", "did you mean 'magnificent7'?"),
    "unknown_role.toml": ("bad-role", "chip", "did you mean 'chips'?"),
    "unknown_sector.toml": (
        "bad-sector",
        "Informatin Technology",
        "did you mean 'Information Technology'?",
    ),
    "unknown_asset_class.toml": ("bad-class", "bonds", "did you mean 'bond'?"),
    "below_minus_100.toml": ("too-deep", "shocks.role.chips = -1.5", "below -100%"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_scenario_files(snapshot, name):
    sid, key, hint = BAD[name]
    with pytest.raises(ScenarioError) as err:
        load_scenarios(FIXTURES / name, snapshot=snapshot)
    msg = str(err.value)
    assert str(FIXTURES / name) in msg and f"scenario '{sid}'" in msg and key in msg and hint in msg
    assert "\n" not in msg


def test_structural_problems_are_collected(snapshot, tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        '[[hypothetical]]\nid = "dotcom"\nnmae = "x"\n[hypothetical.shocks]\n'
        'ticker = { NVDA = -0.3 }\nrole = { chips = "-30%" }\n'
        '[[historical]]\nid = "late"\nstart = "2024-05-01"\nend = "2024-01-01"\n'
    )
    with pytest.raises(ScenarioError) as err:
        load_scenarios(path, snapshot=snapshot)
    msg = str(err.value)
    for part in (
        "5 problem(s)",
        "id 'dotcom' is already used",
        "unknown key 'nmae'; did you mean 'name'?",
        "unknown shock dimension 'ticker'",
        "shocks.role.chips = '-30%' is not a number",
        "start 2024-05-01 is not before end 2024-01-01",
    ):
        assert part in msg


def test_user_file_scenarios_run(snapshot):
    res = run_scenarios(EXAMPLE, file=FIXTURES / "good.toml", snapshot=snapshot)
    assert res.ids == [*BUILTIN_IDS, "covid-2020", "chip-glut"]
    glut = res["chip-glut"]
    assert glut.source == str(FIXTURES / "good.toml")
    assert glut.proxies["QQQ"] == "symbol QQQ -25%" and glut.proxies["NVDA"] == "role chips -40%"
    covid = res["covid-2020"]
    assert (covid.start, covid.end) == ("2020-02-28", "2020-03-31")
    assert "month-end" in covid.notes[0]
    with pytest.raises(ScenarioError, match="Unknown scenario id.*'nope'"):
        run_scenarios(EXAMPLE, ["nope"], snapshot=snapshot)


# --------------------------------------------------------------------------- plan hooks
def test_plan_before_after(snapshot):
    after = pd.DataFrame(
        {
            "account": ["a", "a", "a"],
            "symbol": ["VOO", "BND", "GLDM"],
            "market_value": [50_000.0, 40_000.0, 10_000.0],
        }
    )
    plan = SimpleNamespace(post_trade_holdings=lambda: after)
    res = run_scenarios(
        {"NVDA": 50_000, "QQQ": 50_000}, ["bear-2022", "ai-unwind"], snapshot=snapshot, plan=plan
    )
    direct = run_scenarios(after, ["bear-2022", "ai-unwind"], snapshot=snapshot)
    assert [p.id for p in res.plan] == ["bear-2022", "ai-unwind"]
    for p, d, b in zip(res.plan, direct.scenarios, res.scenarios, strict=True):
        assert p.after == pytest.approx(d.return_) and p.before == pytest.approx(b.return_)
        assert p.change == pytest.approx(p.after - p.before) and p.after > p.before
    assert res.after is not None and res.after["bear-2022"].return_ == pytest.approx(
        direct["bear-2022"].return_
    )
    targets = SimpleNamespace(targets={"VOO": 50_000.0, "BND": 40_000.0, "GLDM": 10_000.0})
    again = run_scenarios({"NVDA": 1.0}, ["bear-2022"], snapshot=snapshot, plan=targets)
    assert again.plan[0].after == pytest.approx(direct["bear-2022"].return_)


def test_input_kinds_agree(snapshot):
    import bubbleguard

    report = bubbleguard.check(EXAMPLE)
    a = run_scenarios(EXAMPLE, ["bear-2022"], snapshot=snapshot)
    b = run_scenarios(report, ["bear-2022"], snapshot=snapshot)
    assert a["bear-2022"].return_ == pytest.approx(b["bear-2022"].return_)
    frame = a.to_frame()
    assert list(frame["id"]) == ["bear-2022"] and "return" in frame
    assert set(a.to_frame("contributions")["scenario"]) == {"bear-2022"}


def test_dotcom_prices_bonds_gold_and_reits_from_sourced_series(snapshot):
    res = run_scenarios({"VOO": 60, "BND": 30, "GLD": 10, "VNQ": 5, "IEF": 5}, ["dotcom"],
                        snapshot=snapshot)["dotcom"]
    spy = _ret(snapshot, "SPY", "dotcom")
    rets = {c.key: c.return_ for c in res.contributions}
    assert rets["GLD"] == pytest.approx(SOURCED["LBMA"], abs=5e-5)
    assert rets["IEF"] == pytest.approx(SOURCED["VFITX"], abs=5e-5)  # weekly, to 2002-10-04
    assert rets["VNQ"] == pytest.approx(SOURCED["VGSIX"], abs=5e-5)
    expected = (60 * spy + 30 * rets["BND"] + 10 * rets["GLD"] + 5 * rets["VNQ"]
                + 5 * rets["IEF"]) / 110
    assert res.return_ == pytest.approx(expected, abs=1e-12) and res.unpriced_weight == 0.0
    # a commodity fund has no sourced series: still unpriced, counted at 0% and said so
    other = run_scenarios({"VOO": 50, "DBC": 50}, ["dotcom"], snapshot=snapshot)["dotcom"]
    assert other.proxies["DBC"].startswith("unpriced: counted at 0%")
    assert other.unpriced_weight == pytest.approx(0.5)
