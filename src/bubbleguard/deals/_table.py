"""The deal table: columns, vocabularies, validation and loading (with filters).

Re-exported by :mod:`bubbleguard.deals`; see
:mod:`bubbleguard.deals._graph` for the money-direction convention.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from datetime import date
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DealsError
from ..reference._snapshot import packaged
from ..symbols import printable

DEAL_TYPES = ("equity_investment", "purchase_commitment", "cloud_contract", "warrants",
              "joint_venture", "financing", "valuation", "other")
#: Deal types whose amount is not money moving between the parties (the value of a stake they
#: already hold): shown with the deal, left out of flow sums and of dependence.
NOT_A_FLOW = ("valuation",)
CERTAINTIES = ("confirmed", "reported", "uncertain", "superseded")
DATE_PRECISIONS = ("day", "month", "year", "range")
COLUMNS = ("deal_id", "date", "date_precision", "source_party", "target_party", "source_ticker",
           "target_ticker", "deal_type", "deal_type_raw", "amount_usd", "amount_shared", "units",
           "certainty", "certainty_raw", "description", "sources", "amount_up_to")
#: With ``amount_up_to`` true the amount is an announced ceiling ("up to $100B"), not new cash or
#: a firm commitment: shown, and left out of flow sums and dependence unless asked for.


def counts_as_flow(deals: pd.DataFrame, ceilings: bool = False) -> pd.Series:
    """Which deals' amounts are money flows: never a stake valuation; a ceiling only if asked."""
    flow = ~deals["deal_type"].isin(NOT_A_FLOW)
    if not ceilings and "amount_up_to" in deals.columns:
        flow &= ~deals["amount_up_to"].astype(bool)
    return flow


def short_usd(amount: float) -> str:
    """``$135B``, ``$11.9B``, ``$350M``, ``$100,000B``: four significant digits, never an exponent."""
    scale, unit = (1e9, "B") if amount >= 1e9 else (1e6, "M") if amount >= 1e6 else (1.0, "")
    x = amount / scale
    decimals = max(0, 3 - int(math.floor(math.log10(x)))) if x > 0 and unit else 0
    text = f"{x:,.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".")
    return f"${text}{unit}"


#: Larger amounts are input errors: sums of them overflow and no deal comes near.
MAX_AMOUNT_USD = 1e15
REQUIRED_COLUMNS = ("date", "source_party", "target_party", "deal_type", "amount_usd",
                    "certainty", "sources")
_DATE_FORMATS = {4: ("%Y", "year"), 7: ("%Y-%m", "month"), 10: ("%Y-%m-%d", "day")}
_TRUE, _FALSE = {"true", "1", "yes", "y", "t"}, {"false", "0", "no", "n", "f", ""}


# --------------------------------------------------------------------------- loading
def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT \
        or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def validate_deals(frame: pd.DataFrame, *, origin: str | None = None) -> pd.DataFrame:
    """Check a deal table and return it typed, collecting every problem before failing.

    Parameters
    ----------
    frame
        A deal table with at least the columns in ``REQUIRED_COLUMNS``; ``deal_id``, tickers,
        ``date_precision``, ``amount_shared``, ``amount_up_to`` and the free-text columns are
        optional.
    origin
        The file the frame was read from; problems then cite its line numbers (header = line 1).

    Returns
    -------
    pandas.DataFrame
        Columns ``COLUMNS`` first (any extra columns after them): ``date`` as datetime64,
        ``amount_usd`` as float (NaN when undisclosed), ``amount_shared`` and ``amount_up_to``
        as bool, text elsewhere.

    Raises
    ------
    DealsError
        Missing columns, or rows with an empty party, a self-deal, a bad date, an unknown deal
        type or certainty, a negative or non-numeric amount, no source, or a duplicate id.
    """
    where = origin or "deal table"
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DealsError(f"{where}: missing column(s) {', '.join(missing)}; a deal table needs "
                         f"at least {', '.join(REQUIRED_COLUMNS)}.")
    df = frame.reset_index(drop=True).copy()
    for col in COLUMNS:
        if col not in df.columns:
            df[col] = ""
    def at(i: int) -> str:
        return f"line {i + 2}" if origin else f"row {i}"

    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    for i, rec in enumerate(df.to_dict("records")):
        row = {c: _text(rec[c]) for c in COLUMNS if c not in ("date", "amount_usd")}
        problems += [f"{at(i)}: {msg}" for msg in _row_problems(rec, row)]
        row["deal_id"] = row["deal_id"] or f"L{i + 2}"
        rows.append(row)
    ids = pd.Series([r["deal_id"] for r in rows])
    for dup in sorted(set(ids[ids.duplicated()])):
        where_used = ", ".join(at(i) for i in ids.index[ids == dup])
        problems.append(f"deal_id '{dup}' is used more than once ({where_used}); give each deal "
                        "its own id")
    problems += _ticker_conflicts(rows)
    if problems:
        raise DealsError(f"{where}: {len(problems)} problem(s) in the deal table:\n- "
                         + "\n- ".join(problems))
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["date"] = pd.to_datetime([r["_date"] for r in rows] if rows else [], format="%Y-%m-%d")
    out["amount_usd"] = pd.Series([r["_amount"] for r in rows], dtype="float64")
    out["amount_shared"] = [r["amount_shared"].lower() in _TRUE for r in rows]
    out["amount_up_to"] = [r["amount_up_to"].lower() in _TRUE for r in rows]
    extra = [c for c in df.columns if c not in COLUMNS]
    return pd.concat([out, df[extra]], axis=1) if extra else out


def _row_problems(rec: dict[Hashable, Any], row: dict[str, Any]) -> list[str]:
    """Problems with one row; also stores the parsed date and amount in ``row``."""
    out = []
    for side in ("source_party", "target_party"):
        if not row[side]:
            out.append(f"{side} is empty; write the party's name (e.g. 'NVIDIA' or 'OpenAI')")
    if row["source_party"] and row["source_party"] == row["target_party"]:
        out.append(f"source_party and target_party are both '{row['source_party']}'; a deal is "
                   "a flow between two different parties")
    raw_date = rec["date"]
    text = (raw_date.strftime("%Y-%m-%d") if isinstance(raw_date, date) and not _blank(raw_date)
            else _text(raw_date))
    fmt, precision = _DATE_FORMATS.get(len(text), (None, None))
    try:
        row["_date"] = pd.to_datetime(text, format=fmt).strftime("%Y-%m-%d") if fmt else None
    except ValueError:
        row["_date"] = None
    if row["_date"] is not None and not "1900" <= row["_date"][:4] <= "2100":
        out.append(f"date '{text}' is outside 1900-2100; write the deal's real date (YYYY-MM-DD)")
        row["_date"] = None
    elif row["_date"] is None:
        out.append(f"date '{text}' is not a date; write YYYY-MM-DD (or YYYY-MM / YYYY and the "
                   "first day is used)")
    row["date_precision"] = row["date_precision"] or precision or "day"
    if row["date_precision"] not in DATE_PRECISIONS:
        out.append(f"date_precision '{row['date_precision']}' is not one of "
                   f"{', '.join(DATE_PRECISIONS)}")
    row["_amount"] = float("nan")
    amount = rec["amount_usd"]
    if not _blank(amount):
        try:
            value = float(str(amount).replace(",", "").replace("_", ""))
        except ValueError:
            value = float("nan")
        if not math.isfinite(value):
            out.append(f"amount_usd '{amount}' is not a number; write plain US dollars such as "
                       "5000000000, or leave it empty when the amount was not disclosed")
        elif value < 0:
            out.append(f"amount_usd '{amount}' is negative; write the size of the deal and put "
                       "the payer in source_party (swap the parties if money flows the other way)")
        elif value > MAX_AMOUNT_USD:
            out.append(f"amount_usd '{amount}' is beyond {MAX_AMOUNT_USD:.0e} US dollars; no deal "
                       "is that large: check the number (amounts are plain dollars, not thousands)")
        else:
            row["_amount"] = value
    for col, allowed in (("deal_type", DEAL_TYPES), ("certainty", CERTAINTIES)):
        if row[col] not in allowed:
            out.append(f"{col} '{row[col]}' is not one of {', '.join(allowed)}")
    for col in ("amount_shared", "amount_up_to"):
        if row[col].lower() not in _TRUE | _FALSE:
            out.append(f"{col} '{row[col]}' is not true or false")
    sources = [s.strip() for s in row["sources"].split(";") if s.strip()]
    if not sources:
        out.append("sources is empty; give at least one address (URL) that reports the deal")
    row["sources"] = " ; ".join(sources)
    return out


def _ticker_conflicts(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, set[str]] = {}
    for r in rows:
        for side in ("source", "target"):
            if r[f"{side}_party"] and r[f"{side}_ticker"]:
                seen.setdefault(r[f"{side}_party"], set()).add(r[f"{side}_ticker"])
    return [f"party '{p}' has several tickers ({', '.join(sorted(t))}); use one per party"
            for p, t in sorted(seen.items()) if len(t) > 1]


def load_deals(path: str | PathLike[str] | None = None, *,
               certainty: str | tuple[str, ...] | list[str] = ("confirmed", "reported",
                                                                "uncertain"),
               since: str | date | None = None, until: str | date | None = None,
               include_superseded: bool = False) -> pd.DataFrame:
    """Read, validate and filter a deal table.

    Parameters
    ----------
    path
        A CSV with the deal-table columns (see :func:`validate_deals`); ``None`` reads the table
        packaged with bubbleguard (``bubbleguard/data/deals.csv``).
    certainty
        The certainty levels to keep, among ``CERTAINTIES``. The default keeps everything that
        was not superseded.
    since, until
        Keep deals dated on or after ``since`` and on or before ``until`` (ISO strings or dates).
        Deals known only to the month or year are dated on the first day of it.
    include_superseded
        Also keep superseded deals (e.g. a letter of intent replaced by a smaller binding deal).

    Returns
    -------
    pandas.DataFrame
        The validated rows that pass the filters, in file order.

    Raises
    ------
    DealsError
        The file is missing or malformed (every bad row is listed with its line number), or a
        certainty level is unknown.
    """
    if path is None:
        with resources.as_file(packaged("deals.csv")) as p:
            deals = validate_deals(_read_csv(p), origin="packaged deals.csv")
    else:
        deals = validate_deals(_read_csv(Path(path)), origin=str(path))
    keep = {certainty} if isinstance(certainty, str) else set(certainty)
    unknown = sorted(keep - set(CERTAINTIES))
    if unknown:
        raise DealsError(f"unknown certainty level(s) {', '.join(unknown)}; choose among "
                         f"{', '.join(CERTAINTIES)}.")
    mask = deals["certainty"].isin(keep | ({"superseded"} if include_superseded else set()))
    for bound, keep_if in ((since, deals["date"].__ge__), (until, deals["date"].__le__)):
        if bound is not None:
            try:
                mask &= keep_if(pd.Timestamp(bound))
            except ValueError as exc:
                raise DealsError(f"'{bound}' is not a date; write since/until as YYYY-MM-DD.") \
                    from exc
    return deals[mask].reset_index(drop=True)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False).map(printable)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DealsError(f"{path}: cannot read the deal table ({exc}); give a UTF-8 CSV file "
                         "with a header row.") from exc


def party_label(party: str, ticker: str) -> list[str]:
    """A party's label lines: its name, and its ticker when it has one of its own."""
    return [party, ticker] if ticker and ticker != party else [party]


#: One colour per deal type, shared by the DOT export and the drawn picture.
TYPE_COLORS = {"equity_investment": "#2ca02c", "purchase_commitment": "#ff7f0e",
               "cloud_contract": "#1f77b4", "warrants": "#9467bd", "joint_venture": "#8c564b",
               "financing": "#e377c2", "valuation": "#bcbd22", "other": "#7f7f7f"}
