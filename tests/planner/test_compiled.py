"""The direct Clarabel path gives what cvxpy's own solve gives, and steps aside when it cannot."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

from bubbleguard import load_policy, load_snapshot
from bubbleguard.planner import Rebalancer
from bubbleguard.planner._compiled import ClarabelProgram
from bubbleguard.planner._problem import assign

SYMBOLS = ["VOO", "QQQ", "SMH", "NVDA", "MSFT", "AAPL", "BND", "AGG", "GLD", "VNQ", "SGOV", "VXUS"]


@pytest.fixture(scope="module")
def rebalancer() -> Rebalancer:
    return Rebalancer(SYMBOLS, load_policy("growth"), snapshot=load_snapshot(), min_trade=0.0)


def _books(n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    books = []
    for _ in range(n):
        values = np.zeros(len(SYMBOLS))
        held = rng.choice(6, size=rng.integers(2, 5), replace=False)  # AI-heavy: stocks and QQQ/SMH
        values[held] = rng.lognormal(9.0, 1.0, len(held))
        books.append(values)
    return books


def test_a_rebalance_solve_goes_through_clarabel_directly(rebalancer: Rebalancer) -> None:
    sol = rebalancer.solve(rebalancer.state(_books(1)[0], cash=0.0))
    assert sol.solver == "CLARABEL"
    programs = [b.program for b in rebalancer._built.values()]
    assert programs and all(isinstance(p, ClarabelProgram) for p in programs)


def test_direct_solves_match_cvxpy_on_every_variable(rebalancer: Rebalancer) -> None:
    rebalancer.solve(rebalancer.state(_books(1)[0], cash=0.0))
    built = next(iter(rebalancer._built.values()))
    program = ClarabelProgram.compile(built.problem, {"direct_solve_method": "qdldl"})
    assert program is not None
    for values in _books(8):
        assign(built, rebalancer.spec, rebalancer.state(values, cash=0.0))
        built.problem.solve(solver="CLARABEL", direct_solve_method="qdldl")
        want = {v.id: np.asarray(v.value) for v in built.problem.variables()}
        objective = built.problem.value
        assert program.solve() == built.problem.status == "optimal"
        # the same optimum; variables agree to the solver's accuracy (ties may move them a little)
        assert built.problem.objective.value == pytest.approx(objective, abs=1e-7)
        for var in built.problem.variables():
            assert np.asarray(var.value).shape == want[var.id].shape
            np.testing.assert_allclose(var.value, want[var.id], atol=1e-4)


def test_an_infeasible_problem_is_reported_as_cvxpy_reports_it() -> None:
    x = cp.Variable(2, nonneg=True)
    floor = cp.Parameter(nonneg=True)
    problem = cp.Problem(cp.Minimize(cp.sum_squares(x) + cp.sum(x)), [cp.sum(x) <= 1, x[0] >= floor])
    program = ClarabelProgram.compile(problem, {})
    assert program is not None
    floor.value = 0.25
    assert program.solve() == "optimal"
    np.testing.assert_allclose(x.value, [0.25, 0.0], atol=1e-7)
    floor.value = 2.0
    assert program.solve() == "infeasible"
    assert x.value is None
    problem.solve(solver="CLARABEL")
    assert problem.status == "infeasible"


def test_a_problem_whose_inversion_is_not_a_selection_is_left_to_cvxpy() -> None:
    x = cp.Variable(3, nonpos=True)  # cvxpy solves for -x: its values come back negated
    target = cp.Parameter(3)
    target.value = np.array([-2.0, 0.5, -0.3])
    problem = cp.Problem(cp.Minimize(cp.sum_squares(x - target)), [x >= -1])
    assert ClarabelProgram.compile(problem, {}) is None


def test_a_symmetric_matrix_variable_is_read_back_whole() -> None:
    y = cp.Variable((2, 2), symmetric=True)
    weight = cp.Parameter()
    weight.value = -2.0
    problem = cp.Problem(cp.Minimize(cp.sum_squares(y - 1) + weight * cp.trace(y)), [y >= 0])
    program = ClarabelProgram.compile(problem, {})
    assert program is not None
    assert program.solve() == "optimal"
    np.testing.assert_allclose(y.value, [[2.0, 1.0], [1.0, 2.0]], atol=1e-6)
