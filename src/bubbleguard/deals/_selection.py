"""A selection of deals (by certainty and dates) with the sentences stating what was left out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DealsError
from ..i18n import N_, _
from ..reference._snapshot import load_snapshot
from ._graph import DealGraph
from ._table import NOT_A_FLOW, load_deals

__all__ = ["LEVELS", "Selection", "select"]

LEVELS = ("confirmed", "reported", "uncertain")


@dataclass
class Selection:
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
        kinds = ", ".join(f"{counts[c]} {_(c)}" for c in (*LEVELS, "superseded") if c in counts)
        lines = [_("Deals used: {n} of {total} in {origin}").format(n=len(self.used), total=len(self.full),
                                                                     origin=_(self.origin))
                 + (_(" ({kinds}).").format(kinds=kinds) if kinds else _("."))]
        allowed = set(self.certainty) | ({"superseded"} if self.include_superseded else set())
        left = self.full["certainty"].value_counts()
        out = [f"{left[c]} {_(c)}" for c in LEVELS if c not in allowed and c in left]
        if out:
            lines.append(_("Left out by --certainty: {levels}.").format(levels=", ".join(out)))
        sup = self.full[self.full["certainty"] == "superseded"]["deal_id"].tolist()
        if sup and not self.include_superseded:
            lines.append(_("Superseded deals excluded: {n} ({ids}); --include-superseded adds them.").format(
                n=len(sup), ids=", ".join(sup)))
        elif sup:
            lines.append(_("Superseded deals included: {n} ({ids}).").format(n=len(sup), ids=", ".join(sup)))
        if self.since or self.until:
            dated = self.full[self.full["certainty"].isin(allowed)]
            lines.append(_("Dates from {since} to {until}: {n} deal(s) outside them left out.").format(
                since=self.since or _("the start"), until=self.until or _("the end"),
                n=len(dated) - len(self.used)))
        ceilings = self.used[self.used["amount_up_to"]]["deal_id"].tolist()
        stakes = self.used[self.used["deal_type"].isin(NOT_A_FLOW)]["deal_id"].tolist()
        if ceilings and self.graph.ceilings:
            lines.append(_("'Up to' ceilings counted in sums and dependence: {n} ({ids}).").format(
                n=len(ceilings), ids=", ".join(ceilings)))
        elif ceilings:
            lines.append(_("'Up to' ceilings shown but left out of sums and dependence: {n} ({ids}); "
                           "--include-ceilings counts them.").format(n=len(ceilings),
                                                                     ids=", ".join(ceilings)))
        if stakes:
            lines.append(_("Stake valuations are no money flow and are never summed: {ids}.").format(
                ids=", ".join(stakes)))
        lines.append(_("Data as of {date}{note}.").format(date=self.as_of, note=self.as_of_note))
        return lines

    def attrs(self) -> dict[str, Any]:
        """Graph attributes for the JSON and GraphML exports (scalars only, for GraphML)."""
        out: dict[str, Any] = {"as_of": self.as_of, "deals_source": self.origin,
                               "certainty": ",".join(self.certainty),
                               "include_superseded": self.include_superseded}
        out.update({k: str(v) for k, v in (("since", self.since), ("until", self.until)) if v})
        return out


def select(path: Path | None, certainty: tuple[str, ...], include_superseded: bool,
           since: dt.date | None, until: dt.date | None, ceilings: bool = False) -> Selection:
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
        as_of, origin = load_snapshot().as_of["deals"], N_("the bundled deal table")
    elif not len(full):
        raise DealsError(f"{path}: the deal table has a header but no deals; add one row per "
                         "deal ('bubbleguard deals --format csv' shows the columns).")
    else:
        as_of, origin = full["date"].max().date().isoformat(), str(path)
    note = "" if path is None else f" (the latest deal date in {path})"
    return Selection(origin, full, used, DealGraph.from_frame(used, as_of=as_of, ceilings=ceilings),
                      certainty, include_superseded, since, until, as_of, note)
