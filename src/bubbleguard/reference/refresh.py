"""Refresh fund holdings from the issuers' published files: bubbleguard's only network access.

Nothing here runs unless ``bubbleguard data refresh`` (or a script) calls it. It downloads the
holdings CSV that iShares publishes for each of its ETFs (:data:`ISHARES_FUNDS`; Vanguard
publishes holdings only on web pages and SPDR as ``.xlsx``, so those are not supported), parses
it with the rules of the iShares reader in ``snapshot/build.py`` (see :mod:`bubbleguard.reference._fund_files`
for the parsing rules and how local tickers are matched to the snapshot), and writes one
``fund,symbol,weight`` file per fund into the local fund-files folder
(:class:`bubbleguard.plugins.LocalFundFiles`), where ``check`` finds it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DataError
from ._fund_files import FundFile, match_local_listings, parse_ishares

if TYPE_CHECKING:
    from ._snapshot import Snapshot

__all__ = ["ISHARES_FUNDS", "download", "fetch_fund", "funds_folder", "holdings_url",
           "supported_funds", "write_fund_file"]

ISHARES_BASE = "https://www.ishares.com"
BASE_URL_ENV = "BUBBLEGUARD_ISHARES_URL"
DEFAULT_TIMEOUT = 30.0
TOTAL_TIMEOUT_FACTOR = 4  # the whole download may take this many times the per-read timeout
MAX_DOWNLOAD_BYTES = 50_000_000  # an issuer's holdings file is a few MB at most
_AJAX = "1467271812596.ajax"

#: Funds ``data refresh`` can download: ticker → (iShares product id, page slug), the parts of
#: their page address ``ishares.com/us/products/<id>/<slug>``.
ISHARES_FUNDS: dict[str, tuple[str, str]] = {
    t: (pid, slug) for t, pid, slug in (line.split() for line in """
ACWI  239600  ishares-msci-acwi-etf
ACWX  239594  ishares-msci-acwi-ex-us-etf
DGRO  264623  ishares-core-dividend-growth-etf
DVY   239500  ishares-select-dividend-etf
EEM   239637  ishares-msci-emerging-markets-etf
EFA   239623  ishares-msci-eafe-etf
EWJ   239665  ishares-msci-japan-etf
EWT   239686  ishares-msci-taiwan-etf
EWY   239681  ishares-msci-south-korea-capped-etf
FXI   239536  ishares-china-largecap-etf
HDV   239563  ishares-high-dividend-etf
IBB   239699  ishares-nasdaq-biotechnology-etf
ICLN  239738  ishares-global-clean-energy-etf
IEFA  244049  ishares-core-msci-eafe-etf
IEMG  244050  ishares-core-msci-emerging-markets-etf
IEUR  264617  ishares-core-msci-europe-etf
IGM   239769  ishares-north-american-tech-etf
IGV   239771  ishares-north-american-techsoftware-etf
IJH   239763  ishares-core-sp-midcap-etf
IJR   239774  ishares-core-sp-smallcap-etf
INDA  239659  ishares-msci-india-etf
ITOT  239724  ishares-core-sp-total-us-stock-market-etf
IUSG  239713  ishares-core-sp-us-growth-etf
IUSV  239715  ishares-core-sp-us-value-etf
IVE   239728  ishares-sp-500-value-etf
IVV   239726  ishares-core-sp-500-etf
IVW   239725  ishares-sp-500-growth-etf
IWB   239707  ishares-russell-1000-etf
IWD   239708  ishares-russell-1000-value-etf
IWF   239706  ishares-russell-1000-growth-etf
IWM   239710  ishares-russell-2000-etf
IWN   239712  ishares-russell-2000-value-etf
IWO   239709  ishares-russell-2000-growth-etf
IWR   239718  ishares-russell-midcap-etf
IWV   239714  ishares-russell-3000-etf
IXN   239750  ishares-global-tech-etf
IXUS  244048  ishares-core-msci-total-international-stock-etf
IYW   239522  ishares-us-technology-etf
LRGF  272824  ishares-msci-usa-multi-factor-etf
MCHI  239619  ishares-msci-china-etf
MTUM  251614  ishares-msci-usa-momentum-factor-etf
OEF   239723  ishares-sp-100-etf
QUAL  256101  ishares-msci-usa-quality-factor-etf
SOXX  239705  ishares-phlx-semiconductor-etf
URTH  239696  ishares-msci-world-etf
USMV  239695  ishares-msci-usa-minimum-volatility-etf
VLUE  251616  ishares-msci-usa-value-factor-etf
""".strip().splitlines())}


def supported_funds() -> list[str]:
    """Tickers ``data refresh`` can download, sorted."""
    return sorted(ISHARES_FUNDS)


def holdings_url(fund: str, base_url: str | None = None) -> str:
    """Return the URL of a fund's iShares holdings CSV.

    Parameters
    ----------
    fund
        A ticker from :data:`ISHARES_FUNDS`.
    base_url
        Scheme and host replacing ``https://www.ishares.com`` (default:
        ``$BUBBLEGUARD_ISHARES_URL`` if set), e.g. a mirror or a test server.
    """
    fund = fund.strip().upper()
    if fund not in ISHARES_FUNDS:
        raise DataError(f"'{fund}' cannot be refreshed: bubbleguard downloads holdings only for "
                        f"iShares equity ETFs ({', '.join(supported_funds())}). For other funds, "
                        f"save the holdings as a CSV with columns fund,symbol,weight in "
                        f"{funds_folder()} and 'bubbleguard check' will use it.")
    product, slug = ISHARES_FUNDS[fund]
    base = (base_url or os.environ.get(BASE_URL_ENV) or ISHARES_BASE).rstrip("/")
    return (f"{base}/us/products/{product}/{slug}/{_AJAX}"
            f"?fileType=csv&fileName={fund}_holdings&dataType=fund")


def funds_folder(folder: str | Path | None = None) -> Path:
    """Return ``folder``, else ``$BUBBLEGUARD_FUNDS_DIR``, else ``~/.bubbleguard/funds``."""
    from ._providers import LocalFundFiles

    return LocalFundFiles(folder).folder


def _user_agent() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("bubbleguard")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        v = "dev"
    return f"bubbleguard/{v} (fund holdings refresh; Python urllib)"


def download(url: str, *, fund: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Fetch ``url`` with a timeout and a User-Agent; any failure is a one-paragraph DataError.

    Parameters
    ----------
    url
        The holdings file's address.
    fund
        The fund's ticker, for the message.
    timeout
        Seconds to wait for the connection and for each read.
    """
    import socket  # the network modules load only when something is downloaded
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, headers={"User-Agent": _user_agent(),
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
def fetch_fund(fund: str, *, base_url: str | None = None, timeout: float = DEFAULT_TIMEOUT,
               file: str | Path | None = None, snapshot: Snapshot | None = None) -> FundFile:
    """Download (or read from ``file``) and parse one fund's iShares holdings.

    Parameters
    ----------
    fund
        A ticker from :data:`ISHARES_FUNDS` (any ticker when ``file`` is given).
    base_url
        Scheme and host replacing ``https://www.ishares.com``.
    timeout
        Network timeout in seconds.
    file
        A holdings CSV downloaded by hand from the fund's page: nothing is downloaded.
    snapshot
        Reference data used to match local tickers (default: the bundled snapshot).
    """
    from ._snapshot import load_snapshot

    fund = fund.strip().upper()
    if file is not None:
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise DataError(f"{path}: cannot read the holdings file ({exc.strerror}).") from None
        source = str(path)
    else:
        source = holdings_url(fund, base_url)
        content = download(source, fund=fund, timeout=timeout)
    parsed = parse_ishares(content, fund, source)
    if parsed.holdings.empty:
        raise DataError(f"{source}: the {fund} holdings file lists no equity or cash rows; "
                        "nothing was written.")
    return match_local_listings(parsed, snapshot if snapshot is not None else load_snapshot())


def write_fund_file(ff: FundFile, folder: str | Path | None = None) -> Path:
    """Write ``FOLDER/FUND.csv`` (fund, symbol, weight, name, as_of), replacing it atomically.

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
    text = ff.holdings[["fund", "symbol", "weight", "name", "as_of"]].to_csv(
        index=False, lineterminator="\n", float_format="%.8g")
    write_atomic(path, text.encode("utf-8"), what="folder with --dir")
    return path
