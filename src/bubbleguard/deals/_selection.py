"""A selection of deals (by certainty and dates) with the sentences stating what was left out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DealsError
from ..reference._snapshot import load_snapshot
from ._graph import DealGraph
from ._table import load_deals

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


def select(path: Path | None, certainty: tuple[str, ...], include_superseded: bool,
            since: dt.date | None, until: dt.date | None) -> Selection:
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
        as_of, origin = load_snapshot().as_of["deals"], "the bundled deal table"
    elif not len(full):
        raise DealsError(f"{path}: the deal table has a header but no deals; add one row per "
                         "deal ('bubbleguard deals --format csv' shows the columns).")
    else:
        as_of, origin = full["date"].max().date().isoformat(), str(path)
    note = "" if path is None else f" (the latest deal date in {path})"
    return Selection(origin, full, used, DealGraph.from_frame(used, as_of=as_of),
                      certainty, include_superseded, since, until, as_of, note)
