"""Text views of the deal graph for ``bubbleguard deals``: the tables, notes and picture title.

Turns a selection of deals (:class:`bubbleguard.deals.Selection`) into sections, each a list
of tables (title, column heads, rows) and the sentences under them: the deal list, the cycles, one
party's deals and dependence, and the holdings' exposure per party. It renders them for the terminal
(rich), as markdown or as CSV in the deal-table columns, and writes the title of the drawn picture.
The command itself, the filters and the graph exports stay in :mod:`bubbleguard.cli.deals`.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..deals._table import short_usd
from ..i18n import N_, _
from ._format import csv_text, label, md, md_document, pct

if TYPE_CHECKING:
    import pandas as pd

    from ..deals._graph import DealGraph
    from ..deals._selection import Selection

__all__ = ["csv", "cycles_view", "exposure_view", "list_view", "markdown", "party_view",
           "picture_title", "terminal"]

_RANK = {"confirmed": 0, "reported": 1, "uncertain": 2, "superseded": 3}
_STYLE = {"confirmed": "green", "reported": "yellow", "uncertain": "red",
          "superseded": "dim"}
_STYLED = ("certainty",)
_MIN = {"amount": 11, "type": 10, "id": 4}
_RIGHT = ("amount", "your weight", "cycles", "dependence")


# --------------------------------------------------------------------------- text helpers
def _money(amount: float | None, shared: bool = False, up_to: bool = False) -> str:
    if amount is None or amount != amount:
        return _("undisclosed (shared)") if shared else _("undisclosed")
    return _("up to {amount}").format(amount=short_usd(amount)) if up_to else short_usd(amount)


def _when(row: dict[Hashable, Any]) -> str:
    day: str = row["date"].date().isoformat()
    return {"month": day[:7], "year": day[:4], "range": _("from {year}").format(year=day[:4])}.get(
        row["date_precision"], day)


#: The deal table's deal types (``deal_type`` with spaces), translated where shown.
DEAL_TYPES = (N_("equity investment"), N_("purchase commitment"), N_("cloud contract"), N_("warrants"),
              N_("joint venture"))


def _type(kind: str) -> str:
    return _(kind.replace("_", " "))


def _pct(x: float) -> str:  # a weight too small for one decimal is not shown as 0.0%
    return "<0.1%" if 0 < x < 0.0005 else pct(x)


def _loop(parties: list[str] | tuple[str, ...]) -> str:
    return " → ".join([*parties, parties[0]])


def _weakest(deals: pd.DataFrame, parties: tuple[str, ...]) -> str:
    """Certainty of a cycle: its least certain edge, an edge being its best-supported deal."""
    ranks = []
    for u, v in zip(parties, parties[1:] + parties[:1], strict=True):
        edge = deals[(deals["source_party"] == u) & (deals["target_party"] == v)]
        ranks.append(min(_RANK[c] for c in edge["certainty"]))
    return next(c for c, r in _RANK.items() if r == max(ranks))


Block = tuple[str, list[str], list[list[str]]]  # title, column heads, rows
Section = tuple[list[Block], list[str]]  # tables, then sentences under them


# --------------------------------------------------------------------------- views
_DEAL_HEAD = [N_("date"), N_("from → to"), N_("type"), N_("amount"), N_("certainty"), N_("id")]


def _deal_rows(deals: pd.DataFrame) -> list[list[str]]:
    return [[_when(r), f"{r['source_party']} → {r['target_party']}", _type(r["deal_type"]),
             _money(r["amount_usd"], r["amount_shared"], r["amount_up_to"]), r["certainty"],
             r["deal_id"]]
            for r in deals.to_dict("records")]


def list_view(sel: Selection) -> list[Block]:
    """The selected deals, oldest first, as one table."""
    rows = _deal_rows(sel.used.sort_values(["date", "deal_id"]))
    return [(_("Deals: {n} among {parties} parties (money flows from → to)").format(
        n=len(rows), parties=sel.graph.graph.number_of_nodes()), _DEAL_HEAD, rows)]


def cycles_view(sel: Selection, cycles: list[Any],
                exposure: dict[str, dict[str, Any]] | None) -> Section:
    """One table per cycle (with the holdings in it, given an exposure), then the circles."""
    blocks: list[Block] = []
    for n, c in enumerate(cycles, 1):
        total = c.flow_usd
        title = (f"{n}. {_loop(c.parties)} · "
                 + (_("no amount disclosed") if total != total
                    else _("disclosed {amount}").format(amount=_money(total)))
                 + " · " + _("weakest link: {certainty}").format(
                     certainty=label(_weakest(c.deals, c.parties))))
        if exposure is not None:
            held = [f"{exposure[p]['ticker']} {_pct(exposure[p]['weight'])}"
                    for p in c.parties if p in exposure]
            title += " · " + _("you hold {holdings}").format(
                holdings=", ".join(held) or _("none of them"))
        blocks.append((title, _DEAL_HEAD, _deal_rows(c.deals)))
    comps = sel.graph.components()
    longest = max((len(c.parties) for c in cycles), default=0)
    notes = [_("{n} cycle(s) of up to {longest} parties; money flows along the arrows.").format(
        n=len(cycles), longest=longest) if cycles else _("No cycle among the selected deals.")]
    notes += [_("Circle of deals {i} (strongly connected component; every deal inside it lies on a "
                "cycle): {parties}.").format(i=i, parties=", ".join(c)) for i, c in enumerate(comps, 1)]
    return blocks, notes


def party_view(sel: Selection, party: str, cycles: list[Any],
               exposure: dict[str, dict[str, Any]] | None) -> Section:
    """One party's deals in and out, then its dependence, cycles and the user's exposure."""
    deals = sel.graph.party(party)
    dep = sel.graph.dependence(party)
    circle = set(dep.component) - {party}
    rows = [[_when(r), ("→ " if r["direction"] == "out" else "← ") + r["counterparty"]
             + (" *" if r["counterparty"] in circle else ""),
             _type(r["deal_type"]), _money(r["amount_usd"], r["amount_shared"], r["amount_up_to"]),
             r["certainty"],
             r["deal_id"]]
            for r in deals.to_dict("records")]
    ticker = sel.graph.graph.nodes[party]["ticker"]
    listed = f" ({ticker})" if ticker else _(", private")
    title = (f"{party}{listed}: "
             + _("{n} deal(s) (→ X: {party} pays or commits to X; ← X: X to {party}; * in its "
                 "circle)").format(n=len(rows), party=party))
    head = [N_("date"), N_("with"), N_("type"), N_("amount"), N_("certainty"), N_("id")]
    notes = [_("Dependence: {explained}").format(explained=dep.explain())]
    if cycles:
        notes.append(_("Cycles through {party}: ").format(party=party)
                     + "; ".join(_loop(c.parties) for c in cycles))
    else:
        notes.append(_("{party} sits on no cycle of the selected deals.").format(party=party))
    if exposure is not None:
        if party in exposure:
            e = exposure[party]
            via = ", ".join(f"{v['symbol']} {_pct(v['weight'])}" for v in e["via"])
            notes.append(_("Your exposure: {weight} of the portfolio").format(weight=_pct(e["weight"]))
                         + (_(" (via {via}).").format(via=via) if via else _(".")))
        elif ticker:
            notes.append(_("Your exposure: none; the portfolio does not hold {ticker}.").format(
                ticker=ticker))
        else:
            notes.append(_("Your exposure: {party} is private; you reach it only through its listed "
                           "counterparties.").format(party=party))
    return [(title, head, rows)], notes


def exposure_view(sel: Selection, exposure: dict[str, dict[str, Any]], holdings: Path,
                  cycles: list[Any]) -> Section:
    """The holdings' look-through weight in each listed party, with its cycles and dependence."""
    rows = []
    for party, e in exposure.items():
        via = ", ".join(f"{v['symbol']} {_pct(v['weight'])}" for v in e["via"][:4])
        n = sum(party in c.parties for c in cycles)
        rows.append([party, e["ticker"], _pct(e["weight"]), via or "—", str(n),
                     f"{sel.graph.dependence(party).score:.0%}"])
    total = sum(e["weight"] for e in exposure.values())
    circled = {p for c in sel.graph.components() for p in c}
    on = sum(e["weight"] for p, e in exposure.items() if p in circled)
    notes = [_("{file}: {total} of the portfolio (look-through) is in listed parties of these deals; "
               "{on_cycles} in parties that sit on a cycle.").format(file=holdings.name, total=_pct(total),
                                                                     on_cycles=_pct(on))]
    head = [N_("party"), N_("ticker"), N_("your weight"), N_("via"), N_("cycles"), N_("dependence")]
    return [(_("Your exposure per party ({file})").format(file=holdings.name), head, rows)], notes


# --------------------------------------------------------------------------- renderers
def terminal(sections: list[Section], footer: list[str]) -> Any:
    """Render the sections and the footer for the terminal, as one rich renderable."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = []
    for blocks, notes in sections:
        for title, head, rows in blocks:
            parts.append(Text(title, style="bold"))  # not a table title: that wraps at its width
            table = Table()
            for h in head:
                table.add_column(_(h), no_wrap=h in ("date", "certainty"), min_width=_MIN.get(h),
                                 overflow="fold" if h == "id" else "ellipsis",
                                 justify="right" if h in _RIGHT else "left")
            for row in rows:
                table.add_row(*(Text(label(v), style=_STYLE.get(v, "")) if h in _STYLED else v
                                for h, v in zip(head, row, strict=True)))
            parts.append(table)
        parts += [Text(n) for n in notes]
    parts += [Text(line, style="dim") for line in footer]
    return Group(*parts)


def markdown(sections: list[Section], footer: list[str]) -> str:
    """Render the sections and the footer as markdown: a heading and a table per block."""
    out: list[str] = []
    for blocks, notes in sections:
        for title, head, rows in blocks:
            out += [f"## {title}", "", "| " + " | ".join(map(_, head)) + " |",
                    "|" + "|".join("---" for _ in head) + "|"]
            out += ["| " + " | ".join(md(v) for v in row) + " |" for row in rows]
            out.append("")
        out += [f"{n}\n" for n in notes]
    out += ["_" + " ".join(footer) + "_", ""]
    return md_document("\n".join(out))


def csv(sel: Selection, view: pd.DataFrame, name: str | None, show_cycles: bool,
        cycles: list[Any]) -> str:
    """Render the selected rows in the deal-table columns (the plain list loads with --deals)."""
    import pandas as pd

    from ..deals._graph import COLUMNS

    first: list[str] = []
    if show_cycles:
        first = ["cycle_no", "cycle"]
        parts = [c.deals.assign(cycle_no=n, cycle=_loop(c.parties))
                 for n, c in enumerate(cycles, 1)]
        view = pd.concat(parts, ignore_index=True) if parts else \
            sel.used.head(0).assign(cycle_no=0, cycle="")
    elif name:
        first = ["direction", "counterparty"]
    return csv_text(view[[*first, *COLUMNS]], float_format="%.0f", date_format="%Y-%m-%d")


def picture_title(sel: Selection, g: DealGraph, what: str, holdings: Path | None) -> str:
    """Title of the drawn picture: what it shows, the deals used and what sizes the nodes."""
    sup = "superseded included" if sel.include_superseded else "superseded excluded"
    dates = (f"; dated {sel.since or '…'} to {sel.until or '…'}" if sel.since or sel.until
             else "")
    size = (f"node size: your look-through weight in {holdings.name} (faded: not held)"
            if holdings else "node size: disclosed deal flow in + out (USD)")
    return (f"AI deal graph{what}: {g.graph.number_of_edges()} deals among "
            f"{g.graph.number_of_nodes()} parties, data as of {sel.as_of}\n"
            f"deals used: {', '.join(sel.certainty)}; {sup}{dates}\n{size}")
