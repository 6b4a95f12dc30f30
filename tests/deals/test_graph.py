"""Tests for bubbleguard.deals._graph (the deal graph) and snapshot/deals.py (the table builder)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from hypothesis import given, settings
from strategies import deal_edges

from bubbleguard.deals import (
    CERTAINTIES,
    COLUMNS,
    DEAL_TYPES,
    DealGraph,
    cycles_payload,
    load_deals,
    validate_deals,
)
from bubbleguard.errors import DealsError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parents[1] / "fixtures" / "deals"
RAW_DEALS = ROOT.parent / "shared" / "data" / "raw" / "ai_deals_2025.csv"


@pytest.fixture(scope="module")
def snapshot_deals():
    """snapshot/deals.py, imported from its file (it is a build script, not a package module)."""
    spec = importlib.util.spec_from_file_location("snapshot_deals", ROOT / "snapshot" / "deals.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def packaged() -> DealGraph:
    return DealGraph.from_frame(load_deals())


def parties_of(graph: DealGraph, max_length: int = 6) -> list[tuple[str, ...]]:
    return [c.parties for c in graph.cycles(max_length)]


# --------------------------------------------------------------------------- hand-built graphs
def test_triangle_cycles_components_and_rotation():
    g = DealGraph.from_frame(load_deals(FIXTURES / "triangle.csv"))
    assert parties_of(g) == [("Alpha", "Beta"), ("Alpha", "Beta", "Gamma")]
    tri = g.cycles()[1]
    assert list(tri.deals["deal_id"]) == ["t1", "t2", "t3"]
    assert tri.tickers == ("ALP", "BET", None)
    assert list(g.cycles()[0].deals["deal_id"]) == ["t1", "t5"]
    assert g.components() == [["Alpha", "Beta", "Gamma"]]
    assert parties_of(g, max_length=2) == [("Alpha", "Beta")]


def test_triangle_with_superseded_adds_the_delta_epsilon_loop():
    g = DealGraph.from_frame(load_deals(FIXTURES / "triangle.csv", include_superseded=True))
    assert parties_of(g) == [("Alpha", "Beta"), ("Delta", "Epsilon"), ("Alpha", "Beta", "Gamma")]
    assert g.components() == [["Alpha", "Beta", "Gamma"], ["Delta", "Epsilon"]]


@pytest.mark.parametrize(("party", "superseded", "basis", "score", "flow_in", "total", "n_in", "n",
                          "undisclosed"), [
    ("Alpha", False, "amount", 1.0, 130.0, 130.0, 3, 3, 1),   # t1 100 + t3 30; t5 has no amount
    ("Gamma", False, "amount", 0.8, 80.0, 100.0, 2, 3, 0),    # t2 50 + t3 30 of 50 + 30 + 20
    ("BET", False, "amount", 1.0, 150.0, 150.0, 3, 3, 1),     # found by ticker
    ("Delta", False, "amount", 0.0, 0.0, 30.0, 0, 2, 0),      # in no cycle
    ("Delta", True, "amount", 50 / 70, 50.0, 70.0, 2, 3, 0),  # t6 10 + t7 40 of 20 + 10 + 40
])
def test_dependence_by_hand(party, superseded, basis, score, flow_in, total, n_in, n, undisclosed):
    g = DealGraph.from_frame(load_deals(FIXTURES / "triangle.csv",
                                        include_superseded=superseded))
    dep = g.dependence(party)
    assert (dep.basis, dep.flow_in_cycle, dep.flow_total) == (basis, flow_in, total)
    assert dep.score == pytest.approx(score)
    assert (dep.n_deals_in_cycle, dep.n_deals, dep.n_undisclosed) == (n_in, n, undisclosed)
    assert dep.party in dep.explain()


def test_dependence_falls_back_to_counts_when_no_amount_is_disclosed():
    g = DealGraph.from_frame(load_deals(FIXTURES / "undisclosed.csv"))
    dep = g.dependence("Foxtrot")
    assert (dep.basis, dep.flow_in_cycle, dep.flow_total) == ("count", 2.0, 3.0)
    assert dep.score == pytest.approx(2 / 3)
    assert dep.component == ["Foxtrot", "Golf"]
    assert "counted" in dep.explain()
    forced = g.dependence("Foxtrot", basis="amount")
    assert (forced.score, forced.flow_total) == (0.0, 0.0)


def test_triangle_count_basis_and_table():
    g = DealGraph.from_frame(load_deals(FIXTURES / "triangle.csv"))
    assert g.dependence("Gamma", basis="count").score == pytest.approx(2 / 3)
    table = g.dependence_table()
    assert list(table["party"][:3]) == ["Alpha", "Beta", "Gamma"]
    assert table.set_index("party").loc["Epsilon", "score"] == 0.0


def test_party_lookup_and_listed_parties():
    g = DealGraph.from_frame(load_deals(FIXTURES / "triangle.csv"))
    deals = g.party("gamma")
    assert list(deals["deal_id"]) == ["t2", "t3", "t4"]
    assert list(deals["direction"]) == ["in", "out", "out"]
    assert list(deals["counterparty"]) == ["Beta", "Alpha", "Delta"]
    assert g.listed_parties() == {"Alpha": "ALP", "Beta": "BET", "Delta": "DLT"}
    with pytest.raises(DealsError, match="'Zulu' is not a party"):
        g.party("Zulu")


def test_filters_by_certainty_and_date():
    path = FIXTURES / "triangle.csv"
    assert list(load_deals(path)["deal_id"]) == ["t1", "t2", "t3", "t4", "t5", "t6"]
    assert list(load_deals(path, certainty=("confirmed",))["deal_id"]) == ["t1", "t2", "t4", "t6"]
    assert list(load_deals(path, since="2025-03-01")["deal_id"]) == ["t3", "t4", "t5", "t6"]
    assert list(load_deals(path, until="2025-02-28")["deal_id"]) == ["t1", "t2"]
    assert list(load_deals(path, since="2025-06-15", include_superseded=True)["deal_id"]) == ["t7"]
    with pytest.raises(DealsError, match="unknown certainty level"):
        load_deals(path, certainty=("rumoured",))


def test_filters_that_leave_nothing_give_an_empty_graph(tmp_path):
    g = DealGraph.from_frame(load_deals(FIXTURES / "triangle.csv", since="2030-01-01"))
    assert (g.cycles(), g.components(), g.listed_parties()) == ([], [], {})
    assert cycles_payload(g) == {"cycles": []} and g.dependence_table().empty
    assert g.draw(tmp_path / "empty.png").stat().st_size > 0
    assert len(load_deals(FIXTURES / "triangle.csv", certainty="reported")) == 1
    with pytest.raises(DealsError, match="'soon' is not a date"):
        load_deals(FIXTURES / "triangle.csv", since="soon")


def test_loaded_types():
    df = load_deals(FIXTURES / "triangle.csv")
    assert list(df.columns) == list(COLUMNS)
    assert df.loc[2, "date"] == pd.Timestamp("2025-03-01")
    assert df.loc[2, "date_precision"] == "month"
    assert df.loc[2, "sources"] == "https://example.com/t3a ; https://example.com/t3b"
    assert pd.isna(df.loc[4, "amount_usd"]) and df["amount_usd"].dtype == "float64"
    assert not df["amount_shared"].any()


# --------------------------------------------------------------------------- bad user files
@pytest.mark.parametrize(("name", "line", "phrase"), [
    ("bad_unknown_party.csv", 3, "target_party is empty"),
    ("bad_negative_amount.csv", 4, "amount_usd '-10' is negative"),
    ("bad_non_numeric_amount.csv", 2, "amount_usd 'ten billion' is not a number"),
    ("bad_missing_source.csv", 3, "sources is empty"),
])
def test_bad_file_names_the_line(name, line, phrase):
    with pytest.raises(DealsError) as info:
        load_deals(FIXTURES / name)
    message = str(info.value)
    assert f"line {line}: {phrase}" in message
    assert message.count("line ") == 1


def test_bad_file_lists_every_problem():
    with pytest.raises(DealsError) as info:
        load_deals(FIXTURES / "bad_many.csv")
    message = str(info.value)
    assert "4 problem(s)" in message
    for line, phrase in [(3, "source_party is empty"), (4, "amount_usd '-3' is negative"),
                         (5, "amount_usd '$5B' is not a number"), (6, "sources is empty")]:
        assert f"line {line}: {phrase}" in message
    assert "line 2" not in message and "line 7" not in message


def test_missing_column_and_missing_file():
    with pytest.raises(DealsError, match="missing column.*sources"):
        load_deals(FIXTURES / "bad_missing_column.csv")
    with pytest.raises(DealsError, match="cannot read"):
        load_deals(FIXTURES / "no_such_file.csv")


def test_validate_frame_rows_and_duplicates():
    df = pd.read_csv(FIXTURES / "triangle.csv", dtype=str, keep_default_na=False)
    df.loc[1, "deal_id"] = "t1"
    df.loc[2, "deal_type"] = "loan"
    with pytest.raises(DealsError) as info:
        validate_deals(df)
    assert "row 2: deal_type 'loan' is not one of" in str(info.value)
    assert "deal_id 't1' is used more than once" in str(info.value)


# --------------------------------------------------------------------------- the packaged table
def test_packaged_table_is_valid_and_sourced(packaged):
    every = load_deals(include_superseded=True)
    assert set(every["certainty"]) <= set(CERTAINTIES)
    assert set(every["deal_type"]) <= set(DEAL_TYPES)
    assert every["sources"].str.startswith("http").all()
    assert every["deal_id"].is_unique
    assert "D011" in set(every["deal_id"])                 # the superseded $100B NVIDIA LOI
    assert "D011" not in set(packaged.deals["deal_id"])    # ... excluded by default
    assert packaged.listed_parties()["SoftBank Group"] == "9984"
    assert packaged.listed_parties()["NVIDIA"] == "NVDA"
    assert "OpenAI" not in packaged.listed_parties()


def test_packaged_openai_nvidia_and_amd_loops(packaged):
    cycles = {c.parties: c for c in packaged.cycles()}
    assert set(cycles[("OpenAI", "NVIDIA")].deals["deal_id"]) == {"D012", "D035"}
    amd = cycles[("OpenAI", "AMD")].deals
    assert dict(zip(amd["deal_id"], amd["deal_type"], strict=True)) == {
        "D017": "purchase_commitment", "D016": "warrants"}
    assert ("OpenAI", "NVIDIA", "CoreWeave") in cycles
    with_superseded = DealGraph.from_frame(load_deals(include_superseded=True))
    loop = {c.parties: c for c in with_superseded.cycles()}[("OpenAI", "NVIDIA")]
    assert set(loop.deals["deal_id"]) == {"D011", "D012", "D035"}


def test_packaged_2025_openai_nvidia_loop_rests_on_the_superseded_loi():
    in_2025 = DealGraph.from_frame(load_deals(until="2025-12-31"))
    assert ("OpenAI", "NVIDIA") not in parties_of(in_2025)
    assert ("OpenAI", "AMD") in parties_of(in_2025)
    with_loi = DealGraph.from_frame(load_deals(until="2025-12-31", include_superseded=True))
    assert ("OpenAI", "NVIDIA") in parties_of(with_loi)


def test_packaged_openai_oracle_nvidia_loop(packaged):
    """The articles' loop: OpenAI buys Oracle cloud, Oracle buys NVIDIA chips, NVIDIA invests in OpenAI.

    The Oracle -> NVIDIA row (FT, 2025-05-23, ~$40B of GB200) comes from the curated supplement
    ``snapshot/curated/deals_extra.csv``.
    """
    loop = {c.parties: c for c in packaged.cycles()}[("OpenAI", "Oracle", "NVIDIA")]
    steps = list(zip(loop.deals["source_party"], loop.deals["target_party"]))
    assert ("OpenAI", "Oracle") in steps and ("Oracle", "NVIDIA") in steps
    assert ("NVIDIA", "OpenAI") in steps
    oracle_nvidia = loop.deals[loop.deals["source_party"] == "Oracle"].iloc[0]
    assert oracle_nvidia["amount_usd"] == 40e9 and oracle_nvidia["certainty"] == "reported"
    assert packaged.dependence("Oracle").score > 0.9


def test_packaged_filters(packaged):
    confirmed = load_deals(certainty=("confirmed",))
    assert (confirmed["certainty"] == "confirmed").all()
    assert len(confirmed) < len(packaged.deals)
    assert not {"D010", "D038", "D039", "D040"} & set(confirmed["deal_id"])
    recent = load_deals(since="2026-01-01")
    assert (recent["date"] >= pd.Timestamp("2026-01-01")).all() and len(recent) > 0


def test_packaged_dependence(packaged):
    amd = packaged.dependence("AMD")
    assert (amd.basis, amd.score, amd.n_deals) == ("count", 1.0, 2)
    assert packaged.dependence("META").score == 0.0  # Meta's deals sit outside every cycle
    openai = packaged.dependence("OpenAI")
    assert openai.basis == "amount" and 0 < openai.score < 1 and openai.n_undisclosed > 0


def test_cycles_payload_contract(packaged):
    payload = json.loads(json.dumps(cycles_payload(packaged)))
    assert set(payload) == {"cycles"}
    first = payload["cycles"][0]
    assert set(first) == {"parties", "tickers", "deals"}
    assert len(first["parties"]) == len(first["tickers"])
    nvidia = next(c for c in payload["cycles"] if c["parties"] == ["OpenAI", "NVIDIA"])
    assert nvidia["tickers"] == [None, "NVDA"]
    deal = next(d for d in nvidia["deals"] if d["deal_id"] == "D012")
    assert deal == {"deal_id": "D012", "source": "OpenAI", "target": "NVIDIA",
                    "type": "purchase_commitment", "amount_usd": None, "date": "2025-09-22",
                    "certainty": "reported", "sources": deal["sources"], "up_to": False}
    assert len(deal["sources"]) == 2 and all(s.startswith("https://") for s in deal["sources"])


@pytest.mark.skipif(not RAW_DEALS.exists(), reason="raw data not beside the repository")
def test_packaged_table_is_built_from_the_raw_table(snapshot_deals):
    extra = ROOT / "snapshot" / "curated" / "deals_extra.csv"
    built = validate_deals(snapshot_deals.build_deals(RAW_DEALS, extra))
    pd.testing.assert_frame_equal(built, load_deals(include_superseded=True),
                                  check_dtype=False)


# --------------------------------------------------------------------------- exports
def test_exports_round_trip(packaged, tmp_path):
    data = json.loads(packaged.to_json())
    back = nx.node_link_graph(data, edges="edges")
    assert back.number_of_edges() == len(packaged.deals)
    assert data["graph"]["as_of"] == str(packaged.as_of)
    graphml = nx.read_graphml(packaged.to_graphml(tmp_path / "deals.graphml"))
    assert graphml.number_of_edges() == len(packaged.deals)
    dot = packaged.to_dot()
    assert dot.startswith("digraph deals {") and dot.rstrip().endswith("}")
    assert dot.count(" -> ") == len(packaged.deals)
    assert '"NVIDIA" [label="NVIDIA\\nNVDA", shape=box];' in dot


def test_draw_png_and_svg(packaged, tmp_path):
    png = packaged.draw(tmp_path / "deals.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    svg = packaged.draw(tmp_path / "deals.svg", exposure={"NVDA": 0.08, "Microsoft": 0.05,
                                                          "AAPL": 0.07})
    text = svg.read_text()
    assert "<svg" in text and "8.0%" in text
    with pytest.raises(DealsError, match="use a .png or .svg"):
        packaged.draw(tmp_path / "deals.pdf")


def test_import_is_light():
    code = ("import sys, bubbleguard.deals._graph; "
            "print(sorted({'networkx', 'matplotlib'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT / "src")})
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- the builder
def test_build_deals_splits_parties_without_dividing_amounts(snapshot_deals):
    df = snapshot_deals.build_deals(FIXTURES / "raw_sample.csv").set_index("deal_id")
    stargate = df.loc[["D001-softbank-group", "D001-openai", "D001-oracle", "D001-mgx"]]
    assert (stargate["target_party"] == "Stargate").all()
    assert list(stargate["source_ticker"]) == ["9984", "", "ORCL", ""]
    # the articles give OpenAI's and SoftBank's shares of the first $100B; Oracle and MGX's $7B
    # is joint, so theirs stay empty and shared: an amount is never divided
    assert list(stargate["amount_usd"].fillna(0)) == [19e9, 19e9, 0, 0]
    assert list(stargate["amount_shared"]) == [False, False, True, True]
    assert "$7B together" in stargate.at["D001-oracle", "description"]
    assert "$500B is shared" in stargate.at["D001-mgx", "description"]
    softbank = df.loc["D002"]
    assert (softbank["source_party"], softbank["amount_usd"], softbank["amount_shared"]) == (
        "SoftBank Group", 30_000_000_000, False)


def test_build_deals_normalises_words_dates_and_names(snapshot_deals):
    df = snapshot_deals.build_deals(FIXTURES / "raw_sample.csv").set_index("deal_id")
    assert df.loc["D001-openai", "certainty"] == "reported"        # announced (intent)
    assert df.loc["D003", ["certainty", "deal_type", "source_party"]].tolist() == [
        "superseded", "equity_investment", "NVIDIA"]
    assert df.loc["D004", ["deal_type", "deal_type_raw"]].tolist() == [
        "warrants", "warrants (equity to customer)"]
    assert df.loc["D005", ["date", "date_precision"]].tolist() == ["2019-01-01", "range"]
    assert df.loc["D006", ["date", "date_precision", "certainty", "source_party"]].tolist() == [
        "2026-01-01", "year", "uncertain", "Meta Platforms"]
    assert df.loc["D007", ["target_party", "target_ticker", "date"]].tolist() == [
        "Alphabet", "GOOGL", "2025-10-01"]
    assert list(df.reset_index().columns) == list(COLUMNS)
    validate_deals(df.reset_index())


def test_build_deals_rejects_bad_raw_rows(snapshot_deals):
    with pytest.raises(DealsError) as info:
        snapshot_deals.build_deals(FIXTURES / "raw_bad.csv")
    message = str(info.value)
    assert "4 raw row(s)" in message
    assert "line 2: unknown party 'Apple Inc'" in message
    assert "line 3: amount_usd '-5' is negative" in message
    assert "line 4: ticker 'MSFT' does not belong" in message
    assert "line 5: date '2025-04' does not match" in message


def test_build_deals_script(snapshot_deals, tmp_path):
    out = tmp_path / "deals.csv"
    subprocess.run([sys.executable, str(ROOT / "snapshot" / "deals.py"),
                    str(FIXTURES / "raw_sample.csv"), str(out)], check=True,
                   env={"PYTHONPATH": str(ROOT / "src")})
    assert len(load_deals(out, include_superseded=True)) == 10


# --------------------------------------------------------------------------- properties
@settings(max_examples=60, deadline=None)
@given(deal_edges)
def test_cycles_and_scores_agree_with_networkx(edges):
    df = pd.DataFrame([{"deal_id": f"e{i}", "date": "2025-01-01", "source_party": u,
                        "target_party": v, "deal_type": "other", "certainty": "confirmed",
                        "amount_usd": "" if a is None else str(a), "sources": "https://x"}
                       for i, (u, v, a) in enumerate(edges)])
    g = DealGraph.from_frame(df)
    cycles = g.cycles(max_length=5)
    simple = nx.DiGraph([(u, v) for u, v, _ in edges])
    assert len(cycles) == len(list(nx.simple_cycles(simple)))
    rotations = {min(c.parties[i:] + c.parties[:i] for i in range(len(c.parties)))
                 for c in cycles}
    assert len(rotations) == len(cycles)
    on_cycle = {d for c in cycles for d in c.deals["deal_id"]}
    in_component = {r.deal_id for r in df.itertuples() for comp in g.components()
                    if r.source_party in comp and r.target_party in comp}
    assert on_cycle == in_component
    for party in g.parties:
        assert 0.0 <= g.dependence(party).score <= 1.0


def test_a_stake_valuation_is_no_flow():
    deals = load_deals()
    d022 = deals.set_index("deal_id").loc["D022"]
    assert (d022["deal_type"], d022["amount_usd"]) == ("valuation", 135e9)  # shown with its value
    graph = DealGraph(deals)
    msft = graph.dependence("MSFT")
    # $320.1B: neither the valuation ($135B) nor D029's "up to $5B" ceiling in Anthropic
    assert msft.flow_total == pytest.approx(320.1e9, rel=1e-3)
    assert DealGraph(deals, ceilings=True).dependence("MSFT").flow_total == pytest.approx(325.1e9, rel=1e-3)
    loop = next(c for c in graph.cycles() if c.parties == ("OpenAI", "Microsoft"))
    assert "D022" in set(loop.deals["deal_id"])
    assert loop.flow_usd == pytest.approx(263e9)  # D023 $250B + D024 $13B, not D022's $135B


def test_up_to_ceilings_are_shown_and_left_out_of_sums_unless_asked():
    deals = load_deals(include_superseded=True)
    ceil = deals.set_index("deal_id")["amount_up_to"]
    # the rows whose own description gives the amount as "up to": LOI, rounds, capacity caps
    assert sorted(ceil[ceil].index) == ["D002", "D004", "D011", "D014", "D015", "D018", "D028", "D029"]
    firm, all_ = DealGraph(deals), DealGraph(deals, ceilings=True)
    nv, nv_all = firm.dependence("NVDA"), all_.dependence("NVDA")
    assert nv_all.flow_total - nv.flow_total == pytest.approx(100e9 + 10e9 + 2e9)  # D011, D028, D018
    assert nv.n_deals == nv_all.n_deals - 3
    ids = lambda g: {a["deal_id"] for *_, a in g.flow_edges()}  # noqa: E731
    assert not ids(firm) & {"D011", "D022", "D028"} and {"D011", "D028"} <= ids(all_)
    assert "D022" not in ids(all_)  # a stake's value is never a flow


def test_deal_picture_node_sizes_leave_out_stakes_and_ceilings():
    from bubbleguard.renderers._deal_picture import flow_weights

    deals = load_deals()
    graph = DealGraph(deals)
    sizes, with_ceilings = flow_weights(graph), flow_weights(DealGraph(deals, ceilings=True))
    every = sum((a["amount_usd"] or 0.0) for u, v, a in graph.graph.edges(data=True)
                if "Microsoft" in (u, v))
    # Microsoft's node: its $135B stake in OpenAI and its "up to $5B" in Anthropic are not in it
    assert every - sizes["Microsoft"] == pytest.approx(135e9 + 5e9)
    assert every - with_ceilings["Microsoft"] == pytest.approx(135e9)


@pytest.mark.parametrize(("amount", "text"), [
    (135e9, "$135B"), (11.9e9, "$11.9B"), (1e14, "$100,000B"), (1e15, "$1,000,000B"),
    (350e6, "$350M"), (1234.0, "$1,234"), (0.0, "$0"), (2.5e9, "$2.5B"), (1.0006e9, "$1.001B")])
def test_amounts_read_as_plain_dollars_never_with_an_exponent(amount, text):
    from bubbleguard.deals import short_usd

    assert short_usd(amount) == text
