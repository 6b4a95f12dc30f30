"""Hypothesis strategies shared by the test modules (one place, as the house style asks)."""

from __future__ import annotations

from hypothesis import strategies as st

#: every symbol of the hand-built ``tiny`` snapshot (conftest.py), plus two it does not know
TINY_SYMBOLS = ["AAA", "BBB", "CCC", "GGA", "GGC", "FUND1", "FUND2", "QDII", "BONDF", "EQNOH",
                "CASH", "ZZZ1", "ZZZ2"]
#: the tiny snapshot's symbols a rebalance can hold
PLAN_SYMBOLS = ["AAA", "BBB", "CCC", "GGA", "GGC", "FUND1", "FUND2", "QDII", "BONDF", "CASH"]


def books(symbols: list[str] = TINY_SYMBOLS, *, low: float = 0.01, high: float = 1e7,
          max_size: int = 10) -> st.SearchStrategy[dict[str, float]]:
    """Portfolios as ``{symbol: value}``."""
    return st.dictionaries(st.sampled_from(symbols), st.floats(low, high), min_size=1,
                           max_size=max_size)


@st.composite
def plan_cases(draw: st.DrawFn) -> tuple[dict[str, float], dict, float, list[str]]:
    """A book, policy settings, a cash change and locked symbols for a rebalance."""
    book = draw(books(PLAN_SYMBOLS, low=1.0, high=1e5, max_size=6))
    policy = dict(
        max_issuer=draw(st.floats(0.2, 1.0)), max_top10=draw(st.floats(0.3, 1.0)),
        max_position=draw(st.floats(0.35, 1.0)),
        transaction_cost=draw(st.sampled_from([0.0, 0.001])),
        max_theme={"magnificent7": draw(st.floats(0.1, 1.0)), "ai": draw(st.floats(0.1, 1.0)),
                   "circular_deals": 1.0},
        min_asset_class={"bond": draw(st.floats(0.0, 0.5)), "gold": 0.0}, max_unresolved=1.0,
        max_turnover=draw(st.one_of(st.none(), st.floats(0.05, 1.0))))
    cash = draw(st.one_of(st.just(0.0), st.floats(-0.3, 0.5))) * sum(book.values())
    lock = draw(st.lists(st.sampled_from(sorted(book)), max_size=1))
    return book, policy, cash, lock


_parties = st.sampled_from(["A", "B", "C", "D", "E"])
#: deal edges (source, target, amount or None), no self-deals
deal_edges = st.lists(st.tuples(_parties, _parties, st.one_of(st.none(), st.integers(0, 100)))
                      .filter(lambda e: e[0] != e[1]), min_size=1, max_size=12)

#: money amounts as brokers write them, before formatting
money = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)
