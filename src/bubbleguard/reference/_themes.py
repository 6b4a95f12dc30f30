"""A user's own theme lists: which issuers count as Magnificent 7, AI or circular-deal parties.

``--themes FILE`` reads a CSV with columns ``symbol`` and ``theme`` (one of
:data:`~bubbleguard.reference._snapshot.THEMES`) and an optional ``member`` column (``true`` by
default; ``false`` takes the issuer out of the theme). A symbol names its issuer: ``GOOG`` puts
Alphabet in. The file adds to the bundled lists and overrides them where it says ``false``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from ._snapshot import Snapshot

__all__ = ["read_themes"]

_TRUE, _FALSE = {"true", "1", "yes", "y", ""}, {"false", "0", "no", "n"}


def read_themes(path: str | Path, snapshot: Snapshot) -> pd.DataFrame:
    """Read and check a theme file against the snapshot.

    Returns
    -------
    DataFrame
        Columns issuer_id, theme, member (bool), one row per file row.

    Raises
    ------
    DataError
        The file cannot be read, lacks a column, or a row names an unknown theme, a symbol the
        snapshot does not know as a stock, or a member value that is not true/false; every bad
        row is listed with its line number.
    """
    import pandas as pd

    from ..symbols import normalize_symbols
    from ._snapshot import THEMES

    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: cannot read the theme file ({exc}). Save it as a UTF-8 CSV "
                        "with columns symbol, theme (and optionally member).") from None
    df.columns = [c.strip().lower() for c in df.columns]
    missing = [c for c in ("symbol", "theme") if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}; a theme file needs the "
                        f"columns symbol, theme (one of {', '.join(THEMES)}) and optionally member "
                        "(true or false).")
    symbols = normalize_symbols(df["symbol"].str.strip())
    theme = df["theme"].str.strip().str.lower()
    member = (df["member"] if "member" in df.columns else pd.Series("", index=df.index)
              ).str.strip().str.lower()
    sec = snapshot.securities
    problems = []
    rows = zip(df["symbol"].astype(str), df["theme"].astype(str), symbols, theme, member, strict=True)
    for line, (raw_symbol, raw_theme, sym, th, mem) in enumerate(rows, start=2):
        if th not in THEMES:
            problems.append(f"line {line}: theme '{raw_theme}' is not one of {', '.join(THEMES)}")
        if sym not in sec.index or sec.at[sym, "kind"] != "stock":
            problems.append(f"line {line}: '{raw_symbol}' is not a stock the reference data knows; "
                            "write its ticker as the holdings files do (e.g. NVDA, 2330)")
        if mem not in _TRUE | _FALSE:
            problems.append(f"line {line}: member '{mem}' is not true or false")
    if problems:
        raise DataError(f"{path}: {len(problems)} row(s) cannot be used: " + "; ".join(problems)
                        + ". Fix these rows and run again.")
    return pd.DataFrame({"issuer_id": sec.loc[symbols, "issuer_id"].to_numpy(),
                         "theme": theme.to_numpy(), "member": member.isin(_TRUE).to_numpy()})
