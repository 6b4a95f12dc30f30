"""Drawing the deal graph to PNG or SVG with matplotlib (imported only when drawing)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..deals._table import DEAL_TYPES, TYPE_COLORS, party_label
from ..errors import DealsError

if TYPE_CHECKING:
    from ..deals._graph import DealGraph

def _share(weight: float) -> str:
    return "<0.1%" if 0 < weight < 0.0005 else f"{weight:.1%}"


def flow_weights(g: DealGraph) -> dict[str, float]:
    """Each party's disclosed deal flow in + out, the picture's node sizes.

    Stake valuations are no flow; "up to" ceilings count only when the graph counts them.
    """
    weights = dict.fromkeys(g.parties, 0.0)
    for u, v, a in g.flow_edges():
        weights[u] += a["amount_usd"] or 0.0
        weights[v] += a["amount_usd"] or 0.0
    return weights


def draw(g: DealGraph, fmt: str, exposure: dict[str, float] | None, title: str | None) -> bytes:
    """Render ``g`` as PNG or SVG bytes (matplotlib's Agg/SVG canvases, no pyplot or backend change)."""
    import io

    import networkx as nx
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    if fmt not in ("png", "svg"):
        raise DealsError(f"cannot draw the deal graph as '{fmt}'; use png or svg.")
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
        weights = flow_weights(g)
        basis = ("node size: disclosed deal flow in + out (USD)" if g.ceilings else
                 "node size: disclosed deal flow in + out (USD; no stake values or 'up to' ceilings)")
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
                edge_color=TYPE_COLORS[t], width=2.8 if on_cycle else 1.2,
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
    labels = {p: "\n".join(party_label(p, graph.nodes[p]["ticker"]) + (
                  [_share(weights[p])] if exposure is not None and p in weights else []))
              for p in nodes}
    nx.draw_networkx_labels(graph, pos, labels, ax=ax, font_size=9, font_weight="bold",
                            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none",
                                  "alpha": 0.75})
    used = sorted({t for types in groups.values() for t in types}, key=DEAL_TYPES.index)
    handles = [Line2D([], [], color=TYPE_COLORS[t], lw=2.5, label=t.replace("_", " "))
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
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=130)
    return buffer.getvalue()


_LISTED, _PRIVATE = "#ffd166", "#cfd8dc"
