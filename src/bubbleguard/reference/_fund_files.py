"""One fund's holdings file from its issuer, parsed: :class:`FundFile` and the iShares reader.

:func:`parse_ishares` reads the holdings CSV that iShares publishes for each of its ETFs with the
rules of the iShares reader in ``snapshot/build.py``: the as-of date comes from the ``Fund Holdings
as of`` header line; the table runs from the ``Ticker,`` line to the first blank line or the
footer; Equity, Cash and Money Market rows are kept, the rest (futures, collateral) stays in the
unresolved remainder; a negative cash line is left out; cash becomes ``CASH``; duplicates are
merged; weights over 100% are scaled down. :func:`match_local_listings` then matches a non-US row's
local ticker to the snapshot symbol (``T``, ``T.X`` ...) whose company name agrees (``T`` is TELUS
in Toronto and AT&T in New York). Nothing here uses the network: :mod:`bubbleguard.reference.refresh`
downloads the file and writes the result into the fund-files folder.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from ..errors import DataError
from ..symbols import normalize_symbols, printable

if TYPE_CHECKING:
    import pandas as pd

    from ._snapshot import Snapshot

__all__ = ["FundFile", "match_local_listings", "parse_ishares", "tidy_holdings", "to_float"]

_REQUIRED = ("Ticker", "Name", "Asset Class", "Weight (%)")
_KEPT = ("Equity", "Cash", "Money Market")
_LEGAL_WORDS = {
    "INC", "INCORPORATED", "CORP", "CORPORATION", "CO", "COMPANY", "LTD", "LIMITED", "PLC",
    "SA", "AG", "NV", "SE", "AB", "ASA", "SPA", "LP", "LLC", "THE", "REIT", "ADR", "ORD", "NPV",
}


@dataclass(frozen=True)
class FundFile:
    """One fund's parsed holdings file.

    Attributes
    ----------
    fund
        The fund's ticker.
    holdings
        Columns fund, symbol, weight (fraction of the fund), name, location (the listing country),
        as_of; largest first.
    as_of
        The date the file describes (``YYYY-MM-DD``), or ``""`` when the file does not say.
    source
        Where it came from (URL or file path).
    notes
        What was cleaned (left-out rows, merged duplicates, rescaling, renamed local tickers).
    """

    fund: str
    holdings: pd.DataFrame
    as_of: str
    source: str
    notes: tuple[str, ...] = field(default=())

    @property
    def weight_sum(self) -> float:
        """Share of the fund the file itemises (the rest stays unresolved)."""
        return float(self.holdings["weight"].sum())


def _first_word(name: object) -> str:
    """First word of a company name without punctuation, share classes and legal words."""
    s = re.sub(r"[^A-Z0-9& ]+", " ", str(name).upper())
    s = re.sub(r"\b(CLASS|CL|SERIES|SER)\s+[A-Z0-9]\b", " ", s)
    words = [w for w in s.split() if w not in _LEGAL_WORDS]
    return words[0] if words else ""


def to_float(series: pd.Series) -> pd.Series:
    """Numbers written with thousands separators, ``%`` or ``$``; anything else is NaN."""
    import pandas as pd

    return pd.to_numeric(series.astype(str).str.replace(r"[,%$\s]", "", regex=True),
                         errors="coerce")


def parse_ishares(content: bytes | str, fund: str, source: str = "") -> FundFile:
    """Parse an iShares holdings CSV (header block, table, disclaimer footer).

    Parameters
    ----------
    content
        The file's bytes or text.
    fund
        The fund's ticker (written into the ``fund`` column).
    source
        Where the file came from, for messages.

    Returns
    -------
    FundFile
        One row per (symbol, name): a local ticker shared by two companies is still one symbol
        here; :func:`match_local_listings` tells them apart and merges the rest.
    """
    import pandas as pd

    text = content.decode("utf-8-sig", errors="replace") if isinstance(content, bytes) else content
    text = text.lstrip("\ufeff")
    where = source or f"the {fund} holdings file"
    lines = text.splitlines()
    as_of = ""
    for line in lines[:12]:
        if line.startswith("Fund Holdings as of"):
            raw = line.split(",", 1)[1].strip().strip('"') if "," in line else ""
            try:
                as_of = pd.Timestamp(raw).date().isoformat()
            except ValueError:
                as_of = ""
    start = next((i for i, ln in enumerate(lines) if ln.startswith("Ticker,")), None)
    if start is None:
        raise DataError(f"{where} is not an iShares holdings CSV (no line starts with 'Ticker,'); "
                        "the issuer may have returned a web page instead of the file. Download "
                        f"the CSV from the fund's page and run 'bubbleguard data refresh --fund "
                        f"{fund} --file PATH'.")
    body = []
    for line in lines[start:]:
        if not line.strip() or line.startswith(("\xa0", " ")):
            break
        body.append(line)
    try:
        df = pd.read_csv(io.StringIO("\n".join(body)), dtype=str, keep_default_na=False).map(printable)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{where}: the holdings table cannot be read ({exc}).") from None
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise DataError(f"{where}: the holdings table lacks the column(s) {', '.join(missing)}; "
                        "the issuer may have changed the file's format.")
    notes: list[str] = []
    df = df[df["Asset Class"].isin(_KEPT)]
    ticker = df["Ticker"].str.strip()
    is_cash = df["Asset Class"].isin(["Cash", "Money Market"])
    no_ticker = ticker.isin(["", "-"]) & ~is_cash
    if no_ticker.any():
        notes.append(f"{fund}: {int(no_ticker.sum())} rows without a ticker "
                     f"({', '.join(df.loc[no_ticker, 'Name'].head(3))}) left in the remainder")
    out = pd.DataFrame({
        "symbol": normalize_symbols(ticker), "name": df["Name"].str.strip(),
        "weight": to_float(df["Weight (%)"]) / 100.0,
        "location": (df["Location"] if "Location" in df else pd.Series("", index=df.index))
        .replace("-", "").str.strip(),
        "is_cash": is_cash,
    })[~no_ticker]
    return tidy_holdings(out, fund, as_of, source, notes)


def tidy_holdings(rows: pd.DataFrame, fund: str, as_of: str, source: str,
                  notes: list[str] | None = None) -> FundFile:
    """The cleaning every issuer's file gets once its rows are read: one :class:`FundFile`.

    Parameters
    ----------
    rows
        Columns symbol, name, weight (fraction of the fund), location (listing country, ``""``
        when unknown) and is_cash (bool): the equity and cash rows of the file.
    fund, as_of, source
        The fund's ticker, the date the file describes (``""`` if it does not say) and where
        it came from.
    notes
        What the reader already cleaned.

    A negative cash line is left out (it stays in the fund's unresolved remainder); cash becomes
    ``CASH``; rows of the same symbol and name are merged; weights over 100% are scaled down.
    """
    notes = list(notes or [])
    out = rows.copy()
    neg = out["is_cash"] & (out["weight"] < 0)
    if neg.any():
        notes.append(f"{fund}: left out a negative cash line ({out.loc[neg, 'weight'].sum():.4%});"
                     " it stays in the fund's unresolved remainder")
    out.loc[out["is_cash"], ["symbol", "name", "location"]] = ["CASH", "Cash", ""]
    out = out[(out["weight"] > 0) & (out["symbol"] != "") & ~neg]
    dup = int(out.duplicated(["symbol", "name"]).sum())
    if dup:
        notes.append(f"{fund}: merged {dup} duplicate rows of the same symbol")
    total = float(out["weight"].sum())
    if total > 1.0:
        notes.append(f"{fund}: weights sum to {total:.4%}; scaled down to 100%")
        out["weight"] = out["weight"] / total
    held = (out.groupby(["symbol", "name"], sort=False)
            .agg(weight=("weight", "sum"), location=("location", "first"))
            .reset_index())
    held.insert(0, "fund", fund)
    held["as_of"] = as_of
    return FundFile(fund=fund, holdings=_sorted(held), as_of=as_of, source=source,
                    notes=tuple(notes))


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    cols = ["fund", "symbol", "weight", "name", "location", "as_of"]
    return df[cols].sort_values(["weight", "symbol"], ascending=[False, True], ignore_index=True)


def match_local_listings(ff: FundFile, snapshot: Snapshot) -> FundFile:
    """Map non-US rows to the snapshot symbol whose company name agrees; then one row per symbol.

    The snapshot gives a local ticker that names another company a distinct symbol
    (``T.X`` for TELUS beside ``T`` for AT&T). A non-US row goes to the candidate among
    ``SYMBOL``, ``SYMBOL.X``, ``SYMBOL.X1`` ... whose name starts with the same word; to
    ``SYMBOL`` when that is known only by its ticker; else to a new symbol ``SYMBOL.FUND`` (a
    company the snapshot does not know, kept apart from the namesake).
    """
    import pandas as pd

    df = ff.holdings.copy()
    local = (df["location"] != "") & (df["location"] != "United States") & (df["symbol"] != "CASH")
    sec = snapshot.securities
    stocks = sec[sec["kind"] == "stock"]
    base = pd.Series(stocks.index.str.replace(r"\.X\d*$", "", regex=True), index=stocks.index)
    cands = base[base.isin(set(df.loc[local, "symbol"]))]
    words = stocks.loc[cands.index, "name"].map(_first_word)
    placeholder = stocks.loc[cands.index, "name"].str.strip().str.upper().isin(["", *cands.index])
    by_base: dict[str, list[str]] = {}
    for sym, b in cands.items():
        by_base.setdefault(b, []).append(str(sym))
    renamed = []
    for i in df.index[local]:
        sym = cast(str, df.at[i, "symbol"])
        options = by_base.get(sym)
        if not options:
            continue
        word = _first_word(df.at[i, "name"])
        hit = [o for o in options if word and words[o] == word]
        if hit:
            new = sym if sym in hit else hit[0]
        elif sym in options and placeholder[sym]:
            new = sym
        else:
            new = f"{sym}.{ff.fund}"
        if new != sym:
            df.at[i, "symbol"] = new
            renamed.append(new)
    notes = list(ff.notes)
    if renamed:
        notes.append(f"{ff.fund}: {len(renamed)} local tickers that name another company in the "
                     f"snapshot were given its distinct symbol (e.g. {', '.join(renamed[:6])})")
    same = int(df["symbol"].duplicated().sum())
    if same:
        notes.append(f"{ff.fund}: merged {same} rows of the same symbol under different names")
    df = (df.groupby(["fund", "symbol"], sort=False)
          .agg(weight=("weight", "sum"), name=("name", "first"), location=("location", "first"),
               as_of=("as_of", "first"))
          .reset_index())
    return FundFile(fund=ff.fund, holdings=_sorted(df), as_of=ff.as_of, source=ff.source,
                    notes=tuple(notes))

