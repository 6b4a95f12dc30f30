"""Each account's largest issuers, exactly, without an accounts × issuers matrix.

A book's instruments reach thousands of issuers, so the accounts × issuers weights of a million
accounts do not fit in memory. What the guardrails need of them is small: the largest issuer,
the sum of the ten largest (``max_top10``) and the issuers above ``max_issuer``. Those come from
a few candidate issuers per instrument, with a bound that proves the answer exact:

* the candidates are the union of each instrument's ``K`` largest issuers;
* an issuer outside them has, in instrument ``j``, at most ``t_j`` (the largest share of a
  non-candidate in ``j``), so its weight in an account is at most ``B = W @ t``;
* when the ``k``-th largest candidate weight and the largest are at least ``B`` and ``B`` is at
  most the threshold, no outside issuer can change the top-``k`` sum, the largest issuer or the
  issuers above the threshold. Accounts where the bound does not prove it go to the next level
  (more candidates), the last level being every issuer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..rules import NOISE

__all__ = ["IssuerWeights", "Largest"]

#: Candidates per instrument at each level before the last (every issuer).
LEVELS = (12, 24, 256)


@dataclass(frozen=True)
class _Level:
    columns: np.ndarray  # candidate issuer columns, ascending (ties go to the lower issuer id)
    matrix: np.ndarray   # instruments × candidates
    bound: np.ndarray    # per instrument: the largest share of an issuer outside the candidates


@dataclass(frozen=True)
class Largest:
    """The largest issuers of some accounts.

    Attributes
    ----------
    top
        Column of each account's largest issuer (-1 when it has no issuer exposure).
    top_weight
        That issuer's weight.
    top_k
        Sum of the ``k`` largest issuer weights.
    over
        ``(account row, issuer column, weight)`` of every issuer above the threshold.
    """

    top: np.ndarray
    top_weight: np.ndarray
    top_k: np.ndarray
    over: tuple[np.ndarray, np.ndarray, np.ndarray]


def _level(mt: np.ndarray, k: int) -> _Level:
    n, m = mt.shape
    if k >= m:
        cols = np.flatnonzero((mt > 0).any(axis=0)) if n else np.zeros(0, int)
        return _Level(cols, np.ascontiguousarray(mt[:, cols]), np.zeros(n))
    top = np.argpartition(-mt, k - 1, axis=1)[:, :k]
    cols = np.unique(top[np.take_along_axis(mt, top, axis=1) > 0])
    outside = np.ones(m, bool)
    outside[cols] = False
    bound = mt[:, outside].max(axis=1) if outside.any() else np.zeros(n)
    return _Level(cols, np.ascontiguousarray(mt[:, cols]), bound)


class IssuerWeights:
    """The largest issuers of accounts given their instrument weights.

    Parameters
    ----------
    mt
        Instruments × issuers look-through shares (the ``max_issuer`` cap's matrix, transposed).
    k
        How many of the largest issuers are summed (10 for ``max_top10``).
    """

    def __init__(self, mt: np.ndarray, k: int = 10) -> None:
        m = mt.shape[1]
        self.k = k
        self.levels = [_level(mt, size) for size in LEVELS if size < m] + [_level(mt, m)]

    @property
    def width(self) -> int:
        """Candidates at the first level (the width of the arrays a chunk allocates)."""
        return len(self.levels[0].columns)

    @property
    def first(self) -> np.ndarray:
        """Instruments × (the first level's candidates, then its bound).

        ``largest`` takes it as ``first`` once multiplied by the weights (in one product with
        others, for speed).
        """
        lv = self.levels[0]
        return np.column_stack([lv.matrix, lv.bound])

    def largest(self, w: np.ndarray | sp.csr_matrix, threshold: float,
                first: np.ndarray | None = None) -> Largest:
        """The largest issuers of the accounts ``w`` (accounts × instruments weights).

        Parameters
        ----------
        w
            Dense or CSR weights, one row per account.
        threshold
            Issuers above this weight are listed in ``over``.
        first
            ``w @ self.first``, when the caller has it.
        """
        r = w.shape[0]
        top = np.full(r, -1)
        top_weight, top_k = np.zeros(r), np.zeros(r)
        over: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        pending = np.arange(r)
        last = len(self.levels) - 1
        for i, lv in enumerate(self.levels):
            if not len(pending):
                break
            wp = w if len(pending) == r else w[pending]
            c = len(lv.columns)
            if i == 0 and first is not None:
                y, bound = first[:, :c], first[:, c]
            else:
                y = np.asarray(wp @ lv.matrix)
                bound = np.asarray(wp @ lv.bound).ravel() if i < last else np.zeros(0)
            if c == 0:
                top_k[pending] = 0.0
                break
            kk = min(self.k, c)
            part = np.partition(y, c - kk, axis=1)  # [:, c - kk] is the kk-th largest
            arg = y.argmax(axis=1)
            mx = np.take_along_axis(y, arg[:, None], axis=1).ravel()
            if i < last:
                kth = part[:, c - kk] if kk == self.k else np.zeros(len(y))
                ok = (kth >= bound) & (mx >= bound) & (bound <= threshold)
                everyone = bool(ok.all())
            else:
                ok, everyone = np.ones(len(y), bool), True
            done = pending if everyone else pending[ok]
            sel = slice(None) if everyone else ok
            top[done] = np.where(mx[sel] > 0, lv.columns[arg[sel]], -1)
            top_weight[done] = mx[sel]
            top_k[done] = part[sel, c - kk:].sum(axis=1)
            hit = y > threshold + NOISE  # as the rule: beyond round-off
            if not everyone:
                hit &= ok[:, None]
            rr, cc = np.divmod(np.flatnonzero(hit), c)  # row-major, as np.nonzero
            over.append((pending[rr], lv.columns[cc], y[rr, cc]))
            pending = pending[~ok]
        joined = tuple(np.concatenate(p) for p in zip(*over)) if over else (
            np.zeros(0, int), np.zeros(0, int), np.zeros(0))
        return Largest(top, top_weight, top_k, (joined[0], joined[1], joined[2]))
