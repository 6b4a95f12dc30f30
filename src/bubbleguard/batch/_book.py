"""A book of accounts in long format → one accounts × instruments value matrix.

The rows are valued as :func:`bubbleguard.load_holdings` values one portfolio's rows (the given
market value; else quantity × price; else quantity × the snapshot's last price; cash given as
a quantity is worth its quantity), so that every account's value is the one ``check`` finds.
A row ``check`` would refuse (no quantity or value, a negative number, no price) does not stop
the batch: it is left out of its account and named in that account's notes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import HoldingsError
from ..holdings._layout import GENERIC_ALIASES, norm
from ..holdings._portfolio import CASH_SYMBOLS, MAX_AMOUNT
from ..reference._snapshot import Snapshot
from ..symbols import normalize_symbols

__all__ = ["Book", "read_accounts", "read_book"]

NUMERIC = ("quantity", "market_value", "price")


@dataclass(frozen=True)
class Book:
    """Accounts × instruments, valued.

    Attributes
    ----------
    accounts
        Account labels in the order they first appear.
    symbols
        The normalised instruments held anywhere in the book (matrix columns).
    values
        CSR accounts × instruments: the value of each holding (rows of one symbol summed).
    order
        CSR of the same shape: 1 + the position of the holding's first row in the book, for
        every holding the account has (a zero-value holding too). Gives the order in which an
        account lists its instruments, as ``check`` lists them.
    notes
        Account position → what was left out of it and why.
    """

    accounts: pd.Index
    symbols: pd.Index
    values: sp.csr_matrix
    order: sp.csr_matrix
    notes: dict[int, list[str]] = field(default_factory=dict)


def _columns(frame: pd.DataFrame, where: str) -> dict[str, Any]:
    """Canonical column name → the frame's column, with the holdings files' aliases."""
    found: dict[str, Any] = {}
    for col in frame.columns:
        canon = GENERIC_ALIASES.get(norm(str(col)), norm(str(col)))
        if canon in found:
            raise HoldingsError(f"{where}: more than one column means {canon}; keep one column per "
                                "meaning (for example one 'market_value').")
        found[canon] = col
    names = ", ".join(map(str, frame.columns)) or "none"
    if "account" not in found:
        raise HoldingsError(
            f"{where}: no account column (found: {names}). A batch is one row per position with the "
            "account it belongs to: add an 'account' column (columns account, symbol and market_value "
            f"or quantity), or check one portfolio with 'bubbleguard check {where}'.")
    if "symbol" not in found:
        raise HoldingsError(f"{where}: no symbol column (found: {names}). Name the column with the "
                            "tickers 'symbol' (or 'ticker').")
    if "quantity" not in found and "market_value" not in found:
        raise HoldingsError(f"{where}: neither a quantity nor a market_value column (found: {names}). "
                            "Add one of them (with only quantity, prices come from a price column "
                            "or the snapshot).")
    return found


def _numbers(column: pd.Series | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Floats of a column and the mask of cells that are there but not numbers."""
    if column is None:
        return np.full(n, np.nan), np.zeros(n, bool)
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.to_numpy(float, na_value=np.nan, copy=True), np.zeros(n, bool)
    num = pd.to_numeric(column, errors="coerce").to_numpy(float, na_value=np.nan)
    given = column.notna().to_numpy() & (column.astype(str).str.strip() != "").to_numpy()
    return num, given & np.isnan(num)


def _factorize(symbols: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct texts of a symbol column (a categorical one read from its codes)."""
    if isinstance(symbols.dtype, pd.CategoricalDtype):
        codes = np.asarray(symbols.cat.codes.to_numpy(), dtype=np.int64)
        texts = np.append(symbols.cat.categories.astype(str).to_numpy(object), "")
        return np.where(codes < 0, len(texts) - 1, codes), texts
    found, distinct = pd.factorize(symbols.fillna("").astype(str), sort=False)
    return np.asarray(found), np.asarray(distinct, dtype=object)


def read_book(frame: pd.DataFrame, snapshot: Snapshot, where: str = "DataFrame") -> Book:
    """Value a long-format book: columns account, symbol, market_value and/or quantity, price.

    Parameters
    ----------
    frame
        One row per position.
    snapshot
        Reference data (last prices, cash instruments).
    where
        The source's name, for messages.

    Returns
    -------
    Book

    Raises
    ------
    HoldingsError
        When a column the batch needs is missing, a row has no account, or the book mixes
        currencies.
    """
    cols = _columns(frame, where)
    if frame.empty:
        raise HoldingsError(f"{where}: no positions found. Add one row per position with an account, "
                            "a symbol and a quantity or market_value.")
    n = len(frame)
    if "currency" in cols:
        cur = frame[cols["currency"]].dropna().astype(str).str.strip().str.upper()
        kinds = sorted(set(cur[cur != ""]))
        if len(kinds) > 1:
            raise HoldingsError(f"{where}: the positions are in several currencies ({', '.join(kinds)}); "
                                "the batch values every account in one currency. Convert the values "
                                "first, or check each account with 'bubbleguard check --fx'.")
    account = frame[cols["account"]]
    blank = account.isna().to_numpy(copy=True)
    if not pd.api.types.is_numeric_dtype(account):
        blank |= (account.astype(str).str.strip() == "").to_numpy()
    if blank.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(blank)[:12])
        raise HoldingsError(f"{where}: {int(blank.sum())} row(s) without an account (row {rows}). Give "
                            "every position the account it belongs to.")
    acct, accounts = pd.factorize(account, sort=False)
    raw_codes, raw = _factorize(frame[cols["symbol"]])
    normal = normalize_symbols(pd.Series(raw, dtype=object), broker=True).to_numpy(object)
    normal = np.where(np.isin(normal, list(CASH_SYMBOLS)), "CASH", normal)
    inst_of_raw, symbols = pd.factorize(pd.Series(normal, dtype=object), sort=False)
    inst = inst_of_raw[raw_codes]
    sym = np.asarray(symbols, dtype=object)

    num, bad = {}, {}
    for c in NUMERIC:
        num[c], bad[c] = _numbers(frame[cols[c]] if c in cols else None, n)
    qty, value, price = num["quantity"], num["market_value"], num["price"]
    sec = snapshot.securities
    named = ~np.isin(sym, ["", "NAN", "NONE"])
    is_cash = (sym == "CASH") | (sec["kind"].reindex(sym).to_numpy(object) == "cash")
    snap_price = pd.to_numeric(sec["price"].reindex(sym), errors="coerce").to_numpy(float)
    unreadable = bad["quantity"] | bad["market_value"] | bad["price"]

    value = value.copy()
    cash_qty = is_cash[inst] & np.isnan(value)
    value[cash_qty] = qty[cash_qty]
    from_mv = ~np.isnan(value)
    priced = np.isnan(value) & ~np.isnan(qty) & ~np.isnan(price)
    value[priced] = qty[priced] * price[priced]
    need = np.isnan(value) & ~np.isnan(qty)
    use = need & ~np.isnan(snap_price[inst])
    value[use] = qty[use] * snap_price[inst][use]

    problems = [
        (~named[inst], "the symbol is empty"),
        (unreadable, "a quantity, market_value or price that is not a number"),
        ((qty < 0) | (num["market_value"] < 0), "a negative quantity or market value (short "
                                                "positions are not supported)"),
        ((np.abs(qty) > MAX_AMOUNT) | (np.abs(num["market_value"]) > MAX_AMOUNT)
         | (np.abs(price) > MAX_AMOUNT) | ((value > MAX_AMOUNT) & ~from_mv),
         f"an amount beyond {MAX_AMOUNT:.0e}"),
        (need & ~use, "no price: the snapshot has no price for it; add a market_value or price"),
        (np.isnan(value) & np.isnan(qty), "neither a quantity nor a market value"),
    ]
    refused = np.zeros(n, bool)
    notes: dict[int, list[str]] = {}
    for mask, text in problems:
        mask = mask & ~refused
        for i in np.flatnonzero(mask):
            notes.setdefault(int(acct[i]), []).append(f"row {i + 1} ({sym[inst[i]] or 'no symbol'}) "
                                                      f"left out: {text}")
        refused |= mask
    ok = ~refused
    counts = np.bincount(inst[ok], minlength=len(sym))
    used = np.flatnonzero(counts > 0)  # instruments some account still holds
    remap = np.full(len(sym), -1)
    remap[used] = np.arange(len(used))
    values, order = _matrices(acct[ok], remap[inst[ok]], value[ok], np.flatnonzero(ok),
                              (len(accounts), len(used)))
    return Book(accounts=pd.Index(accounts), symbols=pd.Index(sym[used]), values=values, order=order,
                notes=notes)


#: Books up to this many accounts × instruments cells are summed in a dense scratch array.
DENSE_CELLS = 1 << 26


def _matrices(a: np.ndarray, j: np.ndarray, v: np.ndarray, row: np.ndarray,
              shape: tuple[int, int]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Values (rows of one holding summed) and first-row order, as CSR with the same pattern."""
    n_acc, n_inst = shape
    key = a.astype(np.int64) * n_inst + j
    if n_acc * n_inst <= DENSE_CELLS:  # linear time: no sort of the rows
        first = np.full(n_acc * n_inst, len(row), dtype=np.int64)
        np.minimum.at(first, key[::-1], row[::-1])
        cell = np.flatnonzero(first < len(row))
        total = np.bincount(key, weights=v, minlength=n_acc * n_inst)[cell]
        earliest = first[cell]
    else:
        cell, start, inverse = np.unique(key, return_index=True, return_inverse=True)
        total = np.bincount(inverse.ravel(), weights=v, minlength=len(cell))
        earliest = row[start]
    acc, col = np.divmod(cell, max(n_inst, 1))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(acc, minlength=n_acc))])
    values = sp.csr_matrix((total, col, indptr), shape=shape)
    order = sp.csr_matrix((earliest + 1.0, col, indptr), shape=shape)
    return values, order


def read_accounts(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a long-format book: Parquet by its suffix (``.parquet``, ``.pq``), else CSV.

    Account and symbol columns are read as text (account ``007`` stays ``007``).

    Raises
    ------
    HoldingsError
        When the file cannot be read as what its suffix says.
    """
    path = Path(path)
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        header = pd.read_csv(path, nrows=0)
        text = {c: str for c in header.columns if str(c).strip().lower() in ("account", "symbol")}
        return pd.read_csv(path, dtype=text, keep_default_na=False, na_values=[""])
    except (ValueError, OSError, ImportError) as exc:
        what = "a Parquet file" if path.suffix.lower() in (".parquet", ".pq") else "a CSV file"
        raise HoldingsError(f"{path}: cannot be read as {what} ({str(exc).splitlines()[0]}). Give a "
                            "CSV or Parquet file with one row per position and the columns account, "
                            "symbol and market_value or quantity.") from None
