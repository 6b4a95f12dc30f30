"""A book of accounts in long format → one accounts × instruments value matrix.

The rows are valued as :func:`bubbleguard.load_holdings` values one portfolio's rows (the given
market value; else quantity × price; else quantity × the snapshot's last price; cash given as
a quantity is worth its quantity), so that every account's value is the one ``check`` finds.
A row ``check`` would refuse (no quantity or value, a negative number, no price) does not stop
the batch: it is left out of its account and named in that account's notes.

A ``cost_basis`` column (the total cost of the row, as holdings files give it) is read into
:attr:`Book.gains`, the unrealised gain of each holding, for the batch rebalance's tax term.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import HoldingsError
from ..holdings._layout import GENERIC_ALIASES, norm
from ..holdings._portfolio import CASH_SYMBOLS, CURRENCY_NAMES, MAX_AMOUNT
from ..reference._snapshot import Snapshot
from ..symbols import CONTROL, market_currency, normalize_symbols, printable

__all__ = ["Book", "account_column", "read_accounts", "read_book"]

NUMERIC = ("quantity", "market_value", "price", "cost_basis")
#: A holdings file's asset_class column names the class of an unknown symbol; the batch has one
#: look-through for the whole book, so it does not read it, and says so.
UNREAD_CLASS = ("the asset_class column is not read by the batch: an unknown symbol counts as "
                "unresolved equity ('bubbleguard check' on the account alone counts it in its class)")


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
    gains
        CSR of the same shape, or None when the book has no ``cost_basis`` column: the
        unrealised gain of each holding, the sum over its rows with a known cost basis of
        ``max(value - cost_basis, 0)`` (a row at a loss counts as none, as ``rebalance`` taxes
        it), in the account's currency.
    """

    accounts: pd.Index
    symbols: pd.Index
    values: sp.csr_matrix
    order: sp.csr_matrix
    notes: dict[int, list[str]] = field(default_factory=dict)
    currency: Any = None  # a categorical column of texts, or None: all USD
    book_notes: list[str] = field(default_factory=list)
    gains: sp.csr_matrix | None = None


@dataclass(frozen=True)
class _Money:
    """Currencies of a book: per row a rate to USD (None: no account mixes currencies)."""

    rate: np.ndarray | None
    account: Any  # the currency of each account's values (categorical), or None
    notes: dict[int, str]
    book_notes: list[str]


def _of(codes: np.ndarray, labels: np.ndarray) -> Any:
    return pd.Categorical.from_codes(codes, pd.Index(labels, dtype=str))


def _currencies(column: pd.Series | None, raw_codes: np.ndarray, raw: np.ndarray, acct: np.ndarray,
                n_acc: int, snapshot: Snapshot, fx: Mapping[str, float] | None,
                base: str | None = None, where: str = "DataFrame") -> _Money:
    """Each account's currency, as ``check`` finds it for the account alone.

    A row's currency is its currency cell, else the one its listing code implies (A shares CNY,
    Hong Kong codes HKD), else USD. An account in one currency keeps it; an account that mixes
    currencies is valued in USD at the given rates (USD per unit), else at the snapshot's dated
    reference rates; an account mixing a currency with no rate is not checked (its note says so).
    With ``base`` (``--base-currency``), every account is valued in that currency instead.
    """
    target = CURRENCY_NAMES.get(base.strip().upper(), base.strip().upper()) if base else None
    implied = np.array([market_currency(r) for r in raw], dtype=object)
    if column is None:
        if not (implied != "").any() and target in (None, "USD"):
            return _Money(None, None, {}, [])
        text = np.where(implied[raw_codes] == "", "USD", implied[raw_codes])
    else:
        at, cells = pd.factorize(column.fillna("").astype(str))  # each distinct cell cleaned once
        given = np.array([printable(c).strip().upper() for c in cells] or [""], dtype=object)[at]
        text = np.where(given == "", implied[raw_codes], given)
        text = np.where(text == "", "USD", text)
    row_code, found = pd.factorize(pd.Series(text, dtype=object).map(
        lambda c: CURRENCY_NAMES.get(c, c)), sort=True)
    labels: np.ndarray = np.asarray(found, dtype=object)
    if len(labels) == 1 and target in (None, labels[0]):
        return _Money(None, _of(np.zeros(n_acc, np.int8), labels), {}, [])
    lo = np.full(n_acc, len(labels), np.int64)
    hi = np.full(n_acc, -1, np.int64)
    np.minimum.at(lo, acct, row_code)
    np.maximum.at(hi, acct, row_code)
    mixed = lo != hi
    convert = mixed if target is None else mixed | (labels[np.minimum(lo, len(labels) - 1)] != target)
    target = target or "USD"
    if not convert.any():
        return _Money(None, _of(lo, labels), {}, [])
    rates = {"USD": 1.0, **{k.upper(): float(v) for k, v in (fx or {}).items()}}
    book_notes = []
    which = ("in the accounts that mix currencies" if base is None else
             f"for the values in {target}")
    in_mixed = sorted({*labels[np.unique(row_code[convert[acct]])], target})
    for cur in in_mixed:
        if cur not in rates and cur in snapshot.fx.index:
            row = snapshot.fx.loc[cur]
            rates[cur] = 1.0 / float(row["per_usd"])
            book_notes.append(f"{cur} converted at the bundled reference rate of {row['per_usd']:g} "
                              f"{cur} per USD ({row['date']}) {which}; "
                              f"give --fx {cur}=RATE (USD per {cur}) for today's")
    if target not in rates:
        raise HoldingsError(f"{where}: the values are asked for in {target} and there is no exchange "
                            f"rate for it. Give its rate to USD, e.g. --fx {target}=1.10 (USD per "
                            f"{target}), or another --base-currency.")
    rate_of = np.array([rates.get(c, np.nan) for c in labels]) / rates[target]
    row_rate = np.where(convert[acct], rate_of[row_code], 1.0)
    notes: dict[int, str] = {}
    missing = np.flatnonzero(np.bincount(acct, weights=np.isnan(row_rate), minlength=n_acc) > 0)
    if len(missing):
        rows = np.flatnonzero(np.isin(acct, missing))
        row_rate[rows] = np.nan  # none of such an account's rows is valued
        pairs = np.unique(np.column_stack([acct[rows], row_code[rows]]), axis=0)
        for a in missing:
            have = labels[pairs[pairs[:, 0] == a, 1]]
            lack = [c for c in have if c not in rates]
            what = (f"in several currencies ({', '.join(have)})" if mixed[a] else
                    f"in {', '.join(have)}, asked for in {target},")
            notes[int(a)] = (f"not checked: the positions are {what} and there is no exchange rate "
                             f"for {', '.join(lack)}; give --fx {lack[0]}=RATE (USD per {lack[0]})")
    if target not in labels:
        labels = np.append(labels, target)
    into = int(np.flatnonzero(labels == target)[0])
    return _Money(row_rate, _of(np.where(convert, into, lo), labels), notes, book_notes)


def _visible(labels: pd.Index) -> pd.Index:
    r"""Account labels with each control character written as ``\xNN`` (two labels stay two).

    A label is an identity, so it is not stripped as ``check`` strips its texts; written out, no
    label can move a terminal's cursor or recolour it, in any output format.
    """
    if pd.api.types.is_numeric_dtype(labels):
        return labels
    texts = labels.astype(str)
    bad = texts.str.contains(CONTROL.pattern, regex=True)
    if not bad.any():
        return labels
    shown = texts.str.replace(CONTROL.pattern, lambda m: f"\\x{ord(m.group()):02x}", regex=True)
    return pd.Index(np.where(bad, shown, texts), dtype=object)


def account_column(columns: list[Any], where: str) -> Any:
    """The column of ``columns`` that holds the account (raises as :func:`read_book` does)."""
    return _columns(pd.DataFrame(columns=columns), where)["account"]


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
    """Codes and distinct texts of a symbol column (a categorical one read from its codes).

    A categorical column's codes are returned as they are (-1 for a missing symbol, which
    indexes the appended empty text).
    """
    if isinstance(symbols.dtype, pd.CategoricalDtype):
        texts = np.append(symbols.cat.categories.astype(str).to_numpy(object), "")
        return symbols.cat.codes.to_numpy(), texts
    found, distinct = pd.factorize(symbols.fillna("").astype(str), sort=False)
    return np.asarray(found), np.asarray(distinct, dtype=object)


#: Rows valued at a time (every temporary array is this long, not the book's length).
BLOCK_ROWS = 1 << 18
#: A block sums its holdings in a dense accounts × instruments scratch array when that array
#: has at most this many cells per row of the block, else by sorting.
DENSE_PER_ROW = 8


def _blocks(acct: np.ndarray, n_acc: int) -> list[tuple[slice | np.ndarray, int, int]]:
    """Row selections of about :data:`BLOCK_ROWS` rows, each every row of a range of accounts.

    A book grouped by account (each account's rows together) is cut into slices; any other is
    read through a stable sort by account. Each block is ``(rows, first account, end account)``.
    """
    n = len(acct)
    grouped = bool(np.all(acct[1:] >= acct[:-1]))
    perm = None if grouped else np.argsort(acct, kind="stable")
    seq = acct if perm is None else acct[perm]
    cuts = np.unique(seq[BLOCK_ROWS::BLOCK_ROWS])  # first accounts of the blocks after the first
    bounds = [0, *np.searchsorted(seq, cuts).tolist(), n]
    firsts = [0, *cuts.tolist(), n_acc]
    out: list[tuple[slice | np.ndarray, int, int]] = []
    for i in range(len(bounds) - 1):
        lo, hi = bounds[i], bounds[i + 1]
        out.append((slice(lo, hi) if perm is None else perm[lo:hi], firsts[i], firsts[i + 1]))
    return out


def read_book(frame: pd.DataFrame, snapshot: Snapshot, where: str = "DataFrame", *,
              workers: int = 1, fx: Mapping[str, float] | None = None,
              row_numbers: np.ndarray | None = None, base_currency: str | None = None) -> Book:
    """Value a long-format book: columns account, symbol, market_value and/or quantity, price.

    The rows are valued and summed into the matrix one block of accounts at a time, so the
    memory used beyond the frame is about the matrix's.

    Parameters
    ----------
    frame
        One row per position.
    snapshot
        Reference data (last prices, cash instruments).
    where
        The source's name, for messages.
    workers
        Threads that value blocks of rows.
    fx
        Rates to USD (USD per unit) for accounts that mix currencies.
    row_numbers
        Each row's number (from 0) in the whole book, for notes, when ``frame`` is a part of it.
    base_currency
        Value every account in this currency (at ``fx``, else the snapshot's reference rates),
        as ``load_holdings(..., base_currency=)`` values one portfolio; default: each account
        in its own currency, USD when it mixes currencies.

    Returns
    -------
    Book

    Raises
    ------
    HoldingsError
        When a column the batch needs is missing, a row has no account, or there is no rate
        for ``base_currency``.
    """
    cols = _columns(frame, where)
    if frame.empty:
        raise HoldingsError(f"{where}: no positions found. Add one row per position with an account, "
                            "a symbol and a quantity or market_value.")
    account = frame[cols["account"]]
    blank = account.isna().to_numpy(copy=True)
    if not pd.api.types.is_numeric_dtype(account):
        blank |= (account.astype(str).str.strip() == "").to_numpy()
    if blank.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(blank)[:12])
        raise HoldingsError(f"{where}: {int(blank.sum())} row(s) without an account (row {rows}). Give "
                            "every position the account it belongs to.")
    del blank
    codes, accounts = pd.factorize(account, sort=False)
    accounts = _visible(accounts)
    acct = codes.astype(np.int32) if len(accounts) < 2**31 else codes
    del codes
    raw_codes, raw = _factorize(frame[cols["symbol"]])
    normal = normalize_symbols(pd.Series(raw, dtype=object), broker=True).to_numpy(object)
    normal = np.where(np.isin(normal, list(CASH_SYMBOLS)), "CASH", normal)
    inst_of_raw, symbols = pd.factorize(pd.Series(normal, dtype=object), sort=False)
    inst_of_raw = inst_of_raw.astype(np.int32)
    sym = np.asarray(symbols, dtype=object)
    sec = snapshot.securities
    syms = _Symbols(named=~np.isin(sym, ["", "NAN", "NONE"]),
                    cash=(sym == "CASH") | (sec["kind"].reindex(sym).to_numpy(object) == "cash"),
                    price=pd.to_numeric(sec["price"].reindex(sym), errors="coerce").to_numpy(float),
                    text=sym)
    columns = {c: frame[cols[c]] if c in cols else None for c in NUMERIC}
    money = _currencies(frame[cols["currency"]] if "currency" in cols else None, raw_codes, raw,
                        acct, len(accounts), snapshot, fx, base_currency, where)
    with_gains = "cost_basis" in cols

    def block(part: tuple[slice | np.ndarray, int, int]) -> tuple[tuple[np.ndarray, ...],
                                                                  dict[int, list[str]]]:
        sel, a0, a1 = part
        inst = inst_of_raw[raw_codes[sel]]
        index = np.arange(sel.start, sel.stop) if isinstance(sel, slice) else sel
        mine: dict[int, list[str]] = {}  # blocks hold disjoint accounts: merged as they are
        named = index if row_numbers is None else row_numbers[index]
        ok, value, gain = _value(columns, sel, inst, acct[sel], named, syms, mine)
        if money.rate is not None:  # accounts that mix currencies (or every one, in the base)
            value = value * money.rate[sel]
            gain = gain * money.rate[sel]
            ok &= ~np.isnan(value)
        return _sums(acct[sel][ok] - a0, inst[ok], value[ok], index[ok], a1 - a0, len(sym),
                     gain[ok] if with_gains else None), mine

    blocks = _blocks(acct, len(accounts))
    if workers > 1 and len(blocks) > 1:
        with ThreadPoolExecutor(workers) as pool:  # numpy releases the GIL on these arrays
            done = list(pool.map(block, blocks))
    else:
        done = [block(b) for b in blocks]
    notes: dict[int, list[str]] = {}
    for _, mine in done:
        notes.update(mine)
    for a, text in money.notes.items():
        notes.setdefault(a, []).append(text)
    counts, col, total, first, gained = (np.concatenate(p) for p in zip(*(d for d, _ in done)))
    del done
    used = np.flatnonzero(np.bincount(col, minlength=len(sym)) > 0)  # instruments still held
    remap = np.zeros(len(sym), np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    col = remap[col]  # increasing: each account's columns stay sorted
    indptr = np.zeros(len(accounts) + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    shape = (len(accounts), len(used))
    values = sp.csr_matrix((total.astype(float, copy=False), col, indptr), shape=shape)
    order = sp.csr_matrix((first + 1.0, col, indptr), shape=shape)
    gains = sp.csr_matrix((gained, col, indptr), shape=shape) if with_gains else None
    unread = [UNREAD_CLASS] if "asset_class" in cols else []
    return Book(accounts=pd.Index(accounts), symbols=pd.Index(sym[used]), values=values, order=order,
                notes=notes, currency=money.account, book_notes=[*money.book_notes, *unread],
                gains=gains)


@dataclass(frozen=True)
class _Symbols:
    """Per distinct normalised symbol: named, cash, the snapshot's price, its text."""

    named: np.ndarray
    cash: np.ndarray
    price: np.ndarray
    text: np.ndarray


def _value(columns: dict[str, pd.Series | None], rows: slice | np.ndarray, inst: np.ndarray,
           acct: np.ndarray, index: np.ndarray, syms: _Symbols,
           notes: dict[int, list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows kept, their values (as ``check`` values them) and unrealised gains.

    A row's gain is ``max(value - cost_basis, 0)`` when its cost basis is a number, else 0; the
    notes name the rows left out.
    """
    n = len(inst)
    num, bad = {}, {}
    for c in NUMERIC:
        column = columns[c]
        num[c], bad[c] = _numbers(None if column is None else column.iloc[rows], n)
    qty, given, price = num["quantity"], num["market_value"], num["price"]
    unreadable = bad["quantity"] | bad["market_value"] | bad["price"]
    value = given.copy()
    cash_qty = syms.cash[inst] & np.isnan(value)
    value[cash_qty] = qty[cash_qty]
    from_mv = ~np.isnan(value)
    priced = np.isnan(value) & ~np.isnan(qty) & ~np.isnan(price)
    value[priced] = qty[priced] * price[priced]
    need = np.isnan(value) & ~np.isnan(qty)
    snap_price = syms.price[inst]
    use = need & ~np.isnan(snap_price)
    value[use] = qty[use] * snap_price[use]

    problems = [
        (~syms.named[inst], "the symbol is empty"),
        (unreadable, "a quantity, market_value or price that is not a number"),
        ((qty < 0) | (given < 0), "a negative quantity or market value (short "
                                  "positions are not supported)"),
        ((np.abs(qty) > MAX_AMOUNT) | (np.abs(given) > MAX_AMOUNT)
         | (np.abs(price) > MAX_AMOUNT) | ((value > MAX_AMOUNT) & ~from_mv),
         f"an amount beyond {MAX_AMOUNT:.0e}"),
        (need & ~use, "no price: the snapshot has no price for it; add a market_value or price"),
        (np.isnan(value) & np.isnan(qty), "neither a quantity nor a market value"),
    ]
    refused = np.zeros(n, bool)
    for mask, text in problems:
        mask = mask & ~refused
        for i in np.flatnonzero(mask):
            notes.setdefault(int(acct[i]), []).append(
                f"row {index[i] + 1} ({syms.text[inst[i]] or 'no symbol'}) left out: {text}")
        refused |= mask
    basis = num["cost_basis"]
    known = ~np.isnan(basis) & (value > 0)
    gain = np.where(known, np.clip(value - np.where(known, basis, 0.0), 0.0, None), 0.0)
    return ~refused, value, gain


def _sums(a: np.ndarray, j: np.ndarray, v: np.ndarray, row: np.ndarray, n_acc: int,
          n_inst: int, g: np.ndarray | None = None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One block's holdings: per account their count; per holding column, value, first row, gain.

    ``a`` is the account within the block, ``j`` the instrument, ``v`` the value, ``row`` the
    book row and ``g`` the gain (None: no gains, zeros) of each kept row of the block (rows in
    increasing order).
    """
    key = a.astype(np.int64) * n_inst + j
    cells = n_acc * n_inst
    if cells <= DENSE_PER_ROW * max(len(key), 512):  # linear time: no sort of the rows
        first = np.full(cells, np.iinfo(np.int64).max)
        np.minimum.at(first, key, row)
        cell = np.flatnonzero(first != np.iinfo(np.int64).max)
        total = np.bincount(key, weights=v, minlength=cells)[cell]
        gained = (np.bincount(key, weights=g, minlength=cells)[cell] if g is not None
                  else np.zeros(len(cell)))
        earliest = first[cell]
    else:
        cell, start, inverse = np.unique(key, return_index=True, return_inverse=True)
        total = np.bincount(inverse.ravel(), weights=v, minlength=len(cell))
        gained = (np.bincount(inverse.ravel(), weights=g, minlength=len(cell)) if g is not None
                  else np.zeros(len(cell)))
        earliest = row[start]
    acc, col = np.divmod(cell, max(n_inst, 1))
    counts = np.bincount(acc, minlength=n_acc)
    return counts, col.astype(np.int32), total, earliest, gained


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
