"""Tests for ``bubbleguard deals`` (src/bubbleguard/cli/deals.py), through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from bubbleguard.cli import cli
from bubbleguard.deals import DealGraph, cycles_payload, load_deals

ROOT = Path(__file__).resolve().parents[2]
HOLDINGS = ROOT / "examples" / "holdings.csv"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "deals"


def run(*args: str | Path):
    result = CliRunner().invoke(cli, ["deals", *map(str, args)])
    assert "Traceback" not in result.output, result.output
    return result


def ok(*args: str | Path) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    # the only thing on stderr is what --output wrote
    assert all(line.startswith(("wrote ", "replaced ")) for line in result.stderr.splitlines())
    return result.stdout


def rows(*args: str | Path) -> pd.DataFrame:
    """Run with ``--format csv`` and parse the output."""
    from io import StringIO

    return pd.read_csv(StringIO(ok(*args, "--format", "csv")), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def cycles_json() -> dict:
    return json.loads(ok("--cycles", "--format", "json"))


# --------------------------------------------------------------------------- table and filters
def test_default_table_lists_deals_and_says_what_was_used():
    out = ok("--width", "160")
    assert "Deals: 45 among 21 parties" in out
    assert "OpenAI → NVIDIA" in out and "Oracle → NVIDIA" in out
    assert "undisclosed (shared)" in out  # Stargate split rows
    assert "│ 2025-10-06 │ AMD → OpenAI" in out
    assert ("Deals used: 45 of 46 in the bundled deal table (25 confirmed, 16 reported, "
            "4 uncertain).") in out
    assert "Superseded deals excluded: 1 (D011); --include-superseded adds them." in out
    assert "Data as of 2026-05-01." in out
    assert "D011" not in out.split("Deals used")[0]


def test_superseded_deals_are_excluded_unless_asked():
    assert "D011" not in set(rows()["deal_id"])
    with_sup = rows("--include-superseded")
    loi = with_sup.set_index("deal_id").loc["D011"]
    assert (loi["source_party"], loi["target_party"], loi["amount_usd"], loi["certainty"]) == \
        ("NVIDIA", "OpenAI", "100000000000", "superseded")
    out = ok("--include-superseded", "--width", "160")
    assert "│ 2025-09-22 │ NVIDIA → OpenAI" in out and "$100B" in out
    assert "Superseded deals included: 1 (D011)." in out
    # the LOI changes NVIDIA's dependence score
    party = json.loads(ok("--party", "NVDA", "--format", "json", "--include-superseded"))
    assert party["dependence"]["flow_total"] == pytest.approx(83.3e9)  # the ceilings left out
    party = json.loads(ok("--party", "NVDA", "--format", "json", "--include-superseded",
                          "--include-ceilings"))
    assert party["dependence"]["flow_total"] == pytest.approx(195.3e9)
    assert party["include_superseded"] is True


def test_certainty_filter_is_repeatable_and_reported():
    confirmed = rows("--certainty", "confirmed")
    assert len(confirmed) == 25 and set(confirmed["certainty"]) == {"confirmed"}
    two = rows("--certainty", "confirmed", "--certainty", "uncertain")
    assert set(two["certainty"]) == {"confirmed", "uncertain"} and len(two) == 29
    out = ok("--certainty", "confirmed", "--width", "160")
    assert "Deals used: 25 of 46 in the bundled deal table (25 confirmed)." in out
    assert "Left out by --certainty: 16 reported, 4 uncertain." in out
    assert run("--certainty", "rumoured").exit_code == 2


def test_date_filters_take_days_months_and_years():
    october = rows("--since", "2025-10", "--until", "2025-10")
    assert len(october) == 8
    assert october["date"].between("2025-10-01", "2025-10-31").all()
    assert "D022" in set(october["deal_id"])  # 2025-10-28: --until 2025-10 runs to the month's end
    year = rows("--since", "2026")
    assert year["date"].min() >= "2026-01-01" and len(year) == 9
    out = ok("--since", "2025-10-01", "--until", "2025-10-31", "--width", "160")
    assert "Dates from 2025-10-01 to 2025-10-31: 37 deal(s) outside them left out." in out


@pytest.mark.parametrize("args", [("--since", "2025-13"), ("--until", "yesterday"),
                                  ("--since", "2025-02-30")])
def test_a_bad_date_is_a_usage_error(args):
    result = run(*args)
    assert result.exit_code == 2
    assert f"Invalid value for '{args[0]}': '{args[1]}' is not a date; write YYYY-MM-DD, " \
           "YYYY-MM or YYYY" in result.stderr


def test_since_after_until_is_a_usage_error():
    result = run("--since", "2026", "--until", "2025")
    assert result.exit_code == 2
    assert "--since 2026-01-01 is after --until 2025-12-31" in result.stderr


# --------------------------------------------------------------------------- cycles
def test_cycles_json_contract(cycles_json):
    assert list(cycles_json) == ["cycles"]
    assert cycles_json == cycles_payload(DealGraph.from_frame(load_deals()))
    by_parties = {tuple(c["parties"]): c for c in cycles_json["cycles"]}
    for c in cycles_json["cycles"]:
        assert set(c) == {"parties", "tickers", "deals"}
        assert len(c["tickers"]) == len(c["parties"])
    oracle = by_parties[("OpenAI", "Oracle", "NVIDIA")]
    assert oracle["tickers"] == [None, "ORCL", "NVDA"]
    assert [(d["deal_id"], d["source"], d["target"]) for d in oracle["deals"]] == [
        ("D008", "OpenAI", "Oracle"), ("D041", "Oracle", "NVIDIA"), ("D035", "NVIDIA", "OpenAI")]
    amd = by_parties[("OpenAI", "AMD")]
    assert amd["tickers"] == [None, "AMD"]
    assert [(d["deal_id"], d["type"], d["amount_usd"], d["certainty"]) for d in amd["deals"]] == [
        ("D017", "purchase_commitment", None, "confirmed"),
        ("D016", "warrants", None, "confirmed")]
    assert all(d["sources"] and d["sources"][0].startswith("http")
               for c in cycles_json["cycles"] for d in c["deals"])


def test_cycles_table_and_filters():
    out = ok("--cycles", "--width", "200")
    assert "8. OpenAI → Oracle → NVIDIA → OpenAI · disclosed $370B · weakest link: reported" \
        in out
    assert "5. OpenAI → AMD → OpenAI · no amount disclosed · weakest link: confirmed" in out
    assert "12 cycle(s) of up to 5 parties" in out
    assert "Circle of deals 1 (strongly connected component" in out
    # only confirmed deals: the Oracle loop (all reported) disappears, OpenAI <-> AMD stays
    confirmed = json.loads(ok("--cycles", "--format", "json", "--certainty", "confirmed"))
    parties = [c["parties"] for c in confirmed["cycles"]]
    assert ["OpenAI", "AMD"] in parties
    assert not any("Oracle" in p for p in parties)
    assert json.loads(ok("--cycles", "--format", "json", "--max-length", "2"))["cycles"][-1][
        "parties"] == ["Anthropic", "Microsoft"]


def test_cycles_of_one_party_and_cycles_csv():
    oracle = json.loads(ok("--cycles", "--party", "ORCL", "--format", "json"))
    assert [c["parties"] for c in oracle["cycles"]] == [
        ["OpenAI", "Oracle", "NVIDIA"], ["OpenAI", "Oracle", "NVIDIA", "CoreWeave"],
        ["OpenAI", "Oracle", "NVIDIA", "Anthropic", "Microsoft"]]
    table = rows("--cycles")
    assert list(table.columns[:3]) == ["cycle_no", "cycle", "deal_id"]
    assert set(table[table["cycle"] == "OpenAI → AMD → OpenAI"]["deal_id"]) == {"D016", "D017"}


# --------------------------------------------------------------------------- one party
def test_party_amd():
    out = ok("--party", "AMD", "--width", "200")
    assert "AMD (AMD): 2 deal(s)" in out
    assert "│ 2025-10-06 │ → OpenAI * │ warrants            │ undisclosed │ confirmed │ D016 │" \
        in out
    assert "│ 2025-10-06 │ ← OpenAI * │ purchase commitment │ undisclosed │ confirmed │ D017 │" \
        in out
    assert "Dependence: AMD: 100% of its deal flow (2 of 2 deals, counted: no amount disclosed)" \
        in out
    assert "Cycles through AMD: OpenAI → AMD → OpenAI" in out
    payload = json.loads(ok("--party", "amd", "--format", "json"))
    assert (payload["party"], payload["ticker"]) == ("AMD", "AMD")
    assert [(d["deal_id"], d["direction"]) for d in payload["deals"]] == [("D016", "out"),
                                                                          ("D017", "in")]
    assert payload["dependence"]["score"] == 1.0 and payload["dependence"]["basis"] == "count"
    assert [c["parties"] for c in payload["cycles"]] == [["OpenAI", "AMD"]]
    assert list(rows("--party", "AMD")["direction"]) == ["out", "in"]


def test_unknown_party_lists_the_known_ones():
    result = run("--party", "Zulu")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: 'Zulu' is not a party of the deal graph; known "
                                    "parties: OpenAI, NVIDIA, ")
    assert result.stdout == ""


def test_party_filtered_out_says_why():
    result = run("--party", "Oracle", "--certainty", "confirmed")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: Oracle has no deal among the ones selected (see --certainty, --since, --until "
        "and --include-superseded); it has 5 deal(s) in the bundled deal table.\n")


# --------------------------------------------------------------------------- holdings
def test_holdings_exposure_per_party():
    out = ok("--holdings", HOLDINGS, "--width", "200")
    assert "Your exposure per party (holdings.csv)" in out
    assert "│ NVIDIA            │ NVDA   │       27.7% │ NVDA 20.3%, SMH 2.9%, QQQ 2.3%, VOO 2.1%" \
        in out
    assert "holdings.csv: 51.7% of the portfolio (look-through) is in listed parties" in out
    cyc = ok("--cycles", "--holdings", HOLDINGS, "--width", "200")
    assert "8. OpenAI → Oracle → NVIDIA → OpenAI · disclosed $370B · weakest link: reported · " \
           "you hold ORCL 0.2%, NVDA 27.7%" in cyc
    amd = ok("--party", "AMD", "--holdings", HOLDINGS, "--width", "200")
    assert "Your exposure: 1.3% of the portfolio (via SMH 0.7%, QQQ 0.3%, VOO 0.2%)." in amd
    graph = json.loads(ok("--holdings", HOLDINGS, "--format", "json"))
    exposure = {n["id"]: n["exposure"] for n in graph["nodes"]}
    assert exposure["NVIDIA"] == pytest.approx(0.2774, abs=1e-4)
    assert exposure["OpenAI"] == 0.0


# --------------------------------------------------------------------------- export formats
def test_json_is_node_link_graph_with_the_basis():
    graph = json.loads(ok("--format", "json"))
    assert graph["directed"] and graph["multigraph"]
    assert len(graph["edges"]) == 45 and len(graph["nodes"]) == 21
    assert graph["graph"] == {"as_of": "2026-05-01", "deals_source": "the bundled deal table",
                              "certainty": "confirmed,reported,uncertain",
                              "include_superseded": False}
    g = nx.node_link_graph(graph, edges="edges")
    assert g.has_edge("Oracle", "NVIDIA", key="D041")
    assert len(json.loads(ok("--format", "json", "--include-superseded"))["edges"]) == 46


def test_csv_round_trips_through_deals(tmp_path):
    path = tmp_path / "mine.csv"
    assert ok("--format", "csv", "--output", path) == ""
    mine = load_deals(path)
    assert list(mine["deal_id"]) == list(load_deals()["deal_id"])
    assert mine["amount_shared"].sum() == 5
    cycles = json.loads(ok("--deals", path, "--cycles", "--format", "json"))
    assert len(cycles["cycles"]) == 12
    out = ok("--deals", path, "--width", "200")
    assert f"Deals used: 45 of 45 in {path}" in out
    assert f"Data as of 2026-05-01 (the latest deal date in {path})." in out


def test_markdown():
    md = ok("--format", "markdown", "--party", "AMD")
    assert md.startswith("## AMD (AMD): 2 deal(s)")
    assert "| date | with | type | amount | certainty | id |" in md
    assert "| 2025-10-06 | → OpenAI * | warrants | undisclosed | confirmed | D016 |" in md
    assert "_Deals used: 45 of 46 in the bundled deal table" in md


def test_dot_says_what_was_used():
    dot = ok("--format", "dot")
    assert dot.startswith("// Deals used: 45 of 46")
    assert "digraph deals {" in dot and '"Oracle" -> "NVIDIA"' in dot
    assert 'label="deals as of 2026-05-01"' in dot


def test_graphml_needs_an_output_file(tmp_path):
    result = run("--format", "graphml")
    assert result.exit_code == 2
    assert "--format graphml writes a file; give it with --output PATH." in result.stderr
    path = tmp_path / "deals.graphml"
    assert ok("--format", "graphml", "--output", path) == ""
    g = nx.read_graphml(path)
    assert g.number_of_edges() == 45 and g.nodes["Oracle"]["ticker"] == "ORCL"
    assert g.graph["certainty"] == "confirmed,reported,uncertain"


def test_output_suffix_picks_the_format(tmp_path):
    ok("--cycles", "--output", tmp_path / "c.json")
    assert list(json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))) == ["cycles"]
    result = run("--format", "png", "--output", tmp_path / "x.svg")
    assert result.exit_code == 2 and "ending in .png" in result.stderr
    assert run("--format", "svg").exit_code == 2


def test_png_sized_by_holdings(tmp_path):
    path = tmp_path / "deals.png"
    assert ok("--holdings", HOLDINGS, "--format", "png", "--output", path) == ""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


def test_svg_of_the_cycles(tmp_path):
    path = tmp_path / "cycles.svg"
    ok("--cycles", "--certainty", "confirmed", "--output", path)
    text = path.read_text(encoding="utf-8")
    assert "<svg" in text and len(text) > 10_000


# --------------------------------------------------------------------------- user deal files
def test_bad_deal_file_is_one_clear_error():
    result = run("--deals", FIXTURES / "bad_many.csv")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {FIXTURES / 'bad_many.csv'}: 4 problem(s) in the deal table: "
        "line 3: source_party is empty; write the party's name (e.g. 'NVIDIA' or 'OpenAI'); "
        "line 4: amount_usd '-3' is negative; write the size of the deal and put the payer in "
        "source_party (swap the parties if money flows the other way); "
        "line 5: amount_usd '$5B' is not a number; write plain US dollars such as 5000000000, "
        "or leave it empty when the amount was not disclosed; "
        "line 6: sources is empty; give at least one address (URL) that reports the deal. "
        "Fix these rows and run again.\n")


@pytest.mark.parametrize(("content", "message"), [
    ("a,b\n1,2\n", "missing column(s) date, source_party"),
    ("date,source_party,target_party,deal_type,amount_usd,certainty,sources\n",
     "the deal table has a header but no deals"),
    ("date,source_party,target_party,deal_type,amount_usd,certainty,sources\n"
     "2025-01-01,A,B,equity_investment,5,rumour,https://example.com\n",
     "line 2: certainty 'rumour' is not one of confirmed, reported, uncertain, superseded"),
    ("date,source_party,target_party\n\"unclosed,a,b\n1,2,3,4\n", "cannot read the deal table"),
])
def test_other_bad_deal_files(tmp_path, content, message):
    path = tmp_path / "deals.csv"
    path.write_text(content, encoding="utf-8")
    result = run("--deals", path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}: ") and message in result.stderr
    assert result.stderr.count("\n") == 1  # one paragraph


def test_user_deal_file_with_its_own_parties():
    out = ok("--deals", FIXTURES / "triangle.csv", "--cycles", "--width", "200")
    assert "2. Alpha → Beta → Gamma → Alpha · disclosed $180 · weakest link: reported" in out
    assert "Data as of 2025-07-01 (the latest deal date in" in out


@pytest.mark.parametrize(("old", "new", "message"), [
    (",100,confirmed", ",1e308,confirmed", "line 2: amount_usd '1e308' is beyond 1e+15 US dollars"),
    ("2025-01-15", "0001-01-15", "line 2: date '0001-01-15' is outside 1900-2100"),
])
def test_deal_files_out_of_any_real_range_are_input_errors(tmp_path, old, new, message):
    text = (Path(__file__).parents[1] / "fixtures" / "deals" / "triangle.csv").read_text()
    bad = tmp_path / "deals.csv"
    bad.write_text(text.replace(old, new, 1))
    result = run("--deals", bad, "--cycles", "-f", "json")
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr


def test_ceilings_and_stakes_are_named_in_every_view():
    out = " ".join(ok("--width", "200").split())
    assert "up to $11.9B" in out and "D022" in out
    assert ("'Up to' ceilings shown but left out of sums and dependence: 7 (D002, D004-softbank-group"
            in out) or "'Up to' ceilings shown but left out of sums and dependence: 7" in out
    assert "Stake valuations are no money flow and are never summed: D022." in out
    md = ok("--format", "markdown")
    assert "up to $11.9B" in md and "--include-ceilings counts them" in md
    counted = " ".join(ok("--include-ceilings", "--width", "200").split())
    assert "'Up to' ceilings counted in sums and dependence: 7" in counted


def test_absurd_amounts_print_as_plain_dollars(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("date,source_party,target_party,deal_type,amount_usd,certainty,sources\n"
                 "2025-01-01,A,B,cloud_contract,100000000000000,confirmed,https://example.org/a\n"
                 "2025-01-02,B,A,equity_investment,1000000000000000,confirmed,https://example.org/b\n")
    out = ok("--deals", str(p), "--cycles", "--width", "160")
    assert "$100,000B" in out and "$1,000,000B" in out and "e+" not in out
