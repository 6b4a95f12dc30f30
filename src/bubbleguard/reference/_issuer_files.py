"""Holdings files of SSGA SPDR, Invesco, ARK and Vanguard, parsed into a :class:`FundFile`.

Each reader follows the layout of real files the issuers published (trimmed copies and their
provenance are in ``tests/reference/files/``), keeps the equity and cash rows and hands them to
:func:`~bubbleguard.reference._fund_files.tidy_holdings`, which every issuer's file goes through:

- **SSGA SPDR** (:func:`parse_ssga`): the daily ``holdings-daily-us-en-<ticker>.xlsx``; a header
  block (``Fund Name:``, ``Ticker Symbol:``, ``Holdings: As of 10-Apr-2026``), the table from the
  ``Name, Ticker, Identifier, SEDOL, Weight ...`` row to the first empty row, then disclaimers.
  The cash line has the ticker ``-`` and an identifier starting ``999`` (``US DOLLAR``). Read
  with openpyxl (the optional extra ``bubbleguard[refresh]``).
- **Invesco** (:func:`parse_invesco`): one CSV table ``Fund Ticker, Security Identifier, Holding
  Ticker, ..., Weight, Name, Class of Shares, Sector, Date``; tickers are padded with spaces.
- **ARK** (:func:`parse_ark`): ``date, fund, company, ticker, cusip, shares, market value ($),
  weight (%)`` and a one-cell disclaimer as the last line; money-market lines have no ticker.
- **Vanguard** (:func:`parse_vanguard`): the "Holdings details" CSV that a fund's page exports:
  sections ``Equity,as of 08/31/2026``, ``Fixed income,...`` and ``Short-term reserves,...``, each
  a table of ``SEDOL, HOLDINGS, TICKER, % OF FUNDS*, ..., MARKET VALUE*``. Its percentages are
  rounded to 0.01% (``<0.01%`` for the long tail), so weights are computed from the market values
  instead: each row's share of the file's total. Fixed-income rows stay in the remainder.

:func:`sniff` tells these layouts (and iShares' and SEC N-PORT's) apart, so a file a user
downloaded by hand is read whatever its issuer. Nothing here uses the network.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from ..errors import DataError
from ..symbols import normalize_symbols, printable
from ._fund_files import FundFile, tidy_holdings, to_float

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["parse_ark", "parse_invesco", "parse_ssga", "parse_vanguard", "sniff"]

_SSGA_HEADER = ("Name", "Ticker", "Weight")
_VANGUARD_SECTIONS = {"equity": "equity", "short-term reserves": "cash"}


def _date(raw: object, fmt: str | None = None) -> str:
    import pandas as pd

    try:
        return pd.to_datetime(str(raw).strip(), format=fmt).date().isoformat()
    except (ValueError, TypeError):
        return ""


def _rows(symbol: pd.Series, name: pd.Series, weight: pd.Series, is_cash: pd.Series,
          location: pd.Series | str = "") -> pd.DataFrame:
    import pandas as pd

    loc = location if not isinstance(location, str) else pd.Series(location, index=symbol.index)
    return pd.DataFrame({"symbol": normalize_symbols(symbol.fillna("").astype(str)),
                         "name": name.fillna("").astype(str).map(printable).str.strip(),
                         "weight": weight, "location": loc, "is_cash": is_cash})


def _no_ticker_note(fund: str, names: pd.Series) -> list[str]:
    if not len(names):
        return []
    return [f"{fund}: {len(names)} rows without a ticker ({', '.join(names.head(3))}) left in "
            "the remainder"]


def _not_a(kind: str, where: str, fund: str, why: str) -> DataError:
    return DataError(f"{where} is not {kind} ({why}); the issuer may have returned a web page "
                     f"instead of the file. Download the file from the fund's page and run "
                     f"'bubbleguard data refresh --fund {fund} --file PATH'.")


# --------------------------------------------------------------------------- SSGA SPDR
def parse_ssga(content: bytes, fund: str, source: str = "") -> FundFile:
    """Parse an SSGA SPDR daily holdings workbook (``holdings-daily-us-en-<ticker>.xlsx``).

    Parameters
    ----------
    content
        The workbook's bytes.
    fund
        The fund's ticker (written into the ``fund`` column).
    source
        Where the file came from, for messages.
    """
    import pandas as pd

    where = source or f"the {fund} holdings file"
    if not content.startswith(b"PK"):
        raise _not_a("an SSGA holdings workbook", where, fund, "not an .xlsx file")
    try:
        import openpyxl
    except ImportError:
        raise DataError("Reading SPDR holdings workbooks needs openpyxl: install it with "
                        "'pip install bubbleguard[refresh]' (or 'pip install openpyxl').") from None
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        rows = [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise DataError(f"{where}: the workbook cannot be read ({type(exc).__name__}: {exc}).") from None
    as_of = ""
    for row in rows[:10]:
        if row and str(row[0]).strip() == "Holdings:" and len(row) > 1:
            as_of = _date(str(row[1]).replace("As of", ""), "%d-%b-%Y")
    start = next((i for i, r in enumerate(rows)
                  if r and all(h in [str(c).strip() for c in r if c is not None] for h in _SSGA_HEADER)),
                 None)
    if start is None:
        raise _not_a("an SSGA holdings workbook", where, fund, "no 'Name, Ticker, ..., Weight' row")
    header = [str(c).strip() if c is not None else "" for c in rows[start]]
    body = []
    for r in rows[start + 1:]:
        if not r or r[0] is None or str(r[0]).strip() == "":
            break
        body.append(list(r) + [None] * (len(header) - len(r)))
    df = pd.DataFrame([b[:len(header)] for b in body], columns=header)
    ticker = df["Ticker"].fillna("").astype(str).str.strip()
    ident = df["Identifier"].fillna("").astype(str) if "Identifier" in df else pd.Series("", index=df.index)
    is_cash = ticker.isin(["-", ""]) & ident.str.startswith("999")
    no_ticker = ticker.isin(["-", ""]) & ~is_cash
    currency = (df["Local Currency"].fillna("").astype(str).str.strip() if "Local Currency" in df
                else pd.Series("", index=df.index))
    location = currency.where(~currency.isin(["", "USD"]), "")
    out = _rows(ticker, df["Name"], pd.to_numeric(df["Weight"], errors="coerce") / 100.0, is_cash,
                location)[~no_ticker]
    return tidy_holdings(out, fund, as_of, source, _no_ticker_note(fund, df.loc[no_ticker, "Name"]))


# --------------------------------------------------------------------------- Invesco
def parse_invesco(content: bytes | str, fund: str, source: str = "") -> FundFile:
    """Parse an Invesco ETF holdings CSV (``Fund Ticker, Security Identifier, Holding Ticker ...``)."""
    import pandas as pd

    where = source or f"the {fund} holdings file"
    text = content.decode("utf-8-sig", errors="replace") if isinstance(content, bytes) else content
    if not text.lstrip("\ufeff").startswith("Fund Ticker,"):
        raise _not_a("an Invesco holdings CSV", where, fund, "it does not start with 'Fund Ticker,'")
    try:
        df = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{where}: the holdings table cannot be read ({exc}).") from None
    missing = [c for c in ("Holding Ticker", "Weight", "Name") if c not in df.columns]
    if missing:
        raise DataError(f"{where}: the holdings table lacks the column(s) {', '.join(missing)}; "
                        "the issuer may have changed the file's format.")
    dates = {d for d in (_date(v, "%m/%d/%Y") for v in df.get("Date", [])) if d}
    ticker = df["Holding Ticker"].str.strip()
    no_ticker = ticker == ""
    out = _rows(ticker, df["Name"], to_float(df["Weight"]) / 100.0,
                pd.Series(False, index=df.index))[~no_ticker]
    return tidy_holdings(out, fund, max(dates) if dates else "", source,
                         _no_ticker_note(fund, df.loc[no_ticker, "Name"]))


# --------------------------------------------------------------------------- ARK
def parse_ark(content: bytes | str, fund: str, source: str = "") -> FundFile:
    """Parse an ARK ETF holdings CSV (``date, fund, company, ticker, cusip, ..., weight (%)``)."""
    import pandas as pd

    where = source or f"the {fund} holdings file"
    text = content.decode("utf-8-sig", errors="replace") if isinstance(content, bytes) else content
    text = text.lstrip("\ufeff")
    if not re.match(r'"?date"?,"?fund"?,"?company"?', text):
        raise _not_a("an ARK holdings CSV", where, fund, "it does not start with 'date,fund,company'")
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, on_bad_lines="skip")
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{where}: the holdings table cannot be read ({exc}).") from None
    df.columns = [re.sub(r"\s+", "", c).lower() for c in df.columns]
    if "weight(%)" not in df.columns:
        raise DataError(f"{where}: the holdings table lacks the column 'weight (%)'; the issuer "
                        "may have changed the file's format.")
    df = df[df["fund"].str.strip() != ""]  # the disclaimer line and empty rows
    dates = {d for d in (_date(v, "%m/%d/%Y") for v in df["date"]) if d}
    ticker = df["ticker"].str.strip().str.split().str[0].fillna("")  # "DKNG UW" → DKNG
    is_cash = ticker == ""  # money-market lines (cusip X9USD...) carry no ticker
    out = _rows(ticker, df["company"], to_float(df["weight(%)"]) / 100.0, is_cash)
    return tidy_holdings(out, fund, max(dates) if dates else "", source)


# --------------------------------------------------------------------------- Vanguard
def parse_vanguard(content: bytes | str, fund: str, source: str = "") -> FundFile:
    """Parse the "Holdings details" CSV that a Vanguard fund's page exports.

    Weights are each row's share of the file's total market value; equity and short-term
    reserves (cash) rows are kept, fixed-income rows stay in the unresolved remainder.
    """
    import pandas as pd

    where = source or f"the {fund} holdings file"
    text = content.decode("utf-8-sig", errors="replace") if isinstance(content, bytes) else content
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip().strip('"') != "Holdings details":
        raise _not_a("a Vanguard holdings export", where, fund,
                     "it does not start with 'Holdings details'")
    named = next((ln for ln in lines[1:6] if ln.strip()), "")
    if (m := re.search(r"\(([A-Z]{1,5})\)\s*$", named.strip().strip('"'))) and m.group(1) != fund:
        raise DataError(f"{where} holds the Vanguard fund {m.group(1)}, not {fund}; pass the file "
                        f"with --fund {m.group(1)}.")
    frames, dates = [], set()
    i = 0
    while i < len(lines):
        head = re.match(r'^"?([A-Za-z -]+)"?,\s*"?as of (\d\d/\d\d/\d{4})', lines[i])
        if not head:
            i += 1
            continue
        kind = head.group(1).strip().lower()
        dates.add(_date(head.group(2), "%m/%d/%Y"))
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        k = j
        while k < len(lines) and lines[k].strip():
            k += 1
        if j < len(lines) and "HOLDINGS" in lines[j]:
            table = pd.read_csv(io.StringIO("\n".join(lines[j:k])), dtype=str, keep_default_na=False)
            table["section"] = _VANGUARD_SECTIONS.get(kind, "other")
            frames.append(table)
        i = k
    if not frames:
        raise _not_a("a Vanguard holdings export", where, fund, "no 'Equity,as of ...' section")
    df = pd.concat(frames, ignore_index=True)
    value = to_float(df["MARKET VALUE*"])
    if value.isna().any() or float(value.sum()) <= 0:
        raise DataError(f"{where}: some rows have no market value; the issuer may have changed "
                        "the file's format.")
    kept = df["section"].isin(["equity", "cash"])
    ticker = df["TICKER"].str.strip().replace("---", "").str.rstrip("/")  # "RR/" is RR
    is_cash = df["section"] == "cash"
    no_ticker = kept & (ticker == "") & ~is_cash
    country = df["COUNTRY"].str.strip() if "COUNTRY" in df else pd.Series("", index=df.index)
    location = country.replace({"US": "United States", "---": ""}).fillna("")
    out = _rows(ticker, df["HOLDINGS"], value / float(value.sum()), is_cash, location)[kept & ~no_ticker]
    notes = _no_ticker_note(fund, df.loc[no_ticker, "HOLDINGS"])
    other = float(value[~kept].sum() / value.sum())
    if other > 0:
        notes.append(f"{fund}: fixed-income rows ({other:.2%}) left in the remainder")
    dates.discard("")
    return tidy_holdings(out, fund, max(dates) if dates else "", source, notes)


# --------------------------------------------------------------------------- which layout
def sniff(content: bytes) -> str:
    """The provider whose layout ``content`` has (``""`` when none fits).

    One of ``ishares``, ``ssga``, ``invesco``, ``ark``, ``vanguard`` or ``sec`` (an N-PORT filing).
    """
    if content.startswith(b"PK"):
        return "ssga"
    head = content[:4096].decode("utf-8-sig", errors="replace").lstrip("\ufeff \r\n")
    if head.startswith("<?xml") or head.startswith("<edgarSubmission"):
        return "sec" if "edgarSubmission" in head else ""
    first = head.splitlines()[0] if head else ""
    if first.startswith("Fund Ticker,"):
        return "invesco"
    if re.match(r'"?date"?,"?fund"?,"?company"?', first):
        return "ark"
    if first.strip().strip('"') == "Holdings details":
        return "vanguard"
    if "Ticker," in head and ("Fund Holdings as of" in head or "Asset Class" in head):
        return "ishares"
    return ""
