"""The batch on Dask: the same engine per partition of a dask DataFrame, and solves as tasks.

Imported only for ``engine="dask"`` (``bubbleguard batch --engine dask``): neither ``check``
nor the local batch loads Dask. An account's rows must meet in one partition for its numbers to
be its own, so the book is first shuffled on the account column; the results are then put in
account order (a dask book has no row order to keep once shuffled).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pandas as pd

from ..errors import HoldingsError
from ..i18n import get_language, language
from ..policy import Policy
from ..reference._snapshot import Snapshot
from ._book import account_column
from ._engine import ACCOUNT_COLUMNS, FINDING_COLUMNS, Batch, run_batch

__all__ = ["connect", "map_blocks", "read_dask", "require", "run_dask"]

TEXT_COLUMNS = ("top_issuer", "worst", "codes", "notes")
CONNECT_TIMEOUT = "10s"  # to reach a scheduler
ROW = "__bubbleguard_row__"  # each row's number in the whole book, carried through the shuffle


def require() -> None:
    """Raise a clear error when Dask is not installed."""
    try:
        import dask.dataframe  # noqa: F401
    except ImportError:
        raise HoldingsError("The Dask engine needs Dask: pip install 'bubbleguard[batch]' (dask and "
                            "distributed), or leave out --engine dask.") from None


def connect(scheduler: str | None) -> AbstractContextManager[Any]:
    """A client of the Dask scheduler at ``scheduler`` (None: Dask's own local scheduler)."""
    if scheduler is None:
        return nullcontext()
    try:
        from distributed import Client
    except ImportError:
        raise HoldingsError("--scheduler needs the 'distributed' package: pip install "
                            "'bubbleguard[batch]'.") from None
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise HoldingsError(f"Cannot reach the Dask scheduler at {scheduler} ({exc}). Start one "
                            "(dask scheduler) or leave out --scheduler to run on this machine.") \
            from None


def _compute(client: Any, items: Sequence[Any], scheduler: str) -> list[Any]:
    import dask

    if client is not None:
        return list(client.gather(client.compute(list(items))))
    return list(dask.compute(*items, scheduler=scheduler))


def _partition(part: pd.DataFrame, policy: Policy, snapshot: Snapshot | None,
               fund_holdings: pd.DataFrame | None, today: dt.date, findings: bool,
               fx: Mapping[str, float] | None, where: str, lang: str,
               base_currency: str | None = None) -> Batch | None:
    if part.empty:
        return None
    part = part.sort_values(ROW, kind="stable")  # the book's own row order: the same sums
    rows = part.pop(ROW).to_numpy()
    with language(lang):  # a worker on another machine writes the messages in the caller's language
        return run_batch(part.reset_index(drop=True), policy, snapshot, findings=findings,
                         fund_holdings=fund_holdings, today=today, workers=1, fx=fx, where=where,
                         row_numbers=rows, base_currency=base_currency)


def _number(part: pd.DataFrame, offsets: Sequence[int], partition_info: Any = None) -> pd.DataFrame:
    """The partition with each row's number in the whole book."""
    import numpy as np

    start = offsets[partition_info["number"]] if partition_info else 0
    return part.assign(**{ROW: np.arange(start, start + len(part), dtype=np.int64)})


def run_dask(frame: Any, policy: Policy, snapshot: Snapshot | None = None, *, findings: bool = False,
             fund_holdings: pd.DataFrame | None = None, today: dt.date | None = None,
             scheduler: str | None = None, fx: Mapping[str, float] | None = None,
             where: str = "DataFrame", base_currency: str | None = None) -> Batch:
    """Check a dask DataFrame book: :func:`run_batch` on each partition, results in account order.

    Parameters
    ----------
    frame
        A dask DataFrame, one row per position (the columns :func:`run_batch` reads).
    policy, snapshot, findings, fund_holdings, today, fx, where, base_currency
        As for :func:`run_batch`.
    scheduler
        Address of a running Dask scheduler (default: Dask's local threaded scheduler).
    """
    import dask
    import numpy as np

    account = account_column(list(frame.columns), where)
    day = today or dt.date.today()
    task = dask.delayed(_partition, pure=False)
    with connect(scheduler) as client:
        sizes = _compute(client, [dask.delayed(len)(p) for p in frame.to_delayed()], "threads")
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64).tolist()
        meta = frame._meta.assign(**{ROW: np.zeros(0, np.int64)})
        numbered = frame.map_partitions(_number, offsets, meta=meta)
        shuffled = numbered.shuffle(on=account) if frame.npartitions > 1 else numbered
        lang = get_language()
        parts = [task(p, policy, snapshot, fund_holdings, day, findings, fx, where, lang,
                      base_currency)
                 for p in shuffled.to_delayed()]
        done = [b for b in _compute(client, parts, "threads") if b is not None]
    if not done:
        raise HoldingsError(f"{where}: no positions found. Add one row per position with an account, "
                            "a symbol and a quantity or market_value.")
    accounts = pd.concat([b.accounts for b in done], ignore_index=True)
    if isinstance(accounts["account"].dtype, pd.StringDtype):  # Dask's pyarrow text: pandas' own
        accounts["account"] = accounts["account"].astype(pd.Series([""]).dtype)
    order = accounts["account"].astype(str).argsort(kind="stable")
    accounts = accounts.iloc[order].reset_index(drop=True)
    for col in ("currency", *TEXT_COLUMNS):
        accounts[col] = accounts[col].astype("category")
    out = None
    if findings:
        found = pd.concat([b.findings for b in done if b.findings is not None], ignore_index=True)
        found["account"] = found["account"].astype(accounts["account"].dtype)
        found["message"] = found["message"].astype("category")
        rank = pd.Series(range(len(accounts)), index=accounts["account"])
        found = found.iloc[rank.reindex(found["account"]).to_numpy().argsort(kind="stable")]
        out = found.reset_index(drop=True)[list(FINDING_COLUMNS)]
    notes = list(dict.fromkeys(n for b in done for n in b.notes))
    return Batch(accounts=accounts[list(ACCOUNT_COLUMNS)], findings=out, notes=notes)


def read_dask(path: str, where: str) -> Any:
    """A dask DataFrame of a CSV or Parquet book (account and symbol read as text)."""
    require()
    import dask.dataframe as dd

    try:
        if path.lower().endswith((".parquet", ".pq")):
            return dd.read_parquet(path)
        header = pd.read_csv(path, nrows=0)
        text = {c: str for c in header.columns if str(c).strip().lower() in ("account", "symbol")}
        return dd.read_csv(path, dtype=text, keep_default_na=False, na_values=[""], blocksize="64MB")
    except (ValueError, OSError) as exc:
        what = "a Parquet file" if path.lower().endswith((".parquet", ".pq")) else "a CSV file"
        raise HoldingsError(f"{where}: cannot be read as {what} ({str(exc).splitlines()[0]}). Give a "
                            "CSV or Parquet file with one row per position and the columns account, "
                            "symbol and market_value or quantity.") from None


def map_blocks(func: Callable[..., Any], blocks: Sequence[tuple[Any, ...]],
               scheduler: str | None) -> Iterator[Any]:
    """``func(*block)`` for every block as Dask tasks; their results in order."""
    require()
    import dask

    task = dask.delayed(func, pure=False)
    items = [task(*b) for b in blocks]
    with connect(scheduler) as client:
        if client is None:
            yield from dask.compute(*items, scheduler="processes")
            return
        for future in client.compute(items):  # in order; they run at once on the cluster
            yield client.gather(future)
