"""The batch engine: whole books of accounts checked in one pass (``bubbleguard batch``)."""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "._engine": ["ACCOUNT_COLUMNS", "CODES", "FINDING_COLUMNS", "Batch", "run_batch"],
    "._accounts": ["check_accounts"],
    "._rebalance": ["STATUSES", "TRADE_COLUMNS", "rebalance_accounts"],
    "._book": ["Book", "read_accounts", "read_book"],
})
