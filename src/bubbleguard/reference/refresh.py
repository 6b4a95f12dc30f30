"""Refresh fund holdings from the issuers and from SEC N-PORT: bubbleguard's only network access.

Nothing here runs unless ``bubbleguard data refresh`` (or a script) calls it. Where a fund is
refreshed from is the packaged table of :mod:`bubbleguard.reference._sources`: the daily
holdings file that iShares (CSV), SSGA SPDR (``.xlsx``), Invesco (CSV) or ARK (CSV) publishes,
or else the fund's latest Form N-PORT-P on SEC EDGAR (any US-registered fund, mutual and
target-date funds included; :mod:`bubbleguard.reference._nport`), found through EDGAR's
``company_tickers_mf.json``, downloaded here at refresh time and never by ``check``. Vanguard
and Schwab publish no file bubbleguard can download: their funds come from N-PORT, and a
Vanguard "Holdings details" export saved by hand is read with ``--file``. The readers are in
:mod:`bubbleguard.reference._fund_files`, :mod:`bubbleguard.reference._issuer_files` and
:mod:`bubbleguard.reference._nport`; :func:`write_fund_file`, the one writer for every provider,
puts ``FUND.csv`` (fund, symbol, weight, name, as_of, source) into the local fund-files folder
(:class:`bubbleguard.plugins.LocalFundFiles`), where ``check`` finds it and where it overrides
the bundled snapshot's holdings of that fund.
"""

from __future__ import annotations

import os
import time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DataError
from ._fund_files import FundFile, match_local_listings, parse_ishares
from ._sources import base_url, source_for, sources

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._nport import FundIds
    from ._snapshot import Snapshot

__all__ = ["download", "fetch_fund", "funds_folder", "holdings_url", "read_file", "supported_funds",
           "write_fund_file"]

DEFAULT_TIMEOUT = 30.0
TOTAL_TIMEOUT_FACTOR = 4  # the whole download may take this many times the per-read timeout
MAX_DOWNLOAD_BYTES = 50_000_000  # an issuer's holdings file is a few MB at most
#: SEC EDGAR asks automated clients to name a contact; this variable's value (an e-mail
#: address) is added to the User-Agent of requests to SEC.
SEC_CONTACT_ENV = "BUBBLEGUARD_SEC_CONTACT"
_FORMATS = "an iShares, SSGA SPDR, Invesco, ARK or Vanguard holdings file, or an N-PORT primary_doc.xml"


def supported_funds() -> list[str]:
    """Tickers the packaged table names, sorted (any other US ticker is tried through SEC N-PORT)."""
    return sorted(sources())


def _cannot(fund: str) -> DataError:
    return DataError(f"'{fund}' cannot be refreshed: it is not a US fund ticker, and bubbleguard "
                     "downloads holdings only from iShares, SSGA SPDR, Invesco and ARK and from the "
                     "SEC N-PORT filings of US-registered funds. Save its holdings as a CSV with "
                     f"columns fund,symbol,weight in {funds_folder()} and 'bubbleguard check' will "
                     "use it.")


def holdings_url(fund: str, base_url: str | None = None) -> str:
    """Return the address a fund's holdings are downloaded from.

    Parameters
    ----------
    fund
        A fund's ticker.
    base_url
        Scheme and host replacing the provider's (default: the provider's environment
        variable, e.g. ``$BUBBLEGUARD_ISHARES_URL``), e.g. a mirror or a test server.

    For an SEC N-PORT fund this is EDGAR's ticker table, the first of the filings read.
    """
    from ._nport import mapping_path

    source = source_for(fund)
    if source is None:
        raise _cannot(fund.strip().upper())
    return source.url(base_url) + (mapping_path() if source.provider == "sec" else "")


def funds_folder(folder: str | Path | None = None) -> Path:
    """Return ``folder``, else ``$BUBBLEGUARD_FUNDS_DIR``, else ``~/.bubbleguard/funds``."""
    from ._providers import LocalFundFiles

    return LocalFundFiles(folder).folder


def _user_agent(sec: bool = False) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("bubbleguard")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        v = "dev"
    contact = os.environ.get(SEC_CONTACT_ENV, "").strip() if sec else ""
    return f"bubbleguard/{v} (fund holdings refresh; Python urllib){' ' + contact if contact else ''}"


def download(url: str, *, fund: str, timeout: float = DEFAULT_TIMEOUT, sec: bool = False) -> bytes:
    """Fetch ``url`` with a timeout and a User-Agent; any failure is a one-paragraph DataError.

    Parameters
    ----------
    url
        The holdings file's address.
    fund
        The fund's ticker, for the message.
    timeout
        Seconds to wait for the connection and for each read.
    sec
        The request goes to SEC EDGAR: the User-Agent carries ``$BUBBLEGUARD_SEC_CONTACT``.
    """
    import socket  # the network modules load only when something is downloaded
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, headers={"User-Agent": _user_agent(sec),
                                               "Accept": "text/csv,text/plain,*/*"})
    what = f"Could not download the {fund} holdings file from {url}"
    advice = ("Check your internet connection or proxy and try again later; the fund-files "
              "folder was left unchanged for this fund.")
    total = TOTAL_TIMEOUT_FACTOR * timeout
    deadline = time.monotonic() + total
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - http(s) only
            chunks, size = [], 0
            while chunk := resp.read1(1 << 16):  # bounded: a size cap and a deadline for the whole
                size += len(chunk)
                if size > MAX_DOWNLOAD_BYTES:
                    raise DataError(f"{what}: the answer is larger than "
                                    f"{MAX_DOWNLOAD_BYTES / 1e6:.0f} MB, far more than a holdings "
                                    "file; nothing was written. Check the address, or download the "
                                    "file and pass it with --file.")
                if time.monotonic() > deadline:
                    raise DataError(f"{what}: the download took more than {total:.0f} s in all. "
                                    f"{advice}")
                chunks.append(chunk)
            return b"".join(chunks)
    except urllib.error.HTTPError as exc:
        if sec and exc.code in (403, 429):
            raise DataError(f"{what}: SEC EDGAR answered HTTP {exc.code} ({exc.reason}). SEC asks "
                            "automated clients to name a contact: set BUBBLEGUARD_SEC_CONTACT to "
                            "your e-mail address, wait a minute and try again.") from None
        raise DataError(f"{what}: the server answered HTTP {exc.code} ({exc.reason}). The issuer "
                        "may have moved the file; download it from the fund's web page and run "
                        f"'bubbleguard data refresh --fund {fund} --file PATH'.") from None
    except OSError as exc:  # URLError, TimeoutError, ConnectionError ...
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, TimeoutError):
            text = f"the server did not answer within {timeout:g} s"
            advice += " A longer --timeout may help on a slow connection."
        elif isinstance(reason, ConnectionRefusedError):
            text = "the connection was refused"
        elif isinstance(reason, socket.gaierror):
            text = "the host name could not be resolved (are you offline?)"
        else:
            text = str(reason)
        raise DataError(f"{what}: {text}. {advice}") from None


# --------------------------------------------------------------------------- the pipeline
def _isin_symbols() -> dict[str, str]:
    """ISIN → snapshot symbol, from the packaged ``identifiers.csv``."""
    import csv
    import io

    from ._snapshot import packaged

    with packaged("identifiers.csv").open("rb") as fh:
        rows = csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8"))
        return {r["isin"]: r["symbol"] for r in rows if r.get("isin") and r.get("symbol")}


def _parser(provider: str) -> Callable[..., FundFile]:
    from . import _issuer_files as issuers
    from ._nport import parse_nport

    def nport(content: bytes, fund: str, source: str = "") -> FundFile:
        return parse_nport(content, fund, source, _isin_symbols())

    return {"ishares": parse_ishares, "ssga": issuers.parse_ssga, "invesco": issuers.parse_invesco,
            "ark": issuers.parse_ark, "vanguard": issuers.parse_vanguard, "sec": nport}[provider]


def read_file(path: str | Path, fund: str) -> tuple[FundFile, str]:
    """Parse a holdings file saved by hand, whichever issuer's layout it has.

    Returns
    -------
    tuple
        The parsed file and the provider whose layout it has (``ishares``, ``ssga``, ...).
    """
    from ._issuer_files import sniff

    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read the holdings file ({exc.strerror}).") from None
    kind = sniff(content)
    if not kind:
        raise DataError(f"{path} is not {_FORMATS}: bubbleguard cannot tell its layout. Download "
                        "the fund's holdings file from its issuer's page or its N-PORT filing "
                        "from SEC EDGAR.")
    return _parser(kind)(content, fund.strip().upper(), str(path)), kind


@cache
def _fund_ids(base: str, timeout: float) -> dict[str, FundIds]:
    """EDGAR's ticker table, downloaded once per run and host (never at check time)."""
    from ._nport import mapping_path, parse_fund_tickers

    url = base + mapping_path()
    return parse_fund_tickers(download(url, fund="EDGAR fund ticker", timeout=timeout, sec=True), url)


def _from_sec(fund: str, base_url_: str | None, timeout: float) -> FundFile:
    """The newest N-PORT-P ``primary_doc.xml`` of ``fund``'s series, parsed."""
    from ._nport import filing_path, latest_filing, parse_nport, series_feed_path

    base = base_url("sec", base_url_)
    ids = _fund_ids(base, timeout).get(fund)
    if ids is None:
        raise DataError(f"'{fund}' cannot be refreshed: SEC EDGAR's fund ticker table does not list "
                        "it, so it is not a US-registered fund bubbleguard can find an N-PORT filing "
                        f"for. Save its holdings as a CSV with columns fund,symbol,weight in "
                        f"{funds_folder()} and 'bubbleguard check' will use it.")
    feed = download(base + series_feed_path(ids.series), fund=fund, timeout=timeout, sec=True)
    filing = latest_filing(feed, ids.series)
    if filing is None:
        raise DataError(f"SEC EDGAR lists no NPORT-P filing for {fund} (series {ids.series}); a "
                        "fund files one each quarter, so a new fund may have none yet.")
    url = base + filing_path(ids.cik, filing.accession)
    return parse_nport(download(url, fund=fund, timeout=timeout, sec=True), fund, url, _isin_symbols(),
                       series=ids.series)


def fetch_fund(fund: str, *, base_url: str | None = None, timeout: float = DEFAULT_TIMEOUT,
               file: str | Path | None = None, snapshot: Snapshot | None = None) -> FundFile:
    """Download (or read from ``file``) and parse one fund's holdings.

    Parameters
    ----------
    fund
        A fund's ticker (see :func:`bubbleguard.reference._sources.source_for`).
    base_url
        Scheme and host replacing the provider's.
    timeout
        Network timeout in seconds.
    file
        A holdings file saved by hand (any layout :func:`read_file` reads): nothing is
        downloaded.
    snapshot
        Reference data used to match local tickers (default: the bundled snapshot).
    """
    from ._snapshot import load_snapshot

    fund = fund.strip().upper()
    if file is not None:
        parsed, _kind = read_file(file, fund)
    else:
        source = source_for(fund)
        if source is None:
            raise _cannot(fund)
        if source.provider == "sec":
            parsed = _from_sec(fund, base_url, timeout)
        else:
            where = source.url(base_url)
            parsed = _parser(source.provider)(download(where, fund=fund, timeout=timeout), fund, where)
    if parsed.holdings.empty:
        raise DataError(f"{parsed.source}: the {fund} holdings file lists no equity or cash rows; "
                        "nothing was written.")
    return match_local_listings(parsed, snapshot if snapshot is not None else load_snapshot())


def write_fund_file(ff: FundFile, folder: str | Path | None = None) -> Path:
    """Write ``FOLDER/FUND.csv`` (fund, symbol, weight, name, as_of, source), replacing it atomically.

    The one writer for every provider: the file records where the holdings came from and the
    date they describe, and ``check`` prefers it to the bundled snapshot's holdings of the fund.

    Returns
    -------
    Path
        The file written.
    """
    from .._output import write_atomic

    target_dir = funds_folder(folder)
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"Cannot write the {ff.fund} holdings into {target_dir} ({exc.strerror}); "
                        "choose another folder with --dir.") from None
    path = target_dir / f"{ff.fund}.csv"
    table = ff.holdings[["fund", "symbol", "weight", "name", "as_of"]].assign(source=ff.source)
    text = table.to_csv(index=False, lineterminator="\n", float_format="%.8g")
    write_atomic(path, text.encode("utf-8"), what="folder with --dir")
    return path
