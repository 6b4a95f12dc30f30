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
``funds.csv``
    one row per fund with holdings: as-of date, source, coverage (full or top 10), weight sum.
``fund_holdings.csv``
    fund → held symbol → weight (fraction of the fund). What a fund does not itemise is left out,
    so the look-through shows it as an explicit unresolved remainder.
``prices.csv.gz``
    adjusted closes: month-ends since inception, every day since 2021, and the scenario dates.
``deals.csv``
    the circular-deal table (see ``snapshot/deals.py``).
``manifest.json``
    per table: source, as-of date, row count and notes on what was cleaned.
"""

from __future__ import annotations

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
INTERNATIONAL_FUNDS = {"VXUS", "IXUS", "VEA", "VWO", "IEMG", "EFA", "VSS"}
ISHARES_COLUMNS = ["Ticker", "Name", "Sector", "Asset Class", "Weight (%)", "Price", "Location"]


# --------------------------------------------------------------------------- helpers
def clean_name(name: str) -> str:
    """Issuer key from a security name: legal suffixes and share classes removed."""
    s = re.sub(r"[^A-Z0-9& ]+", " ", str(name).upper())
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
        out = pd.DataFrame({
            "symbol": tick[~other_dash], "name": data["name"],
            "sector": data["sector"].map(SECTORS).fillna(""),
            "country": np.where(data["country"] == "United States", "United States", ""),
            "weight": pd.to_numeric(data["weight"], errors="coerce").fillna(0) / 100.0,
            "is_cash": is_cash[~other_dash],
        })
        c.add(fund, out, as_of="2025-11-18", source="portfolio-xray (issuer files, Nov 2025)",
              coverage="full", priority=3,
              note="issuer holdings downloaded about 2025-11-18/19; Vanguard weights rounded to 0.01%")


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


# --------------------------------------------------------------------------- tables
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
    first_word = attrs["name"].map(clean_name).str.split().str[0].fillna("")
    named = attrs[first_word != ""].assign(word=first_word)
    votes = (named.groupby(["symbol", "word"]).agg(n=("priority", "size"), best=("priority", "min"))
             .reset_index().sort_values(["symbol", "n", "best"], ascending=[True, False, True]))
    votes["rank"] = votes.groupby("symbol").cumcount()
    rank = attrs.assign(word=first_word).merge(votes[["symbol", "word", "rank"]], how="left",
                                               on=["symbol", "word"])["rank"].fillna(0).astype(int)
    other = (rank > 0).to_numpy()
    attrs.loc[other, "symbol"] = attrs.loc[other, "symbol"] + ".X" + rank[other].astype(str).to_numpy()
    moved = attrs.loc[local | other, "symbol"]
    if len(moved):
        c.notes.append(f"{moved.nunique()} local tickers that name another company were given "
                       f"distinct symbols (e.g. {', '.join(sorted(moved.unique())[:8])})")
    c.renames = attrs.loc[local | other, ["source_fund", "orig", "name", "symbol"]]
    return attrs


def build_securities(c: Collector, instruments: pd.DataFrame, ai: pd.DataFrame,
                     aliases: pd.DataFrame, last_prices: pd.DataFrame,
                     us_symbols: set[str], name_aliases: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Securities master and issuer table."""
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
    issuer = issuer.where(~issuer.index.isin(list(alias)), issuer.index.to_series().map(alias))
    # a symbol merged by alias pulls its name-mates along
    issuer = issuer.map(lambda s: alias.get(s, s))
    sec["issuer_id"] = issuer

    # display names: curated, else a mixed-case name, else the titled upper-case name
    names = pd.DataFrame({"issuer_id": issuer, "name": sec["name"].map(display_name),
                          "mixed": mixed, "us": sec["country"].eq("United States")})
    names = names.sort_values(["issuer_id", "us", "mixed"], ascending=[True, False, False])
    iss = (names.drop_duplicates("issuer_id").set_index("issuer_id")[["name"]]
           .rename(columns={"name": "issuer"}))
    curated = ai_rows.drop_duplicates("issuer").set_index("issuer_id")
    for col in ("role", "magnificent7", "reason"):
        iss[col] = curated[col].reindex(iss.index).fillna("")
    iss.loc[curated.index.intersection(iss.index), "issuer"] = curated["issuer"]
    missing = sorted(set(curated.index) - set(iss.index))
    if missing:
        extra = curated.loc[missing, ["issuer", "role", "magnificent7", "reason"]]
        iss = pd.concat([iss, extra])
        c.notes.append("AI-universe issuers with no listing in any fund file: " + ", ".join(extra["issuer"]))
    by_issuer = sec.groupby("issuer_id")
    iss["sector"] = by_issuer["sector"].agg(
        lambda s: s[s != "Unknown"].iloc[0] if (s != "Unknown").any() else "Unknown")
    iss["country"] = by_issuer["country"].agg(lambda s: s[s != ""].iloc[0] if (s != "").any() else "")
    iss[["sector", "country"]] = iss[["sector", "country"]].fillna({"sector": "Unknown", "country": ""})
    dup_names = iss["issuer"].duplicated(keep=False)
    iss.loc[dup_names, "issuer"] = iss.loc[dup_names, "issuer"] + " (" + iss.index[dup_names] + ")"
    iss.index.name = "issuer_id"

    stocks = sec.reset_index()[["symbol", "issuer_id", "name", "sector", "country"]]
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
    collect_xray(c, raw, skip={"IVV"})
    collect_ark(c, raw)
    collect_top10(c, raw, have={f["fund"] for f in c.funds})

    anchors = scenario_anchors()
    prices, last_prices = build_prices(raw, anchors)
    holding_prices = pd.concat(c.prices, ignore_index=True)
    holding_prices["symbol"] = holding_prices["symbol"].map(norm_symbol)
    best_prices = (pd.concat([last_prices, holding_prices], ignore_index=True)
                   .sort_values(["symbol", "priority", "price_date"], ascending=[True, True, False])
                   .drop_duplicates("symbol")[["symbol", "price", "price_date"]])

    all_attrs = pd.concat(c.attrs, ignore_index=True)
    us_rows = ~all_attrs["source_fund"].isin(INTERNATIONAL_FUNDS | {"ACWI"}) | (
        all_attrs["country"] == "United States")
    us_symbols = (set(all_attrs.loc[us_rows, "symbol"].map(norm_symbol)) | set(prices.columns)
                  | set(instruments["symbol"]))
    securities, issuers = build_securities(c, instruments, ai, aliases, best_prices, us_symbols,
                                           name_aliases)
    holdings = pd.concat(c.rows, ignore_index=True)
    r = (c.renames.rename(columns={"source_fund": "fund", "symbol": "new"})
         .drop_duplicates(["fund", "orig", "name"]))
    holdings = holdings.merge(r, left_on=["fund", "symbol", "name"], right_on=["fund", "orig", "name"],
                              how="left")
    holdings["symbol"] = holdings["new"].fillna(holdings["symbol"])
    holdings = holdings.drop(columns=["orig", "new", "name"])
    holdings["symbol"] = holdings["symbol"].map(norm_symbol)
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
        c.funds.append({"fund": row.symbol, "as_of": target["as_of"], "source": f"tracks {row.tracks}",
                        "coverage": target["coverage"], "holdings": 1, "weight_sum": 1.0,
                        "note": f"look-through uses {row.tracks}'s holdings "
                                f"({row.name} tracks the same index)"})
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

    write_csv(securities, out / "securities.csv")
    write_csv(issuers, out / "issuers.csv")
    write_csv(funds, out / "funds.csv")
    write_csv(holdings, out / "fund_holdings.csv")
    buf = io.StringIO()
    prices.round(4).to_csv(buf, lineterminator="\n", index_label="date", float_format="%.6g")
    with gzip.GzipFile(out / "prices.csv.gz", "wb", mtime=0) as fh:
        fh.write(buf.getvalue().encode())

    sys.path.insert(0, str(HERE))
    from deals import build_deals  # noqa: E402

    deals = build_deals(raw / "ai_deals_2025.csv", CURATED / "deals_extra.csv")
    write_csv(deals, out / "deals.csv")

    fx = pd.read_csv(CURATED / "fx_reference.csv", dtype=str, keep_default_na=False)
    write_csv(fx, out / "fx.csv")

    manifest = {
        "schema": "bubbleguard.snapshot/1",
        "built_from": "the raw reference data beside the repository, by snapshot/build.py",
        "as_of": {
            "fund_holdings": funds.loc[funds["coverage"] == "full", "as_of"].mode().iloc[0],
            "deals": str(deals["date"].max()),
            "prices": str(prices.index.max().date()),
        },
        "tables": {
            "securities.csv": {"rows": len(securities), "source": "fund holdings files; curated "
                               "snapshot/curated/instruments.csv, ai_universe.csv, issuer_aliases.csv, "
                               "issuer_name_aliases.csv"},
            "issuers.csv": {"rows": len(issuers), "source": "derived from securities; AI roles curated"},
            "funds.csv": {"rows": len(funds), "source": "per-fund source and as-of date inside"},
            "fund_holdings.csv": {"rows": len(holdings), "source": "issuer holdings files (see funds.csv)"},
            "prices.csv.gz": {"rows": len(prices), "columns": prices.shape[1],
                              "source": "adjusted daily closes via dsturdy/Factor_Attribution "
                                        "(month-ends, daily since 2021, scenario dates)",
                              "as_of": str(prices.index.max().date())},
            "deals.csv": {"rows": len(deals), "source": "hand-compiled sourced deal table "
                          "(ai_deals_2025.csv); every row keeps its source addresses"},
            "fx.csv": {"rows": len(fx), "source": "curated snapshot/curated/fx_reference.csv; "
                       "every rate keeps its source and date"},
        },
        "notes": c.notes,
    }
    write_json(manifest, out / "manifest.json")
    # summaries computed with the package itself on the tables just written
    sys.path.insert(0, str(ROOT / "src"))
    from bubbleguard.exposures import market_context
    from bubbleguard.deals._counterparties import network_summary
    from bubbleguard.reference._snapshot import load_snapshot

    write_json(network_summary(), out / "deal_network.json")
    manifest["market_context"] = market_context(load_snapshot())
    write_json(manifest, out / "manifest.json")


def write_json(data: dict, path: Path) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]]
    main(*args)
