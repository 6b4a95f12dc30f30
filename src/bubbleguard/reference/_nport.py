"""SEC Form N-PORT-P filings: a US-registered fund's holdings, for any fund that files them.

Every US-registered fund (ETFs, mutual funds, target-date and most 401(k) funds) files its full
schedule of investments with the SEC each quarter as Form N-PORT-P, an XML document
(``primary_doc.xml``) on EDGAR. Three EDGAR files lead to it, all read here without the network
(:mod:`bubbleguard.reference.refresh` downloads them):

1. ``company_tickers_mf.json`` maps a fund's ticker to its registrant (CIK), series and share
   class (:func:`parse_fund_tickers`); one series holds all share classes (VOO and VFIAX are one
   portfolio).
2. The series' filing list, EDGAR's Atom feed (``browse-edgar?action=getcompany&CIK=<series>
   &type=NPORT-P&output=atom``), names the newest N-PORT-P accession (:func:`latest_filing`).
3. The filing's ``primary_doc.xml`` (:func:`parse_nport`).

**Why the standard library's ElementTree and not edgartools or lxml.** Only a dozen fields of
one well-specified document are needed (``genInfo/repPdDate`` and ``seriesId``, and per
``invstOrSec``: name, title, identifiers, ``pctVal``, ``assetCat``, ``issuerCat``,
``invCountry``). edgartools reads them too, but brings a large dependency tree and its own
network client and SEC identity handling, where bubbleguard keeps one bounded downloader in
``refresh``; lxml would add a compiled dependency for no gain on files of a few MB. ElementTree
with the bundled expat (2.4.1 and later refuse entity-expansion attacks; external entities are
never fetched) reads them with namespaces matched by wildcard, so the N-PORT namespace version
does not matter.

Rows kept: equity (``assetCat`` EC common, EP preferred), including shares of other funds
(``issuerCat`` RF: a target-date fund's underlying funds), and short-term investment vehicles and
repurchase agreements (STIV, RA) as cash. Debt, derivatives and the rest stay in the fund's
unresolved remainder. ``pctVal`` is the share of net assets in percent. A row's symbol is the
snapshot symbol of its ISIN (or of the ISIN its US CUSIP implies), else its ticker, else the ISIN
itself: a company the snapshot does not know keeps a stable, unique name.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import DataError
from ..symbols import normalize, printable
from ._fund_files import FundFile, tidy_holdings

__all__ = ["Filing", "FundIds", "cusip_isin", "filing_path", "latest_filing", "mapping_path",
           "parse_fund_tickers", "parse_nport", "series_feed_path"]

_EQUITY = {"EC", "EP"}
_CASH = {"STIV", "RA"}


@dataclass(frozen=True)
class FundIds:
    """A fund's EDGAR identifiers: registrant CIK, series id and share-class id."""

    cik: int
    series: str
    share_class: str


@dataclass(frozen=True)
class Filing:
    """One N-PORT-P filing of a series: its accession number and filing date."""

    accession: str
    filed: str


def mapping_path() -> str:
    """Path of EDGAR's ticker → CIK/series/class table below ``https://www.sec.gov``."""
    return "/files/company_tickers_mf.json"


def series_feed_path(series: str) -> str:
    """Path of the Atom feed of a series' N-PORT-P filings below ``https://www.sec.gov``."""
    return (f"/cgi-bin/browse-edgar?action=getcompany&CIK={series}&type=NPORT-P&dateb=&owner=include"
            "&count=10&output=atom")


def filing_path(cik: int, accession: str) -> str:
    """Path of a filing's ``primary_doc.xml`` below ``https://www.sec.gov``."""
    return f"/Archives/edgar/data/{int(cik)}/{accession.replace('-', '')}/primary_doc.xml"


def parse_fund_tickers(content: bytes | str, where: str = "company_tickers_mf.json") -> dict[str, FundIds]:
    """Ticker → :class:`FundIds` from EDGAR's ``company_tickers_mf.json``.

    The file is ``{"fields": ["cik", "seriesId", "classId", "symbol"], "data": [[...], ...]}``;
    columns are found by name, so an added field does not break it.
    """
    try:
        doc = json.loads(content)
        fields = [str(f) for f in doc["fields"]]
        col = {f: fields.index(f) for f in ("cik", "seriesId", "classId", "symbol")}
        rows = doc["data"]
        return {str(r[col["symbol"]]).strip().upper(): FundIds(int(r[col["cik"]]), str(r[col["seriesId"]]),
                                                              str(r[col["classId"]]))
                for r in rows if r[col["symbol"]]}
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise DataError(f"{where} is not EDGAR's fund ticker table ({type(exc).__name__}: {exc}); "
                        "SEC may have changed it or answered with a web page. Try again later.") from None


def latest_filing(content: bytes | str, series: str) -> Filing | None:
    """The newest original N-PORT-P (not an amendment) in a series' EDGAR Atom feed."""
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise DataError(f"The EDGAR filing list of series {series} cannot be read ({exc}); SEC may "
                        "have answered with a web page. Try again later.") from None
    found = []
    for entry in root.iterfind(".//{*}entry"):
        text = {el.tag.rsplit("}", 1)[-1]: (el.text or "").strip() for el in entry.iter()}
        if text.get("filing-type") == "NPORT-P" and re.fullmatch(r"\d{10}-\d{2}-\d{6}",
                                                                 text.get("accession-number", "")):
            found.append(Filing(text["accession-number"], text.get("filing-date", "")))
    return max(found, key=lambda f: (f.filed, f.accession)) if found else None


def cusip_isin(cusip: str) -> str:
    """The ISIN of a US CUSIP: ``US`` + CUSIP + the ISO 6166 check digit (``""`` if not a CUSIP)."""
    cusip = cusip.strip().upper()
    if not re.fullmatch(r"\d[0-9A-Z]{7}\d", cusip):
        return ""
    digits = "".join(str(int(c, 36)) for c in "US" + cusip)
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n // 10 + n % 10
    return f"US{cusip}{(10 - total % 10) % 10}"


def _text(el: ET.Element | None, path: str) -> str:
    found = el.find(path) if el is not None else None
    return printable(found.text or "").strip() if found is not None else ""


def _attr(el: ET.Element, path: str, name: str = "value") -> str:
    found = el.find(path)
    return printable(found.get(name, "")).strip() if found is not None else ""


def parse_nport(content: bytes, fund: str, source: str = "",
                isin_symbols: Mapping[str, str] | None = None, series: str = "") -> FundFile:
    """Parse an N-PORT-P ``primary_doc.xml`` into the fund's holdings.

    Parameters
    ----------
    content
        The XML document.
    fund
        The fund's ticker (written into the ``fund`` column).
    source
        Where it came from, for messages.
    isin_symbols
        ISIN → snapshot symbol (the snapshot's ``identifiers.csv``), to name rows as the
        snapshot does.
    series
        The series id EDGAR gives the fund: a filing of another series is refused.
    """
    import pandas as pd

    where = source or f"the {fund} N-PORT filing"
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise DataError(f"{where} is not an N-PORT filing ({exc}); SEC may have answered with a web "
                        "page. Try again later, or pass a downloaded primary_doc.xml with --file.") from None
    form = _text(root, "./{*}headerData/{*}submissionType")
    if root.tag.rsplit("}", 1)[-1] != "edgarSubmission" or not form.startswith("NPORT"):
        raise DataError(f"{where} is an EDGAR document of type '{form or root.tag}', not an N-PORT "
                        "filing; pass the fund's NPORT-P primary_doc.xml.")
    gen = root.find("./{*}formData/{*}genInfo")
    as_of = _text(gen, "{*}repPdDate")
    if series and _text(gen, "{*}seriesId") != series:
        raise DataError(f"{where} is the N-PORT filing of series {_text(gen, '{*}seriesId') or '?'} "
                        f"({_text(gen, '{*}seriesName')}), not of {fund}'s series {series}; nothing "
                        "was written.")
    isin_symbols = isin_symbols or {}
    rows, skipped = [], 0.0
    for sec in root.iterfind("./{*}formData/{*}invstOrSecs/{*}invstOrSec"):
        cat = _text(sec, "{*}assetCat")
        try:
            pct = float(_text(sec, "{*}pctVal"))
        except ValueError:
            continue
        if cat not in _EQUITY and cat not in _CASH:
            skipped += pct
            continue
        isin = _attr(sec, "./{*}identifiers/{*}isin") or cusip_isin(_text(sec, "{*}cusip"))
        ticker = _attr(sec, "./{*}identifiers/{*}ticker")
        name = _text(sec, "{*}name")
        if name in ("", "N/A"):
            name = _text(sec, "{*}title")
        country = _text(sec, "{*}invCountry")
        known = isin_symbols.get(isin, "")
        symbol = known or normalize(ticker) or isin or _text(sec, "{*}cusip").replace("N/A", "")
        rows.append({"symbol": symbol, "name": name, "weight": pct / 100.0,
                     "location": "" if known or symbol == isin or country in ("", "US") else country,
                     "is_cash": cat in _CASH})
    if not rows and not skipped:
        raise DataError(f"{where}: the filing lists no investments; nothing was written.")
    notes = [f"{fund}: N-PORT-P of {_text(gen, '{*}seriesName') or fund} "
             f"({_text(gen, '{*}seriesId')}), report date {as_of or 'not given'}"]
    if skipped > 0:
        notes.append(f"{fund}: debt, derivative and other non-equity rows ({skipped / 100:.2%} of "
                     "net assets) left in the remainder")
    frame = pd.DataFrame(rows, columns=["symbol", "name", "weight", "location", "is_cash"])
    return tidy_holdings(frame, fund, as_of, source, notes)
