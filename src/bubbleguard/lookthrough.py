"""Look-through: every instrument as a vector over leaves (issuers, non-equity assets, unresolved).

The look-through matrix ``L`` has one row per instrument and one column per leaf; each row sums to
one, so ``values @ L`` splits a portfolio's value over issuers, non-equity asset classes and
explicit unresolved remainders without losing any of it. Funds are replaced by their holdings
recursively (sparse matrix products), so a fund that holds a fund, or a QDII fund that tracks
QQQ, resolves to issuers. The same matrix serves ``check`` (evaluation) and ``rebalance``
(constraints), so the two cannot disagree.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import sparse

from .errors import DataError
from .reference import NON_EQUITY, Snapshot

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
        CSR matrix, rows sum to 1.
    securities
        CSR matrix instruments × snapshot securities: the same split before issuers are merged
        (used to list the share classes an exposure comes from).
    leaves
        One row per column: ``kind`` (issuer, asset, unresolved), ``key`` (issuer id, asset
        class or origin symbol), ``asset_class`` and ``reason``.
    snapshot
        The reference data used.
    """

    symbols: pd.Index
    matrix: sparse.csr_matrix
    securities: sparse.csr_matrix
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

    def issuer_matrix(self) -> sparse.csr_matrix:
        """Instruments × issuers part of the matrix."""
        return self.matrix[:, self.issuer_columns]

    def theme_vector(self, theme: str | frozenset[str]) -> np.ndarray:
        """Look-through share of each instrument in a theme (one number per instrument)."""
        members = self.snapshot.themes[theme] if isinstance(theme, str) else theme
        mask = self.issuer_ids.isin(list(members)).astype(float)
        return np.asarray(self.issuer_matrix() @ mask).ravel()

    def asset_class_matrix(self) -> pd.DataFrame:
        """Instruments × asset classes (equity = issuers + unresolved)."""
        kind = self.leaves["kind"].to_numpy()
        cls = self.leaves["asset_class"].to_numpy()
        out = {}
        for name in ("equity", *NON_EQUITY):
            mask = ((cls == name) & (kind != "issuer")) | ((kind == "issuer") & (name == "equity"))
            out[name] = np.asarray(self.matrix @ mask.astype(float)).ravel()
        return pd.DataFrame(out, index=self.symbols)


def look_through(symbols: Sequence[str], snapshot: Snapshot,
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
    n, big_n = len(symbols), len(snapshot.index)
    pos = snapshot.index.get_indexer(symbols)
    known = pos >= 0
    held = snapshot.holdings_matrix
    kind = sec["kind"].to_numpy()
    cls = sec["asset_class"].to_numpy()
    has_holdings = np.diff(held.indptr) > 0
    expand = (kind == "fund") & has_holdings & (cls == "equity")
    row_sum = np.asarray(held.sum(axis=1)).ravel()
    missing_share = np.where(expand, np.clip(1.0 - row_sum, 0.0, None), 0.0)

    rows = np.flatnonzero(known)
    x = sparse.csr_matrix((np.ones(len(rows)), (rows, pos[known])), shape=(n, big_n))
    leaf = sparse.csr_matrix((n, big_n))
    residual = sparse.csr_matrix((n, big_n))
    expand_diag = sparse.diags(expand.astype(float))
    for _ in range(MAX_DEPTH):
        xe = (x @ expand_diag).tocsr()
        xe.eliminate_zeros()
        leaf = leaf + (x - xe)
        if xe.nnz == 0:
            break
        residual = residual + xe @ sparse.diags(missing_share)
        x = (xe @ held).tocsr()
    else:
        raise DataError("The fund holdings refer to each other in a loop (a fund holds itself "
                        "through other funds); fix the fund-holdings data.")
    leaf = leaf.tocsr()
    leaf.eliminate_zeros()
    residual = residual.tocsr()
    residual.eliminate_zeros()

    # leaf columns: issuers, asset classes, then unresolved origins
    issuer_ids = sec["issuer_id"].to_numpy()
    used = np.unique(np.concatenate([leaf.indices, residual.indices]))
    is_stock = kind[used] == "stock"
    issuers = pd.Index(np.unique(issuer_ids[used[is_stock]]))
    non_eq = np.isin(cls[used], NON_EQUITY) | (kind[used] == "cash")
    asset_keys = list(NON_EQUITY)
    no_data = used[~is_stock & ~non_eq]  # equity funds without holdings
    resid_origins = np.unique(residual.indices)
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
    origin_col = pd.Series(np.arange(len(origins)) + n_iss + n_asset, index=origins)

    # security → leaf column
    col = np.full(big_n, -1)
    col[used[is_stock]] = issuers.get_indexer(issuer_ids[used[is_stock]])
    eq_cls = np.where(kind[used] == "cash", "cash", cls[used])
    col[used[non_eq]] = n_iss + pd.Index(asset_keys).get_indexer(eq_cls[non_eq])
    col[no_data] = origin_col[sec.index[no_data]].to_numpy()
    to_leaf = sparse.csr_matrix((np.ones(len(used)), (used, col[used])), shape=(big_n, len(leaves)))
    res_col = origin_col[sec.index[resid_origins]].to_numpy()
    res_to_leaf = sparse.csr_matrix((np.ones(len(resid_origins)), (resid_origins, res_col)),
                                    shape=(big_n, len(leaves)))
    matrix = (leaf @ to_leaf + residual @ res_to_leaf).tolil()
    for i, s in enumerate(symbols):
        if known[i]:
            continue
        if s in origin_col.index:
            matrix[i, origin_col[s]] = 1.0
        else:
            matrix[i, n_iss + asset_keys.index(user[s])] = 1.0
    return LookThrough(symbols=symbols, matrix=matrix.tocsr(), securities=leaf, leaves=leaves,
                       snapshot=snapshot)


def _reason(origin: str, snapshot: Snapshot, unknown: list[str]) -> str:
    if origin in unknown:
        close = difflib.get_close_matches(origin, snapshot.index, n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"unknown symbol: not in the reference data{hint}"
    funds = snapshot.funds
    if origin in funds.index:
        info = funds.loc[origin]
        if info["coverage"] == "top10":
            return f"{origin} publishes only its top 10 holdings (as of {info['as_of']})"
        return f"part of {origin} not itemised in its holdings file (as of {info['as_of']})"
    return f"no holdings data for fund {origin}"

