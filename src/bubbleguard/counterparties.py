"""Portfolio exposure to the listed parties of the circular-deal graph.

For each listed party the user is exposed to: the look-through weight, the holdings it comes
through, the deal cycles the party sits in and its dependence score (see
:meth:`bubbleguard.deals.DealGraph.dependence`). The network summary for the default deal filter
is precomputed by the snapshot builder (``deal_network.json``), so ``check`` does not need to
import networkx; other filters build the graph on the fly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib.resources import files
from typing import Any

from .exposures import Exposures

__all__ = ["DEFAULT_CERTAINTY", "counterparty_exposures", "network_summary"]

DEFAULT_CERTAINTY = ("confirmed", "reported", "uncertain")


def network_summary(deals: Any = None, certainty: Sequence[str] = DEFAULT_CERTAINTY) -> dict[str, Any]:
    """Per listed party: name, cycles (party lists) and dependence score.

    Parameters
    ----------
    deals
        A deal table; default: the bundled one.
    certainty
        Deal certainties kept (``superseded`` among them includes superseded deals).
    """
    from .deals import DealGraph, load_deals

    table = load_deals(certainty=tuple(c for c in certainty if c != "superseded"),
                       include_superseded="superseded" in certainty) if deals is None else deals
    graph = DealGraph.from_frame(table)
    cycles = [list(c.parties) for c in graph.cycles()]
    parties = {}
    for party, ticker in graph.listed_parties().items():
        dep = graph.dependence(party)
        parties[ticker] = {"party": party, "cycles": [c for c in cycles if party in c],
                           "dependence": round(dep.score, 6), "explain": dep.explain()}
    return {"certainty": list(certainty), "as_of": str(graph.as_of), "parties": parties}


def _bundled_summary() -> dict[str, Any]:
    return json.loads((files("bubbleguard") / "data" / "deal_network.json").read_text(encoding="utf-8"))


def counterparty_exposures(ex: Exposures, certainty: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Listed deal parties the portfolio is exposed to, largest weight first.

    Returns
    -------
    list of dict
        ``{"issuer", "issuer_id", "symbols", "weight", "via", "cycles", "dependence"}`` where
        ``via`` lists ``{"symbol", "weight"}`` of the holdings the exposure comes through.
    """
    summary = _bundled_summary()
    if certainty is not None and tuple(certainty) != tuple(summary["certainty"]):
        summary = network_summary(certainty=certainty)
    sec = ex.snapshot.securities
    tickers = [t for t in summary["parties"] if t in sec.index]
    issuer_of = {t: sec.at[t, "issuer_id"] for t in tickers}
    iss = ex.issuers.set_index("issuer_id")
    held = [t for t in tickers if issuer_of[t] in iss.index]
    via = ex.via([issuer_of[t] for t in held])
    out = []
    for t in held:
        i = issuer_of[t]
        info = summary["parties"][t]
        rows = via[via["issuer_id"] == i]
        out.append({
            "issuer": str(iss.at[i, "issuer"]), "issuer_id": i, "symbols": list(iss.at[i, "symbols"]),
            "weight": float(iss.at[i, "weight"]),
            "via": [{"symbol": s, "weight": float(w)} for s, w in zip(rows["symbol"], rows["weight"])],
            "cycles": info["cycles"], "dependence": info["dependence"],
        })
    return sorted(out, key=lambda c: -c["weight"])
