"""Outputs neutralise hostile text: spreadsheet formulas, escape sequences, Markdown pipes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from bubbleguard.cli import cli
from bubbleguard.renderers._format import Printable, csv_text, md, md_document, to_text

HOSTILE = ('symbol,market_value,account,name\n'
           'NVDA,1000,"=HYPERLINK(""http://example.invalid"",""click"")",NVIDIA\n'
           'ZZZQ\x1b[2J,500,+cmd,"evil\x1b]8;;http://example.invalid\x07link\x1b]8;;\x07"\n'
           '@SUM(A1),10,-acct,"a|b"\n')


def test_csv_cells_that_a_spreadsheet_would_run_stay_text():
    frame = pd.DataFrame({"s": ["=1+1", "+x", "-x", "@x", "\tx", "-5", "1e3", "ok"],
                          "v": [1, -2, 3, 4, 5, 6, 7, 8]})
    lines = csv_text(frame).splitlines()
    assert lines[1:6] == ["'=1+1,1", "'+x,-2", "'-x,3", "'@x,4", "'\tx,5"]
    assert lines[6:] == ["-5,6", "1e3,7", "ok,8"]  # numbers, and negative numbers, are left alone


def test_markdown_cells_escape_pipes_and_fold_lines():
    assert md("a|b\nc") == "a\\|b c"


def test_markdown_carries_no_html():
    assert md("a|<script>x</script>") == "a\\|&lt;script>x&lt;/script>"
    assert (md_document("- `<img src=x onerror=y>` & S&P <0.1%")
            == "- `&lt;img src=x onerror=y>` & S&P &lt;0.1%")
    assert md_document(md_document("<b>")) == md_document("<b>")  # idempotent: renderers may nest
    assert md_document("a\x1b[2Jb\x07\n| c\t|") == "a[2Jb\n| c\t|"


def test_csv_cells_lose_control_characters_but_keep_line_breaks():
    frame = pd.DataFrame({"s": ["a\x1b[2Jb", "\x1b=cmd", "two\nlines", "bell\x07\x9b"]})
    assert csv_text(frame) == 's\na[2Jb\n\'=cmd\n"two\nlines"\nbell\n'


def test_the_terminal_never_gets_a_control_character_from_data_but_keeps_its_styles():
    import io

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table("name", "value")
    table.add_row("x\x1b[2Jy", Text("red\x07\x9b", style="red"))
    assert "│ x[2Jy │ red   │" in to_text(table, width=40)
    buf = io.StringIO()
    styled = Console(file=buf, width=40, force_terminal=True, color_system="standard", markup=False)
    styled.print(Printable(table))
    out = buf.getvalue()
    assert "\x1b[31mred  \x1b[0m" in out  # rich's own colour kept
    assert "\x1b[2J" not in out and "\x07" not in out and "\x9b" not in out


def _run(tmp_path: Path, *args: str) -> str:
    path = tmp_path / "hostile.csv"
    path.write_text(HOSTILE, encoding="utf-8")
    result = CliRunner().invoke(cli, [*args[:1], str(path), *args[1:]])
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def test_hostile_holdings_through_every_text_format(tmp_path):
    table = _run(tmp_path, "check", "--fail-on", "never", "--width", "120")
    assert "\x1b" not in table and "\x07" not in table and "ZZZQ[2J" in table
    markdown = _run(tmp_path, "check", "-f", "markdown", "--fail-on", "never")
    assert "\x1b" not in markdown and "| ZZZQ[2J |" in markdown
    trades = _run(tmp_path, "rebalance", "-f", "csv")
    assert not [ln for ln in trades.splitlines() if ln.startswith(("=", "+", "@"))]
    assert "'=HYPERLINK" in trades or "HYPERLINK" not in trades


DEALS = ('deal_id,date,source_party,target_party,source_ticker,target_ticker,deal_type,amount_usd,'
         'certainty,sources\n'
         't1,2025-01-15,"=HYPERLINK(""x"")",Beta|<b>x</b>,ALP,BET,equity_investment,100,confirmed,'
         'https://example.com/t1\n'
         't2,2025-02-01,Beta|<b>x</b>,\x1b[2JGamma,BET,,purchase_commitment,50,confirmed,@SUM(1)\n'
         't3,2025-02-02,\x1b[2JGamma,"=HYPERLINK(""x"")",,ALP,cloud_contract,10,confirmed,'
         'https://example.com/t3\n')


def test_hostile_deal_files_through_every_text_format(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text(DEALS, encoding="utf-8")

    def deals(*args: str) -> str:
        result = CliRunner().invoke(cli, ["deals", "--deals", str(path), *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    for args in ((), ("--cycles",), ("--party", "Beta|<b>x</b>")):
        table = deals(*args, "--width", "120")
        assert "\x1b" not in table and "Gamma" in table
        markdown = deals(*args, "-f", "markdown")
        assert "<b>" not in markdown and "&lt;b>x&lt;/b>" in markdown
    csv = deals("-f", "csv")
    assert "\x1b" not in csv and "'=HYPERLINK" in csv and "'@SUM(1)" in csv
    assert ',=' not in csv and ',"=' not in csv


def test_hostile_scenario_names_through_every_text_format(tmp_path):
    holdings = tmp_path / "h.csv"
    holdings.write_text("symbol,market_value\nVOO,1000\n")
    scenarios = tmp_path / "s.toml"
    scenarios.write_text('[[hypothetical]]\nid = "=evil"\nname = "Chip \\u001b]8;;http://x\\u0007glut|<b>"\n'
                         '[hypothetical.shocks]\nasset_class = { equity = -0.1 }\n')

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["scenarios", str(holdings), "--scenarios", str(scenarios),
                                          "--scenario", "=evil", *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    assert "\x1b" not in run() and "\x07" not in run()
    assert "| Chip ]8;;http://xglut\\|&lt;b> (`=evil`) |" in run("-f", "markdown")
    assert run("-f", "csv").splitlines()[1].startswith("'=evil,Chip ]8;;http://xglut|<b>,hypothetical")
def test_wrap_cells_breaks_chinese_between_characters_within_the_width():
    from rich.cells import cell_len

    from bubbleguard.renderers._format import wrap_cells

    text = ("以下基金的持仓数据已超过 180 天：513100（2025-10-03，425 天）、513500（2025-11-18，379 天）；"
            "权重可能已经漂移。请用 --funds FILE 传入。")
    for width in (20, 33, 40, 71):
        lines = wrap_cells(text, width)
        assert all(cell_len(line) <= width for line in lines), (width, lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost or added
        assert not any(line[0] in "）。，；：、" or line[-1] in "（“" for line in lines)
        assert "--funds" in " ".join(lines).split()  # an ASCII word is never split
    assert wrap_cells("one two three", 7) == ["one two", "three"]
