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
    assert list(findings.columns) == ["account", "code", "severity", "subject", "value", "limit"]
    per = findings.groupby("account").size()
    assert (accounts.set_index("account")[["errors", "warnings", "infos"]].sum(axis=1) == per
            .reindex(accounts["account"]).fillna(0).to_numpy()).all()


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
