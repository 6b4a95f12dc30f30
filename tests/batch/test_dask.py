"""The Dask engine: the same engine per partition, on a LocalCluster, equal to the local engine."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from bubbleguard.batch import check_accounts, rebalance_accounts, run_batch
from bubbleguard.policy import load_policy

from .test_engine import random_book
from .test_rebalance import BOOK, UNIVERSE

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
TODAY = dt.date(2026, 8, 3)


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as local:
        yield local.scheduler_address


def in_account_order(frame: pd.DataFrame) -> pd.DataFrame:
    order = frame["account"].astype(str).argsort(kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def test_partitions_on_a_cluster_give_the_local_table_exactly(snapshot, cluster):
    frame = random_book(90, seed=11)
    frame.loc[len(frame)] = ("acct-0003", "VOO", -5.0, float("nan"), float("nan"))  # a note
    frame = frame.sample(frac=1.0, random_state=2).reset_index(drop=True)  # accounts split apart
    local = run_batch(frame, None, snapshot, findings=True, today=TODAY)
    ddf = dd.from_pandas(frame, npartitions=4)
    from bubbleguard.batch._dask import run_dask

    far = run_dask(ddf, load_policy(), snapshot, findings=True, today=TODAY, scheduler=cluster)
    # the same engine per account; sums over an account's instruments may run in another order
    # (a partition numbers its instruments itself), so floats agree to the last few bits
    pd.testing.assert_frame_equal(far.accounts, in_account_order(local.accounts),
                                  check_categorical=False, rtol=1e-12, atol=1e-15)
    assert "left out: a negative quantity" in far.accounts.set_index("account").at["acct-0003", "notes"]
    rank = {a: i for i, a in enumerate(far.accounts["account"])}
    expected = local.findings.iloc[local.findings["account"].map(rank).argsort(kind="stable")]
    pd.testing.assert_frame_equal(far.findings, expected.reset_index(drop=True), rtol=1e-12,
                                  atol=1e-15, check_categorical=False)
    # the library entry point takes the dask DataFrame as it is (Dask's local scheduler here)
    same, found = check_accounts(ddf, snapshot=snapshot, today=TODAY, findings=True)
    pd.testing.assert_frame_equal(same, far.accounts)
    pd.testing.assert_frame_equal(found, far.findings)


def test_a_worker_writes_messages_in_the_caller_s_language(snapshot):
    """A partition carries the language: a worker process of another machine starts in English."""
    from bubbleguard.batch._dask import ROW, _partition
    from bubbleguard.i18n import language

    frame = random_book(6, seed=5)
    part = frame.assign(**{ROW: range(len(frame))})
    far = _partition(part, load_policy(), snapshot, None, TODAY, True, None, "book", "zh")
    with language("zh"):
        here = run_batch(frame, None, snapshot, findings=True, today=TODAY)
    assert far is not None and far.findings is not None and here.findings is not None
    assert far.findings["message"].tolist() == here.findings["message"].tolist()
    assert far.findings["message"].str.contains("组合").any()


def test_rebalance_tasks_on_a_cluster_give_the_local_trades(snapshot, cluster):
    policy = load_policy().override(transaction_cost=0.0)
    local = rebalance_accounts(BOOK, policy, snapshot, universe=UNIVERSE, workers=1)
    far = rebalance_accounts(BOOK, policy, snapshot, universe=UNIVERSE, engine="dask",
                             scheduler=cluster)
    pd.testing.assert_frame_equal(far, local)


def test_an_unreachable_scheduler_is_one_clear_error(snapshot, monkeypatch):
    from bubbleguard import HoldingsError
    from bubbleguard.batch import _dask

    monkeypatch.setattr(_dask, "CONNECT_TIMEOUT", "1s")
    ddf = dd.from_pandas(random_book(3, seed=1), npartitions=1)
    with pytest.raises(HoldingsError, match="Cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        check_accounts(ddf, snapshot=snapshot, scheduler="tcp://127.0.0.1:9")


def test_without_dask_the_engine_is_one_clear_error(monkeypatch):
    import sys

    from bubbleguard import HoldingsError
    from bubbleguard.batch import _dask

    monkeypatch.setitem(sys.modules, "dask.dataframe", None)  # import fails as if not installed
    with pytest.raises(HoldingsError, match=r"pip install 'bubbleguard\[batch\]'"):
        _dask.require()
