"""Where each fund's holdings can be refreshed from: the one table ``data refresh`` and rules share.

The packaged ``refresh_sources.csv`` maps a fund's ticker to a provider and, for issuers that
publish a downloadable file, the file's path on the issuer's host (:data:`PROVIDERS`):

- ``ishares``, ``ssga``, ``invesco``, ``ark``: the issuer's own daily holdings file;
- ``sec``: the fund's latest Form N-PORT-P filing on SEC EDGAR (Vanguard, Schwab and Fidelity
  funds, whose issuers publish no file bubbleguard reads).

A fund the table does not list but whose ticker looks like a US one (1-5 letters) is tried
through SEC N-PORT too: EDGAR's ticker table, downloaded only by ``data refresh``, says whether
it is a US-registered fund. Other codes (A-share, Hong Kong, QDII funds) cannot be refreshed.
Nothing here uses the network; the stale-data rule reads the same table, so its advice and
``data refresh`` cannot disagree.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from functools import cache

__all__ = ["PROVIDERS", "Provider", "Source", "base_url", "source_for", "sources"]


@dataclass(frozen=True)
class Provider:
    """A host that publishes fund holdings.

    Attributes
    ----------
    label
        Its name in messages.
    base
        Scheme and host of its files.
    env
        The environment variable that replaces ``base`` (a mirror, a proxy or a test server).
    """

    label: str
    base: str
    env: str


PROVIDERS: dict[str, Provider] = {
    "ishares": Provider("iShares", "https://www.ishares.com", "BUBBLEGUARD_ISHARES_URL"),
    "ssga": Provider("SSGA SPDR", "https://www.ssga.com", "BUBBLEGUARD_SSGA_URL"),
    "invesco": Provider("Invesco", "https://www.invesco.com", "BUBBLEGUARD_INVESCO_URL"),
    "ark": Provider("ARK Invest", "https://assets.ark-funds.com", "BUBBLEGUARD_ARK_URL"),
    "sec": Provider("SEC N-PORT", "https://www.sec.gov", "BUBBLEGUARD_SEC_URL"),
}

_US_TICKER = re.compile(r"[A-Z]{1,5}")


@dataclass(frozen=True)
class Source:
    """Where one fund is refreshed from.

    Attributes
    ----------
    fund
        The fund's ticker.
    provider
        A key of :data:`PROVIDERS`.
    issuer
        The fund's issuer when the table names it (``""`` for a ticker only EDGAR may know).
    path
        The issuer file's path below the provider's host (``""`` for SEC N-PORT).
    """

    fund: str
    provider: str
    issuer: str = ""
    path: str = ""

    @property
    def label(self) -> str:
        """``iShares``, ``Vanguard via SEC N-PORT`` ...: the source in words."""
        name = PROVIDERS[self.provider].label
        return f"{self.issuer} via {name}" if self.provider == "sec" and self.issuer else name

    def url(self, base: str | None = None) -> str:
        """The issuer file's address (for SEC, the host the filings are read from)."""
        return base_url(self.provider, base) + self.path


def base_url(provider: str, base: str | None = None) -> str:
    """``base``, else the provider's environment variable, else its own host; no trailing ``/``."""
    p = PROVIDERS[provider]
    return (base or os.environ.get(p.env) or p.base).rstrip("/")


@cache
def sources() -> dict[str, Source]:
    """The packaged table: fund → :class:`Source`."""
    from ._snapshot import packaged

    with packaged("refresh_sources.csv").open("rb") as fh:
        rows = csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8"))
        return {r["fund"]: Source(r["fund"], r["provider"], r["issuer"], r["path"]) for r in rows}


def source_for(fund: str) -> Source | None:
    """Where ``fund`` can be refreshed from, or ``None`` when it cannot be."""
    fund = fund.strip().upper()
    listed = sources().get(fund)
    if listed is not None:
        return listed
    return Source(fund, "sec") if _US_TICKER.fullmatch(fund) else None
