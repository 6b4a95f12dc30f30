"""``check_accounts``: the batch's one entry point for a pandas or a dask DataFrame."""

from __future__ import annotations

import sys
from typing import Any, Literal, overload

import pandas as pd

from ..policy import Policy, load_policy
from ..reference._snapshot import Snapshot
from ._engine import run_batch

__all__ = ["check_accounts", "is_dask_frame"]


def is_dask_frame(frame: object) -> bool:
    """Whether ``frame`` is a dask DataFrame (Dask is not imported to find out)."""
    dd = sys.modules.get("dask.dataframe")
    return dd is not None and isinstance(frame, dd.DataFrame)


@overload
def check_accounts(frame: Any, policy: Policy | None = None, snapshot: Snapshot | None = None, *,
                   findings: Literal[False] = False, **options: Any) -> pd.DataFrame: ...


@overload
def check_accounts(frame: Any, policy: Policy | None = None, snapshot: Snapshot | None = None, *,
                   findings: Literal[True], **options: Any) -> tuple[pd.DataFrame, pd.DataFrame]: ...


def check_accounts(frame: Any, policy: Policy | None = None, snapshot: Snapshot | None = None, *,
                   findings: bool = False, **options: Any) -> Any:
    """One row per account of a long-format book: value, exposures and findings by severity.

    Parameters
    ----------
    frame
        A pandas or dask DataFrame, one row per position: columns ``account``, ``symbol`` and
        ``market_value`` and/or ``quantity`` (with an optional ``price``).
    policy
        Guardrails (default: the balanced profile's).
    snapshot
        Reference data (default: the bundled snapshot).
    findings
        Also return the long table of findings (:data:`FINDING_COLUMNS`: account, code, severity,
        subject, value, limit and ``check``'s message in the active language).
    **options
        Passed to :func:`run_batch` (``today``, ``fund_holdings``, ``chunk_size``, ``workers``),
        or for a dask DataFrame to :func:`bubbleguard.batch._dask.run_dask` (``today``,
        ``fund_holdings``, ``scheduler``).

    Returns
    -------
    DataFrame, or (DataFrame, DataFrame) with ``findings``
        Columns :data:`ACCOUNT_COLUMNS`; every number is the one ``check`` gives that account
        alone (see :mod:`bubbleguard.batch._engine` for the rules covered). A dask book's
        accounts come in account order, each partition checked by the same engine. With
        ``findings``, the findings table too, each account's in ``check``'s order.
    """
    pol = policy if policy is not None else load_policy()
    if is_dask_frame(frame):
        from ._dask import run_dask

        result = run_dask(frame, pol, snapshot, findings=findings, **options)
    else:
        result = run_batch(frame, pol, snapshot, findings=findings, **options)
    return (result.accounts, result.findings) if findings else result.accounts
