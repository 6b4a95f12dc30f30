"""Known holdings-file layouts: which broker exports are recognised, and their quirks.

Each layout follows :class:`~bubbleguard.holdings.BrokerFormat`. Most are a
:class:`~bubbleguard.holdings.TableFormat` with their own required columns, aliases and
detection evidence, plus a small ``clean()`` for symbol or account quirks (Fidelity, Schwab,
Vanguard, Robinhood, Futu/moomoo, mainland China broker clients); Interactive Brokers statements
have a reader of their own, and the generic CSV is tried last. :mod:`bubbleguard.holdings._files`
decodes the file, picks the layout from :data:`BROKERS` and builds the table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..i18n import N_, _
from ._layout import (
    AVG_COST,
    GENERIC_ALIASES,
    BrokerFormat,
    Extract,
    Row,
    TableFormat,
    alias_map,
    column_map,
    list_lines,
    norm,
)

__all__ = ["BROKERS", "GENERIC", "TRANSACTIONS", "GenericFormat", "IbkrFormat"]

_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
#: Rows a Flex Query writes around each account and section when its markers are on.
_FLEX_MARKERS = frozenset({"BOF", "BOA", "BOS", "EOS", "EOA", "EOF", "MSG"})


class _Fidelity(TableFormat):
    def clean(self, record: dict[str, str]) -> dict[str, str]:
        record["symbol"] = record["symbol"].rstrip("*")  # SPAXX** = money market, USD*** = cash
        return super().clean(record)


class _Schwab(TableFormat):
    def account_from_label(self, label: str) -> str | None:
        # "Positions for account Individual ...123 as of 04:12 PM ET, 2025/06/30" names one;
        # "Positions for All-Accounts as of ..." (or CUSTACCS) heads sections labelled below it.
        label = " ".join(label.split())
        m = self.title.search(label) if self.title else None
        if m is None:
            return label or None
        return None if m.group(1).lower() in {"all-accounts", "custaccs"} else m.group(1)

    def clean(self, record: dict[str, str]) -> dict[str, str]:
        if norm(record["symbol"]) in {"cash & cash investments", "cash and cash investments"}:
            record["symbol"] = "CASH"
        return super().clean(record)


class _Futu(TableFormat):
    def clean(self, record: dict[str, str]) -> dict[str, str]:
        record["symbol"] = re.sub(r"^(?:US|HK|SH|SZ|SG)\.", "", record["symbol"])
        return super().clean(record)


class _MainlandChina(TableFormat):
    def clean(self, record: dict[str, str]) -> dict[str, str]:
        code = record["symbol"]
        if code.isdigit() and len(code) < 6:  # Excel dropped the leading zeros of 000001, 0xxxxx
            record["symbol"] = code.zfill(6)
        return super().clean(record)


class _Etrade(TableFormat):
    """E*TRADE PortfolioDownload.csv: an Account Summary block, then positions with lot rows."""

    def skip_row(self, cells: Sequence[str], keys: Sequence[str]) -> str | None:
        # a lot row carries its purchase date where the symbol goes: "     08/14/2023,304.83,..."
        return N_("tax-lot detail") if cells and _DATE.match(cells[0].strip()) else None

    def extract(self, rows: Sequence[Row], start: int, source: str) -> Extract:
        out = super().extract(rows, start, source)
        account = next((rows[k + 1][1][0] for k in range(start - 1)
                        if rows[k][1][:1] == ["Account"] and rows[k + 1][1]), "")
        for record in out.records:
            record["account"] = record.get("account") or account
        return out


class _IbkrFlex(TableFormat):
    """IBKR Flex Query Open Positions: SUMMARY rows are positions, LOT rows their tax lots."""

    def skip_row(self, cells: Sequence[str], keys: Sequence[str]) -> str | None:
        if cells and cells[0] in _FLEX_MARKERS:
            return N_("Flex section marker")
        level = keys.index("levelofdetail") if "levelofdetail" in keys else None
        if level is not None and level < len(cells) and cells[level].upper() not in ("", "SUMMARY"):
            return N_("tax-lot detail")
        return None


class GenericFormat(TableFormat):
    """Any CSV whose header names a symbol column and a quantity or market-value column."""

    def detect(self, header: Sequence[str], preamble: Sequence[Sequence[str]] = ()) -> bool:
        """Return True when the header has a symbol alias and a quantity or value alias."""
        found = {GENERIC_ALIASES.get(norm(c)) for c in header}
        return "symbol" in found and bool(found & {"quantity", "market_value"})


@dataclass(frozen=True)
class IbkrFormat:
    """Interactive Brokers Activity/Portfolio statement: section-prefixed rows.

    Rows look like ``Open Positions,Header,DataDiscriminator,Asset Category,Currency,Symbol,...``
    and ``Open Positions,Data,Summary,Stocks,USD,NVDA,...``; ``Total``/``SubTotal`` rows and
    ``Lot`` detail rows are dropped, ``Ending Cash`` per currency from the Cash Report becomes a
    ``CASH`` row, and the account comes from an ``Account`` column or ``Account Information``.
    """

    id: str = "ibkr"
    label: str = "Interactive Brokers activity/portfolio statement (CSV)"
    required: tuple[tuple[str, ...], ...] = (
        ("Open Positions",), ("Header",), ("Asset Category",), ("Currency",), ("Symbol",),
        ("Quantity",), ("Value",))
    aliases: Mapping[str, str] = field(default_factory=lambda: alias_map({
        "symbol": ("symbol",), "quantity": ("quantity",), "market_value": ("value",),
        "price": ("close price",), "cost_basis": ("cost basis",), AVG_COST: ("cost price",),
        "currency": ("currency",), "instrument_type": ("asset category",), "account": ("account",),
        "description": ("description",)}))
    sections: tuple[str, ...] = ("open positions", "long open positions", "short open positions")

    def detect(self, header: Sequence[str], preamble: Sequence[Sequence[str]] = ()) -> bool:
        """Return True on a statement's first line or on an ``Open Positions,Header`` row."""
        if len(header) < 3 or header[1] != "Header":
            return False
        return header[0] == "Statement" or norm(header[0]) in self.sections

    def extract(self, rows: Sequence[Row], start: int, source: str) -> Extract:
        """Collect Open Positions summary rows and Cash Report ending balances."""
        out = Extract()
        account, cmap, cash_keys, info_keys = "", {}, [], []
        describe: dict[str, str] = {}
        dropped: list[int] = []
        lots = 0
        disc: int | None = None
        cash: list[tuple[int, dict[str, str]]] = []
        for line, cells in rows[start:]:
            if len(cells) < 3:
                continue
            section, kind, rest = norm(cells[0]), cells[1], cells[2:]
            if section == "account information" and kind == "Data" and rest[0] == "Account":
                account = rest[1] if len(rest) > 1 else ""
            elif section == "financial instrument information":
                if kind == "Header":
                    info_keys = [norm(c) for c in rest]
                elif kind == "Data":
                    d = dict(zip(info_keys, rest, strict=False))
                    describe.setdefault(d.get("symbol", ""), d.get("description", ""))
            elif section == "cash report":
                if kind == "Header":
                    cash_keys = [norm(c) for c in rest]
                elif kind == "Data":
                    d = dict(zip(cash_keys, rest, strict=False))
                    cur = d.get("currency", "")
                    if norm(d.get("currency summary", "")) == "ending cash" and cur and \
                            "summary" not in cur.lower():
                        cash.append((line, {"symbol": "CASH", "currency": cur,
                                            "market_value": d.get("total", ""),
                                            "instrument_type": "Cash"}))
            elif section in self.sections:
                if kind == "Header":
                    cmap = column_map(self, rest, f"{source} line {line}")
                    out.columns.update({c: rest[i] for i, c in cmap.items()})
                    disc = next((i for i, c in enumerate(rest) if norm(c) == "datadiscriminator"),
                                None)
                elif kind == "Data" and cmap:
                    if disc is not None and disc < len(rest) and rest[disc] not in ("Summary", ""):
                        lots += 1
                        continue
                    rec = {c: (rest[i] if i < len(rest) else "") for i, c in cmap.items()}
                    out.records.append(rec)
                    out.lines.append(line)
                elif kind in ("Total", "SubTotal"):
                    dropped.append(line)
        for rec in out.records:
            rec["account"] = rec.get("account") or account
            if not rec.get("description") and describe.get(rec.get("symbol", "")):
                rec["description"] = describe[rec["symbol"]]
        for line, rec in cash:
            rec["account"] = account
            out.records.append(rec)
            out.lines.append(line)
        if dropped:
            out.notes.append(_("skipped Open Positions total row(s) on line(s) {lines}").format(
                lines=list_lines(dropped)))
        if lots:
            out.notes.append(_("skipped {n} tax-lot detail row(s); the Summary rows are used").format(n=lots))
        if cash:
            out.notes.append(_("added {n} cash balance(s) from the Cash Report (Ending Cash per "
                               "currency)").format(n=len(cash)))
        return out


def _fmt(cls: type[TableFormat], id: str, label: str, required: Sequence[Sequence[str]],
         aliases: Mapping[str, Sequence[str]] | None = None, **kw: object) -> TableFormat:
    return cls(id=id, label=label, required=tuple(tuple(g) for g in required),
               aliases=alias_map(aliases or {}), **kw)  # type: ignore[arg-type]


GENERIC = _fmt(GenericFormat, "generic", "Generic CSV (symbol + quantity and/or market value)",
               [("symbol", "ticker", "code"), ("quantity", "market_value", "shares", "value")])

_BUILTIN: list[BrokerFormat] = [
    IbkrFormat(),
    _fmt(_Fidelity, "fidelity", "Fidelity positions export (Portfolio_Positions_*.csv)",
         [("Account Number", "Account Name/Number"), ("Symbol",), ("Description",), ("Quantity",),
          ("Last Price",), ("Current Value",)],
         {"account": ("account number", "account name/number"), "market_value": ("current value",),
          "price": ("last price",), "cost_basis": ("cost basis total", "cost basis"),
          AVG_COST: ("average cost basis", "cost basis per share")}),
    _fmt(TableFormat, "vanguard", "Vanguard download (OfxDownload.csv, holdings section)",
         [("Account Number",), ("Investment Name",), ("Symbol",), ("Shares",), ("Share Price",),
          ("Total Value",)],
         {"account": ("account number",), "name": ("investment name",),
          "market_value": ("total value",), "price": ("share price",)}),
    _fmt(_Schwab, "schwab", "Charles Schwab positions export (*-Positions-*.csv)",
         [("Symbol",), ("Description",), ("Qty (Quantity)", "Quantity"),
          ("Mkt Val (Market Value)", "Market Value")],
         {"quantity": ("qty (quantity)", "quantity"),
          "market_value": ("mkt val (market value)", "market value"),
          "instrument_type": ("security type", "asset type")},
         evidence=("qty (quantity)", "mkt val (market value)", "reinvest?", "reinvest dividends?",
                   "% of acct (% of account)"),
         title=re.compile(r"Positions for (?:account )?(.+?) as of", re.IGNORECASE),
         sectioned=True),
    _fmt(_IbkrFlex, "ibkr_flex", "Interactive Brokers Flex Query, Open Positions (CSV)",
         [("Symbol",), ("Quantity",), ("MarkPrice",), ("PositionValue",)],
         {"market_value": ("positionvalue",), "price": ("markprice",),
          "cost_basis": ("costbasismoney",), "currency": ("currencyprimary", "currency"),
          "account": ("clientaccountid", "accountalias"), "instrument_type": ("assetclass",),
          "name": ("description",)}),
    _fmt(_Etrade, "etrade", "E*TRADE portfolio download (PortfolioDownload.csv)",
         [("Symbol",), ("Last Price $",), ("Quantity",), ("Price Paid $",), ("Value $",)],
         {"market_value": ("value $",), "price": ("last price $",), AVG_COST: ("price paid $",)}),
    _fmt(TableFormat, "robinhood",
         "Robinhood holdings (robin_stocks build_holdings() saved with pandas to_csv)",
         [("average_buy_price",), ("equity",), ("quantity",), ("price",), ("percent_change",)],
         {"symbol": ("", "unnamed: 0", "ticker", "symbol"), "market_value": ("equity",),
          "instrument_type": ("type",), AVG_COST: ("average_buy_price",)}),
    _fmt(_Futu, "futu", "Futu/moomoo 富途牛牛 positions export (持仓)",
         [("代码",), ("名称",), ("持仓数量", "持有数量", "数量"), ("市值",)],
         {"price": ("现价", "市价"), AVG_COST: ("成本价", "摊薄成本价", "平均成本")},
         evidence=("成本价", "摊薄成本价", "平均成本", "可卖数量", "持仓盈亏", "盈亏比例")),
    _fmt(_MainlandChina, "cn_broker",
         "Mainland China broker position export (通达信/同花顺 资金股份, 证券代码…)",
         [("证券代码",), ("证券名称",), ("股票余额", "当前拥股", "当前持仓", "证券数量", "持仓数量"),
          ("市值", "最新市值", "参考市值")],
         {"quantity": ("股票余额", "当前拥股", "当前持仓", "证券数量", "持仓数量")}),
]

BROKERS: dict[str, BrokerFormat] = {f.id: f for f in [*_BUILTIN, GENERIC]}
"""Known layouts by id, in detection order (``generic`` is always tried last)."""


#: Transaction (activity) histories people download by mistake: broker → header cells that mark
#: one. ``check`` reads positions; the message says which export to take instead.
TRANSACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "Fidelity": (("run date", "action", "amount ($)"),
                 "Positions, then Download (Portfolio_Positions_*.csv)"),
    "Charles Schwab": (("date", "action", "fees & comm", "amount"),
                       "Positions, then Export (*-Positions-*.csv)"),
    "Vanguard": (("trade date", "transaction type", "net amount"),
                 "Holdings, then Download (the holdings section of OfxDownload.csv)"),
    "Interactive Brokers": (("trade date", "buy/sell", "tradeprice"),
                            "a Flex Query of Open Positions, or the Activity Statement"),
}
