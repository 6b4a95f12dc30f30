"""The largest issuers from candidate levels against every issuer's weight, computed in full."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from bubbleguard.batch import _issuers
from bubbleguard.batch._issuers import IssuerWeights
from bubbleguard.rules import NOISE


def shares(seed: int) -> np.ndarray:
    """Instruments × issuers: broad funds, flat bond-like funds, narrow funds and single stocks."""
    rng = np.random.default_rng(seed)
    m = 400
    rows = []
    for n_held, flat in [(300, False), (250, False), (200, True), (40, False), (25, True)]:
        row = np.zeros(m)
        cols = rng.choice(m, n_held, replace=False)
        row[cols] = rng.random(n_held) if flat else rng.pareto(1.2, n_held) + 1e-3
        rows.append(row / row.sum())
    for issuer in rng.choice(m, 8, replace=False):
        row = np.zeros(m)
        row[issuer] = 1.0
        rows.append(row)
    rows.append(np.zeros(m))  # an instrument without issuers (a bond fund, cash)
    return np.array(rows)


def weights(n_inst: int, n_acc: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    w = rng.random((n_acc, n_inst)) * (rng.random((n_acc, n_inst)) < 0.5)
    w[0] = 0.0  # an account without positions
    w[1] = 0.0
    w[1, -1] = 1.0  # an account without issuers
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w), where=total > 0)


@pytest.mark.parametrize("levels", [(2, 4), (3, 12, 50), (12, 24, 256)])
@pytest.mark.parametrize("threshold", [0.03, 0.08, 0.5])
def test_the_levels_give_what_every_issuer_gives(monkeypatch, levels, threshold):
    monkeypatch.setattr(_issuers, "LEVELS", levels)
    mt = shares(1)
    w = weights(len(mt), 500, 2)
    iw = IssuerWeights(mt)
    assert len(iw.levels) == len([k for k in levels if k < mt.shape[1]]) + 1
    full = w @ mt
    for got in (iw.largest(w, threshold), iw.largest(sp.csr_matrix(w), threshold),
                iw.largest(w, threshold, first=w @ iw.first)):
        has = full.max(axis=1) > 0
        assert np.array_equal(got.top, np.where(has, full.argmax(axis=1), -1))
        assert np.allclose(got.top_weight, full.max(axis=1), rtol=0, atol=1e-15)
        assert np.allclose(got.top_k, -np.sort(-full, axis=1)[:, :10].sum(axis=1), rtol=0,
                           atol=1e-14)
        rows, cols = np.nonzero(full > threshold + NOISE)
        order = np.lexsort((got.over[1], got.over[0]))
        assert np.array_equal(got.over[0][order], rows)
        assert np.array_equal(got.over[1][order], cols)
        assert np.allclose(got.over[2][order], full[rows, cols], rtol=0, atol=1e-15)
