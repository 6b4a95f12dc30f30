"""Market facts: the bundled snapshot and everything that adds fund holdings to it."""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "._snapshot": ["ASSET_CLASSES", "NON_EQUITY", "THEMES", "Snapshot", "load_snapshot",
                   "read_fund_holdings"],
    "._fund_files": ["FundFile", "parse_ishares"],
    "._providers": ["LocalFundFiles", "Provider", "merge_fund_holdings"],
    "._themes": ["read_themes"],
})
