"""``bubbleguard deals``: list, filter, explain and export the circular-deal graph.

A thin layer over :mod:`bubbleguard.deals`: the filters go to :func:`~bubbleguard.deals.load_deals`,
cycles, dependence scores and exports come from :class:`~bubbleguard.deals.DealGraph`, and the
holdings look-through from :func:`bubbleguard.report.check`. Every view ends with the basis it
was computed on: which certainty levels were used, what was left out and the data's as-of date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import cli
from .options import output_options, show, write

if TYPE_CHECKING:
    import pandas as pd

    from ..deals import DealGraph

FORMATS = ("table", "json", "csv", "markdown", "graphml", "dot", "png", "svg")
LEVELS = ("confirmed", "reported", "uncertain")
_NEEDS_FILE = ("graphml", "png", "svg")
_BY_SUFFIX = {".json": "json", ".csv": "csv", ".md": "markdown", ".graphml": "graphml",
              ".dot": "dot", ".gv": "dot", ".png": "png", ".svg": "svg"}
_RANK = {"confirmed": 0, "reported": 1, "uncertain": 2, "superseded": 3}
_STYLE = {"confirmed": "green", "reported": "yellow", "uncertain": "red",
          "superseded": "dim"}
_STYLED = ("certainty",)
_MIN = {"amount": 11, "type": 10, "id": 4}
_RIGHT = ("amount", "your weight", "cycles", "dependence")


# --------------------------------------------------------------------------- inputs
def _date_bound(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """Parse ``--since``/``--until``: YYYY-MM-DD, YYYY-MM or YYYY (``--until`` ends the period)."""
    if value is None:
        return None
    text = value.strip()
    for fmt, size in (("%Y-%m-%d", 10), ("%Y-%m", 7), ("%Y", 4)):
        if len(text) != size:
            continue
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            break
        if param.name == "until" and size == 7:
            day = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        elif param.name == "until" and size == 4:
            day = day.replace(month=12, day=31)
        return day
    raise click.BadParameter(f"'{value}' is not a date; write YYYY-MM-DD, YYYY-MM or YYYY "
                             "(e.g. 2025-09-22).")


@dataclass
class _Selection:
    """The deals a view is computed on, and what was left out."""

    origin: str
    full: pd.DataFrame
    used: pd.DataFrame
    graph: DealGraph
    certainty: tuple[str, ...]
    include_superseded: bool
    since: dt.date | None
    until: dt.date | None
    as_of: str
    as_of_note: str = ""

    def footer(self) -> list[str]:
        """Sentences stating which deals were used, which were left out, and the data date."""
        counts = self.used["certainty"].value_counts()
        kinds = ", ".join(f"{counts[c]} {c}" for c in (*LEVELS, "superseded") if c in counts)
        lines = [f"Deals used: {len(self.used)} of {len(self.full)} in {self.origin}"
                 + (f" ({kinds})." if kinds else ".")]
        allowed = set(self.certainty) | ({"superseded"} if self.include_superseded else set())
        left = self.full["certainty"].value_counts()
        out = [f"{left[c]} {c}" for c in LEVELS if c not in allowed and c in left]
        if out:
            lines.append(f"Left out by --certainty: {', '.join(out)}.")
        sup = self.full[self.full["certainty"] == "superseded"]["deal_id"].tolist()
        if sup and not self.include_superseded:
            lines.append(f"Superseded deals excluded: {len(sup)} ({', '.join(sup)}); "
                         "--include-superseded adds them.")
        elif sup:
            lines.append(f"Superseded deals included: {len(sup)} ({', '.join(sup)}).")
        if self.since or self.until:
            dated = self.full[self.full["certainty"].isin(allowed)]
            span = f"{self.since or 'the start'} to {self.until or 'the end'}"
            lines.append(f"Dates from {span}: {len(dated) - len(self.used)} deal(s) outside "
                         "them left out.")
        lines.append(f"Data as of {self.as_of}{self.as_of_note}.")
        return lines

    def attrs(self) -> dict[str, Any]:
        """Graph attributes for the JSON and GraphML exports (scalars only, for GraphML)."""
        out: dict[str, Any] = {"as_of": self.as_of, "deals_source": self.origin,
                               "certainty": ",".join(self.certainty),
                               "include_superseded": self.include_superseded}
        out.update({k: str(v) for k, v in (("since", self.since), ("until", self.until)) if v})
        return out


def _select(path: Path | None, certainty: tuple[str, ...], include_superseded: bool,
            since: dt.date | None, until: dt.date | None) -> _Selection:
    from ..deals import DealGraph, load_deals
    from ..errors import DealsError

    try:
        full = load_deals(path, certainty=LEVELS, include_superseded=True)
    except DealsError as exc:  # the library lists problems one a line: make it one paragraph
        text = str(exc)
        listed = ":\n- " in text
        text = " ".join(text.replace(":\n- ", ": ").replace("\n- ", "; ").split())
        text = text.replace(" )", ")")
        raise DealsError(text + (". Fix these rows and run again." if listed else "")) from None
    used = load_deals(path, certainty=certainty, include_superseded=include_superseded,
                      since=since, until=until)
    if path is None:
        manifest = json.loads((files("bubbleguard") / "data" / "manifest.json")
                              .read_text(encoding="utf-8"))
        as_of, origin = str(manifest["as_of"]["deals"]), "the bundled deal table"
    elif not len(full):
        raise DealsError(f"{path}: the deal table has a header but no deals; add one row per "
                         "deal ('bubbleguard deals --format csv' shows the columns).")
    else:
        as_of, origin = full["date"].max().date().isoformat(), str(path)
    note = "" if path is None else f" (the latest deal date in {path})"
    return _Selection(origin, full, used, DealGraph.from_frame(used, as_of=as_of),
                      certainty, include_superseded, since, until, as_of, note)


def _exposure(holdings: Path, graph: DealGraph) -> dict[str, dict[str, Any]]:
    """``{party: {"ticker", "weight", "via"}}`` for the listed parties the holdings reach."""
    from ..report import check

    report = check(holdings)
    via = {c.issuer_id: c.via for c in report.exposures.counterparties}
    out: dict[str, dict[str, Any]] = {}
    for party, ticker in graph.listed_parties().items():
        hit = next((i for i in report.exposures.issuers
                    if ticker == i.issuer_id or ticker in i.symbols), None)
        if hit is not None and hit.weight > 0:
            out[party] = {"ticker": ticker, "weight": hit.weight,
                          "via": via.get(hit.issuer_id, [])}
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["weight"]))


def _resolve(sel: _Selection, name: str) -> str:
    """Return the party's name; say so clearly when the filters removed all its deals."""
    from ..deals import DealGraph
    from ..errors import DealsError

    try:
        return sel.graph.dependence(name).party
    except DealsError:
        full = DealGraph.from_frame(sel.full)
        known = full.dependence(name).party  # raises the "known parties" message if unknown
        raise DealsError(f"{known} has no deal among the ones selected (see --certainty, "
                         f"--since, --until and --include-superseded); it has "
                         f"{len(full.party(known))} deal(s) in {sel.origin}.") from None


# --------------------------------------------------------------------------- text helpers
def _money(amount: float | None, shared: bool = False) -> str:
    if amount is None or amount != amount:
        return "undisclosed (shared)" if shared else "undisclosed"
    if amount >= 1e9:
        return f"${amount / 1e9:,.4g}B"
    if amount >= 1e6:
        return f"${amount / 1e6:,.4g}M"
    return f"${amount:,.0f}"


def _when(row: dict[str, Any]) -> str:
    day: str = row["date"].date().isoformat()
    return {"month": day[:7], "year": day[:4], "range": f"from {day[:4]}"}.get(
        row["date_precision"], day)


def _type(kind: str) -> str:
    return kind.replace("_", " ")


def _pct(x: float) -> str:
    return f"{x:.1%}" if x >= 0.0005 or x == 0 else "<0.1%"


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
_DEAL_HEAD = ["date", "from → to", "type", "amount", "certainty", "id"]


def _deal_rows(deals: pd.DataFrame) -> list[list[str]]:
    return [[_when(r), f"{r['source_party']} → {r['target_party']}", _type(r["deal_type"]),
             _money(r["amount_usd"], r["amount_shared"]), r["certainty"], r["deal_id"]]
            for r in deals.to_dict("records")]


def _list_view(sel: _Selection) -> list[Block]:
    rows = _deal_rows(sel.used.sort_values(["date", "deal_id"]))
    return [(f"Deals: {len(rows)} among {sel.graph.graph.number_of_nodes()} parties "
             "(money flows from → to)", _DEAL_HEAD, rows)]


def _cycles_view(sel: _Selection, cycles: list[Any],
                 exposure: dict[str, dict[str, Any]] | None) -> Section:
    blocks: list[Block] = []
    for n, c in enumerate(cycles, 1):
        total = c.deals["amount_usd"].sum(min_count=1)
        title = (f"{n}. {_loop(c.parties)} · "
                 + ("no amount disclosed" if total != total else f"disclosed {_money(total)}")
                 + f" · weakest link: {_weakest(c.deals, c.parties)}")
        if exposure is not None:
            held = [f"{exposure[p]['ticker']} {_pct(exposure[p]['weight'])}"
                    for p in c.parties if p in exposure]
            title += f" · you hold {', '.join(held) or 'none of them'}"
        blocks.append((title, _DEAL_HEAD, _deal_rows(c.deals)))
    comps = sel.graph.components()
    longest = max((len(c.parties) for c in cycles), default=0)
    notes = [f"{len(cycles)} cycle(s) of up to {longest} parties; money flows along the arrows."
             if cycles else "No cycle among the selected deals."]
    notes += [f"Circle of deals {i} (strongly connected component; every deal inside it lies on "
              f"a cycle): {', '.join(c)}." for i, c in enumerate(comps, 1)]
    return blocks, notes


def _party_view(sel: _Selection, party: str, cycles: list[Any],
                exposure: dict[str, dict[str, Any]] | None) -> Section:
    deals = sel.graph.party(party)
    dep = sel.graph.dependence(party)
    circle = set(dep.component) - {party}
    rows = [[_when(r), ("→ " if r["direction"] == "out" else "← ") + r["counterparty"]
             + (" *" if r["counterparty"] in circle else ""),
             _type(r["deal_type"]), _money(r["amount_usd"], r["amount_shared"]), r["certainty"],
             r["deal_id"]]
            for r in deals.to_dict("records")]
    ticker = sel.graph.graph.nodes[party]["ticker"]
    title = (f"{party}{f' ({ticker})' if ticker else ', private'}: {len(rows)} deal(s) "
             f"(→ X: {party} pays or commits to X; ← X: X to {party}; * in its circle)")
    head = ["date", "with", "type", "amount", "certainty", "id"]
    notes = [f"Dependence: {dep.explain()}"]
    if cycles:
        notes.append(f"Cycles through {party}: " + "; ".join(_loop(c.parties) for c in cycles))
    else:
        notes.append(f"{party} sits on no cycle of the selected deals.")
    if exposure is not None:
        if party in exposure:
            e = exposure[party]
            via = ", ".join(f"{v['symbol']} {_pct(v['weight'])}" for v in e["via"])
            notes.append(f"Your exposure: {_pct(e['weight'])} of the portfolio"
                         + (f" (via {via})." if via else "."))
        elif ticker:
            notes.append(f"Your exposure: none; the portfolio does not hold {ticker}.")
        else:
            notes.append(f"Your exposure: {party} is private; you reach it only through its "
                         "listed counterparties.")
    return [(title, head, rows)], notes


def _exposure_view(sel: _Selection, exposure: dict[str, dict[str, Any]], holdings: Path,
                   cycles: list[Any]) -> Section:
    rows = []
    for party, e in exposure.items():
        via = ", ".join(f"{v['symbol']} {_pct(v['weight'])}" for v in e["via"][:4])
        n = sum(party in c.parties for c in cycles)
        rows.append([party, e["ticker"], _pct(e["weight"]), via or "—", str(n),
                     f"{sel.graph.dependence(party).score:.0%}"])
    total = sum(e["weight"] for e in exposure.values())
    circled = {p for c in sel.graph.components() for p in c}
    on = sum(e["weight"] for p, e in exposure.items() if p in circled)
    notes = [f"{holdings.name}: {_pct(total)} of the portfolio (look-through) is in listed parties "
             f"of these deals; {_pct(on)} in parties that sit on a cycle."]
    head = ["party", "ticker", "your weight", "via", "cycles", "dependence"]
    return [(f"Your exposure per party ({holdings.name})", head, rows)], notes


# --------------------------------------------------------------------------- renderers
def _rich(sections: list[Section], footer: list[str]) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = []
    for blocks, notes in sections:
        for title, head, rows in blocks:
            parts.append(Text(title, style="bold"))  # not a table title: that wraps at its width
            table = Table()
            for h in head:
                table.add_column(h, no_wrap=h in ("date", "certainty"), min_width=_MIN.get(h),
                                 overflow="fold" if h == "id" else "ellipsis",
                                 justify="right" if h in _RIGHT else "left")
            for row in rows:
                table.add_row(*(Text(v, style=_STYLE.get(v, "")) if h in _STYLED else v
                                for h, v in zip(head, row, strict=True)))
            parts.append(table)
        parts += [Text(n) for n in notes]
    parts += [Text(line, style="dim") for line in footer]
    return Group(*parts)


def _markdown(sections: list[Section], footer: list[str]) -> str:
    def cell(v: str) -> str:
        return v.replace("|", "\\|").replace("\n", "<br>")

    out: list[str] = []
    for blocks, notes in sections:
        for title, head, rows in blocks:
            out += [f"## {title}", "", "| " + " | ".join(head) + " |",
                    "|" + "|".join("---" for _ in head) + "|"]
            out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
            out.append("")
        out += [f"{n}\n" for n in notes]
    out += ["_" + " ".join(footer) + "_", ""]
    return "\n".join(out)


def _csv(sel: _Selection, view: pd.DataFrame, name: str | None, show_cycles: bool,
         cycles: list[Any]) -> str:
    """Render the selected rows in the deal-table columns (the plain list loads with --deals)."""
    import pandas as pd

    from ..deals import COLUMNS

    first: list[str] = []
    if show_cycles:
        first = ["cycle_no", "cycle"]
        parts = [c.deals.assign(cycle_no=n, cycle=_loop(c.parties))
                 for n, c in enumerate(cycles, 1)]
        view = pd.concat(parts, ignore_index=True) if parts else \
            sel.used.head(0).assign(cycle_no=0, cycle="")
    elif name:
        first = ["direction", "counterparty"]
    return str(view[[*first, *COLUMNS]].to_csv(index=False, lineterminator="\n",
                                               float_format="%.0f", date_format="%Y-%m-%d"))


def _picture_title(sel: _Selection, g: DealGraph, what: str, holdings: Path | None) -> str:
    sup = "superseded included" if sel.include_superseded else "superseded excluded"
    dates = (f"; dated {sel.since or '…'} to {sel.until or '…'}" if sel.since or sel.until
             else "")
    size = (f"node size: your look-through weight in {holdings.name} (faded: not held)"
            if holdings else "node size: disclosed deal flow in + out (USD)")
    return (f"AI deal graph{what}: {g.graph.number_of_edges()} deals among "
            f"{g.graph.number_of_nodes()} parties, data as of {sel.as_of}\n"
            f"deals used: {', '.join(sel.certainty)}; {sup}{dates}\n{size}")


# --------------------------------------------------------------------------- the command
@cli.command()
@click.option("--cycles", "show_cycles", is_flag=True,
              help="Show the cycles (circular deals) instead of the deal list.")
@click.option("--party", metavar="NAME_OR_TICKER",
              help="One party's deals in and out, its cycles and its dependence score.")
@click.option("--certainty", multiple=True, type=click.Choice(LEVELS),
              help="Certainty levels to use (repeatable; default: all three).")
@click.option("--include-superseded", is_flag=True,
              help="Also use superseded deals (e.g. a letter of intent replaced by a later "
                   "deal).")
@click.option("--since", callback=_date_bound, metavar="DATE",
              help="Only deals dated on or after DATE (YYYY-MM-DD, YYYY-MM or YYYY).")
@click.option("--until", callback=_date_bound, metavar="DATE",
              help="Only deals dated on or before DATE (a month or year counts to its end).")
@click.option("--deals", "deals_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Your own deal table (CSV in the bundled table's columns) instead of the "
                   "bundled one.")
@click.option("--holdings", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Holdings file: show your look-through exposure per party (and size the "
                   "picture's nodes by it).")
@click.option("--max-length", type=click.IntRange(min=2), default=6, show_default=True,
              help="Longest cycle searched, in parties.")
@output_options(FORMATS)
@click.option("--width", type=int, default=None, help="Terminal width for the table format.")
@click.pass_context
def deals(ctx: click.Context, show_cycles: bool, party: str | None, certainty: tuple[str, ...],
          include_superseded: bool, since: dt.date | None, until: dt.date | None,
          deals_file: Path | None, holdings: Path | None, max_length: int, fmt: str,
          output: Path | None, width: int | None) -> None:
    """List the AI deals, their cycles (circular deals) and a party's dependence on them.

    Money flows from the first party to the second: an investor, buyer, lender or the company
    granting warrants is the source. The bundled deal table is used unless --deals is given;
    every view says which certainty levels were used and the data's as-of date. Graph formats
    (json, graphml, dot, png, svg) export the selected deals: all of them, one --party's, or
    those on --cycles. With --output and no --format, the format follows the file's suffix.

    \b
    Examples:
      bubbleguard deals --certainty confirmed --since 2025-09
      bubbleguard deals --cycles --format json
      bubbleguard deals --party AMD --holdings holdings.csv
      bubbleguard deals --holdings holdings.csv --output deals.png
    """  # noqa: D301 (click's \b paragraph marker must stay a real backspace)
    from click.core import ParameterSource

    from ..deals import cycles_payload

    if ctx.get_parameter_source("fmt") == ParameterSource.DEFAULT and output is not None:
        fmt = _BY_SUFFIX.get(output.suffix.lower(), fmt)
    if fmt in _NEEDS_FILE and output is None:
        raise click.UsageError(f"--format {fmt} writes a file; give it with --output PATH.")
    if fmt in ("png", "svg") and output is not None and output.suffix.lower() != f".{fmt}":
        raise click.UsageError(f"--format {fmt} needs an --output path ending in .{fmt}, "
                               f"not '{output.name}'.")
    if since and until and since > until:
        raise click.BadParameter(f"--since {since} is after --until {until}.",
                                 param_hint="--since/--until")

    sel = _select(deals_file, certainty or LEVELS, include_superseded, since, until)
    name = _resolve(sel, party) if party else None
    exposure = _exposure(holdings, sel.graph) if holdings else None
    cycles = [c for c in sel.graph.cycles(max_length) if name is None or name in c.parties]
    if show_cycles:  # the deals a CSV or graph export covers
        ids = {i for c in cycles for i in c.deals["deal_id"]}
        view = sel.used[sel.used["deal_id"].isin(ids)]
    else:
        view = sel.graph.party(name) if name else sel.used

    if fmt in ("table", "markdown"):
        _text(sel, fmt, output, width, name, show_cycles, cycles, exposure, holdings)
    elif fmt == "csv":
        write(_csv(sel, view, name, show_cycles, cycles), output)
    elif fmt == "json" and (show_cycles or name):
        if show_cycles:
            payload = cycles_payload(sel.graph, max_length)
            payload["cycles"] = [c for c in payload["cycles"] if not name or name in c["parties"]]
        else:
            payload = _party_payload(sel, str(name), cycles, exposure)
        write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", output)
    else:
        _export(sel, fmt, output, view, name, show_cycles, exposure, holdings)


def _text(sel: _Selection, fmt: str, output: Path | None, width: int | None, name: str | None,
          show_cycles: bool, cycles: list[Any], exposure: dict[str, dict[str, Any]] | None,
          holdings: Path | None) -> None:
    """Print or write the table and markdown formats."""
    if show_cycles:
        sections = [_cycles_view(sel, cycles, exposure)]
    elif name:
        sections = [_party_view(sel, name, cycles, exposure)]
    else:
        sections = [(_list_view(sel), [])]
    if exposure is not None and holdings is not None and not name:
        sections.append(_exposure_view(sel, exposure, holdings, cycles))
    if fmt == "markdown":
        write(_markdown(sections, sel.footer()), output)
    elif output is not None:
        from ..render import to_text

        write(to_text(_rich(sections, sel.footer()), width=width or 120), output)
    else:
        show(_rich(sections, sel.footer()), width)


def _export(sel: _Selection, fmt: str, output: Path | None, view: pd.DataFrame,
            name: str | None, show_cycles: bool, exposure: dict[str, dict[str, Any]] | None,
            holdings: Path | None) -> None:
    """Export the selected deals as node-link JSON, DOT, GraphML, PNG or SVG."""
    from ..deals import DealGraph
    from ..errors import DealsError

    g = DealGraph.from_frame(view, as_of=sel.as_of)
    g.graph.graph.update(sel.attrs())
    if exposure is not None:
        for p in g.graph:
            g.graph.nodes[p]["exposure"] = float(exposure.get(p, {}).get("weight", 0.0))
    if fmt == "json":
        write(g.to_json() + "\n", output)
    elif fmt == "dot":
        write("".join(f"// {line}\n" for line in sel.footer()) + g.to_dot(), output)
    elif output is None:
        raise click.UsageError(f"--format {fmt} writes a file; give it with --output PATH.")
    elif fmt == "graphml":
        g.to_graphml(output)
    elif not len(view):
        raise DealsError("no deal matches the filters, so there is nothing to draw; widen "
                         "--certainty, --since or --until.")
    else:
        what = f" around {name}" if name else (" (cycles only)" if show_cycles else "")
        weights = {p: e["weight"] for p, e in exposure.items()} if exposure is not None else None
        g.draw(output, weights, title=_picture_title(sel, g, what, holdings))


def _party_payload(sel: _Selection, name: str, cycles: list[Any],
                   exposure: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    """JSON for ``--party``: the party's deals, dependence, cycles and the user's exposure."""
    deals = []
    for r in sel.graph.party(name).to_dict("records"):
        amount = r["amount_usd"]
        deals.append({"deal_id": r["deal_id"], "direction": r["direction"],
                      "counterparty": r["counterparty"], "source": r["source_party"],
                      "target": r["target_party"], "type": r["deal_type"],
                      "amount_usd": None if amount != amount else float(amount),
                      "amount_shared": bool(r["amount_shared"]),
                      "date": r["date"].date().isoformat(), "certainty": r["certainty"],
                      "sources": [s for s in r["sources"].split(" ; ") if s]})
    dep = sel.graph.dependence(name)
    out: dict[str, Any] = {
        "party": name, "ticker": sel.graph.graph.nodes[name]["ticker"] or None, "deals": deals,
        "dependence": {**dep.model_dump(), "explain": dep.explain()},
        "cycles": [c.to_dict() for c in cycles], **sel.attrs()}
    if exposure is not None:
        e = exposure.get(name)
        out["exposure"] = None if e is None else {"weight": e["weight"], "via": e["via"]}
    return out
