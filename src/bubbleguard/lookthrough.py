"""Look-through: every instrument as a vector over leaves (issuers, non-equity assets, unresolved).

The look-through matrix ``L`` has one row per instrument and one column per leaf; each row sums to
one, so ``values @ L`` splits a portfolio's value over issuers, non-equity asset classes and
explicit unresolved remainders without losing any of it. Funds are replaced by their holdings
recursively, so a fund that holds a fund, or a QDII fund that tracks QQQ, resolves to issuers.

The recursion works on sparse (row, security, value) triplets and the fund-holdings matrix in
row-compressed form, with numpy only: the ``check`` path does not need scipy. The same matrix
serves ``check`` (evaluation) and ``rebalance`` (constraints), so the two cannot disagree.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import cast

import numpy as np
import pandas as pd

from .errors import DataError
from .i18n import _
from .reference._snapshot import NON_EQUITY, Snapshot

__all__ = ["LookThrough", "look_through"]

MAX_DEPTH = 12


@dataclass(frozen=True)
class LookThrough:
    """Instruments × leaves look-through matrix.

    Attributes
    ----------
    symbols
        The instruments (matrix rows).
    matrix
        Dense array instruments × leaves; rows sum to 1. Only leaves that some instrument
        reaches are columns, so the array stays small.
    securities
        The same split before issuers are merged, as sparse triplets
        ``(row, security position, share)`` (used to list the share classes behind an issuer).
    leaves
        One row per column: ``kind`` (issuer, asset, unresolved), ``key`` (issuer id, asset
        class or origin symbol), ``asset_class`` and ``reason``.
    snapshot
        The reference data used.
    """

    symbols: pd.Index
    matrix: np.ndarray
    securities: tuple[np.ndarray, np.ndarray, np.ndarray]
    leaves: pd.DataFrame
    snapshot: Snapshot

    @cached_property
    def issuer_columns(self) -> np.ndarray:
        """Column positions of issuer leaves."""
        return np.flatnonzero(self.leaves["kind"].to_numpy() == "issuer")

    @cached_property
    def issuer_ids(self) -> pd.Index:
        """Issuer ids, in the order of :attr:`issuer_columns`."""
        return pd.Index(self.leaves["key"].to_numpy()[self.issuer_columns])

    @cached_property
    def _issuer_id_array(self) -> np.ndarray:
        return self.issuer_ids.to_numpy(object)  # iterated as Python objects, not Arrow texts

    def issuer_matrix(self) -> np.ndarray:
        """Instruments × issuers part of the matrix."""
        return self.matrix[:, self.issuer_columns]

    def theme_vector(self, theme: str | frozenset[str]) -> np.ndarray:
        """Look-through share of each instrument in a theme (one number per instrument)."""
        members = self.snapshot.themes[theme] if isinstance(theme, str) else theme
        ids = self._issuer_id_array
        mask = np.fromiter((i in members for i in ids), float, len(ids))
        return self.issuer_matrix() @ mask

    def unresolved_vector(self) -> np.ndarray:
        """Share of each instrument that could not be looked through (one number per instrument)."""
        return np.asarray(self.matrix[:, self.leaves["kind"].to_numpy() == "unresolved"].sum(axis=1),
                          float).ravel()

    def asset_class_matrix(self) -> pd.DataFrame:
        """Instruments × asset classes (equity = issuers + unresolved)."""
        kind = self.leaves["kind"].to_numpy()
        cls = self.leaves["asset_class"].to_numpy()
        out = {}
        for name in ("equity", *NON_EQUITY):
            mask = ((cls == name) & (kind != "issuer")) | ((kind == "issuer") & (name == "equity"))
            out[name] = self.matrix @ mask.astype(float)
        return pd.DataFrame(out, index=self.symbols)

    def security_weights(self, weights: np.ndarray) -> np.ndarray:
        """Weight of every snapshot security (before issuers are merged) for instrument weights."""
        row, col, val = self.securities
        return np.bincount(col, weights=weights[row] * val, minlength=len(self.snapshot.index))


def _expand(row: np.ndarray, col: np.ndarray, val: np.ndarray,
            csr: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
    """Replace each (row, fund, value) triplet by the fund's holdings (one level)."""
    indptr, indices, weights = csr
    start, count = indptr[col], indptr[col + 1] - indptr[col]
    rep = np.repeat(np.arange(len(col)), count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    at = start[rep] + offset
    return row[rep], indices[at], val[rep] * weights[at]


def look_through(symbols: Sequence[str] | pd.Index, snapshot: Snapshot,
                 asset_classes: Mapping[str, str] | None = None) -> LookThrough:
    """Build the look-through matrix of ``symbols``.

    Parameters
    ----------
    symbols
        Normalised symbols (unknown ones are allowed and become unresolved leaves).
    snapshot
        Reference data.
    asset_classes
        User-given asset classes for symbols the snapshot does not know (a non-equity class
        makes the position an asset leaf instead of an unresolved one).

    Returns
    -------
    LookThrough
    """
    symbols = pd.Index(list(symbols))
    sec = snapshot.securities
    n = len(symbols)
    pos = snapshot.index.get_indexer(symbols)
    known = pos >= 0
    csr = snapshot.holdings_csr
    kind = sec["kind"].to_numpy()
    cls = sec["asset_class"].to_numpy()
    count = np.diff(csr[0])
    row_sum = np.add.reduceat(np.append(csr[2], 0.0), csr[0][:-1]) * (count > 0)
    # an issuer's file whose weights add up to a hair over 1 (IJH: 1 + 2.2e-9, from rounding
    # each weight) is scaled to 1, so a fund's row conserves value to the last bit
    scale = np.where(row_sum > 1.0, 1.0 / np.maximum(row_sum, 1.0), 1.0)
    csr = (csr[0], csr[1], csr[2] * np.repeat(scale, count))
    row_sum = np.minimum(row_sum, 1.0)
    expand = (kind == "fund") & (count > 0) & (cls == "equity")
    missing_share = np.where(expand, np.clip(1.0 - row_sum, 0.0, None), 0.0)

    row, col = np.flatnonzero(known), pos[known]
    val = np.ones(len(row))
    leaf_parts, resid_parts = [], []
    for _depth in range(MAX_DEPTH):
        fund = expand[col]
        leaf_parts.append((row[~fund], col[~fund], val[~fund]))
        if not fund.any():
            break
        row, col, val = row[fund], col[fund], val[fund]
        resid_parts.append((row, col, val * missing_share[col]))
        row, col, val = _expand(row, col, val, csr)
    else:
        raise DataError("The fund holdings refer to each other in a loop (a fund holds itself "
                        "through other funds); fix the fund-holdings data.")
    leaf = cast("tuple[np.ndarray, np.ndarray, np.ndarray]",
                tuple(np.concatenate(p) for p in zip(*leaf_parts)))
    resid = tuple(np.concatenate(p) for p in zip(*resid_parts)) if resid_parts else (
        np.zeros(0, int), np.zeros(0, int), np.zeros(0))
    keep = resid[2] > 0
    resid = tuple(a[keep] for a in resid)

    # leaf columns: issuers, asset classes, then unresolved origins
    issuer_ids = sec["issuer_id"].to_numpy()
    used = np.unique(leaf[1])
    is_stock = kind[used] == "stock"
    issuers = pd.Index(np.unique(issuer_ids[used[is_stock]]))
    non_eq = np.isin(cls[used], NON_EQUITY) | (kind[used] == "cash")
    asset_keys = list(NON_EQUITY)
    no_data = used[~is_stock & ~non_eq]  # equity funds without holdings
    resid_origins = np.unique(resid[1])
    user = {k: v for k, v in (asset_classes or {}).items() if v}
    unknown = [s for s in symbols[~known] if user.get(s, "equity") == "equity"]
    origins = list(dict.fromkeys([*sec.index[no_data], *sec.index[resid_origins], *unknown]))
    leaves = pd.concat([
        pd.DataFrame({"kind": "issuer", "key": issuers, "asset_class": "equity", "reason": ""}),
        pd.DataFrame({"kind": "asset", "key": asset_keys, "asset_class": asset_keys, "reason": ""}),
        pd.DataFrame({"kind": "unresolved", "key": origins, "asset_class": "equity",
                      "reason": [_reason(o, snapshot, unknown) for o in origins]}),
    ], ignore_index=True)
    n_iss, n_asset = len(issuers), len(asset_keys)
    origin_col = pd.Series(np.arange(len(origins)) + n_iss + n_asset, index=origins, dtype=int)

    # security → leaf column
    col_of = np.full(len(snapshot.index), -1)
    col_of[used[is_stock]] = issuers.get_indexer(issuer_ids[used[is_stock]])
    bucket = np.where(kind[used] == "cash", "cash", cls[used])
    col_of[used[non_eq]] = n_iss + pd.Index(asset_keys).get_indexer(bucket[non_eq])
    col_of[no_data] = origin_col[sec.index[no_data]].to_numpy()
    res_col = np.full(len(snapshot.index), -1)
    res_col[resid_origins] = origin_col[sec.index[resid_origins]].to_numpy()

    matrix = np.zeros((n, len(leaves)))
    np.add.at(matrix, (leaf[0], col_of[leaf[1]]), leaf[2])
    np.add.at(matrix, (resid[0], res_col[resid[1]]), resid[2])
    for i in np.flatnonzero(~known):
        s = symbols[int(i)]
        matrix[i, origin_col[s] if s in origin_col.index else n_iss + asset_keys.index(user[s])] = 1.0
    return LookThrough(symbols=symbols, matrix=matrix, securities=leaf, leaves=leaves,
                       snapshot=snapshot)


def _reason(origin: str, snapshot: Snapshot, unknown: list[str]) -> str:
    if origin in unknown:
        close = _close_symbols(origin, snapshot)
        hint = _("; did you mean {symbol}?").format(symbol=close[0]) if close else ""
        return _("unknown symbol: not in the reference data") + hint
    funds = snapshot.funds
    if origin in funds.index:
        info = funds.loc[origin]
        if info["coverage"] == "top10":
            return _("{fund} publishes only its top 10 holdings (as of {date})").format(
                fund=origin, date=info["as_of"])
        return _("part of {fund} not itemised in its holdings file (as of {date})").format(
            fund=origin, date=info["as_of"])
    return _("no holdings data for fund {fund}").format(fund=origin)


def _close_symbols(symbol: str, snapshot: Snapshot, cutoff: float = 0.75) -> list[str]:
    """``difflib.get_close_matches(symbol, snapshot.index, n=1, cutoff=cutoff)``, faster.

    Only symbols whose shared characters could reach the cutoff (difflib's own ``quick_ratio``
    bound, for every symbol at once) are compared, so the answer is difflib's.
    """
    chars, counts = snapshot.symbol_letters
    want = np.array([symbol.count(ch) for ch in chars], np.int16)
    shared = np.minimum(counts, want).sum(axis=1)
    bound = 2.0 * shared / (counts.sum(axis=1) + len(symbol))
    pool = snapshot.index[bound >= cutoff - 1e-12]
    return difflib.get_close_matches(symbol, pool, n=1, cutoff=cutoff)
