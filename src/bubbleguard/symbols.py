"""The one ticker normaliser: user holdings, issuers' fund files and the snapshot builder use it.

``normalize`` turns what brokers, fund issuers and data vendors write into the snapshot's form:
upper case and trimmed, with ``.`` as the separator of share classes and exchange suffixes
(``BRK B``, ``BRK/B`` and ``BRK-B`` → ``BRK.B``; ``7203 JP`` → ``7203.JP``), except after a
numeric code already written with one (``0700.HK``).

Brokers' own conventions are undone too when ``broker=True`` (user holdings): markers dropped
(``SPAXX**``), Futu OpenAPI market prefixes dropped (``US.QQQ``, ``HK.00700``, ``SH.600519``)
and Hong Kong's five-digit zero-padded codes unpadded (``00700`` → ``700``, as the snapshot
lists them; six-digit A-share codes are kept). Issuers' holdings files and the snapshot builder
read symbols without them: in an international fund's list ``01211`` (BYD, Hong Kong) and
``1211`` (Ma'aden, Riyadh) are two companies.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CONTROL", "market_currency", "normalize", "normalize_symbols", "printable"]

#: Control characters (escape sequences, bells, carriage returns…): never part of a symbol or a
#: name, and dangerous in a terminal, so every text read from a user's file drops them.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

_PREFIX = re.compile(r"^(?:US|HK|SH|SZ)\.(?=\w)")
_HK_PADDED = re.compile(r"^0\d{4}$")
_NUMERIC_SUFFIXED = re.compile(r"\d+\.[A-Z]{1,2}")
_A_SHARE = re.compile(r"^(?:S[HZ]\.)?\d{6}$|^\d{6}\.(?:SS|SZ|SH)$")
_HONG_KONG = re.compile(r"^HK\.\d{1,5}$|^\d{1,5}\.HK$")
_SEPARATORS = re.compile(r"[\s/-]+")


def printable(text: str) -> str:
    """``text`` without control characters (tabs and line breaks become spaces)."""
    return CONTROL.sub("", text.replace("\t", " ").replace("\n", " ").replace("\r", " "))


def normalize(raw: object, broker: bool = False) -> str:
    """One symbol in the snapshot's form (see the module docstring)."""
    s = printable(str(raw)).strip().upper()
    if broker:
        s = _PREFIX.sub("", s.rstrip("*").strip())
        if _HK_PADDED.match(s):
            return str(int(s))
    return s if _NUMERIC_SUFFIXED.fullmatch(s) else _SEPARATORS.sub(".", s)


def market_currency(raw: object) -> str:
    """The currency a listing code implies, as a broker writes it ("" when it implies none).

    A-share codes (``600519``, ``SH.510300``, ``000001.SZ``) are CNY; Hong Kong codes (``00700``,
    ``HK.00700``, ``0700.HK``) are HKD.
    """
    s = printable(str(raw)).strip().upper()
    if _HK_PADDED.match(s) or _HONG_KONG.match(s):
        return "HKD"
    return "CNY" if _A_SHARE.match(s) else ""


def normalize_symbols(symbols: pd.Series, broker: bool = False) -> pd.Series:
    """:func:`normalize` over a Series (each distinct symbol computed once)."""
    text = symbols.astype(str)
    unique = text.unique()
    return text.map(dict(zip(unique, (normalize(s, broker) for s in unique))))
