"""The message of every batch finding: :data:`bubbleguard.rules.MESSAGES`, filled code by code.

Each message reads as ``check``'s for that account alone, in the active language. Weights are
formatted once per distinct rounded value (:func:`~bubbleguard.i18n.format_percents`); advice
that names funds once per currency; the stale-data text once per set of stale funds held.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..i18n import _, format_percents, format_rounded
from ..reference._snapshot import THEMES
from ..rules import (
    MESSAGES,
    THEME_LABELS,
    broad_funds,
    class_name,
    floor_advice,
    stale_funds,
    stale_message,
    unresolved_names,
)

if TYPE_CHECKING:
    from ._book import Book
    from ._engine import _Plan

__all__ = ["messages"]

TOP_UNRESOLVED = 3  # holdings the unresolved_high message names, as check names them


def _fill(template: str, n: int, **fields: Any) -> np.ndarray:
    """``template`` in the active language, formatted with each row of ``fields`` (arrays or scalars).

    Rows whose fields read the same share one text, formatted once.
    """
    text = _(template)
    names = list(fields)
    columns = [np.broadcast_to(np.asarray(v, dtype=object), (n,)) for v in fields.values()]
    key = np.zeros(n, np.int64)
    for column in columns:  # 0, 1, ... per distinct row of texts so far (below n at each step)
        codes, distinct = pd.factorize(column)
        key = pd.factorize(key * len(distinct) + codes)[0]
    first = np.unique(key, return_index=True)[1]  # the first row of each key, in key order
    texts = [text.format(**dict(zip(names, (c[i] for c in columns)))) for i in first]
    return np.array(texts or [""], dtype=object)[key]


def messages(plan: _Plan, book: Book, accounts: pd.DataFrame, f: Mapping[str, np.ndarray],
             codes: tuple[str, ...]) -> np.ndarray:
    """One message per finding of ``f``.

    ``f`` holds parallel arrays: ``row`` (the account's row in ``accounts``), ``code`` (an index
    in ``codes``), ``subject``, ``value``, ``limit`` and ``direct``.
    """
    out = np.empty(len(f["row"]), dtype=object)
    for k in np.unique(f["code"]):
        at = np.flatnonzero(f["code"] == k)
        part = {name: a[at] for name, a in f.items()}
        out[at] = _BY_CODE[codes[k]](plan, book, accounts, part)
    return out


def _p(x: Any, decimals: int = 1) -> Any:
    return format_percents(x, decimals)


def _subjects(plan: _Plan, f: Mapping[str, np.ndarray]) -> np.ndarray:
    return plan.subjects[f["subject"]]


def _per_currency(accounts: pd.DataFrame, rows: np.ndarray, text: Callable[[str], str]) -> np.ndarray:
    """``text(currency)`` for each row's account, computed once per currency."""
    currency = accounts["currency"].to_numpy(object)[rows]
    distinct, inverse = np.unique(currency.astype(str), return_inverse=True)
    return np.array([text(c) for c in distinct], dtype=object)[inverse]


def _issuer(plan: _Plan, book: Book, accounts: pd.DataFrame, f: Mapping[str, np.ndarray]) -> np.ndarray:
    v, direct = f["value"], f["direct"]
    return _fill(MESSAGES["issuer_cap_exceeded"], len(v), issuer=_subjects(plan, f), value=_p(v),
                 direct=_p(direct), via_funds=_p(np.maximum(v - direct, 0.0)),
                 limit=_p(f["limit"], 0))


def _position(plan: _Plan, book: Book, accounts: pd.DataFrame, f: Mapping[str, np.ndarray]) -> np.ndarray:
    return _fill(MESSAGES["position_cap_exceeded"], len(f["row"]), symbol=_subjects(plan, f),
                 value=_p(f["value"]), limit=_p(f["limit"], 0))


def _theme_label(plan: _Plan, f: Mapping[str, np.ndarray]) -> np.ndarray:
    return np.array([_(THEME_LABELS[t]) for t in _subjects(plan, f)], dtype=object)


def _theme(plan: _Plan, book: Book, accounts: pd.DataFrame, f: Mapping[str, np.ndarray]) -> np.ndarray:
    return _fill(MESSAGES["theme_cap_exceeded"], len(f["row"]), value=_p(f["value"]),
                 theme=_theme_label(plan, f), limit=_p(f["limit"], 0))


def _over_market(plan: _Plan, book: Book, accounts: pd.DataFrame,
                 f: Mapping[str, np.ndarray]) -> np.ndarray:
    from ..exposures import market_context

    market = market_context(plan.snapshot)["themes"]
    theme = _subjects(plan, f)
    share = accounts[list(THEMES)].to_numpy()[f["row"], pd.Index(THEMES).get_indexer(pd.Index(theme))]
    return _fill(MESSAGES["theme_over_market_exceeded"], len(theme), share=_p(share),
                 theme=_theme_label(plan, f), points=format_rounded(f["value"], 3, _points),
                 equity=_p(accounts["equity"].to_numpy()[f["row"]], 0),
                 market=_p(np.array([market[t] for t in theme], float)),
                 limit=format_rounded(f["limit"], 2, _whole_points))


def _points(x: float) -> str:
    return f"{x * 100:.1f}"  # as rules.theme_over_market writes it


def _whole_points(x: float) -> str:
    return f"{x * 100:.0f}"


def _top10(plan: _Plan, book: Book, accounts: pd.DataFrame, f: Mapping[str, np.ndarray]) -> np.ndarray:
    return _fill(MESSAGES["top10_cap_exceeded"], len(f["row"]), value=_p(f["value"]),
                 limit=_p(f["limit"], 0))


def _floor(plan: _Plan, book: Book, accounts: pd.DataFrame, f: Mapping[str, np.ndarray]) -> np.ndarray:
    cls = _subjects(plan, f)
    currency = accounts["currency"].to_numpy(object)[f["row"]].astype(str)
    pairs = pd.MultiIndex.from_arrays([currency, cls.astype(str)])
    codes, distinct = pairs.factorize()
    advice = np.array([floor_advice(plan.snapshot, c, k) for c, k in distinct], dtype=object)
    return _fill(MESSAGES["asset_class_floor_missed"], len(cls),
                 asset_class=[class_name(c) for c in cls], value=_p(f["value"]),
                 floor=_p(f["limit"], 0), advice=advice[codes])


def _class_cap(plan: _Plan, book: Book, accounts: pd.DataFrame, f: Mapping[str, np.ndarray]) -> np.ndarray:
    return _fill(MESSAGES["asset_class_cap_exceeded"], len(f["row"]),
                 asset_class=[class_name(c) for c in _subjects(plan, f)], value=_p(f["value"]),
                 limit=_p(f["limit"], 0))


def _broad(plan: _Plan, book: Book, accounts: pd.DataFrame, f: Mapping[str, np.ndarray]) -> np.ndarray:
    funds = _per_currency(accounts, f["row"], lambda c: broad_funds(plan.snapshot, c))
    return _fill(MESSAGES["no_broad_index_fund"], len(funds), funds=funds)


def _unresolved(plan: _Plan, book: Book, accounts: pd.DataFrame,
                f: Mapping[str, np.ndarray]) -> np.ndarray:
    """The largest unresolved holdings of each account (by weight, then symbol), as check names them."""
    rows = f["row"]
    total = accounts["total_value"].to_numpy()[rows]
    part = sp.csr_matrix(sp.diags(1.0 / total) @ book.values[rows] @ sp.diags(plan.uv))
    part.eliminate_zeros()
    r = np.repeat(np.arange(len(rows)), np.diff(part.indptr))
    symbol = np.asarray(book.symbols, dtype=object)[part.indices]
    order = np.lexsort((symbol.astype(str), -part.data, r))  # rows stay in place: each its own span
    symbol, pct, at = symbol[order], _p(part.data[order]), part.indptr
    names = [unresolved_names(symbol[a:b][:TOP_UNRESOLVED], pct[a:b][:TOP_UNRESOLVED])
             for a, b in zip(at[:-1], at[1:])]
    return _fill(MESSAGES["unresolved_high"], len(rows), value=_p(f["value"]), names=names)


def _unknown(plan: _Plan, book: Book, accounts: pd.DataFrame, f: Mapping[str, np.ndarray]) -> np.ndarray:
    symbol = _subjects(plan, f)
    return _fill(MESSAGES["unknown_symbol"], len(symbol), symbol=symbol, weight=_p(f["value"]),
                 reason=[plan.reasons[s] for s in symbol])


def _stale(plan: _Plan, book: Book, accounts: pd.DataFrame, f: Mapping[str, np.ndarray]) -> np.ndarray:
    """Each account's stale funds in the order it lists them; one text per distinct list."""
    cols = np.flatnonzero(plan.stale)
    days = plan.policy.max_data_age_days
    symbols = [str(s) for s in book.symbols[cols]]
    old = {o[0]: o for o in stale_funds(plan.snapshot.funds, symbols, plan.today, days)}
    first = book.order[f["row"]][:, cols].toarray()  # 1 + a holding's first row; 0 not held
    first[first == 0] = np.inf
    ranked = np.argsort(first, axis=1, kind="stable")
    ranked[np.take_along_axis(first, ranked, axis=1) == np.inf] = -1
    lists, inverse = np.unique(ranked, axis=0, return_inverse=True)
    texts = [stale_message([old[symbols[i]] for i in held if i >= 0], days) for held in lists]
    return np.array(texts, dtype=object)[inverse.ravel()]


def _overlap(plan: _Plan, book: Book, accounts: pd.DataFrame, f: Mapping[str, np.ndarray]) -> np.ndarray:
    a, b = zip(*(plan.pair_names[s] for s in f["subject"])) if len(f["subject"]) else ((), ())
    return _fill(MESSAGES["fund_overlap"], len(a), fund_a=np.array(a, dtype=object),
                 fund_b=np.array(b, dtype=object), overlap=_p(f["value"], 0))


_BY_CODE: dict[str, Callable[[Any, Any, pd.DataFrame, Mapping[str, np.ndarray]], np.ndarray]] = {
    "issuer_cap_exceeded": _issuer, "position_cap_exceeded": _position,
    "theme_cap_exceeded": _theme, "theme_over_market_exceeded": _over_market,
    "top10_cap_exceeded": _top10, "asset_class_floor_missed": _floor,
    "asset_class_cap_exceeded": _class_cap, "no_broad_index_fund": _broad,
    "unresolved_high": _unresolved, "unknown_symbol": _unknown, "data_stale": _stale,
    "fund_overlap": _overlap,
}
