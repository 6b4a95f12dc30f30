"""The deal graph: who invests in, buys from or funds whom among AI companies.

The deal table has one row per directed flow between two parties (listed companies or private
ones such as OpenAI). The direction is the direction of money or of a commitment to pay:
``source_party`` invests in, pays, commits to buy from, lends to or grants equity/warrants to
``target_party``. So "NVIDIA invests in OpenAI" is ``NVIDIA -> OpenAI`` and "OpenAI buys NVIDIA
systems" is ``OpenAI -> NVIDIA``; together they form the two-party "circular deal" the source
articles call the snake eating its tail.

:func:`load_deals` reads and validates the packaged table (or a user's file) and filters it by
certainty and date; :class:`DealGraph` wraps it in a networkx ``MultiDiGraph`` (one edge per deal)
to find cycles, strongly connected components and each party's dependence on them;
:func:`cycles_payload` gives the JSON form of the cycles. networkx and matplotlib are imported only
when a graph is built or drawn.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from .._model import ResultModel
from .._output import json_text, write_atomic
from ..errors import DealsError
from ._table import (
    CERTAINTIES,
    COLUMNS,
    DEAL_TYPES,
    NOT_A_FLOW,
    TYPE_COLORS,
    counts_as_flow,
    load_deals,
    party_label,
    short_usd,
    validate_deals,
)

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "CERTAINTIES",
    "COLUMNS",
    "DEAL_TYPES",
    "Cycle",
    "bundled_graph",
    "DealGraph",
    "Dependence",
    "cycles_payload",
    "load_deals",
    "validate_deals",
]



# --------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class Cycle:
    """One directed cycle of deals.

    Attributes
    ----------
    parties
        The parties in cycle order; money flows from each to the next and from the last back to
        the first. The cycle starts at its best-connected party (most deals, then name).
    tickers
        The parties' tickers, aligned with ``parties`` (``None`` for private parties).
    deals
        Every deal on the cycle's edges, in cycle order then by date.
    """

    parties: tuple[str, ...]
    tickers: tuple[str | None, ...]
    deals: pd.DataFrame
    ceilings: bool = False

    @property
    def flow_usd(self) -> float:
        """Disclosed money flow on the cycle's deals (NaN when none discloses an amount).

        Stake valuations (:data:`NOT_A_FLOW`) are not money moving and are left out; so are
        "up to" ceilings (``amount_up_to``) unless the graph was built with ``ceilings=True``.
        """
        flows = self.deals[counts_as_flow(self.deals, self.ceilings)]
        return float(flows["amount_usd"].sum(min_count=1))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (one element of :func:`cycles_payload`'s ``cycles``)."""
        return {"parties": list(self.parties), "tickers": list(self.tickers),
                "deals": [_deal_json(r) for r in self.deals.to_dict("records")]}


class Dependence(ResultModel):
    """How much of a party's announced deal flow stays inside its own circle of deals.

    ``score = flow_in_cycle / flow_total`` (0 when the party has no flow on that basis).
    """

    party: str
    ticker: str | None
    component: list[str]
    basis: Literal["amount", "count"]
    score: float
    flow_in_cycle: float
    flow_total: float
    n_deals_in_cycle: int
    n_deals: int
    n_undisclosed: int

    def explain(self) -> str:
        """One sentence saying where the score comes from."""
        from ..i18n import _

        if self.basis == "amount":
            what = _("{in_cycle} of {total} disclosed").format(in_cycle=f"${self.flow_in_cycle / 1e9:,.1f}B",
                                                               total=f"${self.flow_total / 1e9:,.1f}B")
            if self.n_undisclosed:
                what += _("; {n} of {deals} deals have no amount").format(n=self.n_undisclosed,
                                                                          deals=self.n_deals)
        else:
            what = _("{n} of {deals} deals, counted: no amount disclosed").format(n=self.n_deals_in_cycle,
                                                                                deals=self.n_deals)
        circle = ", ".join(p for p in self.component if p != self.party)
        where = (_("with its circle of deals ({parties})").format(parties=circle) if circle
                 else _("in no circle of deals"))
        return _("{party}: {score} of its deal flow ({what}) is {where}.").format(
            party=self.party, score=f"{self.score:.0%}", what=what, where=where)


def _deal_json(r: dict[Hashable, Any]) -> dict[str, Any]:
    amount = r["amount_usd"]
    return {"deal_id": r["deal_id"], "source": r["source_party"], "target": r["target_party"],
            "type": r["deal_type"], "amount_usd": None if pd.isna(amount) else float(amount),
            "up_to": bool(r.get("amount_up_to", False)),
            "date": pd.Timestamp(r["date"]).date().isoformat(), "certainty": r["certainty"],
            "sources": [s for s in r["sources"].split(" ; ") if s]}


# --------------------------------------------------------------------------- the graph
class DealGraph:
    """A directed multigraph of deals: parties are nodes, each deal is an edge source -> target.

    Parameters
    ----------
    deals
        A deal table (from :func:`load_deals`, or any frame :func:`validate_deals` accepts).
    as_of
        The data's as-of date for titles; defaults to the latest deal date.
    ceilings
        Count "up to" ceilings (``amount_up_to``) as flows in cycle sums, dependence and the
        picture's node sizes; by default they are shown and left out. Stake valuations are
        never a flow.

    Attributes
    ----------
    deals : pandas.DataFrame
        The validated table.
    graph : networkx.MultiDiGraph
        Nodes carry ``ticker`` and ``listed``; edges are keyed by ``deal_id`` and carry the deal.
    """

    def __init__(self, deals: pd.DataFrame, *, as_of: str | date | None = None,
                 ceilings: bool = False) -> None:
        import networkx as nx

        self.deals = validate_deals(deals)
        self.ceilings = ceilings
        stamp = as_of or (self.deals["date"].max() if len(self.deals) else None)
        self.as_of: date | None = pd.Timestamp(stamp).date() if stamp is not None else None
        tickers: dict[str, str] = {}
        for side in ("source", "target"):
            for party, ticker in zip(self.deals[f"{side}_party"], self.deals[f"{side}_ticker"],
                                     strict=True):
                tickers[party] = tickers.get(party) or ticker
        self.graph: nx.MultiDiGraph = nx.MultiDiGraph(as_of=str(self.as_of))
        for party, ticker in tickers.items():
            self.graph.add_node(party, ticker=ticker, listed=bool(ticker))
        for rec in self.deals.to_dict("records"):
            d = _deal_json(rec)
            self.graph.add_edge(d.pop("source"), d.pop("target"), key=d["deal_id"], **d)
        self._order = {p: (-self.graph.degree(p), p) for p in self.graph}
        self._components: list[list[str]] | None = None

    @classmethod
    def from_frame(cls, deals: pd.DataFrame, *, as_of: str | date | None = None,
                   ceilings: bool = False) -> DealGraph:
        """Build the graph from a deal table (see the class parameters)."""
        return cls(deals, as_of=as_of, ceilings=ceilings)

    def flow_edges(self) -> list[tuple[str, str, dict[str, Any]]]:
        """The edges whose amount is a money flow (see ``ceilings``), as (source, target, deal)."""
        return [(u, v, a) for u, v, a in self.graph.edges(data=True)
                if a["type"] not in NOT_A_FLOW and (self.ceilings or not a["up_to"])]

    @property
    def parties(self) -> list[str]:
        """Every party, best connected first."""
        return sorted(self.graph, key=self._order.__getitem__)

    def listed_parties(self) -> dict[str, str]:
        """Party -> ticker for the parties with a listed share."""
        return {p: self.graph.nodes[p]["ticker"] for p in self.parties
                if self.graph.nodes[p]["listed"]}

    def _resolve(self, name_or_ticker: str) -> str:
        key = name_or_ticker.strip().casefold()
        for p, attrs in self.graph.nodes(data=True):
            if key in (p.casefold(), attrs["ticker"].casefold()):
                return p
        hits = [p for p in self.graph if p.casefold().startswith(key)]
        if len(hits) == 1:
            return hits[0]
        raise DealsError(f"'{name_or_ticker}' is not a party of the deal graph; known parties: "
                         f"{', '.join(self.parties)}.")

    def party(self, name_or_ticker: str) -> pd.DataFrame:
        """One party's deals, both directions.

        Parameters
        ----------
        name_or_ticker
            Party name or ticker, case-insensitive; a unique name prefix also works ("Meta").

        Returns
        -------
        pandas.DataFrame
            The party's rows of :attr:`deals` by date, with ``direction`` ("out" when the party
            is the source, "in" when it is the target) and ``counterparty``.
        """
        p = self._resolve(name_or_ticker)
        d = self.deals[(self.deals["source_party"] == p) | (self.deals["target_party"] == p)]
        out = d["source_party"] == p
        return (d.assign(direction=out.map({True: "out", False: "in"}),
                         counterparty=d["target_party"].where(out, d["source_party"]))
                .sort_values(["date", "deal_id"]).reset_index(drop=True))

    def components(self) -> list[list[str]]:
        """Strongly connected components with more than one party, largest first.

        Every deal between two members of the same component lies on at least one cycle.
        """
        import networkx as nx

        if self._components is None:
            comps = [sorted(c, key=self._order.__getitem__)
                     for c in nx.strongly_connected_components(self.graph) if len(c) > 1]
            self._components = sorted(comps, key=lambda c: (-len(c), self._order[c[0]]))
        return [list(c) for c in self._components]

    def cycles(self, max_length: int = 6) -> list[Cycle]:
        """Find the simple directed cycles of at most ``max_length`` parties, shortest first.

        Parallel deals between the same two parties make one edge of a cycle (all of them are
        listed in :attr:`Cycle.deals`); each cycle appears once, whatever party it starts at.
        """
        import networkx as nx

        if max_length < 2:
            raise DealsError(f"max_length must be at least 2 (a two-party loop), not {max_length}.")
        found: dict[tuple[str, ...], Cycle] = {}
        for nodes in nx.simple_cycles(nx.DiGraph(self.graph), length_bound=max_length):
            start = min(range(len(nodes)), key=lambda i: self._order[nodes[i]])
            parties = tuple(nodes[start:] + nodes[:start])
            if parties not in found:
                found[parties] = self._cycle(parties)
        order = sorted(found, key=lambda c: (len(c), [self._order[p] for p in c]))
        return [found[k] for k in order]

    def _cycle(self, parties: tuple[str, ...]) -> Cycle:
        d = self.deals
        parts = [d[(d["source_party"] == u) & (d["target_party"] == v)].sort_values("date")
                 for u, v in zip(parties, parties[1:] + parties[:1], strict=True)]
        tickers = tuple(self.graph.nodes[p]["ticker"] or None for p in parties)
        return Cycle(parties, tickers, pd.concat(parts, ignore_index=True), self.ceilings)

    def dependence(self, party: str,
                   basis: Literal["auto", "amount", "count"] = "auto") -> Dependence:
        """Share of a party's deal flow that is with its own strongly connected component.

        Parameters
        ----------
        party
            Name or ticker (see :meth:`party`).
        basis
            ``"amount"`` sums disclosed USD amounts (deals without one are left out and counted
            in ``n_undisclosed``); ``"count"`` counts deals; ``"auto"`` uses amounts when at
            least one of the party's deals discloses one, else counts. Stake valuations are no
            flow and are left out on every basis; so are "up to" ceilings unless the graph
            counts them (``ceilings=True``).

        Returns
        -------
        Dependence
            The score and its parts; ``explain()`` puts them in a sentence.
        """
        name = self._resolve(party)
        deals = self.party(name)
        deals = deals[counts_as_flow(deals, self.ceilings)]  # a stake's value is not a flow
        component = next((c for c in self.components() if name in c), [name])
        inside = deals["counterparty"].isin(component)
        amounts = deals["amount_usd"]
        use = basis if basis != "auto" else ("amount" if amounts.notna().any() else "count")
        if use == "amount":
            flow_in, flow_total = float(amounts[inside].sum()), float(amounts.sum())
        else:
            flow_in, flow_total = float(inside.sum()), float(len(deals))
        return Dependence(party=name, ticker=self.graph.nodes[name]["ticker"] or None,
                          component=component, basis=use,
                          score=flow_in / flow_total if flow_total else 0.0,
                          flow_in_cycle=flow_in, flow_total=flow_total,
                          n_deals_in_cycle=int(inside.sum()), n_deals=len(deals),
                          n_undisclosed=int(amounts.isna().sum()))

    def dependence_table(self) -> pd.DataFrame:
        """:meth:`dependence` for every party, highest score first."""
        rows = [self.dependence(p).model_dump() for p in self.parties]
        return (pd.DataFrame(rows, columns=list(Dependence.model_fields))
                .sort_values("score", ascending=False, kind="stable")
                .reset_index(drop=True))

    # ----------------------------------------------------------------------- export
    def to_json(self) -> str:
        """Return the graph as networkx's node-link JSON (nodes, edges, graph attributes)."""
        import networkx as nx

        return json_text(nx.node_link_data(self.graph, edges="edges"), indent=None)

    def to_graphml(self, path: str | PathLike[str]) -> Path:
        """Write :meth:`graphml_text` to ``path`` (atomically) and return the path."""
        write_atomic(path, self.graphml_text().encode("utf-8"), what="path")
        return Path(path)

    def graphml_text(self) -> str:
        """GraphML text (empty amounts omitted, sources ' ; '-joined)."""
        import networkx as nx

        g = self.graph.copy()
        for _source, _target, attrs in g.edges(data=True):
            attrs["sources"] = " ; ".join(attrs["sources"])
            if attrs["amount_usd"] is None:
                del attrs["amount_usd"]
        return "\n".join(nx.generate_graphml(g)) + "\n"

    def to_dot(self) -> str:
        """Graphviz DOT text: listed parties as boxes, edges labelled with type and amount."""
        def q(*lines: str) -> str:
            esc = (s.replace("\\", "\\\\").replace('"', '\\"') for s in lines)
            return '"' + "\\n".join(esc) + '"'

        lines = ["digraph deals {", "  rankdir=LR;", f"  label={q(f'deals as of {self.as_of}')};"]
        for p, a in self.graph.nodes(data=True):
            shape = "box" if a["listed"] else "ellipse"
            lines.append(f"  {q(p)} [label={q(*party_label(p, a['ticker']))}, shape={shape}];")
        for u, v, a in self.graph.edges(data=True):
            amount = ("" if a["amount_usd"] is None
                      else f" {'up to ' if a['up_to'] else ''}{short_usd(a['amount_usd'])}")
            lines.append(f"  {q(u)} -> {q(v)} [label={q(a['type'] + amount)}, "
                         f"id={q(a['deal_id'])}, color={q(TYPE_COLORS[a['type']])}];")
        return "\n".join([*lines, "}"]) + "\n"

    def draw(self, path: str | PathLike[str], exposure: dict[str, float] | None = None, *,
             title: str | None = None) -> Path:
        """Draw the graph to a PNG or SVG file (chosen by the file extension).

        Parameters
        ----------
        path
            Output file ending in ``.png`` or ``.svg``.
        exposure
            Optional ``{party name or ticker: portfolio weight}``; nodes are then sized by it
            (parties absent from it are drawn small and faded). Without it, nodes are sized by
            disclosed deal flow.
        title
            Replaces the default title (which states the data's as-of date).

        Returns
        -------
        pathlib.Path
            The file written (atomically: a failed write leaves no half picture).
        """
        fmt = Path(path).suffix.lower().lstrip(".")
        if fmt not in ("png", "svg"):
            raise DealsError(f"{path}: cannot draw to a '.{fmt}' file; use a .png or .svg path.")
        write_atomic(path, self.picture(fmt, exposure, title=title), what="path")
        return Path(path)

    def picture(self, fmt: str = "svg", exposure: dict[str, float] | None = None, *,
                title: str | None = None) -> bytes:
        """The graph drawn as PNG or SVG bytes (``exposure`` and ``title`` as in :meth:`draw`)."""
        from ..renderers._deal_picture import draw

        return draw(self, fmt, exposure, title)


def bundled_graph(certainty: Sequence[str] = ("confirmed", "reported", "uncertain")) -> DealGraph:
    """The bundled deals of these certainty levels as a graph (``superseded`` adds those deals)."""
    kept = tuple(c for c in certainty if c != "superseded")
    return DealGraph.from_frame(load_deals(certainty=kept, include_superseded="superseded" in certainty))


def cycles_payload(graph: DealGraph, max_length: int = 6) -> dict[str, Any]:
    """Return the cycles as a JSON-ready dict.

    Parameters
    ----------
    graph
        The deal graph.
    max_length
        Longest cycle, in parties.

    Returns
    -------
    dict
        ``{"cycles": [{"parties": [...], "tickers": [...], "deals": [{"deal_id", "source",
        "target", "type", "amount_usd", "date", "certainty", "sources"}, ...]}, ...]}`` with
        ``tickers`` aligned to ``parties`` (``null`` for private parties), ``amount_usd`` null
        when undisclosed and ``sources`` a list of addresses.
    """
    return {"cycles": [c.to_dict() for c in graph.cycles(max_length)]}


# --------------------------------------------------------------------------- drawing
