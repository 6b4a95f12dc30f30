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

import json
import math
from dataclasses import dataclass
from datetime import date
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from pydantic import BaseModel

from bubbleguard.errors import DealsError

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "CERTAINTIES",
    "COLUMNS",
    "DEAL_TYPES",
    "Cycle",
    "DealGraph",
    "Dependence",
    "cycles_payload",
    "load_deals",
    "validate_deals",
]

DEAL_TYPES = ("equity_investment", "purchase_commitment", "cloud_contract", "warrants",
              "joint_venture", "financing", "other")
CERTAINTIES = ("confirmed", "reported", "uncertain", "superseded")
DATE_PRECISIONS = ("day", "month", "year", "range")
COLUMNS = ("deal_id", "date", "date_precision", "source_party", "target_party", "source_ticker",
           "target_ticker", "deal_type", "deal_type_raw", "amount_usd", "amount_shared", "units",
           "certainty", "certainty_raw", "description", "sources")
REQUIRED_COLUMNS = ("date", "source_party", "target_party", "deal_type", "amount_usd",
                    "certainty", "sources")
_DATE_FORMATS = {4: ("%Y", "year"), 7: ("%Y-%m", "month"), 10: ("%Y-%m-%d", "day")}
_TRUE, _FALSE = {"true", "1", "yes", "y", "t"}, {"false", "0", "no", "n", "f", ""}


# --------------------------------------------------------------------------- loading
def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT \
        or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def validate_deals(frame: pd.DataFrame, *, origin: str | None = None) -> pd.DataFrame:
    """Check a deal table and return it typed, collecting every problem before failing.

    Parameters
    ----------
    frame
        A deal table with at least the columns in ``REQUIRED_COLUMNS``; ``deal_id``, tickers,
        ``date_precision``, ``amount_shared`` and the free-text columns are optional.
    origin
        The file the frame was read from; problems then cite its line numbers (header = line 1).

    Returns
    -------
    pandas.DataFrame
        Columns ``COLUMNS`` first (any extra columns after them): ``date`` as datetime64,
        ``amount_usd`` as float (NaN when undisclosed), ``amount_shared`` as bool, text elsewhere.

    Raises
    ------
    DealsError
        Missing columns, or rows with an empty party, a self-deal, a bad date, an unknown deal
        type or certainty, a negative or non-numeric amount, no source, or a duplicate id.
    """
    where = origin or "deal table"
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DealsError(f"{where}: missing column(s) {', '.join(missing)}; a deal table needs "
                         f"at least {', '.join(REQUIRED_COLUMNS)}.")
    df = frame.reset_index(drop=True).copy()
    for col in COLUMNS:
        if col not in df.columns:
            df[col] = ""
    def at(i: int) -> str:
        return f"line {i + 2}" if origin else f"row {i}"

    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    for i, rec in enumerate(df.to_dict("records")):
        row = {c: _text(rec[c]) for c in COLUMNS if c not in ("date", "amount_usd")}
        problems += [f"{at(i)}: {msg}" for msg in _row_problems(rec, row)]
        row["deal_id"] = row["deal_id"] or f"L{i + 2}"
        rows.append(row)
    ids = pd.Series([r["deal_id"] for r in rows])
    for dup in sorted(set(ids[ids.duplicated()])):
        where_used = ", ".join(at(i) for i in ids.index[ids == dup])
        problems.append(f"deal_id '{dup}' is used more than once ({where_used}); give each deal "
                        "its own id")
    problems += _ticker_conflicts(rows)
    if problems:
        raise DealsError(f"{where}: {len(problems)} problem(s) in the deal table:\n- "
                         + "\n- ".join(problems))
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["date"] = pd.to_datetime([r["_date"] for r in rows] if rows else [], format="%Y-%m-%d")
    out["amount_usd"] = pd.Series([r["_amount"] for r in rows], dtype="float64")
    out["amount_shared"] = [r["amount_shared"].lower() in _TRUE for r in rows]
    extra = [c for c in df.columns if c not in COLUMNS]
    return pd.concat([out, df[extra]], axis=1) if extra else out


def _row_problems(rec: dict[str, Any], row: dict[str, Any]) -> list[str]:
    """Problems with one row; also stores the parsed date and amount in ``row``."""
    out = []
    for side in ("source_party", "target_party"):
        if not row[side]:
            out.append(f"{side} is empty; write the party's name (e.g. 'NVIDIA' or 'OpenAI')")
    if row["source_party"] and row["source_party"] == row["target_party"]:
        out.append(f"source_party and target_party are both '{row['source_party']}'; a deal is "
                   "a flow between two different parties")
    raw_date = rec["date"]
    text = (raw_date.strftime("%Y-%m-%d") if isinstance(raw_date, date) and not _blank(raw_date)
            else _text(raw_date))
    fmt, precision = _DATE_FORMATS.get(len(text), (None, None))
    try:
        row["_date"] = pd.to_datetime(text, format=fmt).strftime("%Y-%m-%d") if fmt else None
    except ValueError:
        row["_date"] = None
    if row["_date"] is None:
        out.append(f"date '{text}' is not a date; write YYYY-MM-DD (or YYYY-MM / YYYY and the "
                   "first day is used)")
    row["date_precision"] = row["date_precision"] or precision or "day"
    if row["date_precision"] not in DATE_PRECISIONS:
        out.append(f"date_precision '{row['date_precision']}' is not one of "
                   f"{', '.join(DATE_PRECISIONS)}")
    row["_amount"] = float("nan")
    amount = rec["amount_usd"]
    if not _blank(amount):
        try:
            value = float(str(amount).replace(",", "").replace("_", ""))
        except ValueError:
            value = float("nan")
        if not math.isfinite(value):
            out.append(f"amount_usd '{amount}' is not a number; write plain US dollars such as "
                       "5000000000, or leave it empty when the amount was not disclosed")
        elif value < 0:
            out.append(f"amount_usd '{amount}' is negative; write the size of the deal and put "
                       "the payer in source_party (swap the parties if money flows the other way)")
        else:
            row["_amount"] = value
    for col, allowed in (("deal_type", DEAL_TYPES), ("certainty", CERTAINTIES)):
        if row[col] not in allowed:
            out.append(f"{col} '{row[col]}' is not one of {', '.join(allowed)}")
    flag = row["amount_shared"].lower()
    if flag not in _TRUE | _FALSE:
        out.append(f"amount_shared '{row['amount_shared']}' is not true or false")
    sources = [s.strip() for s in row["sources"].split(";") if s.strip()]
    if not sources:
        out.append("sources is empty; give at least one address (URL) that reports the deal")
    row["sources"] = " ; ".join(sources)
    return out


def _ticker_conflicts(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, set[str]] = {}
    for r in rows:
        for side in ("source", "target"):
            if r[f"{side}_party"] and r[f"{side}_ticker"]:
                seen.setdefault(r[f"{side}_party"], set()).add(r[f"{side}_ticker"])
    return [f"party '{p}' has several tickers ({', '.join(sorted(t))}); use one per party"
            for p, t in sorted(seen.items()) if len(t) > 1]


def load_deals(path: str | PathLike[str] | None = None, *,
               certainty: str | tuple[str, ...] | list[str] = ("confirmed", "reported",
                                                                "uncertain"),
               since: str | date | None = None, until: str | date | None = None,
               include_superseded: bool = False) -> pd.DataFrame:
    """Read, validate and filter a deal table.

    Parameters
    ----------
    path
        A CSV with the deal-table columns (see :func:`validate_deals`); ``None`` reads the table
        packaged with bubbleguard (``bubbleguard/data/deals.csv``).
    certainty
        The certainty levels to keep, among ``CERTAINTIES``. The default keeps everything that
        was not superseded.
    since, until
        Keep deals dated on or after ``since`` and on or before ``until`` (ISO strings or dates).
        Deals known only to the month or year are dated on the first day of it.
    include_superseded
        Also keep superseded deals (e.g. a letter of intent replaced by a smaller binding deal).

    Returns
    -------
    pandas.DataFrame
        The validated rows that pass the filters, in file order.

    Raises
    ------
    DealsError
        The file is missing or malformed (every bad row is listed with its line number), or a
        certainty level is unknown.
    """
    if path is None:
        with resources.as_file(resources.files("bubbleguard") / "data" / "deals.csv") as p:
            deals = validate_deals(_read_csv(p), origin="packaged deals.csv")
    else:
        deals = validate_deals(_read_csv(Path(path)), origin=str(path))
    keep = {certainty} if isinstance(certainty, str) else set(certainty)
    unknown = sorted(keep - set(CERTAINTIES))
    if unknown:
        raise DealsError(f"unknown certainty level(s) {', '.join(unknown)}; choose among "
                         f"{', '.join(CERTAINTIES)}.")
    mask = deals["certainty"].isin(keep | ({"superseded"} if include_superseded else set()))
    for bound, keep_if in ((since, deals["date"].__ge__), (until, deals["date"].__le__)):
        if bound is not None:
            try:
                mask &= keep_if(pd.Timestamp(bound))
            except ValueError as exc:
                raise DealsError(f"'{bound}' is not a date; write since/until as YYYY-MM-DD.") \
                    from exc
    return deals[mask].reset_index(drop=True)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DealsError(f"{path}: cannot read the deal table ({exc}); give a UTF-8 CSV file "
                         "with a header row.") from exc


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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (one element of :func:`cycles_payload`'s ``cycles``)."""
        return {"parties": list(self.parties), "tickers": list(self.tickers),
                "deals": [_deal_json(r) for r in self.deals.to_dict("records")]}


class Dependence(BaseModel):
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
        if self.basis == "amount":
            what = f"${self.flow_in_cycle / 1e9:,.1f}B of ${self.flow_total / 1e9:,.1f}B disclosed"
            if self.n_undisclosed:
                what += f"; {self.n_undisclosed} of {self.n_deals} deals have no amount"
        else:
            what = f"{self.n_deals_in_cycle} of {self.n_deals} deals, counted: no amount disclosed"
        circle = ", ".join(p for p in self.component if p != self.party)
        where = f"with its circle of deals ({circle})" if circle else "in no circle of deals"
        return f"{self.party}: {self.score:.0%} of its deal flow ({what}) is {where}."


def _deal_json(r: dict[str, Any]) -> dict[str, Any]:
    amount = r["amount_usd"]
    return {"deal_id": r["deal_id"], "source": r["source_party"], "target": r["target_party"],
            "type": r["deal_type"], "amount_usd": None if pd.isna(amount) else float(amount),
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

    Attributes
    ----------
    deals : pandas.DataFrame
        The validated table.
    graph : networkx.MultiDiGraph
        Nodes carry ``ticker`` and ``listed``; edges are keyed by ``deal_id`` and carry the deal.
    """

    def __init__(self, deals: pd.DataFrame, *, as_of: str | date | None = None) -> None:
        import networkx as nx

        self.deals = validate_deals(deals)
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
    def from_frame(cls, deals: pd.DataFrame, *, as_of: str | date | None = None) -> DealGraph:
        """Build the graph from a deal table (see the class parameters)."""
        return cls(deals, as_of=as_of)

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
        return Cycle(parties, tickers, pd.concat(parts, ignore_index=True))

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
            least one of the party's deals discloses one, else counts.

        Returns
        -------
        Dependence
            The score and its parts; ``explain()`` puts them in a sentence.
        """
        name = self._resolve(party)
        deals = self.party(name)
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

        return json.dumps(nx.node_link_data(self.graph, edges="edges"), ensure_ascii=False)

    def to_graphml(self, path: str | PathLike[str]) -> Path:
        """Write GraphML (empty amounts omitted, sources ' ; '-joined) and return the path."""
        import networkx as nx

        g = self.graph.copy()
        for _, _, attrs in g.edges(data=True):
            attrs["sources"] = " ; ".join(attrs["sources"])
            if attrs["amount_usd"] is None:
                del attrs["amount_usd"]
        nx.write_graphml(g, path)
        return Path(path)

    def to_dot(self) -> str:
        """Graphviz DOT text: listed parties as boxes, edges labelled with type and amount."""
        def q(*lines: str) -> str:
            esc = (s.replace("\\", "\\\\").replace('"', '\\"') for s in lines)
            return '"' + "\\n".join(esc) + '"'

        lines = ["digraph deals {", "  rankdir=LR;", f"  label={q(f'deals as of {self.as_of}')};"]
        for p, a in self.graph.nodes(data=True):
            shape = "box" if a["listed"] else "ellipse"
            lines.append(f"  {q(p)} [label={q(*_label(p, a['ticker']))}, shape={shape}];")
        for u, v, a in self.graph.edges(data=True):
            amount = "" if a["amount_usd"] is None else f" ${a['amount_usd'] / 1e9:g}B"
            lines.append(f"  {q(u)} -> {q(v)} [label={q(a['type'] + amount)}, "
                         f"id={q(a['deal_id'])}, color={q(_TYPE_COLORS[a['type']])}];")
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
            The file written.
        """
        return _draw(self, Path(path), exposure, title)


def _share(weight: float) -> str:
    return "<0.1%" if 0 < weight < 0.0005 else f"{weight:.1%}"


def _label(party: str, ticker: str) -> list[str]:
    return [party, ticker] if ticker and ticker != party else [party]


_TYPE_COLORS = {"equity_investment": "#2ca02c", "purchase_commitment": "#ff7f0e",
                "cloud_contract": "#1f77b4", "warrants": "#9467bd", "joint_venture": "#8c564b",
                "financing": "#e377c2", "other": "#7f7f7f"}


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
def _draw(g: DealGraph, path: Path, exposure: dict[str, float] | None,
          title: str | None) -> Path:
    """Render ``g`` with matplotlib's Agg/SVG canvases (no pyplot, no global backend change)."""
    import networkx as nx
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise DealsError(f"{path}: cannot draw to a '.{fmt}' file; use a .png or .svg path.")
    graph, nodes = g.graph, g.parties
    if exposure is not None:
        weights: dict[str, float] = {}
        for key, w in exposure.items():
            try:
                party = g._resolve(key)
            except DealsError:
                continue  # holdings outside the deal graph have no node to size
            weights[party] = weights.get(party, 0.0) + float(w)
        basis = "node size: your portfolio weight (faded: listed but not held)"
    else:
        weights = {p: sum(a["amount_usd"] or 0.0 for *_, a in graph.in_edges(p, data=True))
                   + sum(a["amount_usd"] or 0.0 for *_, a in graph.out_edges(p, data=True))
                   for p in nodes}
        basis = "node size: disclosed deal flow in + out (USD)"
    top = max(weights.values(), default=0.0) or 1.0
    size = {p: 1000 + 5000 * math.sqrt(max(weights.get(p, 0.0), 0.0) / top) for p in nodes}
    simple = nx.Graph(graph.to_undirected())
    pos = nx.circular_layout(simple) if len(nodes) <= 3 else nx.kamada_kawai_layout(simple)
    cyc = {(u, v) for c in g.components() for u in c for v in c if graph.has_edge(u, v)}

    fig = Figure(figsize=(17, 11), layout="constrained")
    ax = fig.add_subplot()
    ax.set_axis_off()
    ys = [xy[1] for xy in pos.values()]
    if ys and max(ys) - min(ys) < 1e-6:  # two parties side by side: centre them vertically
        ax.set_ylim(min(ys) - 1.0, max(ys) + 1.0)
    groups: dict[tuple[str, str], list[str]] = {}
    for u, v, a in graph.edges(data=True):
        groups.setdefault((u, v), [])
        if a["type"] not in groups[(u, v)]:
            groups[(u, v)].append(a["type"])
    sizes = [size[p] for p in nodes]
    for (u, v), types in groups.items():
        for i, t in enumerate(types):
            on_cycle = (u, v) in cyc
            nx.draw_networkx_edges(
                graph, pos, edgelist=[(u, v)], ax=ax, nodelist=nodes, node_size=sizes,
                edge_color=_TYPE_COLORS[t], width=2.8 if on_cycle else 1.2,
                alpha=0.95 if on_cycle else 0.55, style="solid" if on_cycle else "dashed",
                arrows=True, arrowsize=16 if on_cycle else 11,
                connectionstyle=f"arc3,rad={0.12 + 0.12 * i}")
    listed = [graph.nodes[p]["listed"] for p in nodes]
    held = [exposure is None or p in weights or not graph.nodes[p]["listed"] for p in nodes]
    nx.draw_networkx_nodes(
        graph, pos, nodelist=nodes, node_size=sizes, ax=ax, linewidths=1.5,
        node_color=[_LISTED if is_listed else _PRIVATE for is_listed in listed],
        edgecolors=["#333333" if h else "#aaaaaa" for h in held],
        alpha=[0.95 if h else 0.4 for h in held])
    labels = {p: "\n".join(_label(p, graph.nodes[p]["ticker"]) + (
                  [_share(weights[p])] if exposure is not None and p in weights else []))
              for p in nodes}
    nx.draw_networkx_labels(graph, pos, labels, ax=ax, font_size=9, font_weight="bold",
                            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none",
                                  "alpha": 0.75})
    used = sorted({t for types in groups.values() for t in types}, key=DEAL_TYPES.index)
    handles = [Line2D([], [], color=_TYPE_COLORS[t], lw=2.5, label=t.replace("_", " "))
               for t in used]
    handles += [Line2D([], [], color="#555555", lw=2.8, label="on a cycle (circular deal)"),
                Line2D([], [], color="#555555", lw=1.2, ls="--", alpha=0.6, label="not on a cycle"),
                Line2D([], [], marker="o", ls="", ms=12, mfc=_LISTED, mec="#333333",
                       label="listed (ticker shown)"),
                Line2D([], [], marker="o", ls="", ms=12, mfc=_PRIVATE, mec="#333333",
                       label="private")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9,
              title="arrow = money or commitment: payer → payee", title_fontsize=9)
    ax.set_title(title or f"AI deal graph: {graph.number_of_edges()} deals among {len(nodes)} "
                 f"parties, data as of {g.as_of}\n{basis}", fontsize=13)
    ax.margins(0.06)
    fig.savefig(path, format=fmt, dpi=130)
    return path


_LISTED, _PRIVATE = "#ffd166", "#cfd8dc"
