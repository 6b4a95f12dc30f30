"""Build bubbleguard's embedded reference snapshot from the raw reference data.

Usage::

    python snapshot/build.py [RAW_DIR] [OUT_DIR]

``RAW_DIR`` defaults to ``../shared/data/raw`` beside the repository, ``OUT_DIR`` to
``src/bubbleguard/data``. The script is deterministic: run it twice on the same raw data and the
output files are byte-identical. It writes small derived tables only (ticker, weight, sector,
as-of date, source), never copies of the raw files:

``securities.csv``
    symbol → issuer, name, sector, country, kind, asset class, fund category, last price.
``issuers.csv``
    issuer id → display name, sector, country, AI role and the reason it is in the AI universe.
``identifiers.csv``
    symbol → ISIN, where a source publishes one (the issuer master merges by them first).
``funds.csv``
    one row per fund with holdings: as-of date, source, coverage (full or top 10), weight sum.
``fund_holdings.csv``
    fund → held symbol → weight (fraction of the fund). What a fund does not itemise is left out,
    so the look-through shows it as an explicit unresolved remainder.
``prices.csv.gz``
    adjusted closes: month-ends since inception, every day since 2021, and the scenario dates
    (US funds in USD; mainland ETFs in CNY, from ``research/china/prices/history``).
``fx_history.csv``
    CNY and HKD per USD (FRED DEXCHUS, DEXHKUS via ``research/fx``) on the dates of the prices.
``deals.csv``
    the circular-deal table (see ``snapshot/deals.py``).
``manifest.json``
    per table: source, as-of date, row count and notes on what was cleaned.
"""

from __future__ import annotations

import difflib
import gzip
import io
import json
import re
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from bubbleguard.symbols import normalize as norm_symbol

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CURATED = HERE / "curated"
RESEARCH = HERE / "research" / "us_funds"
CHINA_PRICES = HERE / "research" / "china" / "prices"
FX_RESEARCH = HERE / "research" / "fx"
#: mainland daily series that are no return series: money-market ETFs reset at each payout
NOT_RETURN_SERIES = {"511880", "511990"}
FX_SERIES = {"CNY": "DEXCHUS.csv", "HKD": "DEXHKUS.csv"}
DEFAULT_RAW = ROOT.parent / "shared" / "data" / "raw"
DEFAULT_OUT = ROOT / "src" / "bubbleguard" / "data"

PRICES_DAILY_SINCE = "2021-01-01"

SECTORS = {
    "Communication": "Communication Services",
    "Information Technology": "Information Technology",
    "Consumer Discretionary": "Consumer Discretionary",
    "Consumer Staples": "Consumer Staples",
    "Health Care": "Health Care",
    "Financials": "Financials",
    "Industrials": "Industrials",
    "Energy": "Energy",
    "Utilities": "Utilities",
    "Real Estate": "Real Estate",
    "Materials": "Materials",
    "Communication Services": "Communication Services",
}
LEGAL_WORDS = {
    "INC", "INCORPORATED", "CORP", "CORPORATION", "CO", "COMPANY", "LTD", "LIMITED", "PLC",
    "SA", "AG", "NV", "SE", "AB", "ASA", "SPA", "LP", "LLC", "THE", "REIT", "ADR", "ORD", "NPV",
}
CASH_NAMES = re.compile(r"\b(?:US DOLLAR|USD CASH|MONEY MARKET|CASH COLLATERAL|TRSY OBLIG|TREASURY SL)\b")
#: Mainland index funds looked through by their index's published top-10 weights (the fund replicates
#: the index; each fund's row in curated/instruments.csv names its index and source), newest list used.
INDEX_TOP10_FUNDS = {"CSI 300 (000300)": ("510300", "159919"), "CSI AI Theme (930713)": ("159819",)}
INTERNATIONAL_FUNDS = {"VXUS", "IXUS", "VEA", "VWO", "IEMG", "EFA", "VSS",
                       *(f for funds in INDEX_TOP10_FUNDS.values() for f in funds)}
ISHARES_COLUMNS = ["Ticker", "Name", "Sector", "Asset Class", "Weight (%)", "Price", "Location"]


# --------------------------------------------------------------------------- helpers
def clean_name(name: str) -> str:
    """Issuer key from a security name: legal suffixes and share classes removed."""
    s = re.sub(r"['’]", "", str(name).upper())  # Moody's, Pilgrim's: one word
    s = re.sub(r"[^A-Z0-9& ]+", " ", s)
    s = re.sub(r"\b(CLASS|CL|SERIES|SER)\s+[A-Z0-9]\b", " ", s)
    s = re.sub(r"\b(CLASS|CL)\b$", " ", s.strip())
    words = [w for w in s.split() if w not in LEGAL_WORDS]
    return " ".join(words)


def display_name(name: str) -> str:
    """Readable issuer name: share-class suffix removed, upper case titled."""
    s = re.sub(r"\s+(Class|CLASS|CL|Cl\.?)\s+[A-Z0-9]\b.*$", "", str(name).strip())
    s = re.sub(r"\s+(Ordinary Shares|ORD|ADR)$", "", s)
    if s.isupper():
        s = s.title().replace("'S", "'s")
    return s.strip(" .,")


def read_ishares(path: Path) -> tuple[pd.DataFrame, str]:
    """Read an iShares holdings CSV (header block, table, disclaimer footer)."""
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    as_of = ""
    for line in lines[:12]:
        if line.startswith("Fund Holdings as of"):
            as_of = pd.Timestamp(line.split(",", 1)[1].strip().strip('"')).date().isoformat()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Ticker,"))
    body = []
    for line in lines[start:]:
        if not line.strip() or line.startswith(("\xa0", " ")):
            break
        body.append(line)
    df = pd.read_csv(io.StringIO("\n".join(body)), dtype=str, keep_default_na=False)
    return df[ISHARES_COLUMNS], as_of


def to_float(series: pd.Series) -> pd.Series:
    """Numbers written with thousands separators or percent signs."""
    return pd.to_numeric(series.astype(str).str.replace(r"[,%$\s]", "", regex=True), errors="coerce")


# --------------------------------------------------------------------------- fund holdings
class Collector:
    """Gathers holdings rows, security attributes and notes from every raw source."""

    def __init__(self) -> None:
        self.rows: list[pd.DataFrame] = []
        self.funds: list[dict] = []
        self.attrs: list[pd.DataFrame] = []  # symbol, name, sector, country, priority
        self.prices: list[pd.DataFrame] = []  # symbol, price, price_date, priority
        self.notes: list[str] = []
        self.renames = pd.DataFrame(columns=["source_fund", "orig", "name", "symbol"])
        self.collapsed: dict[str, str] = {}

    def add(self, fund: str, df: pd.DataFrame, *, as_of: str, source: str, coverage: str,
            priority: int, note: str = "") -> None:
        """Add one fund's holdings: columns symbol, name, weight (fraction), sector, country."""
        df = df.copy()
        df["symbol"] = df["symbol"].map(norm_symbol)
        cash = df["is_cash"] if "is_cash" in df else pd.Series(False, index=df.index)
        neg = cash & (df["weight"] < 0)
        if neg.any():
            self.notes.append(f"{fund}: left out a negative cash line ({df.loc[neg, 'weight'].sum():.4%});"
                              " it stays in the fund's unresolved remainder")
        df.loc[cash, "symbol"] = "CASH"
        df = df[(df["weight"] > 0) & (df["symbol"] != "") & ~neg]
        dup = int(df["symbol"].duplicated().sum())
        if dup:
            self.notes.append(f"{fund}: merged {dup} duplicate rows of the same symbol")
        total = float(df["weight"].sum())
        if total > 1.0:
            self.notes.append(f"{fund}: weights sum to {total:.4%}; scaled down to 100%")
            df["weight"] = df["weight"] / total
        df["name"] = df["name"].fillna("").astype(str) if "name" in df else ""
        held = df.groupby(["symbol", "name"], sort=True)["weight"].sum().reset_index()
        held.insert(0, "fund", fund)
        self.rows.append(held)
        self.funds.append({"fund": fund, "as_of": as_of, "source": source, "coverage": coverage,
                           "holdings": len(held), "weight_sum": round(min(total, 1.0), 6),
                           "note": note})
        stocks = df[df["symbol"] != "CASH"]
        attrs = stocks.reindex(columns=["symbol", "name", "sector", "country"]).copy()
        attrs["priority"] = priority
        attrs["source_fund"] = fund
        self.attrs.append(attrs)
        if "price" in df:
            px = stocks[["symbol", "price"]].copy()
            px["price_date"] = as_of
            px["priority"] = priority
            self.prices.append(px[px["price"] > 0])


def collect_ishares(c: Collector, path: Path, fund: str, source: str, priority: int,
                    as_of: str | None = None, note: str = "") -> None:
    df, header_as_of = read_ishares(path)
    kind = df["Asset Class"]
    keep = kind.isin(["Equity", "Cash", "Money Market"])
    df = df[keep]
    out = pd.DataFrame({
        "symbol": df["Ticker"], "name": df["Name"],
        "sector": df["Sector"].map(SECTORS).fillna(""),
        "country": df["Location"].replace("-", ""),
        "weight": to_float(df["Weight (%)"]) / 100.0,
        # prices are in the listing's currency: keep only US listings' (USD) prices
        "price": to_float(df["Price"]).where(df["Location"] == "United States"),
        "is_cash": df["Asset Class"].isin(["Cash", "Money Market"]),
    })
    c.add(fund, out, as_of=as_of or header_as_of, source=source, coverage="full",
          priority=priority, note=note)


def collect_xray(c: Collector, raw: Path, skip: set[str]) -> None:
    folder = raw / "portfolio-xray" / "holdings_json"
    for path in sorted(folder.glob("*.json")):
        fund = path.stem
        if fund in skip:
            continue
        data = pd.DataFrame(json.loads(path.read_text()))
        tick = data["ticker"].astype(str).str.strip()
        junk = tick.str.upper().isin(["NAN", "NONE", ""])
        data = data[~junk]
        tick = tick[~junk]
        is_cash = (tick == "-") & data["name"].str.upper().str.contains(CASH_NAMES)
        other_dash = (tick == "-") & ~is_cash
        if other_dash.any():
            c.notes.append(f"{fund}: {int(other_dash.sum())} rows without a ticker "
                           f"({', '.join(data.loc[other_dash, 'name'].head(3))}) left in the remainder")
        data = data[~other_dash]
        # the files' country field is an enrichment that is often wrong (PROVENANCE.md): it
        # is kept only for the US funds' US rows; international funds' rows get no country
        us_row = (data["country"] == "United States") & (fund not in INTERNATIONAL_FUNDS)
        out = pd.DataFrame({
            "symbol": tick[~other_dash], "name": data["name"],
            "sector": data["sector"].map(SECTORS).fillna(""),
            "country": np.where(us_row, "United States", ""),
            "weight": pd.to_numeric(data["weight"], errors="coerce").fillna(0) / 100.0,
            "is_cash": is_cash[~other_dash],
        })
        note = "issuer holdings downloaded about 2025-11-18/19; Vanguard weights rounded to 0.01%"
        if fund in ROUNDED_TAIL:
            note += _share_rounded_tail(c, fund, out)
        c.add(fund, out, as_of="2025-11-18", source="portfolio-xray (issuer files, Nov 2025)",
              coverage="full", priority=3, note=note)


# total-market funds whose files list every holding (the row count is the fund's holdings count)
# with weights rounded to 0.01%, so that thousands of small holdings show 0.00%
ROUNDED_TAIL = {"VTI", "VXUS", "VWO", "VEA", "ITOT", "IXUS"}
ROUNDING = 0.00005  # a holding shown as 0.00% is below 0.005% of the fund


def _share_rounded_tail(c: Collector, fund: str, out: pd.DataFrame) -> str:
    """Spread the weight a file leaves out over its holdings listed at 0.00%, when they can hold it.

    Every holding shown as 0.00% is below 0.005%; when the remainder split equally over them
    stays below that bound, each gets the equal share (an estimate within the rounding, labelled
    in the fund's note). Otherwise the remainder stays unresolved.
    """
    funds = set(read_curated("instruments.csv")["symbol"].map(norm_symbol))  # stocks only
    symbol = out["symbol"].astype(str).str.strip()
    tail = (out["weight"] == 0) & ~out["is_cash"] & (symbol != "") & ~symbol.map(norm_symbol).isin(funds)
    rest = 1.0 - float(out["weight"].sum())
    if not tail.any() or rest <= 0 or rest / tail.sum() >= ROUNDING:
        return ""
    out.loc[tail, "weight"] = rest / tail.sum()
    c.notes.append(f"{fund}: the {rest:.2%} its file leaves out is spread over the {int(tail.sum())} "
                   f"holdings it lists at 0.00% ({rest / tail.sum():.5%} each, below the 0.005% "
                   "they round from): estimated weights")
    return (f"; the {int(tail.sum())} holdings listed at 0.00% share the remaining {rest:.2%} "
            "equally (estimated within the rounding)")


def collect_major(c: Collector, raw: Path) -> None:
    df = pd.read_csv(raw / "major_index-etfs" / "qqq_holdings_2025-10-04.csv", dtype=str)
    out = pd.DataFrame({"symbol": df["Ticker"].str.strip(), "name": df["Name"],
                        "weight": to_float(df["Weight"]) / 100.0})
    c.add("QQQ", out, as_of="2025-10-03", source="Invesco QQQ holdings file via major/index-etfs",
          coverage="full", priority=2)


def collect_ark(c: Collector, raw: Path) -> None:
    df = pd.read_csv(raw / "ark_tsekityam" / "ARKK_holdings_2024-06-04.csv", dtype=str)
    df = df[df["fund"] == "ARKK"]
    ticker = df["ticker"].fillna("").str.strip()
    is_cash = (ticker == "") & df["company"].str.upper().str.contains(CASH_NAMES)
    out = pd.DataFrame({"symbol": ticker, "name": df["company"],
                        "weight": to_float(df["weight (%)"]) / 100.0, "is_cash": is_cash})
    c.add("ARKK", out, as_of="2024-06-04", source="ARK Invest ARKK holdings CSV via "
          "tsekityam/ark-funds-flat-data", coverage="full", priority=4,
          note="old: the newest full ARKK list in the raw data")


def collect_top10(c: Collector, raw: Path, have: set[str]) -> None:
    for path in sorted((raw / "yahoo_top10_marketboard").glob("*.json")):
        fund = path.stem
        if fund in have:
            continue
        data = json.loads(path.read_text())
        rows = pd.DataFrame(data["holdings"])
        out = pd.DataFrame({"symbol": rows["symbol"], "name": "",
                            "weight": pd.to_numeric(rows["weight"], errors="coerce").fillna(0)})
        c.add(fund, out, as_of="2026-08-21", source="Yahoo Finance top-10 holdings via "
              "Steam-ed-Fish/marketboard", coverage="top10", priority=9,
              note="top 10 holdings only; the rest is unresolved")


def read_research(name: str) -> pd.DataFrame:
    """A holdings table of ``snapshot/research/us_funds`` (fund, ticker, name, weight, ...)."""
    df = pd.read_csv(RESEARCH / name, dtype=str, keep_default_na=False)
    df = df[~df["ticker"].str.match(r"^\d")]  # SPY's contingent value right line
    return df.assign(name=df["name"].str.replace(r"\.\.\.$", "", regex=True).str.strip(),
                     weight=pd.to_numeric(df["weight"], errors="coerce"))


SCHWAB_PAGE = ("Schwab research holdings page, scraped {date} (William-Kruta/etftracker@31a7250)")


def collect_research(c: Collector) -> None:
    """The fund lists found for funds the raw data lacks (see research/us_funds/PROVENANCE.md)."""
    spy = read_research("SPY_holdings_2026-04-10.csv")
    c.add("SPY", spy.rename(columns={"ticker": "symbol"}), as_of="2026-04-10",
          source="SSGA SPY daily holdings file via emathew-gif/stock-opportunity", coverage="full",
          priority=2)
    for fund, name in (("SCHD", "SCHD_holdings_2026-04-13.csv"), ("SCHG", "SCHG_holdings_2026-04-01.csv"),
                       ("SMH", "SMH_holdings_2026-04-13.csv")):
        df = read_research(name)
        as_of = df["as_of"].iloc[0]
        c.add(fund, df.rename(columns={"ticker": "symbol"}), as_of=as_of,
              source=SCHWAB_PAGE.format(date=as_of), coverage="full", priority=6,
              note="weights rounded to 0.01%; rows the scraper dropped stay unresolved")
    dia = read_research("DIA_holdings_2025-11-20.csv")
    c.add("DIA", dia.rename(columns={"ticker": "symbol"}), as_of="2025-11-20",
          source="SSGA DIA holdings table (as of 2025-11-20) quoted by stoxenta.watermelon250701.com",
          coverage="full", priority=6,
          note="the 30 Dow members before the 2026-06-29 change (Alphabet replaced Verizon)")
    _check_price_weighted(c, dia)
    # RSP: every S&P 500 company at one equal weight; a company's share classes split its weight
    # in proportion to their SPY weights (GOOGL and GOOG share Alphabet's)
    codes = read_identifiers().drop_duplicates("symbol").set_index("symbol")["issuer_code"]
    members = spy.assign(symbol=spy["ticker"].map(norm_symbol))
    members["company"] = members["symbol"].map(codes).replace("", np.nan).fillna(members["symbol"])
    share = members["weight"] / members.groupby("company")["weight"].transform("sum")
    members["weight"] = share / members["company"].nunique()
    c.add("RSP", members[["symbol", "name", "weight"]], as_of="2026-04-10",
          source="derived: equal weights of the S&P 500 members in SSGA's SPY file of 2026-04-10",
          coverage="full", priority=7,
          note=f"method weights ({members['company'].nunique()} companies at 1/"
               f"{members['company'].nunique()} each), not RSP's own file: RSP resets to equal "
               "weights each quarter and drifts between resets")
    mag7 = pd.DataFrame({"symbol": ["AAPL", "AMZN", "GOOGL", "META", "MSFT", "NVDA", "TSLA"],
                         "name": "", "weight": 1 / 7})
    c.add("MAGS", mag7, as_of="2025-03-31",
          source="derived: the prospectus's equal-weight exposure to the Magnificent Seven "
                 "(as of 2025-03-31, quoted by portfoliometrics.net)",
          coverage="full", priority=9,
          note="method weights, 1/7 each: MAGS holds the seven through stocks and total-return "
               "swaps and rebalances quarterly")


def collect_index_top10(c: Collector) -> None:
    """Index ETFs of the mainland: the index's top 10 (research/china), the rest unresolved.

    A stock another fund already names keeps that name (a Chinese name would read as another
    company and split it); the others are named in Chinese, as the source gives them.
    """
    top = pd.read_csv(HERE / "research" / "china" / "index_top_holdings.csv", dtype=str,
                      keep_default_na=False)
    named = set(pd.concat(c.attrs)["symbol"])
    for index, funds in INDEX_TOP10_FUNDS.items():
        rows = top[(top["index_or_fund"] == index) & (top["ticker_or_code"] != "TOP10_TOTAL")]
        newest = rows[rows["as_of"] == rows["as_of"].max()]
        if len(newest) != 10:
            raise SystemExit(f"{index}: the newest top-10 list has {len(newest)} rows, not 10")
        symbols = newest["ticker_or_code"].map(norm_symbol)
        out = pd.DataFrame({"symbol": symbols, "name": newest["name"].where(~symbols.isin(named), ""),
                            "weight": pd.to_numeric(newest["weight"]), "country": "China"})
        source = newest["source"].iloc[0].split(" (")[0]
        for fund in funds:
            c.add(fund, out, as_of=newest["as_of"].iloc[0], source=f"{index} top-10 weights, {source}",
                  coverage="top10", priority=9,
                  note=f"the index's top 10 ({out['weight'].sum():.1%}); the rest is unresolved")


def _check_price_weighted(c: Collector, dia: pd.DataFrame) -> None:
    """Note how far DIA's weights are from price weights at IVV's closing prices two days before.

    The Dow is price-weighted (SSGA's 2024 DIA file holds the same share count of every member),
    so the weights should follow the prices; a large gap would mean a damaged table.
    """
    ivv = next(p for p in c.prices if p["price_date"].iloc[0] == "2025-11-18")
    px = ivv.drop_duplicates("symbol").set_index("symbol")["price"]
    price = px.reindex(dia["ticker"].map(norm_symbol)).to_numpy()
    implied = price / np.nansum(price) * dia["weight"].sum()
    gap = float(np.nanmax(np.abs(implied - dia["weight"].to_numpy())))
    c.notes.append(f"DIA: its 2025-11-20 weights are within {gap:.2%} of price weights at IVV's "
                   "2025-11-18 closes (the Dow is price-weighted)")


# --------------------------------------------------------------------------- tables
def read_identifiers() -> pd.DataFrame:
    """Ticker → ISIN and issuer number from ``snapshot/research/us_funds/issuer_identifiers.csv``.

    The issuer number is the first six characters of the CUSIP (the issuer part; share classes
    of one company share it: GOOGL and GOOG are 02079K). Only ISINs are shipped (see the licence
    remark in that folder's PROVENANCE.md); a CUSIP is the 9 characters inside a US ISIN.
    """
    df = pd.read_csv(RESEARCH / "issuer_identifiers.csv", dtype=str, keep_default_na=False)
    df = df[~df["ticker"].str.match(r"^\d")]  # a contingent value right line, not a company
    cusip = df["cusip"].where(df["cusip"].str.fullmatch(r"[0-9A-Z]{9}"), "")
    return pd.DataFrame({"symbol": df["ticker"].map(norm_symbol), "isin": df["isin"],
                         "issuer_code": cusip.str[:6]}).query("issuer_code != '' or isin != ''")


AI_UNIVERSE = {"version": "2", "date": "2026-12-02", "file": "snapshot/curated/ai_universe.csv",
               "curated_by": "the project: role and reason per issuer, reviewed against the source "
                             "articles and the deal table; each issuer's public source (company "
                             "filing, release or press report) and its date in the source and "
                             "source_date columns"}


def ai_sources(ai: pd.DataFrame, deals: pd.DataFrame, summary: Path) -> pd.Series:
    """Where each AI issuer's inclusion is backed: its public source, the deals, the articles.

    The curated ``source`` column (a company filing, release or press report, with its date in
    ``source_date``) comes first, then the deals that name the issuer and the source articles.
    An issuer backed by none of them says so.
    """
    text = summary.read_text(encoding="utf-8").lower() if summary.exists() else ""
    parties = pd.concat([deals[["source_ticker", "deal_id"]].set_axis(["ticker", "deal_id"], axis=1),
                         deals[["target_ticker", "deal_id"]].set_axis(["ticker", "deal_id"], axis=1)])
    ids = parties[parties["ticker"] != ""].groupby("ticker")["deal_id"].agg(
        lambda d: sorted({x.split("-")[0] for x in d}))
    out = []
    for row in ai.itertuples():
        tickers = [norm_symbol(t) for t in row.symbols.split(";")]
        found = sorted({d for t in tickers for d in ids.get(t, [])})
        parts = []
        if row.source:
            parts.append(f"{row.source}, dated {row.source_date}" if row.source_date else row.source)
        if found:
            shown = ", ".join(found[:6]) + (f" and {len(found) - 6} more" if len(found) > 6 else "")
            parts.append(f"deal table {shown}")
        word = row.issuer.split()[0].lower()
        if re.search(rf"\b{re.escape(word)}\b", text) or (row.magnificent7 == "true"):
            parts.append("the source articles name it")
        out.append("; ".join(parts) or f"no public source recorded: curated list "
                   f"v{AI_UNIVERSE['version']} only")
    return pd.Series(out, index=ai.index)


def read_curated(name: str) -> pd.DataFrame:
    return pd.read_csv(CURATED / name, dtype=str, keep_default_na=False)


def _split_local_listings(c: Collector, attrs: pd.DataFrame, us_symbols: set[str]) -> pd.DataFrame:
    """Give distinct symbols to rows whose ticker names another company.

    International funds list local tickers that can equal a US ticker of another company
    (Telus "T" vs AT&T, Iren SpA "IREN" vs IREN Ltd) or another local company's ticker (2330 is
    TSMC in Taiwan and Advanced Petrochemical in Saudi Arabia). Rows of international funds whose
    ticker is US-listed become ``SYMBOL.X``; among the rest, rows whose name disagrees with the
    most common name of the ticker become ``SYMBOL.X1``, ``SYMBOL.X2`` ... Issuers are merged
    again by name afterwards, so a company listed in both places stays one issuer.
    """
    attrs = attrs.copy()
    intl = attrs["source_fund"].isin(INTERNATIONAL_FUNDS) | (
        (attrs["source_fund"] == "ACWI") & attrs["country"].ne("United States"))
    local = intl & attrs["symbol"].isin(us_symbols)
    attrs.loc[local, "symbol"] = attrs.loc[local, "symbol"] + ".X"
    first_word = attrs["name"].map(clean_name).str.replace(r"^(?:PT|[A-Z]) ", "", regex=True)
    first_word = first_word.str.split().str[0].fillna("")
    named = attrs[first_word != ""].assign(word=first_word)
    votes = (named.groupby(["symbol", "word"]).agg(n=("priority", "size"), best=("priority", "min"))
             .reset_index().sort_values(["symbol", "n", "best"], ascending=[True, False, True]))
    votes["rank"] = votes.groupby("symbol").cumcount()
    rank = attrs.assign(word=first_word).merge(votes[["symbol", "word", "rank"]], how="left",
                                               on=["symbol", "word"])["rank"].fillna(0).astype(int)
    # a US ticker names one company at a time: US funds' rows of one ticker are never split,
    # whatever their spelling (Schlumberger and SLB, j2 Global and Ziff Davis)
    other = ((rank > 0) & intl.to_numpy()).to_numpy()
    attrs.loc[other, "symbol"] = attrs.loc[other, "symbol"] + ".X" + rank[other].astype(str).to_numpy()
    moved = attrs.loc[local | other, "symbol"]
    if len(moved):
        c.notes.append(f"{moved.nunique()} local tickers that name another company were given "
                       f"distinct symbols (e.g. {', '.join(sorted(moved.unique())[:8])})")
    c.renames = attrs.loc[local | other, ["source_fund", "orig", "name", "symbol"]]
    return attrs


SPELLING_WORDS = {"CIA", "COMPANHIA", "AL", "PT", "TBK", "NYRT", "PJSC", "GROUP", "HOLDINGS",
                  "HOLDING", "HLDS", "SHS"}


def _same_company(a: str, b: str) -> bool:
    """Two names spelling one company: equal letters, or nearly equal sorted words."""
    wa = [w for w in clean_name(a).split() if w not in SPELLING_WORDS]
    wb = [w for w in clean_name(b).split() if w not in SPELLING_WORDS]
    if not wa or not wb:
        return False
    if "".join(wa) == "".join(wb):
        return True
    return difflib.SequenceMatcher(None, " ".join(sorted(wa)), " ".join(sorted(wb))).ratio() >= 0.9


def _collapse_made_up(c: Collector, sec: pd.DataFrame, funds: set[str]) -> pd.DataFrame:
    """Give a made-up ``.X`` symbol its ticker back when no other company needs the ticker.

    The split is undone where the issuer merge found the two rows to be one company (VOO's
    "Facebook Inc" under META, SPY's "AT+T INC" under T), and where the ticker itself names no
    security (a local code listed by international funds only). ``c.collapsed`` maps each
    made-up symbol to the ticker it gets back; the holdings follow it.
    """
    base = pd.Series(sec.index.str.replace(r"(?:\.X\d*)+$", "", regex=True), index=sec.index)
    made_up = base[base != base.index]
    # an international fund's local line whose name is a spelling of the ticker's company
    # (Richter Gedeon Nyrt and GEDEON RICHTER, Puregold and PURE GOLD) is that company
    # a ticker known by no name of its own (a top-10 or price file's US line: MT, ARGX) is the
    # company its international local line names
    alike = [x for x, b in made_up.items() if b in sec.index
             and (_same_company(sec.at[x, "name"], sec.at[b, "name"])
                  or (x == b + ".X" and sec.at[b, "name"] in ("", b)))]
    moved = {sec.at[x, "issuer_id"]: sec.at[made_up[x], "issuer_id"] for x in alike}
    sec = sec.assign(issuer_id=sec["issuer_id"].map(lambda s: moved.get(s, s)))
    issuer = sec["issuer_id"]
    same = made_up.index[made_up.isin(sec.index) & (issuer.reindex(made_up.to_numpy()).to_numpy()
                                                    == issuer[made_up.index].to_numpy())]
    free = made_up[~made_up.isin(sec.index) & ~made_up.isin(funds)]  # VEA the fund stays VEA
    free_issuers = pd.DataFrame({"base": free, "issuer": issuer[free.index]})
    one_company = free_issuers.groupby("base")["issuer"].transform("nunique") == 1
    back = {**{s: made_up[s] for s in same}, **dict(free[one_company.to_numpy()])}
    c.collapsed = back
    renamed = sec.rename(index=back)
    grouped = renamed.groupby(level=0)
    known_sector = grouped["sector"].agg(lambda s: next((x for x in s if x != "Unknown"), "Unknown"))
    known_country = grouped["country"].agg(lambda s: next((x for x in s if x), ""))
    renamed = renamed[~renamed.index.duplicated(keep="first")]  # a base row comes first
    renamed["sector"] = known_sector.reindex(renamed.index)
    renamed["country"] = known_country.reindex(renamed.index)
    renamed.index.name = "symbol"
    # the issuer id follows its symbol when the made-up symbol named the issuer
    renamed["issuer_id"] = renamed["issuer_id"].map(lambda s: back.get(s, s))
    left = int(renamed.index.str.contains(r"[.]X[0-9]*$").sum())
    c.notes.append(f"{len(back)} made-up symbols got their ticker back (the same company under "
                   f"another name, or a ticker no other company uses); {left} remain for "
                   "companies whose ticker another company uses")
    return renamed.sort_index()


def build_securities(c: Collector, instruments: pd.DataFrame, ai: pd.DataFrame,
                     aliases: pd.DataFrame, last_prices: pd.DataFrame,
                     us_symbols: set[str], name_aliases: pd.DataFrame,
                     same_issuer: list[list[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Securities master and issuer table.

    Issuers are merged by stable identifier first (``same_issuer``: tickers whose CUSIPs share
    the issuer number, such as GOOGL and GOOG), then by listing (the curated aliases: ASML.AS is
    ASML), then by cleaned name with the curated former names (Facebook Inc is Meta).
    """
    attrs = pd.concat(c.attrs, ignore_index=True)
    attrs["name"] = attrs["name"].fillna("").astype(str)
    attrs["orig"] = attrs["symbol"]
    # one attribute set per symbol, best source first; names empty in top-10 files
    attrs["has_name"] = attrs["name"].str.strip() != ""
    attrs = attrs.sort_values(["symbol", "has_name", "priority"], ascending=[True, False, True])

    attrs = _split_local_listings(c, attrs, us_symbols)
    attrs = attrs[~attrs["symbol"].isin(instruments["symbol"])]  # funds held by funds
    sec = attrs.drop_duplicates("symbol").set_index("symbol")
    sector = attrs[attrs["sector"].fillna("") != ""].drop_duplicates("symbol").set_index("symbol")["sector"]
    known = attrs[attrs["country"].fillna("") != ""]
    country = known.drop_duplicates("symbol").set_index("symbol")["country"]
    sec["sector"] = sector.reindex(sec.index).fillna("Unknown")
    sec["country"] = country.reindex(sec.index).fillna("")
    sec["name"] = sec["name"].where(sec["name"].str.strip() != "", sec.index.to_series())

    # issuers: curated aliases first, then the curated AI universe, then equal cleaned names
    issuer = pd.Series(sec.index, index=sec.index)
    ckey = sec["name"].map(clean_name)
    mixed = sec["name"].map(lambda s: not str(s).isupper())
    order = pd.DataFrame({"key": ckey, "us": sec["country"].eq("United States"),
                          "short": sec.index.str.len()}).sort_values(["us", "short"], ascending=[False, True])
    by_key = order.reset_index().drop_duplicates("key").set_index("key")["symbol"]
    issuer = ckey.map(by_key).where(ckey != "", issuer)
    # former and variant names of one company (Facebook Inc -> META, AT+T INC -> T): curated
    named = dict(zip(name_aliases["name"].map(clean_name), name_aliases["issuer_symbol"].map(norm_symbol)))
    issuer = ckey.map(named).where(ckey.isin(list(named)), issuer)
    ai_rows = ai.assign(symbol=ai["symbols"].str.split(";")).explode("symbol")
    ai_rows["symbol"] = ai_rows["symbol"].map(norm_symbol)
    ai_primary = ai_rows.groupby("issuer", sort=False)["symbol"].first()
    ai_rows["issuer_id"] = ai_rows["issuer"].map(ai_primary)
    alias = dict(zip(aliases["symbol"].map(norm_symbol), aliases["issuer_symbol"].map(norm_symbol)))
    alias.update(dict(zip(ai_rows["symbol"], ai_rows["issuer_id"])))
    for group in same_issuer:  # one issuer number: one issuer, named as the curated tables do
        named_as = [alias[s] for s in group if s in alias]
        primary = named_as[0] if named_as else min(group, key=lambda s: (len(s), s))
        alias.update({s: primary for s in group if s not in alias})
    issuer = issuer.where(~issuer.index.isin(list(alias)), issuer.index.to_series().map(alias))
    # a symbol merged by alias pulls its name-mates along
    issuer = issuer.map(lambda s: alias.get(s, s))
    sec["issuer_id"] = issuer
    sec = _collapse_made_up(c, sec, set(instruments["symbol"]) | {"CASH"})
    issuer = sec["issuer_id"]
    mixed = sec["name"].map(lambda s: not str(s).isupper())

    # display names: curated, else a mixed-case name, else the titled upper-case name
    names = pd.DataFrame({"issuer_id": issuer, "name": sec["name"].map(display_name),
                          "mixed": mixed, "us": sec["country"].eq("United States")})
    names = names.sort_values(["issuer_id", "us", "mixed"], ascending=[True, False, False])
    iss = (names.drop_duplicates("issuer_id").set_index("issuer_id")[["name"]]
           .rename(columns={"name": "issuer"}))
    curated = ai_rows.drop_duplicates("issuer").set_index("issuer_id")
    for col in ("role", "magnificent7", "reason", "source"):
        iss[col] = curated[col].reindex(iss.index).fillna("")
    iss.loc[curated.index.intersection(iss.index), "issuer"] = curated["issuer"]
    missing = sorted(set(curated.index) - set(iss.index))
    if missing:
        extra = curated.loc[missing, ["issuer", "role", "magnificent7", "reason", "source"]]
        iss = pd.concat([iss, extra])
        c.notes.append("AI-universe issuers with no listing in any fund file: " + ", ".join(extra["issuer"]))
    by_issuer = sec.groupby("issuer_id")
    iss["sector"] = by_issuer["sector"].agg(
        lambda s: s[s != "Unknown"].iloc[0] if (s != "Unknown").any() else "Unknown")
    iss["country"] = by_issuer["country"].agg(lambda s: s[s != ""].iloc[0] if (s != "").any() else "")
    iss[["sector", "country"]] = iss[["sector", "country"]].fillna({"sector": "Unknown", "country": ""})
    # the curated country where no fund file gives one (A-share lines carry none)
    ai_country = curated["country"].reindex(iss.index).fillna("")
    iss["country"] = iss["country"].where(iss["country"] != "", ai_country)
    dup_names = iss["issuer"].duplicated(keep=False)
    iss.loc[dup_names, "issuer"] = iss.loc[dup_names, "issuer"] + " (" + iss.index[dup_names] + ")"
    iss.index.name = "issuer_id"

    stocks = sec.reset_index()[["symbol", "issuer_id", "name", "sector", "country"]]
    # listings of AI issuers that no fund file lists (SMIC's 688981 and 0981, BABA): securities
    # of their issuer, so that a holding of them is looked up, not unknown
    unlisted = ai_rows[~ai_rows["symbol"].isin(stocks["symbol"]) & ~ai_rows["symbol"].isin(
        instruments["symbol"])].drop_duplicates("symbol")
    if len(unlisted):
        of = iss.reindex(unlisted["issuer_id"])
        stocks = pd.concat([stocks, pd.DataFrame({
            "symbol": unlisted["symbol"].to_numpy(), "issuer_id": unlisted["issuer_id"].to_numpy(),
            "name": unlisted["issuer"].to_numpy(), "sector": of["sector"].to_numpy(),
            "country": of["country"].to_numpy()})], ignore_index=True)
        c.notes.append("AI-universe listings no fund file lists, added as securities: "
                       + ", ".join(unlisted["symbol"]))
    stocks["kind"] = "stock"
    stocks["asset_class"] = "equity"
    stocks["category"] = ""
    stocks["broad_index"] = False
    stocks["tracks"] = ""
    funds = instruments.rename(columns={"note": "_note"})
    funds = funds.assign(issuer_id="", sector="", country="",
                         # money-market funds are cash at 1.00 a unit; T-bill ETFs are funds
                         # priced as funds (SGOV trades near 100)
                         kind=np.where(funds["category"] == "money_market", "cash", "fund"),
                         broad_index=funds["broad_index"].str.lower().eq("true"))
    cash = pd.DataFrame([{"symbol": "CASH", "issuer_id": "", "name": "Cash", "sector": "",
                          "country": "", "kind": "cash", "asset_class": "cash",
                          "category": "cash", "broad_index": False, "tracks": ""}])
    table = pd.concat([stocks, funds[stocks.columns], cash], ignore_index=True)
    table = table.merge(last_prices, on="symbol", how="left")
    table = table.sort_values("symbol").drop_duplicates("symbol")
    return table, iss.sort_index().reset_index()


def build_prices(raw: Path, anchors: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Adjusted closes (month-ends, daily since 2021, scenario anchors) and last closes."""
    frames = {}
    for path in sorted((raw / "prices_dsturdy_factor-attribution").glob("*.csv")):
        s = pd.read_csv(path, parse_dates=["Date"], index_col="Date")["Close"]
        frames[norm_symbol(path.stem)] = s
    wide = pd.DataFrame(frames).sort_index()
    idx = wide.index
    month_end = idx.to_series().groupby(idx.to_period("M")).max()
    keep = idx.isin(month_end) | (idx >= PRICES_DAILY_SINCE) | idx.isin(pd.to_datetime(anchors))
    out = wide[keep]
    last = wide.apply(lambda s: s.dropna().iloc[-1])
    last_date = wide.apply(lambda s: s.dropna().index[-1].date().isoformat())
    last_prices = pd.DataFrame({"symbol": last.index, "price": last.values.round(4),
                                "price_date": last_date.values, "priority": 0})
    return out, last_prices


def local_closes() -> pd.DataFrame:
    """Dated closes of mainland and Hong Kong ETFs in their own currency (research/china/prices).

    Rows without a close (3033: only its board lot was found) are left out: no price is
    better than an invented one.
    """
    df = pd.read_csv(CHINA_PRICES / "closes.csv", dtype=str, keep_default_na=False)
    df = df[df["close"] != ""]
    return pd.DataFrame({"symbol": df["symbol"].map(norm_symbol),
                         "price": pd.to_numeric(df["close"]).round(4), "price_date": df["date"],
                         "price_currency": df["currency"], "priority": -1})


def local_histories(dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Mainland ETFs' daily closes (CNY) on the snapshot's price dates.

    A date the Shanghai or Shenzhen exchange did not trade takes the last close before it
    (never one from before the series starts or after it ends).
    """
    frames = {}
    for path in sorted((CHINA_PRICES / "history").glob("*.csv")):
        if path.stem in NOT_RETURN_SERIES:
            continue
        s = pd.read_csv(path, parse_dates=["date"], index_col="date")["close"].dropna().sort_index()
        filled = s.reindex(s.index.union(dates)).ffill()
        filled = filled[(filled.index >= s.index[0]) & (filled.index <= s.index[-1])]
        frames[norm_symbol(path.stem)] = filled.reindex(dates)
    return pd.DataFrame(frames, index=dates)


def fx_history(dates: pd.DatetimeIndex) -> pd.DataFrame:
    """CNY and HKD per USD on the snapshot's price dates, within each series' own range.

    FRED leaves US holidays blank; such a date takes the rate of the last day before it.
    """
    out = {}
    for cur, name in FX_SERIES.items():
        raw = pd.read_csv(FX_RESEARCH / name, dtype=str)
        s = pd.Series(pd.to_numeric(raw.iloc[:, 1], errors="coerce").to_numpy(),
                      index=pd.to_datetime(raw.iloc[:, 0])).dropna().sort_index()
        filled = s.reindex(s.index.union(dates)).ffill()
        filled = filled[(filled.index >= s.index[0]) & (filled.index <= s.index[-1])]
        out[cur] = filled.reindex(dates)
    table = pd.DataFrame(out, index=dates).dropna(how="all")
    table.index.name = "date"
    return table


SAME_INDEX_AS = {"VOO": "IVV", "SPLG": "IVV"}  # S&P 500 funds dated against IVV's dated file


def infer_as_of(c: Collector, holdings: pd.DataFrame, prices: pd.DataFrame, fund: str,
                ref: str) -> None:
    """Date a fund's list by the prices its weights imply, against a dated list of one index.

    Two funds of one index hold the same shares per unit, so a stock's weight ratio between
    them is its price ratio between their dates (up to one constant). The date whose closes
    explain the ratios of the 20-odd priced stocks above 0.2% best is the list's date; it
    replaces the download date when the fit is close (spread under 2%).
    """
    meta = next(f for f in c.funds if f["fund"] == fund)
    ref_meta = next(f for f in c.funds if f["fund"] == ref)
    w = holdings[holdings["fund"] == fund].groupby("symbol")["weight"].sum()
    r = holdings[holdings["fund"] == ref].groupby("symbol")["weight"].sum()
    common = sorted(s for s in w.index.intersection(r.index).intersection(prices.columns)
                    if w[s] > 0.002)
    at = pd.Timestamp(ref_meta["as_of"])
    window = prices.loc[at - pd.Timedelta(days=60):at + pd.Timedelta(days=60), common].dropna()
    ratio = np.log(w[common] / r[common])
    spread = (ratio - np.log(window / prices.loc[at, common])).std(axis=1)
    date = spread.idxmin()
    if spread[date] < 0.02 and date.date().isoformat() != meta["as_of"]:
        c.notes.append(f"{fund}: holdings dated {date.date()} (not the download date "
                       f"{meta['as_of']}): its weights match {ref}'s {ref_meta['as_of']} list "
                       f"revalued at that day's closes ({len(common)} stocks, spread "
                       f"{spread[date]:.1%})")
        meta["as_of"] = date.date().isoformat()
        meta["note"] = (meta["note"] + "; " if meta["note"] else "") + (
            f"as-of date inferred from prices against {ref}")


def scenario_anchors() -> list[str]:
    spec = tomllib.loads((DEFAULT_OUT / "scenarios.toml").read_text())
    dates = []
    for sc in spec.get("historical", []):
        dates += [sc["start"], sc["end"]]
    return sorted(set(dates))


def write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", float_format="%.8g")


def main(raw: Path = DEFAULT_RAW, out: Path = DEFAULT_OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    instruments = read_curated("instruments.csv")
    instruments["symbol"] = instruments["symbol"].map(norm_symbol)
    ai = read_curated("ai_universe.csv")
    sys.path.insert(0, str(HERE))
    from deals import build_deals  # noqa: E402

    deals = build_deals(raw / "ai_deals_2025.csv", CURATED / "deals_extra.csv")
    ai["source"] = ai_sources(ai, deals, raw.parent.parent / "articles" / "SUMMARY.md")
    aliases = read_curated("issuer_aliases.csv")
    name_aliases = read_curated("issuer_name_aliases.csv")

    c = Collector()
    collect_ishares(c, raw / "portfolio-xray" / "ishares_IVV_holdings_2025-11-18.csv", "IVV",
                    "iShares IVV holdings file via portfolio-xray", priority=0)
    collect_ishares(c, raw / "ishares_soxx_ekhwn0430" / "SOXX_holdings_2026-08-03.csv", "SOXX",
                    "iShares SOXX holdings file via ekhwn0430/SOXX_dashboard", priority=1)
    collect_ishares(c, raw / "ishares_acwi_aijinnah" / "ACWI_holdings_2025-01-08_inferred.csv",
                    "ACWI", "iShares ACWI holdings file via aijinnah/trading_strategy_search",
                    priority=5, as_of="2025-01-08",
                    note="as-of date inferred from the file's prices")
    collect_major(c, raw)
    collect_research(c)
    collect_xray(c, raw, skip={"IVV", "SPY"})
    collect_ark(c, raw)
    collect_top10(c, raw, have={f["fund"] for f in c.funds})
    collect_index_top10(c)

    anchors = scenario_anchors()
    prices, last_prices = build_prices(raw, anchors)
    holding_prices = pd.concat(c.prices, ignore_index=True)
    holding_prices["symbol"] = holding_prices["symbol"].map(norm_symbol)
    us_prices = pd.concat([last_prices, holding_prices], ignore_index=True).assign(
        price_currency="USD")
    closes = local_closes()
    best_prices = (pd.concat([us_prices, closes], ignore_index=True)
                   .sort_values(["symbol", "priority", "price_date"], ascending=[True, True, False])
                   .drop_duplicates("symbol")[["symbol", "price", "price_date", "price_currency"]])

    all_attrs = pd.concat(c.attrs, ignore_index=True)
    # a ticker is a US ticker when a US fund lists it, or ACWI's iShares file places it in the
    # US; international funds' own rows never make a ticker a US one
    us_rows = ~all_attrs["source_fund"].isin(INTERNATIONAL_FUNDS | {"ACWI"}) | (
        (all_attrs["source_fund"] == "ACWI") & (all_attrs["country"] == "United States"))
    us_symbols = (set(all_attrs.loc[us_rows, "symbol"].map(norm_symbol)) | set(prices.columns)
                  | set(instruments["symbol"]))
    identifiers = read_identifiers()
    same_issuer = [sorted(g) for _, g in identifiers.groupby("issuer_code")["symbol"] if len(g) > 1]
    securities, issuers = build_securities(c, instruments, ai, aliases, best_prices, us_symbols,
                                           name_aliases, same_issuer)
    holdings = pd.concat(c.rows, ignore_index=True)
    r = (c.renames.rename(columns={"source_fund": "fund", "symbol": "new"})
         .drop_duplicates(["fund", "orig", "name"]))
    holdings = holdings.merge(r, left_on=["fund", "symbol", "name"], right_on=["fund", "orig", "name"],
                              how="left")
    holdings["symbol"] = holdings["new"].fillna(holdings["symbol"])
    holdings["symbol"] = holdings["symbol"].map(lambda s: c.collapsed.get(s, s))
    holdings = holdings.drop(columns=["orig", "new", "name"])
    holdings["symbol"] = holdings["symbol"].map(norm_symbol)
    for fund, ref in SAME_INDEX_AS.items():
        infer_as_of(c, holdings, prices, fund, ref)
    # funds that track another fund's index hold that fund
    tracks = instruments[instruments["tracks"] != ""]
    with_holdings = {f["fund"] for f in c.funds}
    tracks = tracks[~tracks["symbol"].isin(with_holdings)]
    for row in tracks.itertuples():
        if norm_symbol(row.tracks) not in with_holdings:
            continue
        tracked = {"fund": row.symbol, "symbol": norm_symbol(row.tracks), "weight": 1.0}
        holdings = pd.concat([holdings, pd.DataFrame([tracked])])
        target = next(f for f in c.funds if f["fund"] == norm_symbol(row.tracks))
        approx = "approximate" in row.note
        c.funds.append({"fund": row.symbol, "as_of": target["as_of"],
                        "source": (f"approximated by {row.tracks}" if approx else f"tracks {row.tracks}"),
                        "coverage": target["coverage"], "holdings": 1, "weight_sum": 1.0,
                        "note": (row.note if approx else
                                 f"look-through uses {row.tracks}'s holdings "
                                 f"({row.name} tracks the same index)")})
    holdings = holdings.groupby(["fund", "symbol"], sort=True, as_index=False)["weight"].sum()
    funds = pd.DataFrame(c.funds).sort_values("fund")

    known = set(securities["symbol"])
    unknown_held = sorted(set(holdings["symbol"]) - known)
    if unknown_held:
        extra = pd.DataFrame({"symbol": unknown_held, "issuer_id": unknown_held, "name": unknown_held,
                              "sector": "Unknown", "country": "", "kind": "stock",
                              "asset_class": "equity", "category": "", "broad_index": False, "tracks": ""})
        securities = pd.concat([securities, extra], ignore_index=True).sort_values("symbol")
        issuers = pd.concat([issuers, pd.DataFrame({"issuer_id": unknown_held, "issuer": unknown_held,
                                                    "sector": "Unknown", "country": ""})])
        issuers = issuers.fillna("").sort_values("issuer_id")

    ids = identifiers[identifiers["isin"].ne("") & identifiers["symbol"].isin(securities["symbol"])]
    write_csv(ids[["symbol", "isin"]].drop_duplicates().sort_values("symbol"), out / "identifiers.csv")
    write_csv(securities, out / "securities.csv")
    write_csv(issuers, out / "issuers.csv")
    write_csv(funds, out / "funds.csv")
    write_csv(holdings, out / "fund_holdings.csv")
    local = local_histories(pd.DatetimeIndex(prices.index))
    prices = pd.concat([prices, local], axis=1)
    buf = io.StringIO()
    prices.round(4).to_csv(buf, lineterminator="\n", index_label="date", float_format="%.6g")
    with gzip.GzipFile(out / "prices.csv.gz", "wb", mtime=0) as fh:
        fh.write(buf.getvalue().encode())

    write_csv(deals, out / "deals.csv")

    fx = pd.read_csv(CURATED / "fx_reference.csv", dtype=str, keep_default_na=False)
    write_csv(fx, out / "fx.csv")
    fx_hist = fx_history(pd.DatetimeIndex(prices.index))
    fx_hist.to_csv(out / "fx_history.csv", lineterminator="\n", float_format="%.6g",
                   date_format="%Y-%m-%d")

    local_priced = securities.loc[securities["price_currency"].isin(["CNY", "HKD"]), "price_date"]
    manifest = {
        "schema": "bubbleguard.snapshot/1",
        "themes": {"ai": {**AI_UNIVERSE, "issuers": len(ai)}},
        "built_from": "the raw reference data beside the repository, by snapshot/build.py",
        "as_of": {
            "fund_holdings": funds.loc[funds["coverage"] == "full", "as_of"].mode().iloc[0],
            "deals": str(deals["date"].max()),
            "prices": str(prices.index.max().date()),
            "ai_universe": AI_UNIVERSE["date"],
        },
        "tables": {
            "securities.csv": {"rows": len(securities), "source": "fund holdings files; curated "
                               "snapshot/curated/instruments.csv, ai_universe.csv, issuer_aliases.csv, "
                               "issuer_name_aliases.csv; prices in price_currency: USD closes of the "
                               "price files and US holdings files, CNY/HKD closes of "
                               f"{len(local_priced)} mainland and Hong Kong ETFs "
                               f"({local_priced.min()} to {local_priced.max()}) from "
                               "snapshot/research/china/prices/closes.csv, each with its source"},
            "issuers.csv": {"rows": len(issuers), "source": "derived from securities; AI roles curated"},
            "identifiers.csv": {"rows": len(ids), "source": "ISINs of SSGA's SPY (2026-04-10) and DIA "
                                "(2024-02-14) files and a SOXX N-PORT table, via "
                                "snapshot/research/us_funds/issuer_identifiers.csv"},
            "funds.csv": {"rows": len(funds), "source": "per-fund source and as-of date inside"},
            "fund_holdings.csv": {"rows": len(holdings), "source": "issuer holdings files (see funds.csv)"},
            "prices.csv.gz": {"rows": len(prices), "columns": prices.shape[1],
                              "source": "adjusted daily closes via dsturdy/Factor_Attribution "
                                        "(month-ends, daily since 2021, scenario dates); "
                                        f"{local.shape[1]} mainland ETFs ({', '.join(local.columns)}) "
                                        "in CNY, mostly back-adjusted, from "
                                        "snapshot/research/china/prices/history",
                              "as_of": str(prices.index.max().date())},
            "deals.csv": {"rows": len(deals), "source": "hand-compiled sourced deal table "
                          "(ai_deals_2025.csv); every row keeps its source addresses"},
            "fx.csv": {"rows": len(fx), "source": "curated snapshot/curated/fx_reference.csv; "
                       "every rate keeps its source and date"},
            "fx_history.csv": {
                "rows": len(fx_hist),
                "source": "FRED H.10 noon buying rates, units per USD, via public copies "
                          "(snapshot/research/fx/PROVENANCE.md) on the dates of prices.csv.gz",
                "range": {c: [str(fx_hist[c].first_valid_index().date()),
                              str(fx_hist[c].last_valid_index().date())] for c in fx_hist}},
        },
        "notes": c.notes,
    }
    write_json(manifest, out / "manifest.json")
    # summaries computed with the package itself on the tables just written
    sys.path.insert(0, str(ROOT / "src"))
    from bubbleguard.deals._counterparties import network_summary
    from bubbleguard.exposures import market_context
    from bubbleguard.reference._snapshot import load_snapshot

    write_json(network_summary(), out / "deal_network.json")
    manifest["market_context"] = market_context(load_snapshot())
    write_json(manifest, out / "manifest.json")


def write_json(data: dict, path: Path) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]]
    main(*args)
