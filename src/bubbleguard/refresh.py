"""Refresh fund holdings from the issuers' published files: bubbleguard's only network access.

Nothing here runs unless ``bubbleguard data refresh`` (or a script) calls it. It downloads the
holdings CSV that iShares publishes for each of its ETFs (:data:`ISHARES_FUNDS`; Vanguard
publishes holdings only on web pages and SPDR as ``.xlsx``, so those are not supported), parses
it with the rules of the iShares reader in ``snapshot/build.py``, and writes one
``fund,symbol,weight`` file per fund into the local fund-files folder
(:class:`bubbleguard.plugins.LocalFundFiles`), where ``check`` finds it.

Parsing rules: the as-of date comes from the ``Fund Holdings as of`` header line; the table runs
from the ``Ticker,`` line to the first blank line or the footer; Equity, Cash and Money Market
rows are kept, the rest (futures, collateral) stays in the unresolved remainder; a negative cash
line is left out; cash becomes ``CASH``; duplicates are merged; weights over 100% are scaled
down. A non-US row's local ticker is matched to the snapshot symbol (``T``, ``T.X`` ...) whose
company name agrees (``T`` is TELUS in Toronto and AT&T in New York).
"""

from __future__ import annotations

import io
import os
import re
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from .reference import Snapshot

__all__ = ["FundFile", "ISHARES_FUNDS", "download", "fetch_fund", "funds_folder",
           "holdings_url", "parse_ishares", "supported_funds", "write_fund_file"]

ISHARES_BASE = "https://www.ishares.com"
BASE_URL_ENV = "BUBBLEGUARD_ISHARES_URL"
DEFAULT_TIMEOUT = 30.0
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
        Columns fund, symbol, weight (fraction of the fund), name, as_of; largest first.
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
    from .plugins import LocalFundFiles

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
    req = urllib.request.Request(url, headers={"User-Agent": _user_agent(),
                                               "Accept": "text/csv,text/plain,*/*"})
    what = f"Could not download the {fund} holdings file from {url}"
    advice = ("Check your internet connection or proxy and try again later; the fund-files "
              "folder was left unchanged for this fund.")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - http(s) only
            return bytes(resp.read())
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


# --------------------------------------------------------------------------- parsing
def norm_symbol(raw: object) -> str:
    """Upper case, trimmed, '.' as share-class separator (as ``snapshot/build.py``)."""
    s = str(raw).strip().upper()
    return re.sub(r"[\s/-]+", ".", s) if not re.fullmatch(r"\d+\.[A-Z]{1,2}", s) else s


def _first_word(name: object) -> str:
    """First word of a company name without punctuation, share classes and legal words."""
    s = re.sub(r"[^A-Z0-9& ]+", " ", str(name).upper())
    s = re.sub(r"\b(CLASS|CL|SERIES|SER)\s+[A-Z0-9]\b", " ", s)
    words = [w for w in s.split() if w not in _LEGAL_WORDS]
    return words[0] if words else ""


def _to_float(series: pd.Series) -> pd.Series:
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
        df = pd.read_csv(io.StringIO("\n".join(body)), dtype=str, keep_default_na=False)
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
        "symbol": ticker.map(norm_symbol), "name": df["Name"].str.strip(),
        "weight": _to_float(df["Weight (%)"]) / 100.0,
        "location": (df["Location"] if "Location" in df else pd.Series("", index=df.index))
        .replace("-", "").str.strip(),
        "is_cash": is_cash,
    })[~no_ticker]
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
        by_base.setdefault(b, []).append(sym)
    renamed = []
    for i in df.index[local]:
        sym = df.at[i, "symbol"]
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
    from .reference import load_snapshot

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
    target_dir = funds_folder(folder)
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        path = target_dir / f"{ff.fund}.csv"
        tmp = path.with_suffix(".csv.tmp")
        ff.holdings[["fund", "symbol", "weight", "name", "as_of"]].to_csv(
            tmp, index=False, lineterminator="\n", float_format="%.8g")
        os.replace(tmp, path)
    except OSError as exc:
        raise DataError(f"Cannot write the {ff.fund} holdings into {target_dir} ({exc.strerror}); "
                        "choose another folder with --dir.") from None
    return path
