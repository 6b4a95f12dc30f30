"""Stage 1, the user's input: holdings files, DataFrames and weights → a validated Portfolio."""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "._portfolio": ["CASH_SYMBOLS", "HoldingsInput", "Portfolio", "load_holdings"],
    "._files": ["RawHoldings", "parse_number", "read_holdings_file"],
    "._layout": ["BrokerFormat", "TableFormat"],
    "._brokers": ["BROKERS", "GENERIC"],
})
