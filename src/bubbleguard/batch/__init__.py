"""The batch engine: whole books of accounts checked in one pass (``bubbleguard batch``)."""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "._engine": ["ACCOUNT_COLUMNS", "CODES", "FINDING_COLUMNS", "Batch", "check_accounts", "run_batch"],
    "._book": ["Book", "read_accounts", "read_book"],
})
