"""Every failure a user can cause is one paragraph and exit 2; a bug is exit 3, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bubbleguard.cli import cli

BROKERS = Path(__file__).parents[1] / "fixtures" / "brokers"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def portfolios(tmp_path: Path) -> dict[str, Path]:
    files = {"cash": "symbol,market_value\nCASH,1000\n",
             "bonds": "symbol,market_value\nBND,600\nAGG,400\n",
             "unknown": "symbol,market_value\nZZZZQ,1000\n",
             "one": "symbol,market_value\nNVDA,1000\n"}
    from bubbleguard.reference import load_snapshot

    securities = load_snapshot().securities
    stocks = [s for s in securities.index[securities["kind"] == "stock"] if s.isalpha()][:1000]
    files["thousand"] = "symbol,market_value\n" + "".join(f"{s},1\n" for s in stocks)
    out = {}
    for name, text in files.items():
        out[name] = tmp_path / f"{name}.csv"
        out[name].write_text(text)
    return out


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "html"])
@pytest.mark.parametrize("name", ["cash", "bonds", "unknown", "one", "thousand"])
def test_edge_portfolios_render_in_every_format(portfolios, name, fmt):
    res = run("check", str(portfolios[name]), "-f", fmt, "--fail-on", "never")
    assert res.exit_code == 0, res.output
    assert res.stdout.strip()
    if fmt == "json":
        assert json.loads(res.stdout)["total_value"] == pytest.approx(1000.0)
    if fmt == "csv":
        assert res.stdout.splitlines()[0].startswith("issuer,issuer_id,symbols,weight")


def test_policy_files_in_other_encodings(tmp_path, portfolios):
    utf16 = tmp_path / "utf16.toml"
    utf16.write_text("max_issuer = 0.5\n", encoding="utf-16")
    res = run("check", str(portfolios["one"]), "--policy", str(utf16), "-f", "json", "--fail-on", "never")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["policy"]["max_issuer"] == 0.5
    latin = tmp_path / "latin.toml"
    latin.write_bytes("# café\nmax_issuer = 0.5\n".encode("latin-1"))
    res = run("check", str(portfolios["one"]), "--policy", str(latin))
    assert res.exit_code == 2
    assert res.stderr.startswith(f"Error: {latin} is not UTF-8 text") and "\n" not in res.stderr.strip()


def test_output_into_a_missing_folder_names_the_folder(tmp_path, portfolios):
    target = tmp_path / "no" / "such" / "report.json"
    res = run("check", str(portfolios["one"]), "-f", "json", "-o", str(target))
    assert res.exit_code == 2
    assert res.stderr == (f"Error: Cannot write {target}: the folder {target.parent} does not exist. "
                          "Create it or choose another --output path.\n")


def test_output_is_written_whole_and_said_on_stderr(tmp_path, portfolios):
    target = tmp_path / "report.json"
    res = run("check", str(portfolios["one"]), "-f", "json", "-o", str(target), "--fail-on", "never")
    assert res.exit_code == 0
    assert res.stderr.startswith(f"wrote {target} (")
    assert json.loads(target.read_text())["total_value"] == 1000.0
    res = run("check", str(portfolios["one"]), "-f", "json", "-o", str(target), "--fail-on", "never")
    assert res.stderr.startswith(f"replaced {target} (")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left
    mode = target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_robin_stocks_frame_saved_without_its_index(tmp_path):
    lines = (BROKERS / "robinhood_build_holdings.csv").read_text().splitlines()
    no_index = tmp_path / "holdings.csv"
    no_index.write_text("\n".join(line.split(",", 1)[1] for line in lines) + "\n")
    res = run("check", str(no_index))
    assert res.exit_code == 2
    assert "no column with the tickers" in res.stderr and "index_label='symbol'" in res.stderr


def test_an_internal_error_is_exit_3_with_a_request_to_report_it(monkeypatch, portfolios):
    import bubbleguard.checker

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(bubbleguard.checker, "compute_exposures", broken)
    res = run("check", str(portfolios["one"]))
    assert res.exit_code == 3
    assert res.stderr.startswith("Internal error in bubbleguard ")
    assert "ZeroDivisionError: boom" in res.stderr and "Traceback" not in res.stderr
    res = run("--debug", "check", str(portfolios["one"]))
    assert isinstance(res.exception, ZeroDivisionError)


def test_a_folder_given_as_the_holdings_file_from_a_real_process(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "bubbleguard", "check", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "is a directory" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(("content", "message"), [
    ("symbol,market_value\nNVDA,1e308\n", "line 2: market_value '1e308' is beyond 1e+15"),
    ("symbol,quantity,price\nNVDA,1e14,1e14\n", "line 2: NVDA is worth more than 1e+15"),
])
def test_amounts_beyond_any_real_position_are_input_errors(tmp_path, content, message):
    f = tmp_path / "h.csv"
    f.write_text(content)
    res = run("check", str(f), "-f", "json")
    assert res.exit_code == 2 and res.stdout == ""
    assert message in res.stderr


def test_a_policy_key_that_is_not_a_table(tmp_path, portfolios):
    bad = tmp_path / "p.toml"
    bad.write_text("policy = 3\n")
    res = run("check", str(portfolios["one"]), "--policy", str(bad))
    assert res.exit_code == 2
    assert res.stderr.startswith(f"Error: {bad}: 'policy' is int 3, not a table of settings")


LONG = "Z" * 5000


@pytest.mark.parametrize(("make", "args"), [
    (lambda d: (d / "p.toml", f"max_issuer = 0.1\n{LONG} = 3\n"), ("check", "{one}", "--policy", "{file}")),
    (lambda d: (d / "d.csv", "deal_id,date,source_party,target_party,deal_type,amount_usd,certainty,sources\n"
                f"g1,2025-01-01,A,B,{LONG},1,{LONG},https://example.com\n"), ("deals", "--deals", "{file}")),
    (lambda d: (d / "s.toml",
                f'[[hypothetical]]\nid = "x"\n[hypothetical.shocks]\nsymbol = {{ {LONG} = -0.3 }}\n'),
     ("scenarios", "{one}", "--scenarios", "{file}")),
    (lambda d: (d / "x", ""), ("check", "{one}", "--base-currency", LONG)),
    (lambda d: (d / "x", ""), ("check", "{one}", "--max-issuer", LONG)),
])
def test_error_messages_quote_at_most_200_characters_of_a_value(tmp_path, portfolios, make, args):
    path, text = make(tmp_path)
    path.write_text(text)
    res = run(*(a.format(one=portfolios["one"], file=path) for a in args))
    assert res.exit_code == 2
    assert "Z" * 190 in res.stderr and "Z" * 201 not in res.stderr and "Z…" in res.stderr
    assert len(res.stderr) < 2_500 and "Traceback" not in res.stderr


def test_an_error_message_is_one_bounded_paragraph_of_printable_text():
    from bubbleguard.cli import bounded

    assert bounded("line 7:\n'\x1b[2Jx' is bad\x07") == "line 7: '[2Jx' is bad"
    long = bounded("word " * 1000)
    assert len(long) < 2_100 and long.endswith("… (cut at 2,000 characters)")


@pytest.mark.parametrize("args", [
    ("rebalance", "{one}", "--cash", "nan"), ("rebalance", "{one}", "--cash", "1e308"),
    ("rebalance", "{one}", "--tax-rate", "nan"), ("rebalance", "{one}", "--min-trade", "inf"),
    ("scenarios", "{one}", "--fail-below", "nan"),
])
def test_numeric_options_refuse_numbers_that_are_not_finite_or_out_of_range(portfolios, args):
    res = run(*(a.format(one=portfolios["one"]) for a in args))
    assert res.exit_code == 2
    assert f"Invalid value for '{args[2]}': {args[3]} is not a number between" in res.stderr


def _strict(text: str) -> object:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in JSON output")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("args", [
    ("check", "{mixed}", "-f", "json"), ("check", "{mixed}", "-f", "json", "--scenarios"),
    ("rebalance", "{mixed}", "-f", "json"), ("scenarios", "{mixed}", "-f", "json"),
    ("deals", "-f", "json"), ("deals", "--cycles", "-f", "json"), ("deals", "--party", "NVDA", "-f", "json"),
    ("deals", "--holdings", "{mixed}", "--party", "AMD", "-f", "json"), ("funds", "-f", "json"),
    ("funds", "QQQ", "-f", "json"), ("data", "info", "-f", "json"),
    ("deals", "--deals", str(Path(__file__).parents[1] / "fixtures" / "deals" / "undisclosed.csv"),
     "--party", "Golf", "-f", "json"),
])
def test_every_json_output_is_strict_json(tmp_path, args):
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("symbol,market_value\nQQQ,5000\nNVDA,3000\nBND,1500\nCASH,500\nZZZZQ,10\n")
    res = run(*(a.format(mixed=mixed) for a in args))
    assert res.exit_code in (0, 1), res.output
    _strict(res.stdout)


def test_a_nan_shock_is_an_input_error_not_nan_in_the_json(tmp_path, portfolios):
    path = tmp_path / "s.toml"
    path.write_text('[[hypothetical]]\nid = "x"\n[hypothetical.shocks]\nasset_class = { equity = nan }\n')
    res = run("scenarios", str(portfolios["one"]), "--scenarios", str(path), "-f", "json")
    assert res.exit_code == 2 and res.stdout == ""
    assert "shocks.asset_class.equity = nan is not a number" in res.stderr


def test_a_non_finite_number_in_a_result_is_a_bug_not_invalid_json(monkeypatch, portfolios):
    from bubbleguard.report import Report

    real = Report.model_dump

    def poisoned(self, **kwargs):
        dumped = real(self, **kwargs)
        dumped["total_value"] = float("inf")
        return dumped

    monkeypatch.setattr(Report, "model_dump", poisoned)
    res = run("check", str(portfolios["one"]), "-f", "json")
    assert res.exit_code == 3 and res.stdout == ""
    assert "a number that is not finite at $['total_value'] (inf)" in res.stderr


@pytest.mark.parametrize(("args", "name"), [
    (("check", "{one}", "-f", "html", "-o", "{out}"), "report.html"),
    (("rebalance", "{one}", "--apply-to", "{out}"), "after.csv"),
    (("scenarios", "{one}", "-f", "csv", "-o", "{out}"), "s.csv"),
    (("funds", "QQQ", "-f", "csv", "-o", "{out}"), "qqq.csv"),
    (("deals", "-o", "{out}"), "deals.png"),
    (("deals", "-o", "{out}"), "deals.graphml"),
    (("deals", "--cycles", "-o", "{out}"), "cycles.dot"),
    (("batch", "{book}", "-o", "{out}"), "book.csv"),
])
def test_a_full_disk_is_exit_2_and_leaves_the_old_file(tmp_path, portfolios, monkeypatch, args, name):
    import errno

    book = tmp_path / "book.in.csv"
    book.write_text("account,symbol,market_value\na,NVDA,100\nb,VOO,200\n")
    out = tmp_path / name
    out.write_bytes(b"the old file")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    res = run(*(a.format(one=portfolios["one"], out=out, book=book) for a in args))
    assert res.exit_code == 2, res.output
    error = [line for line in res.stderr.splitlines() if line.startswith("Error:")]
    option = "--apply-to" if "--apply-to" in args else "--output"
    assert error == [f"Error: Cannot write {out}: No space left on device. Nothing was written; free some "
                     f"space or choose another {option} path."]
    assert out.read_bytes() == b"the old file"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(f".{name}.")]  # no temporary left
