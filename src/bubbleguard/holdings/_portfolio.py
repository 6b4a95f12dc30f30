"""Holdings input: a CSV or broker export, a DataFrame, or a ``{ticker: weight}`` dict → Portfolio.

Validation collects every problem before it reports, each with the row it comes from. An unknown
ticker is not an error: it stays in the portfolio and the look-through shows it as unresolved.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from ..errors import HoldingsError
from ..i18n import N_, _
from ..reference._snapshot import ASSET_CLASSES, Snapshot, load_snapshot
from ..symbols import market_currency, normalize, normalize_symbols, printable

__all__ = ["Portfolio", "HoldingsInput", "load_holdings"]

HoldingsInput = str | os.PathLike[str] | pd.DataFrame | pd.Series | Mapping[str, float]

#: What brokers write for a cash line, in normalised form.
CASH_SYMBOLS = frozenset(normalize(s, broker=True) for s in (
    "CASH", "USD", "CASH & CASH INVESTMENTS", "CORE", "MONEY MARKET", "CASH&CASHINVESTMENTS"))
NUMERIC = ("quantity", "market_value", "price", "cost_basis")
#: Any amount, quantity or price beyond this (in any currency) is an input error: sums of such
#: numbers overflow to infinity, and no real position comes near it.
MAX_AMOUNT = 1e15
MIN_RATE, MAX_RATE = 1e-9, 1e9  # USD per unit: beyond any currency's, so values stay finite
#: Negative weights down to -NOISE are an optimiser's rounding: PyPortfolioOpt's own
#: ``min_volatility()`` leaves -1.55e-05, and its ``clean_weights()`` cuts at 1e-4.
NOISE = 1e-4
CURRENCY_NAMES = {"": "USD", "RMB": "CNY", "US$": "USD", "HK$": "HKD"}
#: A broker's instrument-type words that name an asset class without doubt. Every other word
#: ("Stocks", "ETFs & Closed End Funds", "etp", "Mutual Funds"…) says what the instrument is, not
#: what it holds: the snapshot classifies those symbols, and the word is ignored with a note.
INSTRUMENT_TYPES = {
    "cash": "cash", "cash and money market": "cash", "cash & cash investments": "cash",
    "money market": "cash", "money market funds": "cash", "money market fund": "cash",
    "sweep": "cash", "core": "cash", "现金": "cash",
    "fixed income": "bond", "bonds": "bond", "bond": "bond", "treasuries": "bond",
    "债券": "bond",
}
POSITION_COLUMNS = ["symbol", "account", "quantity", "price", "market_value", "currency",
                    "cost_basis", "asset_class", "locked", "value_source", "line"]


@dataclass(frozen=True)
class Portfolio:
    """Validated positions, one row per symbol and account.

    Attributes
    ----------
    positions
        Columns symbol, account, quantity, price, market_value, currency, cost_basis,
        asset_class (user-given or empty), locked, value_source (``market_value``, ``price``
        or ``snapshot price YYYY-MM-DD``) and line (source row, 0 when not from a file).
    source
        File name or ``DataFrame`` / ``dict``.
    format
        Detected file format (``generic`` or a broker id).
    currency
        Reporting currency (every value is in it).
    notes
        What was skipped or assumed while reading.
    """

    positions: pd.DataFrame
    source: str = "DataFrame"
    format: str = "generic"
    currency: str = "USD"
    notes: tuple[str, ...] = field(default=())

    @property
    def total_value(self) -> float:
        """Sum of all position values."""
        return float(self.positions["market_value"].sum())

    def values(self) -> pd.Series:
        """Value per symbol, accounts summed (the look-through input)."""
        return self.positions.groupby("symbol", sort=False)["market_value"].sum()

    def to_frame(self) -> pd.DataFrame:
        """The positions as a DataFrame (a copy)."""
        return self.positions.copy()


def load_holdings(source: HoldingsInput, *, broker: str | None = None,
                  snapshot: Snapshot | None = None, fx: Mapping[str, float] | None = None,
                  base_currency: str | None = None) -> Portfolio:
    """Read and validate holdings.

    Parameters
    ----------
    source
        A path to a CSV or broker export, a DataFrame with the columns of the holdings
        contract, or a ``{ticker: weight_or_value}`` mapping such as PyPortfolioOpt's
        ``clean_weights()``.
    broker
        Force a broker format for a file (otherwise detected from its header).
    snapshot
        Reference data for last prices (default: the bundled snapshot).
    fx
        Rates to convert other currencies to USD, e.g. ``{"CNY": 0.14}``; without one, the
        snapshot's dated reference rate is used (and named in the notes).
    base_currency
        Report every value in this currency (e.g. ``"HKD"``). Default: the file's own currency
        when it has one, USD when it mixes several. A position without a currency column is in
        the currency its code implies (six-digit A-share codes CNY, Hong Kong codes HKD), else
        USD.

    Returns
    -------
    Portfolio
        Validated positions with a market value on every row.

    Raises
    ------
    HoldingsError
        With every problem found, each naming its row and how to fix it.
    """
    if isinstance(source, (Mapping, pd.Series)):
        where = "Series" if isinstance(source, pd.Series) else "dict"
        frame, notes = _weights_frame(dict(source.items()))
        return _validate(frame, None, where, where, ".", notes, snapshot, fx, base_currency)
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        frame.columns = _canonical_columns([str(c) for c in frame.columns], "DataFrame")
        return _validate(frame, None, "DataFrame", "DataFrame", ".", [], snapshot, fx,
                         base_currency)
    if isinstance(source, (str, os.PathLike)):
        from ._files import read_holdings_file

        raw = read_holdings_file(Path(source), broker=broker)
        return _validate(raw.frame, raw.lines, raw.source, raw.format, raw.decimal,
                         list(raw.notes), snapshot, fx, base_currency)
    raise HoldingsError(_("Cannot read holdings from a {type}; pass a file path, a pandas DataFrame or a "
                          "{{ticker: weight}} dict.").format(type=type(source).__name__))


def _weights_frame(weights: dict[Any, Any]) -> tuple[pd.DataFrame, list[str]]:
    """A ``{ticker: weight}`` mapping (PyPortfolioOpt's result) as holdings, with notes.

    Negative weights down to ``-NOISE`` are solver noise and become 0; weights that do not add up
    to 1 are kept as given (the report's shares are of their total) and a note says so.
    """
    notes: list[str] = []
    symbols = [str(k) for k in weights]
    given = list(weights.values())
    values = pd.to_numeric(pd.Series(given, dtype=object), errors="coerce").to_numpy(float)
    noise = (values < 0) & (values >= -NOISE)
    if noise.any():
        notes.append(_("{n} weight(s) between -{noise} and 0 read as solver noise and set to 0: "
                       "{symbols}").format(n=int(noise.sum()), noise=f"{NOISE:g}",
                                           symbols=", ".join(np.asarray(symbols)[noise][:5])))
    total = float(values[values > 0].sum())
    if 0 < total < 1.5 and abs(total - 1.0) > NOISE:
        notes.append(_("the weights add up to {total}, not 1; they are kept as given, so every share in "
                       "this report is of that total").format(total=f"{total:.4g}"))
    cells = [0.0 if n else v for v, n in zip(given, noise)]
    return pd.DataFrame({"symbol": symbols, "market_value": pd.Series(cells, dtype=object)}), notes


def _canonical_columns(columns: list[str], where: str) -> list[str]:
    """Column names mapped to the holdings contract with the same aliases as holdings files."""
    from ._layout import GENERIC_ALIASES, norm

    out = [GENERIC_ALIASES.get(norm(c), norm(c)) for c in columns]
    dup = sorted({c for c in out if out.count(c) > 1 and c in GENERIC_ALIASES.values()})
    if dup:
        raise HoldingsError(_("{where}: more than one column means {columns}; keep one column per "
                              "meaning (for example one 'market_value').").format(where=where,
                                                                                  columns=", ".join(dup)))
    return out


def _number(values: pd.Series, decimal: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse a column to floats; return (numbers, mask of cells that are not numbers)."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(float, copy=True), np.zeros(len(values), bool)
    from ._files import parse_number

    def one(x: Any) -> float:
        if x is None or (isinstance(x, float) and np.isnan(x)):
            return np.nan
        if isinstance(x, (int, float)):
            return float(x)
        try:
            v = parse_number(str(x), decimal)
        except ValueError:
            return np.inf
        return np.nan if v is None else v

    num = np.array([one(x) for x in values.tolist()], dtype=float)
    bad = np.isinf(num)
    num[bad] = np.nan
    return num, bad


def _validate(frame: pd.DataFrame, lines: list[int] | None, source: str, fmt: str, decimal: str,
              notes: list[str], snapshot: Snapshot | None, fx: Mapping[str, float] | None,
              base: str | None = None) -> Portfolio:
    where = source
    if "symbol" not in frame.columns:
        found = ", ".join(map(str, frame.columns)) or _("none")
        raise HoldingsError(_("{where}: no symbol column (found: {found}). Name the column with the "
                              "tickers 'symbol' (or 'ticker').").format(where=where, found=found))
    if "quantity" not in frame.columns and "market_value" not in frame.columns:
        raise HoldingsError(_("{where}: neither a quantity nor a market_value column. Add one of them (with "
                              "only quantity, prices come from a price column or the snapshot).").format(
            where=where))
    if frame.empty:
        raise HoldingsError(_("{where}: no positions found. Add one row per position with a symbol and a "
                              "quantity or market_value.").format(where=where))
    frame = frame.reset_index(drop=True)
    n = len(frame)
    line = np.asarray(lines if lines is not None else np.arange(1, n + 1), dtype=int)
    label = _("line {n}: ") if lines is not None else _("row {n}: ")
    cells = {k: frame[k].tolist() for k in frame.columns if isinstance(k, str)}
    problems: list[str] = []

    def report(mask: np.ndarray, text: str, of: str = "", **extra: Any) -> None:
        """One problem per row of ``mask``: ``text`` with the row's cells (``{cell}``: column ``of``'s)."""
        for i in np.flatnonzero(mask):  # cells quoted in a message are cut to a readable length
            quoted = {k: _short(v[i]) for k, v in cells.items()}
            cell = {"cell": quoted.get(of, "")} if of else {}
            problems.append(label.format(n=line[i]) + text.format(**{**quoted, **cell, **extra}))

    def text(col: str) -> np.ndarray:
        if col not in frame:
            return np.full(n, "", dtype=object)
        return frame[col].fillna("").astype(str).map(printable).str.strip().to_numpy(object)

    symbol = normalize_symbols(frame["symbol"].fillna(""), broker=True).to_numpy(object, copy=True)
    num: dict[str, np.ndarray] = {}
    unreadable = np.zeros(n, bool)
    for col in NUMERIC:
        if col in frame:
            num[col], bad = _number(frame[col], decimal)
            report(bad, _("{column} '{cell}' is not a number"), col, column=col)
            unreadable |= bad
        else:
            num[col] = np.full(n, np.nan)
    qty, value, price = num["quantity"], num["market_value"], num["price"]
    named = ~np.isin(symbol, ["", "NAN", "NONE"])
    report(~named, _("the symbol is empty; fill it in or delete the row"))
    for col, what in (("quantity", N_("quantity")), ("market_value", N_("market value"))):
        report(num[col] < 0, _("{what} '{cell}' is negative; short positions are not supported"), col,
               what=_(what))
    for col in NUMERIC:
        report(np.abs(num[col]) > MAX_AMOUNT,
               _("{column} '{cell}' is beyond {max}; no position is that large: check the column and the "
                 "decimal separator"), col, column=col, max=f"{MAX_AMOUNT:.0e}")

    snap = snapshot if snapshot is not None else load_snapshot()
    sec = snap.securities
    is_cash = np.isin(symbol, list(CASH_SYMBOLS))
    symbol[is_cash] = "CASH"
    is_cash |= sec["kind"].reindex(symbol).to_numpy(object) == "cash"
    # cash given only as a quantity is worth its quantity
    cash_qty = is_cash & np.isnan(value)
    value[cash_qty] = qty[cash_qty]
    source_of = np.where(np.isnan(value), "", "market_value").astype(object)
    priced = np.isnan(value) & ~np.isnan(qty) & ~np.isnan(price)
    with np.errstate(over="ignore"):  # a product beyond 1e15 is reported below
        value[priced] = qty[priced] * price[priced]
    source_of[priced] = "price"
    need = np.isnan(value) & ~np.isnan(qty)
    snap_price = pd.to_numeric(sec["price"].reindex(symbol), errors="coerce").to_numpy(float)
    use = need & ~np.isnan(snap_price)
    with np.errstate(over="ignore"):
        value[use] = qty[use] * snap_price[use]
    price[use] = snap_price[use]
    dates = sec["price_date"].reindex(symbol).to_numpy(object)
    source_of[use] = ["snapshot price " + str(d) for d in dates[use]]
    report(need & ~use & named & ~unreadable,
           _("no price for {symbol}: the snapshot has no price for it; add a market_value or price column"))
    report(np.isnan(value) & np.isnan(qty) & named & ~unreadable,
           _("{symbol} has neither a quantity nor a market value; fill in one of them, or delete the row if "
             "the position is closed"))

    report((value > MAX_AMOUNT) & (source_of != "market_value"),  # given values are judged above
           _("{symbol} is worth more than {max} (quantity x price); check the quantity"),
           max=f"{MAX_AMOUNT:.0e}")
    currency = text("currency")
    implied = np.array([market_currency(s) for s in text("symbol")], dtype=object)
    if "price_currency" in sec.columns:  # a listing the snapshot prices: its price's currency
        listed = sec["price_currency"].reindex(symbol).fillna("").to_numpy(object)
        implied = np.where(implied == "", listed, implied)
    currency = np.where(currency == "", implied, currency)
    currency = np.array([CURRENCY_NAMES.get(c.upper(), c.upper()) for c in currency], dtype=object)
    asset_class = np.array([a.lower().replace(" ", "_") for a in text("asset_class")], dtype=object)
    report(~np.isin(asset_class, ("", *ASSET_CLASSES)),
           _("asset_class '{asset_class}' is not one of {classes}"), classes=", ".join(ASSET_CLASSES))
    kinds = text("instrument_type")
    from_type = np.array([INSTRUMENT_TYPES.get(k.lower(), "") for k in kinds], dtype=object)
    given = (asset_class == "") & (from_type != "")
    asset_class[given] = from_type[given]
    ignored = sorted({k for k, t in zip(kinds, from_type) if k and not t})
    if ignored:
        notes.append(_("instrument types {types} name no asset class; the snapshot classifies those "
                       "symbols").format(types=", ".join(f"'{k}'" for k in ignored[:6])))
    if problems:
        raise HoldingsError(_paragraph(where, problems), problems)

    out = pd.DataFrame({
        "symbol": symbol, "account": text("account"), "quantity": qty, "price": price,
        "market_value": value, "currency": currency, "cost_basis": num["cost_basis"],
        "asset_class": asset_class,
        "locked": np.isin([x.lower() for x in text("locked")], ("true", "yes", "y", "1", "x")),
        "value_source": source_of, "line": line,
    })[~np.isnan(value)]
    currency_out = _convert(out, fx, where, snap, notes, base)
    if out["market_value"].sum() <= 0:
        raise HoldingsError(_("{where}: the positions are worth nothing in total. Check the quantity and "
                              "market_value columns.").format(where=where))
    zero = out["market_value"] == 0
    if zero.any():
        notes.append(_("{n} position(s) with zero value kept: {symbols}").format(
            n=int(zero.sum()), symbols=", ".join(out.loc[zero, "symbol"].head(5))))
    return Portfolio(positions=out[POSITION_COLUMNS].reset_index(drop=True), source=str(source),
                     format=fmt, currency=currency_out, notes=tuple(notes))


def _convert(out: pd.DataFrame, fx: Mapping[str, float] | None, where: str, snapshot: Snapshot,
             notes: list[str], base: str | None = None) -> str:
    """Put every value in one currency: ``base``, else the file's own, else USD for a mixed book.

    Rates are USD per unit: the given ones first, else the snapshot's dated reference rates
    (named in the notes). A given rate more than 5x away from the reference is refused: it is
    almost always written the other way round (HKD per USD instead of USD per HKD).
    """
    given = {k.upper(): float(v) for k, v in (fx or {}).items()}
    bad = [f"{k}={v:g}" for k, v in given.items() if not MIN_RATE <= v <= MAX_RATE]  # nan too
    if bad:
        raise HoldingsError(f"{where}: the exchange rate(s) {', '.join(bad)} cannot be right: a "
                            f"rate is USD per unit of the currency, a positive number between "
                            f"{MIN_RATE:g} and {MAX_RATE:g} (e.g. --fx CNY=0.14).")
    currencies = sorted(set(out["currency"]))
    target = base.upper() if base else (currencies[0] if len(currencies) == 1 else "USD")
    reference = snapshot.fx
    for cur, rate in given.items():
        if cur not in reference.index:
            continue
        ref = 1.0 / float(cast(float, reference.at[cur, "per_usd"]))
        off = max(rate / ref, ref / rate)
        if off > 5:
            hint = (_(" It looks inverted: {rate} {cur} to the dollar is --fx {cur}={inverse}.").format(
                rate=f"{rate:g}", cur=cur, inverse=f"{1 / rate:.4f}")
                    if rate > 0 and max(rate * ref, 1 / (rate * ref)) < 5 else "")
            raise HoldingsError(_(
                "{where}: --fx {cur}={rate} is {off}x away from the bundled rate ({ref} USD per {cur}, "
                "{date}). Rates are USD per unit of the currency.").format(
                where=where, cur=cur, rate=f"{rate:g}", off=f"{off:,.0f}", ref=f"{ref:.4f}",
                date=reference.at[cur, "date"]) + hint)
    if currencies == [target]:
        return target
    rates = {"USD": 1.0, **given}
    for cur in [*currencies, target]:
        if cur not in rates and cur in reference.index:
            row = reference.loc[cur]
            rates[cur] = 1.0 / float(row["per_usd"])
            notes.append(_("{cur} converted at the bundled reference rate of {rate} {cur} per USD ({date}); "
                           "give --fx {cur}=RATE (USD per {cur}) for today's").format(
                cur=cur, rate=f"{row['per_usd']:g}", date=row["date"]))
    missing = [c for c in dict.fromkeys([*currencies, target]) if c not in rates]
    if missing:
        several = _("positions are in several currencies ({currencies})").format(
            currencies=", ".join(currencies)) if len(currencies) > 1 else _(
            "the report is asked for in {currency}").format(currency=target)
        raise HoldingsError(_("{where}: {several} and there is no exchange rate for {missing}. Give rates "
                              "to USD, e.g. --fx {first}=1.10 (USD per {first}).").format(
            where=where, several=several, missing=", ".join(missing), first=missing[0]))
    row_rate = out["currency"].map(rates) / rates[target]
    for col in ("market_value", "price", "cost_basis"):
        out[col] = out[col] * row_rate
    large = out["market_value"] > MAX_AMOUNT
    if large.any():
        raise HoldingsError(f"{where}: {', '.join(out.loc[large, 'symbol'].head(5))} would be worth "
                            f"more than {MAX_AMOUNT:.0e} {target} at the exchange rates given; check "
                            "the --fx rates (USD per unit of the currency) and the values.")
    out["currency"] = target
    if base:
        notes.append(_("values reported in {currency} (from {currencies})").format(
            currency=target, currencies=", ".join(currencies)))
    return target


def _short(value: Any, limit: int = 40) -> Any:
    """A cell as a message quotes it: at most ``limit`` characters."""
    text = str(value)
    return value if len(text) <= limit else text[: limit - 1] + "…"


def _paragraph(where: str, problems: list[str]) -> str:
    shown = "; ".join(problems[:12])
    more = _("; and {n} more").format(n=len(problems) - 12) if len(problems) > 12 else ""
    return _("{where}: {n} problem(s) in the holdings: {problems}{more}. Fix these rows and run "
             "again.").format(where=where, n=len(problems), problems=shown, more=more)

