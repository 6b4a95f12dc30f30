"""The circular-deal table, its graph (cycles, dependence) and the portfolio's counterparties.

networkx loads only when a graph is built: ``check`` uses the precomputed network summary.
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "._table": ["CERTAINTIES", "COLUMNS", "DEAL_TYPES", "NOT_A_FLOW", "TYPE_COLORS", "counts_as_flow",
               "load_deals", "short_usd", "validate_deals"],
    "._graph": ["Cycle", "DealGraph", "Dependence", "bundled_graph", "cycles_payload"],
    "._selection": ["LEVELS", "Selection", "select"],
    "._counterparties": ["DEFAULT_CERTAINTY", "counterparty_exposures", "network_summary"],
})
