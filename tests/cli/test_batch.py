"""`bubbleguard batch` through click's runner: formats, --findings, exit codes and errors."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

BOOK = ("account,symbol,market_value,quantity\n"
        "A1,VOO,60000,\nA1,BND,30000,\nA1,GLD,10000,\n"
        "B2,NVDA,50000,\nB2,QQQ,50000,\nB2,ZZZUNKNOWN,1000,\n"
        "C3,VTI,,100\nC3,BND,40000,\nC3,IAU,8000,\n")


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(BOOK)
    return path


def test_csv_to_stdout_and_exit_code_follows_fail_on(run, book):
    res = run("batch", str(book))
    assert res.exit_code == 1  # B2 breaks the caps by far: errors
    out = pd.read_csv(io.StringIO(res.stdout))
    assert out["account"].tolist() == ["A1", "B2", "C3"]
    assert out.loc[1, "worst"] == "error" and "issuer_cap_exceeded" in out.loc[1, "codes"]
    assert out.loc[1, "infos"] == 1  # the unknown symbol
    assert run("batch", str(book), "--fail-on", "never").exit_code == 0


def test_jsonl_and_parquet_outputs_and_findings(run, book, tmp_path):
    res = run("batch", str(book), "-f", "jsonl", "--fail-on", "never")
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["account"] for r in rows] == ["A1", "B2", "C3"]
    out, found = tmp_path / "out.parquet", tmp_path / "findings.parquet"
    res = run("batch", str(book), "-f", "parquet", "-o", str(out), "--findings", str(found),
              "--fail-on", "never")
    assert res.exit_code == 0
    assert f"wrote {out}" in res.stderr and f"wrote {found}" in res.stderr
    accounts = pd.read_parquet(out)
    findings = pd.read_parquet(found)
    assert list(findings.columns) == ["account", "code", "severity", "subject", "value", "limit",
                                      "message"]
    per = findings.groupby("account").size()
    assert (accounts.set_index("account")[["errors", "warnings", "infos"]].sum(axis=1) == per
            .reindex(accounts["account"]).fillna(0).to_numpy()).all()


def test_findings_in_chinese_read_as_check_writes_them(run, book, tmp_path):
    found = tmp_path / "findings.csv"
    res = run("--lang", "zh", "batch", str(book), "--findings", str(found), "--fail-on", "never")
    assert res.exit_code == 0, res.stderr
    findings = pd.read_csv(found, dtype=str, keep_default_na=False)
    frame = pd.read_csv(book, dtype={"account": str})
    for account, rows in frame.groupby("account"):
        alone = tmp_path / f"{account}.csv"
        rows.drop(columns="account").to_csv(alone, index=False)
        report = json.loads(run("--lang", "zh", "check", str(alone), "-f", "json", "--fail-on",
                                "never").stdout)
        mine = findings[findings["account"] == account]
        assert mine["message"].tolist() == [f["message"] for f in report["findings"]], account
    assert findings["message"].str.contains("组合").any()


def test_policy_options_change_the_verdict(run, book):
    loose = run("batch", str(book), "--max-issuer", "1", "--max-mag7", "1", "--max-ai", "1",
                "--max-circular", "1", "--max-top10", "1", "--min-bond", "0", "--min-gold", "0")
    out = pd.read_csv(io.StringIO(loose.stdout))
    assert "issuer_cap_exceeded" not in " ".join(out["codes"].fillna(""))


def test_parquet_input(run, book, tmp_path):
    path = tmp_path / "book.parquet"
    pd.read_csv(book).to_parquet(path)
    res = run("batch", str(path), "--fail-on", "never")
    assert pd.read_csv(io.StringIO(res.stdout))["account"].tolist() == ["A1", "B2", "C3"]


def test_no_account_column_exits_2_with_one_paragraph(run, tmp_path):
    path = tmp_path / "holdings.csv"
    path.write_text("symbol,market_value\nVOO,100\n")
    res = run("batch", str(path))
    assert res.exit_code == 2
    assert res.stderr.startswith(f"Error: {path}: no account column (found: symbol, market_value).")
    assert res.stderr.count("\n") == 1


def test_parquet_to_the_terminal_is_refused(run, book):
    res = run("batch", str(book), "-f", "parquet")
    assert res.exit_code == 2 and "give --output FILE" in res.stderr


def test_batch_is_listed(run):
    assert "batch" in run("--help").output


# --------------------------------------------------------------------------- bad input
def test_a_corrupt_parquet_file_exits_2_with_one_paragraph(run, tmp_path):
    path = tmp_path / "book.parquet"
    path.write_bytes(b"PAR1 this is not a parquet file")
    res = run("batch", str(path))
    assert res.exit_code == 2
    assert res.stderr.startswith(f"Error: {path}: cannot be read as a Parquet file (")
    assert res.stderr.count("\n") == 1


def test_only_unknown_symbols(run, tmp_path):
    """Values given: checked, all unresolved; quantities without prices: nothing to check, exit 2."""
    valued = tmp_path / "valued.csv"
    valued.write_text("account,symbol,market_value\nA,NOPE1,100\nA,NOPE2,50\nB,NOPE3,10\n")
    res = run("batch", str(valued), "--fail-on", "never")
    out = pd.read_csv(io.StringIO(res.stdout))
    assert res.exit_code == 0 and out["unresolved"].tolist() == [1.0, 1.0]
    assert out.loc[0, "infos"] == 2 and "unknown_symbol" in out.loc[0, "codes"]
    counted = tmp_path / "counted.csv"
    counted.write_text("account,symbol,quantity\nA,NOPE1,3\nB,NOPE2,4\n")
    res = run("batch", str(counted))
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert res.stderr.startswith(f"Error: {counted}: no account could be checked:")
    assert "row 1 (NOPE1) left out: no price" in res.stderr


def test_an_account_mixing_currencies_without_a_rate_is_a_note(run, tmp_path):
    path = tmp_path / "book.csv"
    path.write_text("account,symbol,market_value,currency\nA,VOO,100,USD\nA,BND,50,XYZ\n"
                    "B,VOO,80,EUR\nB,BND,20,EUR\n")
    res = run("batch", str(path), "--fail-on", "never")
    out = pd.read_csv(io.StringIO(res.stdout)).set_index("account")
    assert res.exit_code == 0
    assert "no exchange rate for XYZ" in out.loc["A", "notes"]
    assert out.loc["B", "currency"] == "EUR" and out.loc["B", "total_value"] == 100.0


def test_progress_bar_goes_to_stderr(run, book):
    res = run("batch", str(book), "--progress", "--fail-on", "never")
    assert "checking accounts" in res.stderr and "3/3" in res.stderr
    assert pd.read_csv(io.StringIO(res.stdout))["account"].tolist() == ["A1", "B2", "C3"]
    assert "checking" not in run("batch", str(book), "--fail-on", "never").stderr


def test_fail_on_levels(run, book):
    assert run("batch", str(book), "--fail-on", "info").exit_code == 1
    loose = ("--max-issuer", "1", "--max-mag7", "1", "--max-ai", "1", "--max-circular", "1",
             "--max-top10", "1", "--min-bond", "0", "--min-gold", "0", "--max-over-market", "1")
    assert run("batch", str(book), *loose).exit_code == 0  # warnings and infos only
    assert run("batch", str(book), *loose, "--fail-on", "info").exit_code == 1


def test_scheduler_needs_the_dask_engine(run, book):
    res = run("batch", str(book), "--scheduler", "tcp://127.0.0.1:9")
    assert res.exit_code == 2 and res.stderr == "Error: --scheduler needs --engine dask.\n"


# --------------------------------------------------------------------------- engines
def test_dask_engine_gives_the_local_table(run, book, tmp_path):
    pytest.importorskip("dask.dataframe")
    path = tmp_path / "book.parquet"
    pd.read_csv(book).to_parquet(path)
    local = run("batch", str(path), "--fail-on", "never")
    far = run("batch", str(path), "--engine", "dask", "--fail-on", "never")
    assert far.exit_code == 0
    a, b = pd.read_csv(io.StringIO(local.stdout)), pd.read_csv(io.StringIO(far.stdout))
    pd.testing.assert_frame_equal(b, a.sort_values("account").reset_index(drop=True), rtol=1e-12)


def test_rebalance_writes_every_account_s_trades_and_status(run, book, tmp_path):
    trades = tmp_path / "trades.csv"
    res = run("batch", str(book), "--rebalance", "--output", str(trades), "--workers", "1")
    assert res.exit_code == 0, res.stderr
    out = pd.read_csv(trades)
    assert list(out.columns) == ["account", "symbol", "side", "shares", "value", "status", "note"]
    assert list(dict.fromkeys(out["account"])) == ["A1", "B2", "C3"]
    b2 = out[out["account"] == "B2"]
    assert (b2["status"] == "optimal").all() and "NVDA" in set(b2.loc[b2.side == "sell", "symbol"])
    strict = run("batch", str(book), "--rebalance", "--workers", "1", "--min-bond", "0.6",
                 "--min-gold", "0.6")
    assert strict.exit_code == 2  # 60% bonds and 60% gold: no account can, none is solved
    assert "no account could be rebalanced" in strict.stderr


def test_plain_batch_loads_neither_dask_nor_cvxpy(book):
    from .test_check import loaded_after, run_cli

    code = run_cli("batch", str(book), "-o", "/dev/null", "--fail-on", "never")
    assert loaded_after(code, ("dask", "distributed", "cvxpy")) == []


def test_control_characters_never_reach_any_output(run, tmp_path):
    """An escape sequence in an account label or a currency cell cannot drive the terminal; two
    labels that differ only by one stay two accounts, and the currency reads as check reads it."""
    book = tmp_path / "book.csv"
    book.write_text('account,symbol,market_value,currency\n'
                    '"acct\x1b[31m",VOO,1000,USD\n"acct\x1b[31m",BND,500,USD\n'
                    'acct,VOO,700,USD\n'
                    'b\x07,QQQ,300,"\x1b]0;X\x07"\n', encoding="utf-8")
    control = [chr(c) for c in (*range(0x20), *range(0x7f, 0xa0))]
    for fmt in ("csv", "jsonl"):
        res = run("batch", str(book), "-f", fmt, "--fail-on", "never")
        assert res.exit_code == 0, res.stderr
        assert not any(c in res.stdout.replace("\n", "") for c in control), fmt
    out, found = tmp_path / "out.parquet", tmp_path / "found.parquet"
    assert run("batch", str(book), "-f", "parquet", "-o", str(out), "--findings", str(found),
               "--fail-on", "never").exit_code == 0
    accounts = pd.read_parquet(out)
    assert accounts["account"].tolist() == ["acct\\x1b[31m", "acct", "b\\x07"]
    texts = pd.concat([accounts.select_dtypes(exclude="number").astype(str).stack(),
                       pd.read_parquet(found).select_dtypes(exclude="number").astype(str).stack()])
    assert not texts.str.contains("[\x00-\x1f\x7f-\x9f]", regex=True).any()
    alone = tmp_path / "b.csv"
    alone.write_text('symbol,market_value,currency\nQQQ,300,"\x1b]0;X\x07"\n', encoding="utf-8")
    report = json.loads(run("check", str(alone), "-f", "json", "--fail-on", "never").stdout)
    assert accounts.set_index("account").at["b\\x07", "currency"] == report["currency"] == "]0;X"


def test_a_base_currency_values_every_account_as_check_values_it(run, tmp_path):
    book = tmp_path / "book.csv"
    book.write_text("account,symbol,market_value,currency\n"
                    "us,VOO,6000,USD\nus,BND,4000,USD\n"
                    "cn,510300,50000,CNY\ncn,511260,30000,CNY\n"
                    "mixed,VOO,1000,USD\nmixed,2800,8000,HKD\n")
    res = run("batch", str(book), "--base-currency", "CNY", "-f", "jsonl", "--fail-on", "never")
    assert res.exit_code == 0, res.stderr
    rows = {r["account"]: r for r in map(json.loads, res.stdout.splitlines())}
    frame = pd.read_csv(book)
    for account, part in frame.groupby("account"):
        alone = tmp_path / f"{account}.csv"
        part.drop(columns="account").to_csv(alone, index=False)
        report = json.loads(run("check", str(alone), "--base-currency", "CNY", "-f", "json",
                                "--fail-on", "never").stdout)
        assert rows[account]["currency"] == report["currency"] == "CNY"
        assert rows[account]["total_value"] == pytest.approx(report["total_value"], rel=1e-12)
        assert rows[account]["ai"] == pytest.approx(report["exposures"]["themes"]["ai"], abs=1e-9)
    assert rows["cn"]["total_value"] == pytest.approx(80_000)  # already in CNY: unconverted


def test_an_asset_class_column_the_batch_does_not_read_is_named(run, tmp_path):
    book = tmp_path / "book.csv"
    book.write_text("account,symbol,market_value,asset_class\na,VOO,100,\na,ZZZQ,50,bond\n")
    res = run("batch", str(book), "-f", "jsonl", "--fail-on", "never")
    assert res.exit_code == 0, res.stderr
    assert "the asset_class column is not read by the batch" in res.stderr
    assert json.loads(res.stdout)["unresolved"] >= 50 / 150  # ZZZQ unresolved, as the note says
