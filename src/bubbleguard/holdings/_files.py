"""Holdings files in, one canonical raw table out.

This is the first stage of the data flow: it reads a user's holdings file (a hand-written CSV or
a broker export such as Fidelity's ``Portfolio_Positions_*.csv``), works out its encoding,
delimiter and layout, skips title lines, totals and disclaimers, and renames the columns to the
canonical names of the holdings input contract (``symbol``, ``quantity``, ``market_value``, ...).
Every cell stays a stripped string: the next stage validates values and builds the portfolio,
using :func:`parse_number` and the line numbers kept here for its error messages.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pandas as pd

from ..errors import HoldingsError
from ..i18n import _
from ..symbols import printable
from ._brokers import BROKERS, GENERIC, TRANSACTIONS
from ._layout import AVG_COST, CANONICAL, GENERIC_ALIASES, NUMERIC, BrokerFormat, Row, missing_columns, norm

__all__ = ["BROKERS", "BrokerFormat", "RawHoldings", "parse_number", "read_holdings_file"]

_HEADER_SCAN = 100  # a header further down than this many lines is not looked for
_SNIFF_WIDTH = 200  # characters of each line the delimiter sniffer sees
_SNIFF_CHARS = 4096  # characters it sees in all: its patterns take time quadratic in the sample
MAX_FILE_BYTES = 10_000_000  # about 100,000 positions: a person's accounts are far fewer
_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive or an Excel .xlsx workbook",
    b"\xd0\xcf\x11\xe0": "an Excel .xls workbook",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
}
_CJK_HINT = re.compile("代码|名称|数量|市值|币种|证券|成本|持仓|余额|市价|现价")
_EXCEL_TEXT = re.compile(r'^="(.*)"$')  # ="00700": how Chinese broker clients keep leading zeros
_NONE = {"", "-", "--", "---", "—", "–", "n/a", "na", "n.a.", "none", "null", "nan"}
_CURRENCY = (r"(?:US\$|HK\$|NT\$|C\$|A\$|S\$|R\$|\$|¥|￥|€|£|₩|元|"
             r"(?:USD|HKD|CNY|CNH|RMB|EUR|GBP|JPY|CAD|AUD|CHF|SGD|TWD|KRW)(?![A-Za-z]))")
_CUR_PREFIX = re.compile(rf"^{_CURRENCY}\s*")
_CUR_SUFFIX = re.compile(rf"\s*{_CURRENCY}$")
_NUMBER = {
    ".": re.compile(r"^(?:\d{1,3}(?P<g>[, '])\d{3}(?:(?P=g)\d{3})*(?:\.\d*)?|\d+(?:\.\d*)?"
                    r"(?:[eE][+-]?\d+)?|\.\d+)$"),
    ",": re.compile(r"^(?:\d{1,3}(?P<g>[. '])\d{3}(?:(?P=g)\d{3})*(?:,\d*)?|\d+(?:,\d*)?|,\d+)$"),
}


@dataclass(frozen=True)
class RawHoldings:
    """A holdings file read into canonical columns, values not yet validated.

    Attributes
    ----------
    frame
        One row per position; columns among ``symbol, quantity, market_value, price, currency,
        account, cost_basis, asset_class, locked, name, description``; every cell a stripped
        string (``""`` when empty).
    lines
        The 1-based line number in the original file of each frame row, for error messages.
    source
        The file name.
    format
        The id of the detected (or forced) layout, a key of :data:`BROKERS`.
    decimal
        The decimal mark numbers in this file use (``"."`` or ``","``); pass it to
        :func:`parse_number`.
    notes
        What was skipped or inferred, in words (preamble, footer, totals, encoding, ...).
    """

    frame: pd.DataFrame
    lines: list[int]
    source: str
    format: str
    decimal: str
    notes: list[str]


def parse_number(text: str, decimal: str = ".") -> float | None:
    """Read a number the way brokers and spreadsheets print it.

    Parameters
    ----------
    text
        The cell, e.g. ``"$1,234.56"``, ``"(123.45)"``, ``"HK$ 2,000"``, ``"12.5%"``, ``"--"``.
    decimal
        The decimal mark: ``"."`` (thousands separated by ``,``, space or ``'``) or ``","``
        (thousands separated by ``.``, space or ``'``, as in ``"1.234,56"``).

    Returns
    -------
    float or None
        The value (negative for a leading minus or accounting parentheses; a trailing ``%`` is
        dropped, so ``"12.5%"`` gives ``12.5``), or None for an empty cell or a placeholder such
        as ``"-"``, ``"--"`` or ``"n/a"``.

    Raises
    ------
    ValueError
        When the text is not a number, or its thousands grouping does not fit ``decimal``
        (``"1,5"`` with decimal ``"."``), rather than guess.
    """
    if decimal not in _NUMBER:
        raise ValueError(f"decimal must be '.' or ',', not {decimal!r}")
    s = _EXCEL_TEXT.sub(r"\1", text.replace("\u00a0", " ").replace("\u202f", " ").strip())
    if s.lower() in _NONE:
        return None
    negative = signed = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    for _attempt in range(2):  # sign and currency in either order: "-$5", "$-5", "US$ -5", "-5 USD"
        if s and s[0] in "+-\u2212" and not signed:
            negative, signed = negative ^ (s[0] != "+"), True
            s = s[1:].strip()
        s = _CUR_SUFFIX.sub("", _CUR_PREFIX.sub("", s))
    if s.endswith("%"):
        s = s[:-1].strip()
    match = _NUMBER[decimal].match(s)
    if not match:
        raise ValueError(f"not a number: {text!r}")
    digits = s.replace(match.group("g"), "") if match.group("g") else s
    value = float(digits.replace(",", ".") if decimal == "," else digits)
    return -value if negative else value


def read_holdings_file(path: str | os.PathLike[str], broker: str | None = None) -> RawHoldings:
    """Read a holdings file into a :class:`RawHoldings` table with canonical column names.

    Parameters
    ----------
    path
        A CSV/TSV file: a hand-written table or a broker export (see :data:`BROKERS`). UTF-8
        (with or without BOM), UTF-16 (Excel "Unicode text"), cp1252/latin-1 and GBK/GB18030
        are read; the delimiter (``,`` ``;`` tab ``|``) is sniffed.
    broker
        A key of :data:`BROKERS` to force a layout instead of detecting it from the header.

    Returns
    -------
    RawHoldings
        The positions as strings, with line numbers and notes on what was skipped.

    Raises
    ------
    HoldingsError
        When the file is missing, empty, binary, has no recognisable header (the message names
        the closest known layout and its missing columns), has an ambiguous duplicate column, or
        has a header but no positions.
    """
    p = Path(path)
    source = p.name or str(path)
    forced = _lookup(broker, source) if broker is not None else None
    text, notes = _decode(_read_bytes(p, source), source)
    rows, delimiter = _tokenize(text, source, notes)
    fmt, start = _detect(rows, forced, source, notes)
    found = fmt.extract(rows, start, source)
    if not found.records:
        raise HoldingsError(
            _("{source}: found the header on line {line} ({layout}) but no position rows below it. Export "
              "the positions again, or add one row per holding.").format(source=source, line=rows[start][0],
                                                                         layout=fmt.label),
            problems=["no positions"])
    notes.extend(found.notes)
    decimal = _decimal_mark(found.records, delimiter, notes)
    renamed = [f"{c}='{found.columns[c]}'" for c in (*CANONICAL, AVG_COST)
               if c in found.columns and found.columns[c].strip().lower() != c]
    if renamed:
        notes.append(_("columns read as: {columns}").format(columns=", ".join(renamed)))
    frame = _frame(found.records, found.columns, decimal, notes)
    return RawHoldings(frame=frame, lines=list(found.lines), source=source, format=fmt.id,
                       decimal=decimal, notes=notes)


def _decimal_mark(records: list[dict[str, str]], delimiter: str, notes: list[str]) -> str:
    """Semicolon files use a decimal comma; others too when their numbers only read that way."""
    if delimiter == ";":
        notes.append(_("semicolon-separated: numbers use a decimal comma (1.234,56)"))
        return ","
    cells = [v for rec in records for k, v in rec.items() if k in NUMERIC and v]
    fails = {mark: sum(_number_fails(v, mark) for v in cells) for mark in ".,"}
    if fails["."] and not fails[","]:
        notes.append(_("numbers use a decimal comma (1.234,56)"))
        return ","
    return "."


def _number_fails(text: str, decimal: str) -> bool:
    try:
        parse_number(text, decimal)
    except ValueError:
        return True
    return False


def _lookup(broker: str, source: str) -> BrokerFormat:
    key = broker.strip().lower().replace("-", "_")
    if key in BROKERS:
        return BROKERS[key]
    close = difflib.get_close_matches(key, list(BROKERS), n=1)
    hint = _(" Did you mean '{broker}'?").format(broker=close[0]) if close else ""
    raise HoldingsError(
        _("{source}: unknown broker format '{broker}'.{hint} Known formats: {formats}. Pass one of these "
          "ids, or leave the broker out to detect it from the header.").format(
            source=source, broker=broker, hint=hint,
            formats="; ".join(f"{f.id} ({f.label})" for f in BROKERS.values())),
        problems=[f"unknown broker '{broker}'"])


def _read_bytes(p: Path, source: str) -> bytes:
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise HoldingsError(
                _("{source} is {size} MB, more than the {limit} MB a holdings file may have (about "
                  "{positions} positions; reading one takes memory about 40 times its size). For a "
                  "whole book of accounts use 'bubbleguard batch', which reads large CSV or Parquet "
                  "files in chunks.").format(source=source, size=f"{size / 1e6:,.1f}",
                                             limit=f"{MAX_FILE_BYTES / 1e6:,.0f}",
                                             positions=f"{MAX_FILE_BYTES // 100:,}"),
                problems=["file too large"])
        data = p.read_bytes()
    except FileNotFoundError:
        raise HoldingsError(_("{source}: no such file ({path}). Check the path.").format(
            source=source, path=p)) from None
    except OSError as exc:
        raise HoldingsError(_("{source}: cannot be read ({error}).").format(
            source=source, error=exc.strerror or exc)) from None
    if not data.strip():
        raise HoldingsError(_("{source} is empty. Export your positions again, or write a CSV with a header "
                              "such as symbol,quantity.").format(source=source), problems=["empty file"])
    for magic, what in _SIGNATURES.items():
        if data.startswith(magic):
            _binary(source, what)
    return data


def _binary(source: str, what: str) -> NoReturn:
    raise HoldingsError(
        _("{source} is not a text file (it looks like {what}). Export or save the positions as CSV (comma- "
          "or tab-separated text) and pass that file instead.").format(source=source, what=what),
        problems=["binary file"])


def _decode(data: bytes, source: str) -> tuple[str, list[str]]:
    """Decode by BOM, then UTF-8, then GB18030 (if it yields Chinese headers), then cp1252."""
    if data.startswith(codecs.BOM_UTF8):
        order = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        order = ["utf-16"]
    elif b"\x00" in data[:4096]:
        head = data[:4096]
        odd, even = head[1::2].count(0), head[0::2].count(0)
        if odd > len(head) // 4 and even == 0:
            order = ["utf-16-le"]
        elif even > len(head) // 4 and odd == 0:
            order = ["utf-16-be"]
        else:
            _binary(source, "binary data")
    else:
        order = ["utf-8"]
    notes: list[str] = []
    for enc in (*order, "gb18030", "cp1252", "latin-1"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "gb18030" and not _CJK_HINT.search(text):
            continue
        if enc not in ("utf-8", "utf-8-sig"):
            notes.append(_("decoded as {encoding}").format(encoding=enc.upper())
                         + (" (GBK)" if enc == "gb18030" else ""))
        break
    start = text[:4096]
    controls = sum(1 for ch in start if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n\f")
    if controls > len(start) // 20:
        _binary(source, "binary data")
    return text.lstrip("\ufeff"), notes


def _tokenize(text: str, source: str, notes: list[str]) -> tuple[list[Row], str]:
    """Split into cells with :mod:`csv`, keeping each row's first line number."""
    lines = text.splitlines()
    skip = 0
    m = re.fullmatch(r"\s*sep=(.)\s*", lines[0]) if lines else None
    if m:  # Excel's "sep=;" hint line
        delimiter, skip = m.group(1), 1
    else:
        # the sniffer's patterns take time quadratic in the sample's length (24 KB of quoted
        # commas took 3 s, 60 KB in one cell 26 s): give it short lines, and 4 KB of them at most
        sample = "\n".join([ln[:_SNIFF_WIDTH] for ln in lines[:_HEADER_SCAN] if ln.strip()][:60])
        sample = sample[:_SNIFF_CHARS].rpartition("\n")[0] or sample[:_SNIFF_CHARS]
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = max(",;\t|", key=lambda d: sum(ln.count(d) > 0 for ln in lines[:60]))
    if delimiter == "\t":
        notes.append(_("tab-separated"))
    rows: list[Row] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = 0
    try:
        for cells in reader:
            if reader.line_num > skip:
                rows.append((previous + 1, [_clean(c) for c in cells]))
            previous = reader.line_num
    except csv.Error as exc:
        raise HoldingsError(_("{source} line {line}: cannot be read as CSV ({error}).").format(
            source=source, line=previous + 1, error=exc), problems=[str(exc)]) from None
    if not any(cells for _, cells in rows):
        raise HoldingsError(_("{source} has only blank lines.").format(source=source),
                            problems=["empty file"])
    return rows, delimiter


def _clean(cell: str) -> str:
    cell = printable(cell.replace("\ufeff", "").replace("\u00a0", " ")).strip()
    if cell.startswith("'") and cell[1:2] in ("=", "+", "-", "@"):
        return cell[1:]  # the apostrophe our CSV outputs put before formula-like text (--apply-to)
    return _EXCEL_TEXT.sub(r"\1", cell).strip() if cell.startswith('="') else cell


def _detect(rows: list[Row], forced: BrokerFormat | None, source: str,
            notes: list[str]) -> tuple[BrokerFormat, int]:
    """Find the layout and the index of its header row."""
    cells = [c for _, c in rows]
    limit = len(rows) if forced else min(len(rows), _HEADER_SCAN)
    order = [forced] if forced else [f for f in BROKERS.values() if f.id != "generic"] + [GENERIC]
    for fmt in order:
        if fmt is GENERIC and forced is None:  # no broker layout: a transactions history, maybe
            for i in range(limit):
                _refuse_transactions(cells[i], rows[i][0], source)
        for i in range(limit):
            if len(cells[i]) > 1 and fmt.detect(cells[i], cells[max(0, i - 10):i]):
                return fmt, i
    if forced is not None:
        best = max(range(limit), key=lambda i: -len(missing_columns(forced, cells[i])))
        gone = missing_columns(forced, cells[best])
        raise HoldingsError(
            _("{source}: the broker format '{broker}' ({layout}) was requested, but no line looks like its "
              "header; the closest, line {line}, lacks {columns}. Check that this is that broker's "
              "positions export, or leave the broker out to detect the layout.").format(
                source=source, broker=forced.id, layout=forced.label, line=rows[best][0],
                columns=_quote(gone)), problems=[f"missing column {c}" for c in gone])
    for i in range(limit):  # a symbol column alone is enough: the next stage reports the rest
        if any(GENERIC_ALIASES.get(norm(c)) == "symbol" for c in cells[i]):
            notes.append(_("the header on line {line} has no quantity or market value column").format(
                line=rows[i][0]))
            return GENERIC, i
    raise _no_header(rows[:limit], source)


def _refuse_transactions(header: list[str], line: int, source: str) -> None:
    """A transactions history is not a positions file: say so, and which export to download."""
    have = {norm(c) for c in header}
    for broker, (marks, instead) in TRANSACTIONS.items():
        if all(m in have for m in marks):
            raise HoldingsError(
                _("{source}: this is a {broker} transactions (activity) history (header on line {line}), "
                  "not a list of positions: it records trades, not what you hold now. Download your "
                  "positions instead: {instead}.").format(source=source, broker=broker, line=line,
                                                          instead=instead),
                problems=["transactions history, not positions"])


def _no_header(rows: list[Row], source: str) -> HoldingsError:
    """Explain a file with no recognisable header: name the closest layout and what it lacks."""
    best: tuple[float, BrokerFormat, list[str]] | None = None
    for fmt in BROKERS.values():
        if fmt.id == "generic":
            continue
        for _line, cells in rows:
            gone = missing_columns(fmt, cells)
            score = 1 - len(gone) / len(fmt.required)
            if best is None or score > best[0]:
                best = (score, fmt, gone)
    usage = _("Rename your columns so that one is called symbol and another quantity or market_value "
              "(optional: price, currency, account, cost_basis, asset_class), or pass --broker with one "
              "of: {brokers}.").format(brokers=", ".join(BROKERS))
    if best is None or best[0] == 0:
        return HoldingsError(
            _("{source}: no header row with a symbol column was found, and the file does not resemble any "
              "known broker export. {usage}").format(source=source, usage=usage),
            problems=["no symbol column"])
    fmt, gone = best[1], best[2]
    return HoldingsError(
        _("{source}: no header row with a symbol column was found. The closest known format is {layout} "
          "('{broker}'), but the file lacks its columns {columns}. {usage}").format(
            source=source, layout=fmt.label, broker=fmt.id, columns=_quote(gone), usage=usage),
        problems=["no symbol column", *(f"missing column {c} for {fmt.id}" for c in gone)])


def _quote(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names) or _("nothing")


def _frame(records: list[dict[str, str]], columns: dict[str, str], decimal: str,
           notes: list[str]) -> pd.DataFrame:
    """Build the string table; turn a per-unit average cost into a total cost basis."""
    if AVG_COST in columns and "cost_basis" not in columns:
        done = 0
        for rec in records:
            quantity, average = _number(rec.get("quantity", ""), decimal), _number(
                rec.get(AVG_COST, ""), decimal)
            total = None if quantity is None or average is None else quantity * average
            rec["cost_basis"] = "" if total is None else _format(total, decimal)
            done += total is not None
        notes.append(_("cost_basis = quantity x '{column}' (average cost per unit) for {n} of {rows} row(s); "
                       "left empty where either is missing").format(column=columns[AVG_COST], n=done,
                                                                    rows=len(records)))
        columns = {**columns, "cost_basis": columns[AVG_COST]}
    filled = {key for rec in records for key, value in rec.items() if value}
    present = [c for c in CANONICAL if c in columns or c in filled]
    data = [[rec.get(c, "") or "" for c in present] for rec in records]
    return pd.DataFrame(data, columns=present, dtype=str)


def _number(text: str, decimal: str) -> float | None:
    return None if _number_fails(text, decimal) else parse_number(text, decimal)


def _format(value: float, decimal: str) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if decimal == "," else text
