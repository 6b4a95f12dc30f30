"""Outputs neutralise hostile text: spreadsheet formulas, escape sequences, Markdown pipes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from bubbleguard.cli import cli
from bubbleguard.renderers._format import csv_text, md

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
