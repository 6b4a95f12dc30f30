"""``bubbleguard deals``: list, filter, explain and export the circular-deal graph.

A thin layer over :mod:`bubbleguard.deals._graph`: the filters go to :func:`~bubbleguard.deals.load_deals`,
cycles, dependence scores and exports come from :class:`~bubbleguard.deals.DealGraph`, and the
holdings look-through from :func:`bubbleguard.report.check`. Every view ends with the basis it
was computed on: which certainty levels were used, what was left out and the data's as-of date.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .._output import json_text
from ..deals._selection import LEVELS, Selection, select
from ..i18n import N_, _
from ..renderers import _deals as views
from . import cli
from .options import holdings_options, load_inputs, output_options, show, write, write_bytes

if TYPE_CHECKING:
    import pandas as pd

    from ..deals._graph import DealGraph

FORMATS = ("table", "json", "csv", "markdown", "graphml", "dot", "png", "svg")
_NEEDS_FILE = ("graphml", "png", "svg")
_BY_SUFFIX = {".json": "json", ".csv": "csv", ".md": "markdown", ".graphml": "graphml",
              ".dot": "dot", ".gv": "dot", ".png": "png", ".svg": "svg"}


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
    raise click.BadParameter(_("'{value}' is not a date; write YYYY-MM-DD, YYYY-MM or YYYY (e.g. "
                               "2025-09-22).").format(value=value))


def _exposure(holdings: Path, graph: DealGraph, kw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{party: {"ticker", "weight", "via"}}`` for the listed parties the holdings reach."""
    from ..checker import check

    inputs = load_inputs(holdings, kw)
    report = check(inputs.portfolio, policy=inputs.policy, **inputs.library())
    via = {c.issuer_id: c.via for c in report.exposures.counterparties}
    out: dict[str, dict[str, Any]] = {}
    for party, ticker in graph.listed_parties().items():
        hit = next((i for i in report.exposures.issuers
                    if ticker == i.issuer_id or ticker in i.symbols), None)
        if hit is not None and hit.weight > 0:
            out[party] = {"ticker": ticker, "weight": hit.weight,
                          "via": via.get(hit.issuer_id, [])}
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["weight"]))


def _resolve(sel: Selection, name: str) -> str:
    """Return the party's name; say so clearly when the filters removed all its deals."""
    from ..deals._graph import DealGraph
    from ..errors import DealsError

    try:
        return sel.graph.dependence(name).party
    except DealsError:
        full = DealGraph.from_frame(sel.full)
        known = full.dependence(name).party  # raises the "known parties" message if unknown
        raise DealsError(_("{party} has no deal among the ones selected (see --certainty, --since, --until "
                           "and --include-superseded); it has {n} deal(s) in {origin}.").format(
            party=known, n=len(full.party(known)), origin=_(sel.origin))) from None


# --------------------------------------------------------------------------- the command
@cli.command()
@click.option("--cycles", "show_cycles", is_flag=True,
              help=N_("Show the cycles (circular deals) instead of the deal list."))
@click.option("--party", metavar="NAME_OR_TICKER",
              help=N_("One party's deals in and out, its cycles and its dependence score."))
@click.option("--certainty", multiple=True, type=click.Choice(LEVELS),
              help=N_("Certainty levels to use (repeatable; default: all three)."))
@click.option("--include-superseded", is_flag=True,
              help=N_("Also use superseded deals (e.g. a letter of intent replaced by a later "
                   "deal)."))
@click.option("--include-ceilings", is_flag=True,
              help=N_("Count 'up to' ceilings (announced maxima, not firm amounts) in cycle sums, "
                      "dependence and the picture's node sizes; by default they are shown only."))
@click.option("--since", callback=_date_bound, metavar="DATE",
              help=N_("Only deals dated on or after DATE (YYYY-MM-DD, YYYY-MM or YYYY)."))
@click.option("--until", callback=_date_bound, metavar="DATE",
              help=N_("Only deals dated on or before DATE (a month or year counts to its end)."))
@click.option("--deals", "deals_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=N_("Your own deal table (CSV in the bundled table's columns) instead of the "
                   "bundled one."))
@click.option("--holdings", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=N_("Holdings file: show your look-through exposure per party (and size the "
                   "picture's nodes by it)."))
@holdings_options
@click.option("--max-length", type=click.IntRange(min=2), default=6, show_default=True,
              help=N_("Longest cycle searched, in parties."))
@output_options(FORMATS)
@click.option("--width", type=int, default=None, help=N_("Terminal width for the table format."))
@click.pass_context
def deals(ctx: click.Context, show_cycles: bool, party: str | None, certainty: tuple[str, ...],
          include_superseded: bool, include_ceilings: bool, since: dt.date | None,
          until: dt.date | None, deals_file: Path | None, holdings: Path | None, max_length: int, fmt: str,
          output: Path | None, width: int | None, **kw: Any) -> None:
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

    from ..deals._graph import cycles_payload

    if ctx.get_parameter_source("fmt") == ParameterSource.DEFAULT and output is not None:
        fmt = _BY_SUFFIX.get(output.suffix.lower(), fmt)
    if fmt in _NEEDS_FILE and output is None:
        raise click.UsageError(_("--format {format} writes a file; give it with --output PATH.").format(
            format=fmt))
    if fmt in ("png", "svg") and output is not None and output.suffix.lower() != f".{fmt}":
        raise click.UsageError(_("--format {format} needs an --output path ending in .{format}, not "
                                 "'{name}'.").format(format=fmt, name=output.name))
    if since and until and since > until:
        raise click.BadParameter(_("--since {since} is after --until {until}.").format(since=since,
                                                                                     until=until),
                                 param_hint="--since/--until")

    sel = select(deals_file, certainty or LEVELS, include_superseded, since, until, include_ceilings)
    name = _resolve(sel, party) if party else None
    exposure = _exposure(holdings, sel.graph, kw) if holdings else None
    cycles = [c for c in sel.graph.cycles(max_length) if name is None or name in c.parties]
    if show_cycles:  # the deals a CSV or graph export covers
        ids = {i for c in cycles for i in c.deals["deal_id"]}
        view = sel.used[sel.used["deal_id"].isin(ids)]
    else:
        view = sel.graph.party(name) if name else sel.used

    if fmt in ("table", "markdown"):
        _text(sel, fmt, output, width, name, show_cycles, cycles, exposure, holdings)
    elif fmt == "csv":
        write(views.csv(sel, view, name, show_cycles, cycles), output)
    elif fmt == "json" and (show_cycles or name):
        if show_cycles:
            payload = cycles_payload(sel.graph, max_length)
            payload["cycles"] = [c for c in payload["cycles"] if not name or name in c["parties"]]
        else:
            payload = _party_payload(sel, str(name), cycles, exposure)
        write(json_text(payload), output)
    else:
        _export(sel, fmt, output, view, name, show_cycles, exposure, holdings)


def _text(sel: Selection, fmt: str, output: Path | None, width: int | None, name: str | None,
          show_cycles: bool, cycles: list[Any], exposure: dict[str, dict[str, Any]] | None,
          holdings: Path | None) -> None:
    """Print or write the table and markdown formats."""
    if show_cycles:
        sections = [views.cycles_view(sel, cycles, exposure)]
    elif name:
        sections = [views.party_view(sel, name, cycles, exposure)]
    else:
        sections = [(views.list_view(sel), [])]
    if exposure is not None and holdings is not None and not name:
        sections.append(views.exposure_view(sel, exposure, holdings, cycles))
    if fmt == "markdown":
        write(views.markdown(sections, sel.footer()), output)
    elif output is not None:
        from ..renderers._format import to_text

        write(to_text(views.terminal(sections, sel.footer()), width=width or 120), output)
    else:
        show(views.terminal(sections, sel.footer()), width)


def _export(sel: Selection, fmt: str, output: Path | None, view: pd.DataFrame,
            name: str | None, show_cycles: bool, exposure: dict[str, dict[str, Any]] | None,
            holdings: Path | None) -> None:
    """Export the selected deals as node-link JSON, DOT, GraphML, PNG or SVG."""
    from ..deals._graph import DealGraph
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
        raise click.UsageError(_("--format {format} writes a file; give it with --output PATH.").format(
            format=fmt))
    elif fmt == "graphml":
        write(g.graphml_text(), output)
    elif not len(view):
        raise DealsError(_("no deal matches the filters, so there is nothing to draw; widen --certainty, "
                           "--since or --until."))
    else:
        what = f" around {name}" if name else (" (cycles only)" if show_cycles else "")
        weights = {p: e["weight"] for p, e in exposure.items()} if exposure is not None else None
        write_bytes(g.picture(fmt, weights, title=views.picture_title(sel, g, what, holdings)), output)


def _party_payload(sel: Selection, name: str, cycles: list[Any],
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
                      "amount_up_to": bool(r["amount_up_to"]),
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
