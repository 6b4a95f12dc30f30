"""The batch engine: every account of a book checked in one pass over one look-through.

The look-through is built once for every instrument the book holds; the accounts are one
accounts × instruments CSR weight matrix ``W``; and each guardrail of
:func:`bubbleguard.guardrails.caps` (the Cap list ``check`` judges with) becomes ``W @ cap.matrix.T``
for a chunk of accounts at a time, so memory stays bounded whatever the number of accounts.

Rules of ``check`` the batch covers, with the same codes, severities, subjects, values, limits
and messages (one account's batch findings are ``check``'s findings for that account alone;
the messages are filled by :mod:`bubbleguard.batch._messages`): ``issuer_cap_exceeded``,
``position_cap_exceeded``, ``theme_cap_exceeded``, ``theme_over_market_exceeded``,
``top10_cap_exceeded``, ``asset_class_floor_missed``, ``asset_class_cap_exceeded``,
``unresolved_high``, ``no_broad_index_fund``, ``unknown_symbol``, ``data_stale`` and
``fund_overlap``. Left out: plugins' rules (a rule is a function of one portfolio's context,
which the batch never builds) and any cap group this engine does not know (it is named in
:attr:`Batch.notes`). Inputs are valued as ``check`` values them (see
:mod:`bubbleguard.batch._book`), each account in its own currency or, when it mixes currencies,
in USD as ``check`` converts it (or every account in ``base_currency``); the batch reads no
user ``asset_class`` column.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .. import plugins
from ..guardrails import caps
from ..lookthrough import look_through
from ..policy import Policy, load_policy
from ..reference._snapshot import ASSET_CLASSES, THEMES, Snapshot, load_snapshot
from ..rules import NOISE, SEVERITIES
from ._book import Book, read_book
from ._issuers import IssuerWeights
from ._messages import messages

__all__ = ["ACCOUNT_COLUMNS", "CODES", "FINDING_COLUMNS", "Batch", "check_book", "one_blas_thread",
           "run_batch"]

#: Finding codes the batch produces, in this order in its arrays.
CODES = ("issuer_cap_exceeded", "position_cap_exceeded", "theme_cap_exceeded",
         "theme_over_market_exceeded", "top10_cap_exceeded",
         "asset_class_floor_missed", "asset_class_cap_exceeded", "unresolved_high",
         "no_broad_index_fund", "unknown_symbol", "data_stale", "fund_overlap")
_CODE = {c: i for i, c in enumerate(CODES)}
INFO, WARNING, ERROR = (SEVERITIES.index(s) for s in ("info", "warning", "error"))
#: policy field → (code, severity; None: error beyond the policy's error margin, else warning;
#: tolerance the rule allows)
RULES: dict[str, tuple[str, int | None, float]] = {
    "max_issuer": ("issuer_cap_exceeded", None, NOISE),
    "max_position": ("position_cap_exceeded", WARNING, NOISE),
    "max_theme": ("theme_cap_exceeded", None, NOISE),
    "max_theme_over_market": ("theme_over_market_exceeded", None, NOISE),
    "max_top10": ("top10_cap_exceeded", None, NOISE),
    "min_asset_class": ("asset_class_floor_missed", WARNING, 1e-9),
    "max_asset_class": ("asset_class_cap_exceeded", WARNING, 1e-9),
    "max_unresolved": ("unresolved_high", WARNING, 0.0),
}
OVERLAP = 0.5  # fund_overlap's threshold, as in rules.fund_overlap
MAX_OVERLAPS = 5
DENSE_MAX = 1024  # up to this many instruments a chunk of weights is multiplied as a dense array
CELLS = 1 << 19   # cells per chunk-sized array (a chunk's arrays stay in the CPU's cache)

ACCOUNT_COLUMNS = ("account", "total_value", "currency", "positions", *THEMES, "top_issuer",
                   "top_issuer_weight", "top10_share", "hhi", "effective_issuers", *ASSET_CLASSES,
                   "unresolved", "errors", "warnings", "infos", "worst", "codes", "notes")
FINDING_COLUMNS = ("account", "code", "severity", "subject", "value", "limit", "message")


@dataclass(frozen=True)
class Batch:
    """What :func:`run_batch` found.

    Attributes
    ----------
    accounts
        One row per account (columns :data:`ACCOUNT_COLUMNS`), in the order of the input.
    findings
        The long table of findings (:data:`FINDING_COLUMNS`), each account's in ``check``'s
        order (worst first, then code); None unless asked for.
    notes
        What applies to the whole book (fund-holdings providers used, cap groups left out).
    """

    accounts: pd.DataFrame
    findings: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    def exit_code(self, fail_on: str = "error") -> int:
        """0 when no account has a finding at or above ``fail_on`` (always for ``never``), else 1."""
        if fail_on == "never":
            return 0
        level = SEVERITIES.index(fail_on)
        columns = ["infos", "warnings", "errors"][level:]
        return int(bool((self.accounts[columns].to_numpy() > 0).any()))


@dataclass
class _Found:
    """Findings of one chunk, as parallel arrays (account row within the chunk)."""

    row: list[np.ndarray] = field(default_factory=list)
    code: list[np.ndarray] = field(default_factory=list)
    severity: list[np.ndarray] = field(default_factory=list)
    subject: list[np.ndarray] = field(default_factory=list)
    value: list[np.ndarray] = field(default_factory=list)
    limit: list[np.ndarray] = field(default_factory=list)
    direct: list[np.ndarray] = field(default_factory=list)  # an issuer's weight held directly

    def add(self, row: np.ndarray, code: str, severity: np.ndarray | int, subject: np.ndarray | int,
            value: np.ndarray | float, limit: float, direct: np.ndarray | float = np.nan) -> None:
        n = len(row)
        if not n:
            return
        self.row.append(row)
        self.code.append(np.full(n, _CODE[code], np.int8))
        self.severity.append(np.broadcast_to(np.asarray(severity, np.int8), (n,)))
        self.subject.append(np.broadcast_to(np.asarray(subject, np.int64), (n,)))
        self.value.append(np.broadcast_to(np.asarray(value, float), (n,)))
        self.limit.append(np.full(n, limit))
        self.direct.append(np.broadcast_to(np.asarray(direct, float), (n,)))

    def arrays(self) -> dict[str, np.ndarray]:
        names = ("row", "code", "severity", "subject", "value", "limit", "direct")
        types = (np.int64, np.int8, np.int8, np.int64, float, float, float)
        return {k: np.concatenate(getattr(self, k)) if getattr(self, k) else np.zeros(0, t)
                for k, t in zip(names, types)}


class _Plan:
    """Everything per instrument the chunks need, computed once from the look-through and caps."""

    def __init__(self, book: Book, snap: Snapshot, policy: Policy, today: dt.date) -> None:
        lt = look_through(book.symbols, snap)
        self.n = n = len(book.symbols)
        self.policy = policy
        self.notes: list[str] = []
        sec = snap.securities.reindex(book.symbols)
        issuers = snap.issuers["issuer"].reindex(lt.issuer_ids)
        names = issuers.fillna(pd.Series(list(lt.issuer_ids), index=lt.issuer_ids)).to_numpy(object)
        subjects: list[Any] = [*names, *book.symbols]
        self.symbol_subject = len(names)

        def subject(text: str) -> int:
            subjects.append(text)
            return len(subjects) - 1

        vec: list[np.ndarray] = []

        def column(v: np.ndarray) -> int:
            vec.append(np.asarray(v, float).ravel())
            return len(vec) - 1

        self.themes = [column(lt.theme_vector(t)) for t in THEMES]
        classes = lt.asset_class_matrix()
        self.classes = [column(classes[c].to_numpy()) for c in ASSET_CLASSES]
        self.uv = lt.unresolved_vector()
        self.unresolved = column(self.uv)
        mt = np.ascontiguousarray(lt.issuer_matrix())  # instruments × issuers
        # for the messages: what is held directly (as check has it), why a leaf is unresolved
        self.stock = np.flatnonzero(sec["kind"].eq("stock").to_numpy())
        self.stock_issuers = mt[self.stock]
        leaves = lt.leaves[lt.leaves["kind"] == "unresolved"]
        self.reasons = dict(zip(leaves["key"], leaves["reason"]))
        self.snapshot, self.today = snap, today
        broad = sec["broad_index"].astype(str).str.lower().eq("true").to_numpy()
        self.broad = column(broad) if policy.require_broad_index else -1
        self.broad_subject = subject("broad_index")
        self.stale = self._stale(book, snap, policy, today)
        self.stale_subject = subject("fund_holdings")
        self.top10_subject = subject("top10")

        self.single: list[tuple[int, str, int | None, float, float, bool, int]] = []
        self.multi: list[tuple[str, np.ndarray | sp.csr_matrix, float, np.ndarray]] = []
        self.issuer_limit, self.top10_limit = np.inf, np.inf
        for cap in caps(lt, policy):
            base, _, key = cap.group.partition(".")
            if base not in RULES:
                self.notes.append(f"the batch does not evaluate the '{cap.group}' guardrail")
                continue
            code, sev, tol = RULES[base]
            if base == "max_issuer":
                self.issuer_limit, mt = cap.limit, np.ascontiguousarray(cap.matrix.T)
            elif base == "max_top10":
                self.top10_limit = cap.limit
            elif len(cap.matrix) == 1:
                label = {"max_unresolved": "unresolved"}.get(base, key)
                self.single.append((column(cap.matrix[0]), code, sev, tol, cap.limit, cap.upper,
                                    subject(label)))
            elif len(cap.matrix):
                rows = book.symbols.get_indexer(pd.Index(list(cap.labels)))
                mat = cap.matrix.T if n <= DENSE_MAX else sp.csr_matrix(cap.matrix.T)
                self.multi.append((code, mat, cap.limit, self.symbol_subject + rows))
        self.issuer_total = column(mt.sum(axis=1))
        self.vec = np.column_stack(vec)
        self.issuers = IssuerWeights(mt)
        self.gram = mt @ mt.T
        # one product per chunk gives the shares, w @ gram and the first issuer candidates
        self.wide = np.column_stack([self.vec, self.gram, self.issuers.first])
        kind = sec["kind"].to_numpy(object)
        self.unknown = np.flatnonzero(pd.isna(kind))
        self._overlaps(book, lt.asset_class_matrix().idxmax(axis=1).to_numpy(), kind, mt, subject)
        self.subjects = np.asarray(subjects, dtype=object)
        self.dense = n <= DENSE_MAX
        width = max(n, self.issuers.width, 1)
        self.chunk = int(np.clip(CELLS // width, 256, 1 << 16))

    @staticmethod
    def _stale(book: Book, snap: Snapshot, policy: Policy, today: dt.date) -> np.ndarray:
        as_of = snap.funds["as_of"].reindex(book.symbols).fillna("").astype(str)
        dates = pd.to_datetime(as_of.where(as_of != ""), errors="coerce")
        age = (pd.Timestamp(today) - dates).dt.days
        return (age > policy.max_data_age_days).fillna(False).to_numpy(float)

    def _overlaps(self, book: Book, cls: np.ndarray, kind: np.ndarray, mt: np.ndarray,
                  subject: Any) -> None:
        """Pairs of the book's equity funds that overlap by at least one half, largest first."""
        funds = np.flatnonzero((kind == "fund") & (cls == "equity"))
        self.funds = funds
        pairs: list[tuple[float, int, int]] = []
        if len(funds) >= 2:
            a, b = np.triu_indices(len(funds), k=1)
            ov = np.minimum(mt[funds[a]], mt[funds[b]]).sum(axis=1)
            keep = ov >= OVERLAP
            names = np.asarray(book.symbols, dtype=str)[funds]
            pairs = sorted(zip(ov[keep], a[keep], b[keep]),  # as check: largest, then by name
                           key=lambda p: (-p[0], *sorted((names[p[1]], names[p[2]]))))
        sym = book.symbols
        named = [sorted((str(sym[funds[i]]), str(sym[funds[j]]))) for _, i, j in pairs]
        self.pairs = [(float(o), int(i), int(j), subject("/".join(n)))
                      for (o, i, j), n in zip(pairs, named, strict=True)]
        self.pair_names = {p[3]: tuple(n) for p, n in zip(self.pairs, named, strict=True)}
        self.pair_overlap = np.array([p[0] for p in self.pairs], float)
        self.pair_a, self.pair_b, self.pair_subject = (np.array([p[k] for p in self.pairs], np.int64)
                                                       for k in (1, 2, 3))


def _rowdot(a: np.ndarray | sp.csr_matrix, b: np.ndarray) -> np.ndarray:
    if isinstance(a, np.ndarray):
        return np.einsum("ij,ij->i", a, b)
    return np.asarray(a.multiply(b).sum(axis=1)).ravel()


def _columns(a: np.ndarray | sp.csr_matrix, cols: np.ndarray) -> np.ndarray:
    return a[:, cols] if isinstance(a, np.ndarray) else a[:, cols].toarray()


def _cells(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of a 2-D mask's true cells, row by row (``np.nonzero``, but faster)."""
    return np.divmod(np.flatnonzero(mask), mask.shape[1])


def _cap_severity(value: np.ndarray, limit: float, margin: float) -> np.ndarray:
    return np.where(value > limit * (1.0 + margin), ERROR, WARNING).astype(np.int8)


def _chunk(plan: _Plan, values: sp.csr_matrix, order: sp.csr_matrix) -> tuple[dict[str, np.ndarray],
                                                                              dict[str, np.ndarray]]:
    """Summaries and findings of one chunk of accounts."""
    pol = plan.policy
    total = np.asarray(values.sum(axis=1)).ravel()
    valid = total > 0
    scale = np.divide(1.0, total, out=np.zeros_like(total), where=valid)
    w: np.ndarray | sp.csr_matrix
    if plan.dense:  # the same products as diag(scale) @ values, without the sparse copy
        w = values.toarray()
        w *= scale[:, None]
        w_sparse = None
    else:
        w = w_sparse = sp.csr_matrix(sp.diags(scale) @ values)
    y = np.asarray(w @ plan.wide)
    nv, ng = plan.vec.shape[1], plan.gram.shape[1]
    s = y[:, :nv]
    big = plan.issuers.largest(w, plan.issuer_limit, first=y[:, nv + ng:])
    issuer_total = s[:, plan.issuer_total]
    square = _rowdot(w, y[:, nv:nv + ng])
    hhi = np.divide(square, issuer_total**2, out=np.zeros_like(square), where=issuer_total > 0)
    found = _Found()

    r, c, v = big.over
    direct = _rowdot(_columns(w[r], plan.stock), plan.stock_issuers[:, c].T) if len(r) else 0.0
    found.add(r, "issuer_cap_exceeded", _cap_severity(v, plan.issuer_limit, pol.error_margin), c, v,
              plan.issuer_limit, direct)
    for code, mat, limit, subjects in plan.multi:
        part = sp.coo_matrix(w_sparse @ mat) if w_sparse is not None and sp.issparse(mat) else None
        if part is not None:
            keep = part.data > limit + NOISE
            r, c, v = part.row[keep], part.col[keep], part.data[keep]
        else:
            y = np.asarray(w @ mat)
            r, c = _cells(y > limit + NOISE)
            v = y[r, c]
        found.add(r, code, WARNING, subjects[c], v, limit)
    for col, code, sev, tol, limit, upper, subj in plan.single:
        v = s[:, col]
        hit = np.flatnonzero(v > limit + tol) if upper else np.flatnonzero(v < limit - tol)
        found.add(hit, code, _cap_severity(v[hit], limit, pol.error_margin) if sev is None else sev,
                  subj, v[hit], limit)
    hit = np.flatnonzero(big.top_k > plan.top10_limit + NOISE)
    found.add(hit, "top10_cap_exceeded", _cap_severity(big.top_k[hit], plan.top10_limit,
                                                       pol.error_margin), plan.top10_subject,
              big.top_k[hit], plan.top10_limit)
    if plan.broad >= 0:
        hit = np.flatnonzero(s[:, plan.broad] == 0.0)
        found.add(hit, "no_broad_index_fund", WARNING, plan.broad_subject, 0.0, np.nan)
    if len(plan.unknown):
        y = _columns(w, plan.unknown)
        r, c = _cells(y > 0)
        found.add(r, "unknown_symbol", INFO, plan.symbol_subject + plan.unknown[c], y[r, c], np.nan)
    hit = np.flatnonzero(np.asarray(order @ plan.stale).ravel() > 0)
    found.add(hit, "data_stale", WARNING, plan.stale_subject, np.nan, np.nan)
    if plan.pairs:
        held = _columns(w, plan.funds) > 0  # funds held at 0% overlap nothing, as in check
        both = held[:, plan.pair_a] & held[:, plan.pair_b]
        many = np.flatnonzero(np.count_nonzero(both, axis=1) > MAX_OVERLAPS)
        both[many] &= np.cumsum(both[many], axis=1) <= MAX_OVERLAPS  # check names the largest
        r, p = _cells(both)  # an account's pairs in the plan's order, largest first
        found.add(r, "fund_overlap", INFO, plan.pair_subject[p], plan.pair_overlap[p], OVERLAP)
    f = found.arrays()
    if not valid.all():
        keep = valid[f["row"]]
        f = {k: a[keep] for k, a in f.items()}
    summary = {"total_value": total, "positions": np.diff(order.indptr), "valid": valid,
               "top": big.top, "top_issuer_weight": big.top_weight, "top10_share": big.top_k,
               "hhi": hhi, "unresolved": s[:, plan.unresolved]}
    for name, col in zip(THEMES, plan.themes):
        summary[name] = s[:, col]
    for name, col in zip(ASSET_CLASSES, plan.classes):
        summary[name] = s[:, col]
    n = len(total)
    counts = np.bincount(f["row"] * 3 + f["severity"], minlength=3 * n).reshape(n, 3)
    worst = np.zeros(n * len(CODES), np.int8)  # per code: 1 + its worst severity, 0 if absent
    cell = f["row"] * len(CODES) + f["code"]
    for level in range(len(SEVERITIES)):  # the worse severities written last
        worst[cell[f["severity"] == level]] = level + 1
    key = worst.reshape(n, len(CODES)) @ _KEY  # exact: every key is below 4 ** len(CODES)
    summary |= {"infos": counts[:, INFO], "warnings": counts[:, WARNING], "errors": counts[:, ERROR],
                "code_key": key.astype(np.int64)}
    return summary, f


_KEY = 4.0 ** np.arange(len(CODES))  # a code's worst severity, as a base-4 digit


def _codes(keys: np.ndarray) -> tuple[list[str], list[str | None]]:
    """Space-separated codes and the worst severity of each distinct per-code severity key."""
    texts, worst = [], []
    for key in keys:
        sev = [(int(key) >> (2 * i)) & 3 for i in range(len(CODES))]
        found = sorted((-s, c) for c, s in zip(CODES, sev) if s)
        texts.append(" ".join(c for _, c in found))
        worst.append(SEVERITIES[-found[0][0] - 1] if found else None)
    return texts, worst


def _spans(n: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, size):
        yield start, min(start + size, n)


def run_batch(frame: pd.DataFrame, policy: Policy | None = None, snapshot: Snapshot | None = None, *,
              findings: bool = False, fund_holdings: pd.DataFrame | None = None,
              today: dt.date | None = None, chunk_size: int | None = None,
              workers: int | None = None, fx: Mapping[str, float] | None = None,
              progress: Callable[[int, int], None] | None = None, where: str = "DataFrame",
              row_numbers: np.ndarray | None = None, base_currency: str | None = None) -> Batch:
    """Check every account of a long-format book in one pass.

    Parameters
    ----------
    frame
        One row per position: columns ``account``, ``symbol`` and ``market_value`` and/or
        ``quantity`` (with an optional ``price``); names matched as in holdings files.
    policy
        Guardrails (default: the balanced profile's).
    snapshot
        Reference data (default: the bundled snapshot).
    findings
        Also return the long table of findings.
    fund_holdings
        Extra or replacement fund holdings (columns fund, symbol, weight), as ``check`` takes.
    today
        Date for the data-age rule (default: today).
    chunk_size
        Accounts per chunk (default: as many as keep each chunk's arrays near 16 MB).
    workers
        Threads that evaluate chunks (default: the CPUs, at most 4).
    fx
        Rates to USD (USD per unit) for accounts that mix currencies (default: the snapshot's
        reference rates; an account mixing a currency without one is not checked).
    progress
        Called with (accounts done, accounts) as chunks finish.
    where
        The source's name, for messages.
    row_numbers
        Each row's number (from 0) in the whole book, for notes, when ``frame`` is a part of it.
    base_currency
        Value every account in this currency (at ``fx``, else the snapshot's reference rates),
        as ``check(..., base_currency=)`` values one portfolio.

    Returns
    -------
    Batch
    """
    snap = snapshot if snapshot is not None else load_snapshot()
    pol = policy if policy is not None else load_policy()
    threads = workers or min(4, os.cpu_count() or 1)
    book = read_book(frame, snap, where, workers=threads, fx=fx, row_numbers=row_numbers,
                     base_currency=base_currency)
    return check_book(book, pol, snap, findings=findings, fund_holdings=fund_holdings, today=today,
                      chunk_size=chunk_size, workers=threads, progress=progress)


def check_book(book: Book, policy: Policy, snapshot: Snapshot, *, findings: bool = False,
               fund_holdings: pd.DataFrame | None = None, today: dt.date | None = None,
               chunk_size: int | None = None, workers: int = 1,
               progress: Callable[[int, int], None] | None = None) -> Batch:
    """:func:`run_batch` on a book already valued by :func:`~bubbleguard.batch.read_book`."""
    pol, threads = policy, workers
    snap, provided = plugins.with_providers(snapshot, list(book.symbols), fund_holdings)
    plan = _Plan(book, snap, pol, today or dt.date.today())
    size = chunk_size or plan.chunk
    spans = list(_spans(len(book.accounts), size))

    n = len(book.accounts)
    table = np.empty((n, len(FLOATS)), order="F")  # the float columns, filled chunk by chunk
    ints = {k: np.zeros(n, np.int64) for k in ("positions", "top", "infos", "warnings", "errors",
                                                "code_key")}
    valid = np.zeros(n, bool)

    def one(span: tuple[int, int]) -> dict[str, np.ndarray] | None:
        lo, hi = span
        summary, found = _chunk(plan, _rows(book.values, lo, hi), _rows(book.order, lo, hi))
        for k, a in summary.items():
            if k in ints:
                ints[k][lo:hi] = a
            elif k == "valid":
                valid[lo:hi] = a
            elif k in FLOATS:
                table[lo:hi, FLOATS.index(k)] = a
        return found if findings else None  # the counts are in the summary

    done = 0

    def tick(span: tuple[int, int]) -> None:
        nonlocal done
        done += span[1] - span[0]
        if progress is not None:
            progress(done, n)

    parts: list[dict[str, np.ndarray] | None] = []
    if threads > 1 and len(spans) > 1:
        with one_blas_thread(), ThreadPoolExecutor(threads) as pool:
            for span, part in zip(spans, pool.map(one, spans)):
                parts.append(part)
                tick(span)
    else:
        for span in spans:
            parts.append(one(span))
            tick(span)
    accounts = _accounts(book, plan, table, ints, valid)
    out = None
    if findings:
        out = _findings(book, plan, [(start, p) for (start, _), p in zip(spans, parts)
                                     if p is not None], accounts)
    return Batch(accounts=accounts, findings=out, notes=[*provided, *book.book_notes, *plan.notes])


def _rows(m: sp.csr_matrix, lo: int, hi: int) -> sp.csr_matrix:
    """Rows ``lo:hi`` of a CSR matrix as a view of its arrays (slicing would copy them)."""
    a, b = m.indptr[lo], m.indptr[hi]
    return sp.csr_matrix((m.data[a:b], m.indices[a:b], m.indptr[lo:hi + 1] - a),
                         shape=(hi - lo, m.shape[1]), copy=False)


def one_blas_thread() -> AbstractContextManager[Any]:
    """BLAS on one thread while the chunk threads (or solver processes) run.

    Each of them on several BLAS threads would oversubscribe the cores: forked solver processes
    ran three to four times slower per account.
    """
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    return threadpool_limits(1, user_api="blas")


#: The account table's float columns, in its order.
FLOATS = ("total_value", *THEMES, "top_issuer_weight", "top10_share", "hhi", "effective_issuers",
          *ASSET_CLASSES, "unresolved")


def _texts(texts: list[Any], inverse: np.ndarray) -> Any:
    """``texts[inverse]`` as a categorical column of texts (None missing).

    One code per account and the few distinct texts once: no Python object per row.
    """
    codes, distinct = pd.factorize(np.asarray(texts, dtype=object), use_na_sentinel=True)
    return pd.Categorical.from_codes(np.asarray(codes)[inverse], categories=pd.Index(distinct, dtype=str))


def _accounts(book: Book, plan: _Plan, table: np.ndarray, ints: dict[str, np.ndarray],
              valid: np.ndarray) -> pd.DataFrame:
    """The account table; ``table`` (the :data:`FLOATS` columns) becomes its float block as is."""
    hhi = table[:, FLOATS.index("hhi")]
    eff = table[:, FLOATS.index("effective_issuers")]
    eff[:] = 0.0
    np.divide(1.0, hhi, out=eff, where=hhi > 0)
    table[~valid, 1:] = np.nan  # all but total_value
    inverse, keys = pd.factorize(ints["code_key"], sort=True)  # hashing: no sort of the rows
    codes, worst = _codes(keys)
    top = ints["top"]
    top_at, names = pd.factorize(np.where(valid & (top >= 0), top, -1), sort=True)
    out = pd.DataFrame(table, columns=list(FLOATS), copy=False)
    out.insert(0, "account", book.accounts)
    out.insert(2, "currency", book.currency if book.currency is not None else
               _texts(["USD"], np.zeros(len(out), np.intp)))
    out.insert(3, "positions", ints["positions"])
    out.insert(4 + len(THEMES), "top_issuer",
               _texts([plan.subjects[i] if i >= 0 else None for i in names], top_at.ravel()))
    for k in ("errors", "warnings", "infos"):
        out[k] = ints[k]
    out["worst"] = _texts(worst, inverse.ravel())
    out["codes"] = _texts(codes, inverse.ravel())
    bad = "the positions are worth nothing in total; not checked"
    if book.notes:
        notes = [list(book.notes.get(i, [])) for i in range(len(book.accounts))]
        for i in np.flatnonzero(~valid):
            notes[i].append(bad)
        out["notes"] = _texts(["; ".join(n) for n in notes], np.arange(len(notes)))
    else:
        out["notes"] = _texts(["", bad], (~valid).astype(np.int64))
    return out


def _findings(book: Book, plan: _Plan, parts: list[tuple[int, dict[str, np.ndarray]]],
              accounts: pd.DataFrame) -> pd.DataFrame:
    f = {k: np.concatenate([p[k] for _, p in parts]) for k in parts[0][1]} if parts else {}
    if not f:
        return pd.DataFrame(columns=list(FINDING_COLUMNS))
    f["row"] = np.concatenate([p["row"] + start for start, p in parts])
    rank = np.argsort(np.argsort(np.asarray(CODES)))  # code id → its alphabetical rank
    order = np.lexsort((-np.nan_to_num(f["value"]), rank[f["code"]], -f["severity"].astype(int),
                        f["row"]))
    f = {k: a[order] for k, a in f.items()}
    at, texts = pd.factorize(messages(plan, book, accounts, f, CODES))
    sev = np.asarray(SEVERITIES, object)
    return pd.DataFrame({
        "account": book.accounts[f["row"]], "code": np.asarray(CODES, object)[f["code"]],
        "severity": sev[f["severity"]], "subject": plan.subjects[f["subject"]],
        "value": f["value"], "limit": f["limit"],
        "message": _texts(list(texts), at)},
        columns=list(FINDING_COLUMNS))
