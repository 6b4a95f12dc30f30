"""Look-through conserves value: every row of the matrix sums to 1, fund by fund."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bubbleguard.lookthrough import look_through


def test_every_bundled_fund_held_alone_conserves_value_to_1e_9(snapshot):
    worst = max((abs(look_through([f], snapshot).matrix.sum() - 1.0), f) for f in snapshot.funds.index)
    assert worst[0] <= 1e-9, worst


@pytest.mark.parametrize("fund", ["IJH", "VLUE", "XLC"])
def test_funds_whose_published_weights_add_up_to_a_hair_over_one(snapshot, fund):
    held = snapshot.holdings.loc[snapshot.holdings["fund"] == fund, "weight"].astype(float).sum()
    assert held > 1.0 + 1e-9  # the issuer's own rounding: the reason the row is scaled
    row = look_through([fund], snapshot).matrix[0]
    assert abs(row.sum() - 1.0) <= 1e-12
    assert (row >= 0).all()


def test_a_user_fund_file_a_little_over_one_is_scaled_and_one_under_keeps_a_remainder(tiny):
    extra = pd.DataFrame({"fund": ["OVER", "OVER", "UNDER"], "symbol": ["AAA", "BBB", "AAA"],
                          "weight": [0.6000004, 0.4000004, 0.7]})
    lt = look_through(["OVER", "UNDER"], tiny.with_fund_holdings(extra))
    np.testing.assert_allclose(lt.matrix.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    aaa = lt.leaves.index[lt.leaves["key"] == "AAA"][0]
    assert lt.matrix[0, aaa] == pytest.approx(0.6000004 / 1.0000008, abs=1e-15)
    assert lt.matrix[1, aaa] == pytest.approx(0.7, abs=1e-15)  # 30% stays unresolved


def test_the_did_you_mean_hint_is_difflib_s_answer_over_every_symbol(snapshot):
    import difflib
    import random

    from bubbleguard.lookthrough import _close_symbols

    rng = random.Random(3)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789."
    typos = ["NVDAX", "APPL", "MSTF", "VOOO", "GOOGLL", "BRKB", "A", "BND.X", "ZZZUNKNOWN"]
    typos += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7))) for _ in range(40)]
    for typo in typos:
        assert _close_symbols(typo, snapshot) == difflib.get_close_matches(
            typo, snapshot.index, n=1, cutoff=0.75), typo
    assert _close_symbols("NVDAX", snapshot) == ["NVDA"]
