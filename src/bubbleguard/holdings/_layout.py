"""The shape of a holdings-file layout, and the reader most layouts share.

A layout follows :class:`BrokerFormat` (the same shape as doc2dash's parser plugins): an ``id``, a
``label``, the header columns it requires, its column aliases, a ``detect()`` that looks at one
candidate header row (and the few lines above it), and an ``extract()`` that turns the tokenised
file into records keyed by the canonical column names listed here. This module holds what every
layout leans on: header normalisation (:func:`norm`), the generic column aliases, the column
mapping that rejects ambiguous duplicates, and :class:`TableFormat`, the one-header,
one-position-per-row reader that skips preambles, totals and footers; :mod:`bubbleguard.holdings._brokers`
defines the actual layouts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ..errors import HoldingsError
from ..i18n import N_, _

__all__ = [
    "AVG_COST", "CANONICAL", "GENERIC_ALIASES", "NUMERIC", "BrokerFormat", "Extract", "Row",
    "TableFormat", "alias_map", "column_map", "list_lines", "missing_columns", "norm",
]

CANONICAL = (
    "symbol", "quantity", "market_value", "price", "currency", "account",
    "cost_basis", "asset_class", "instrument_type", "locked", "name", "description",
)
AVG_COST = "avg_cost"  # internal column: average cost per unit, turned into cost_basis later
NUMERIC = ("quantity", "market_value", "price", "cost_basis", AVG_COST)

Row = tuple[int, list[str]]  # (1-based line number in the file, cells)


def norm(cell: str) -> str:
    """Normalise a header cell for matching: lower case, single spaces, no BOM."""
    return " ".join(cell.replace("\ufeff", "").split()).lower()


def alias_map(table: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Turn ``{canonical: (alias, ...)}`` into ``{normalised alias: canonical}``, in listed order."""
    return {norm(alias): canon for canon, names in table.items() for alias in names}


# Alias order is priority: when a header holds several aliases of one column, the first listed wins.
GENERIC_ALIASES = alias_map({
    "symbol": ("symbol", "ticker", "ticker symbol", "code", "stock code", "security symbol",
               "证券代码", "代码", "股票代码", "基金代码", "代號"),
    "quantity": ("quantity", "shares", "qty", "qty (quantity)", "position", "units", "holdings",
                 "持仓数量", "持有数量", "股票余额", "当前拥股", "当前持仓", "证券数量", "数量"),
    "market_value": ("market_value", "market value", "current value", "mkt val (market value)",
                     "value", "total value", "market value (usd)", "market_val", "市值", "最新市值",
                     "参考市值"),
    "price": ("last price", "price", "nominal_price", "share price", "current price", "close price",
              "mark price", "last", "市价", "现价", "最新价", "当前价"),
    "cost_basis": ("cost_basis", "cost basis total", "cost basis", "total cost", "book cost",
                   "持仓成本", "成本金额"),
    AVG_COST: ("avg_cost", "avg cost", "average cost", "average cost basis", "cost basis per share",
               "cost per share", "avg price", "average price", "cost price", "cost_price",
               "average_buy_price", "成本价", "摊薄成本价", "平均成本", "参考成本价", "买入均价"),
    "account": ("account", "account number", "account name", "account id", "acc_id", "账户", "资金账号"),
    "currency": ("currency", "ccy", "currency code", "币种", "货币"),
    "asset_class": ("asset_class", "asset class"),
    "instrument_type": ("asset type", "security type", "asset category", "instrument type",
                        "security_type", "证券类别", "证券类型"),
    "locked": ("locked",),
    "name": ("name", "investment name", "security name", "证券名称", "名称", "股票名称",
             "基金名称"),
    "description": ("description", "security description"),
})
_WORDS = {"market_value": N_("market value"), "cost_basis": N_("cost basis"),
          AVG_COST: N_("average cost"), "asset_class": N_("asset class"), "symbol": N_("symbol"),
          "quantity": N_("quantity"), "price": N_("price"), "currency": N_("currency"),
          "account": N_("account")}
_CURRENCY_NAMES = {"人民币": "CNY", "rmb": "CNY", "港币": "HKD", "港元": "HKD", "美元": "USD"}
_TOTAL_FULL = re.compile(
    r"^(?:(?:account|positions?|portfolio|grand|sub)[ -]?)?totals?:?$|^pending activit(?:y|ies)$"
    r"|^(?:合计|总计|小计|合計)[:：]?$", re.IGNORECASE)
_TOTAL_START = re.compile(r"^(?:(?:account|positions?|grand|sub)[ -]?)?totals?\b|^(?:合计|总计)",
                          re.IGNORECASE)
_TICKER = re.compile(r"^(?!(?:\S+\s+){4})[\w.\-/^*&:=]{1,40}(?:\s[\w.\-/^*&:=$]+)*$")


@dataclass
class Extract:
    """What a layout read from the file: canonical records plus where each came from."""

    records: list[dict[str, str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> header as written


@runtime_checkable
class BrokerFormat(Protocol):
    """One known file layout (a broker export or the generic CSV).

    Attributes
    ----------
    id
        Short name, as given to ``broker=`` / ``--broker``.
    label
        Human name, used in messages.
    required
        The header columns the layout needs; each tuple lists accepted spellings.
    aliases
        Normalised header name -> canonical column, tried before the generic aliases.
    """

    @property
    def id(self) -> str: ...  # noqa: D102
    @property
    def label(self) -> str: ...  # noqa: D102
    @property
    def required(self) -> tuple[tuple[str, ...], ...]: ...  # noqa: D102
    @property
    def aliases(self) -> Mapping[str, str]: ...  # noqa: D102

    def detect(self, header: Sequence[str], preamble: Sequence[Sequence[str]] = ()) -> bool:
        """Return True when ``header`` is this layout's header row."""
        ...

    def extract(self, rows: Sequence[Row], start: int, source: str) -> Extract:
        """Read the records, given the index in ``rows`` of the detected header row."""
        ...


def missing_columns(fmt: BrokerFormat, header: Sequence[str]) -> list[str]:
    """Name the required columns of ``fmt`` that ``header`` lacks (first spelling of each)."""
    have = {norm(c) for c in header}
    return [group[0] for group in fmt.required if not any(norm(g) in have for g in group)]


def column_map(fmt: BrokerFormat, header: Sequence[str], where: str,
               body: Sequence[Sequence[str]] = ()) -> dict[int, str]:
    """Map header positions to canonical columns.

    A name used twice is fine when at most one of its columns holds distinct data in ``body``
    (Fidelity's customised views repeat empty columns); otherwise it is ambiguous and raises.
    """
    ranked = {k: (0, i, v) for i, (k, v) in enumerate(fmt.aliases.items())}
    for i, (k, v) in enumerate(GENERIC_ALIASES.items()):
        ranked.setdefault(k, (1, i, v))
    keys = [norm(c) for c in header]
    best: dict[str, tuple[tuple[int, int], str]] = {}
    for key in keys:
        if key in ranked:
            tier, order, canon = ranked[key]
            if canon not in best or (tier, order) < best[canon][0]:
                best[canon] = ((tier, order), key)
    cmap: dict[int, str] = {}
    for canon, (_rank, key) in best.items():
        positions = [i for i, k in enumerate(keys) if k == key]
        data = {i: tuple(r[i] if i < len(r) else "" for r in body) for i in positions}
        distinct = {v for v in data.values() if any(v)}
        if len(positions) > 1 and len(distinct) <= 1:
            positions = [next((i for i in positions if any(data[i])), positions[0])]
        if len(positions) > 1:
            name = header[positions[0]]
            raise HoldingsError(
                _("{where}: the header has {n} columns named '{name}', so it is unclear which one holds "
                  "the {what}; rename or delete the extra ones and try again.").format(
                    where=where, n=len(positions), name=name, what=_(_WORDS.get(canon, canon))),
                problems=[f"duplicate column '{name}'"])
        cmap[positions[0]] = canon
    return cmap


def _filled(cells: Sequence[str]) -> list[str]:
    return [c for c in cells if c]


def _trim(keys: list[str]) -> list[str]:
    while keys and not keys[-1]:
        keys = keys[:-1]
    return keys


@dataclass(frozen=True)
class TableFormat:
    """A layout with one header row and one position per row (optionally in account sections)."""

    id: str
    label: str
    required: tuple[tuple[str, ...], ...]
    aliases: Mapping[str, str] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()  # header cells of which one must be present, if any are listed
    title: re.Pattern[str] | None = None  # preamble line that also proves the layout
    sectioned: bool = False  # single-cell label lines before a header name the account

    def detect(self, header: Sequence[str], preamble: Sequence[Sequence[str]] = ()) -> bool:
        """Return True when ``header`` holds every required column (and some evidence)."""
        if missing_columns(self, header):
            return False
        if not self.evidence and self.title is None:
            return True
        have = {norm(c) for c in header}
        if any(norm(e) in have for e in self.evidence):
            return True
        return self.title is not None and any(
            self.title.search(" ".join(r)) for r in preamble)

    def account_from_label(self, label: str) -> str | None:
        """Turn a section label (or title line) into an account name, if it names one."""
        return " ".join(label.split()) or None

    def skip_row(self, cells: Sequence[str], keys: Sequence[str]) -> str | None:
        """Why a row below the header is not a position (``tax-lot detail``…), or None."""
        return None

    def clean(self, record: dict[str, str]) -> dict[str, str]:
        """Fix layout-specific quirks of one record (symbol markers, currency names)."""
        cur = record.get("currency")
        if cur:
            record["currency"] = _CURRENCY_NAMES.get(cur.lower(), cur)
        return record

    def extract(self, rows: Sequence[Row], start: int, source: str) -> Extract:
        """Read rows below the header until the footer, skipping totals and section labels."""
        hline, header = rows[start]
        cmap = column_map(self, header, f"{source} line {hline}", [r for _, r in rows[start + 1:]])
        out = Extract(columns={canon: header[i] for i, canon in cmap.items()})
        keys = _trim([norm(c) for c in header])
        sym = next((i for i, c in cmap.items() if c == "symbol"), None)
        if sym is None:
            raise HoldingsError(
                _("{source} line {line}: the {layout} has no column with the tickers (found: {found}). "
                  "Export it again with its symbol column (a robin_stocks build_holdings() frame keeps its "
                  "tickers in the index: save it with to_csv(index_label='symbol')).").format(
                    source=source, line=hline, layout=self.label,
                    found=", ".join(c for c in header if c) or _("none")))
        account: str | None = None
        labels = [_filled(r) for _, r in rows[:start] if len(_filled(r)) == 1]
        if self.sectioned and labels:
            account = self.account_from_label(labels[-1][0])
        pre = sum(1 for _, r in rows[:start] if _filled(r))
        if pre:
            out.notes.append(_("skipped {n} preamble line(s) before the header on line {line}").format(
                n=pre, line=hline))
        last, blank, label = hline, False, None
        totals: list[int] = []
        no_symbol: list[int] = []
        lost: list[int] = []  # a value without a symbol: never dropped silently
        skipped: dict[str, list[int]] = {}
        for k in range(start + 1, len(rows)):
            line, cells = rows[k]
            filled = _filled(cells)
            if not filled:
                blank = True
                continue
            if sym < len(cells) and norm(cells[sym]) == keys[sym] and \
                    _trim([norm(c) for c in cells]) == keys:  # header again: next account section
                if self.sectioned and label:
                    account = self.account_from_label(label)
                label, blank = None, False
                continue
            if len(filled) == 1 and self._header_follows(rows, k, keys):
                label = filled[0]
                continue
            reason = self.skip_row(cells, keys)
            if reason:
                skipped.setdefault(reason, []).append(line)
                continue
            symbol = cells[sym] if sym < len(cells) else ""
            if _TOTAL_FULL.match(symbol) or (not symbol and _TOTAL_START.match(filled[0])):
                totals.append(line)
                continue
            text_only = len(filled) == 1 and any(ch.isalpha() for ch in filled[0])
            if (blank or text_only) and not _looks_like_position(symbol, cells, cmap):
                rest = sum(1 for _, r in rows[k:] if _filled(r))
                out.notes.append(_("skipped {n} footer line(s) after line {line}").format(n=rest, line=last))
                break
            blank = False
            if not symbol:
                valued = [cells[i] for i, c in cmap.items()
                          if c in ("quantity", "market_value") and i < len(cells) and cells[i]]
                (lost if any(ch.isdigit() for v in valued for ch in v) else no_symbol).append(line)
                continue
            record = {canon: (cells[i] if i < len(cells) else "") for i, canon in cmap.items()}
            if account and not record.get("account"):
                record["account"] = account
            out.records.append(self.clean(record))
            out.lines.append(line)
            last = line
        if lost:
            raise HoldingsError(
                _("{source}: line(s) {lines} hold a quantity or value but no symbol, so that money cannot "
                  "be looked through. Fill in each row's ticker (or 'CASH'), or delete the row if it is not "
                  "a position.").format(source=source, lines=list_lines(lost)),
                problems=[f"line {n}: value without a symbol" for n in lost])
        if totals:
            out.notes.append(_("skipped total/pending row(s) on line(s) {lines}").format(
                lines=list_lines(totals)))
        if no_symbol:
            out.notes.append(_("skipped row(s) without a symbol on line(s) {lines}").format(
                lines=list_lines(no_symbol)))
        for reason, lines in skipped.items():
            out.notes.append(_("skipped {n} {reason} row(s) on line(s) {lines}").format(
                n=len(lines), reason=_(reason), lines=list_lines(lines)))
        return out

    @staticmethod
    def _header_follows(rows: Sequence[Row], k: int, keys: list[str]) -> bool:
        for _line, cells in rows[k + 1:]:
            if _filled(cells):
                return _trim([norm(c) for c in cells]) == keys
        return False


def _looks_like_position(symbol: str, cells: Sequence[str], cmap: Mapping[int, str]) -> bool:
    if not symbol or not _TICKER.match(symbol):
        return False
    if len(_filled(cells)) == 1:
        return " " not in symbol
    values = [cells[i] for i, c in cmap.items() if c in NUMERIC and i < len(cells)]
    return any(ch.isdigit() for v in values for ch in v)


def list_lines(lines: list[int]) -> str:
    """Line numbers for a message: the first eight, then how many more."""
    shown = ", ".join(str(n) for n in lines[:8])
    return shown + (f" and {len(lines) - 8} more" if len(lines) > 8 else "")
