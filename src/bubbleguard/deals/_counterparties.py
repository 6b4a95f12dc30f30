"""Portfolio exposure to the listed parties of the circular-deal graph.

For each listed party the user is exposed to: the look-through weight, the holdings it comes
through, the deal cycles the party sits in and its dependence score (see
:meth:`bubbleguard.deals.DealGraph.dependence`). The network summary for the default deal filter
is precomputed by the snapshot builder (``deal_network.json``), so ``check`` does not need to
import networkx; other filters build the graph on the fly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..exposures import Exposures

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
    from ._graph import DealGraph, bundled_graph

    graph = bundled_graph(certainty) if deals is None else DealGraph.from_frame(deals)
    cycles = [list(c.parties) for c in graph.cycles()]
    parties = {}
    for party, ticker in graph.listed_parties().items():
        dep = graph.dependence(party)
        parties[ticker] = {"party": party, "cycles": [c for c in cycles if party in c],
                           "dependence": round(dep.score, 6), "explain": dep.explain()}
    return {"certainty": list(certainty), "as_of": str(graph.as_of), "parties": parties}


def counterparty_exposures(ex: Exposures, certainty: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Listed deal parties the portfolio is exposed to, largest weight first.

    Returns
    -------
    list of dict
        ``{"issuer", "issuer_id", "symbols", "weight", "via", "cycles", "dependence"}`` where
        ``via`` lists ``{"symbol", "weight"}`` of the holdings the exposure comes through.
    """
    summary = ex.snapshot.deal_network
    if certainty is not None and tuple(certainty) != tuple(summary["certainty"]):
        summary = network_summary(certainty=certainty)
    issuer_of = ex.snapshot.securities["issuer_id"].reindex(list(summary["parties"])).dropna()
    iss = ex.issuers
    iss = iss[iss["issuer_id"].isin(issuer_of.to_numpy())]
    via: dict[str, list[dict[str, Any]]] = {}
    for i, s, w in ex.via(list(iss["issuer_id"])).itertuples(index=False):
        via.setdefault(i, []).append({"symbol": s, "weight": float(w)})
    ticker_of = {i: t for t, i in issuer_of.items()}
    out = []
    for i, name, symbols, weight in zip(iss["issuer_id"], iss["issuer"], iss["symbols"], iss["weight"]):
        info = summary["parties"][ticker_of[i]]
        out.append({"issuer": name, "issuer_id": i, "symbols": list(symbols), "weight": float(weight),
                    "via": via.get(i, []), "cycles": info["cycles"], "dependence": info["dependence"]})
    return out
