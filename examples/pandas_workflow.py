"""Use bubbleguard from an existing pandas / PyPortfolioOpt workflow.

Run from the repository root: ``python examples/pandas_workflow.py``.
"""

from __future__ import annotations

import pandas as pd

import bubbleguard

# 1. Holdings you already have in a DataFrame (column names as your broker writes them).
positions = pd.DataFrame({
    "Symbol": ["VOO", "QQQ", "NVDA", "BND", "GLDM"],
    "Current Value": [40_000.0, 25_000.0, 15_000.0, 15_000.0, 5_000.0],
    "Account": ["401k", "Brokerage", "Brokerage", "401k", "Brokerage"],
})
report = bubbleguard.check(positions, profile="balanced")

# 2. Exposures as DataFrames, for your own analysis.
issuers = report.to_frame()  # one row per issuer: weight, direct_weight, via_funds_weight, themes
print(issuers[["issuer", "weight", "direct_weight", "via_funds_weight"]].head(5).to_string(index=False))
print(report.to_frame("themes").to_string(index=False))

# 3. Findings, with the limit each one was judged against.
for f in report.findings:
    limit = "" if f.limit is None else f" (limit {f.limit:.0%})"
    print(f"{f.severity:8} {f.code:26} {f.subject:14} {f.value or 0:.1%}{limit}")

# 4. Weights from an optimizer (e.g. PyPortfolioOpt's clean_weights()) are accepted as they are.
weights = {"VTI": 0.45, "VXUS": 0.2, "BND": 0.25, "GLDM": 0.05, "VNQ": 0.05}
print("AI share of the optimizer's portfolio:", f"{bubbleguard.check(weights).exposures.themes['ai']:.1%}")
