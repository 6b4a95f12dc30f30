"""Where fund holdings come from besides the snapshot: a user's file, local fund files, plugins."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..i18n import N_, _

if TYPE_CHECKING:
    import pandas as pd

    from ._snapshot import Snapshot

__all__ = ["LocalFundFiles", "Provider", "merge_fund_holdings"]


@runtime_checkable
class Provider(Protocol):
    """A source of fund holdings for funds the snapshot lacks (or should override).

    Attributes
    ----------
    name
        Shown in reports as the source of the holdings.
    """

    name: str

    def fund_holdings(self, symbols: list[str]) -> pd.DataFrame | None:
        """Holdings (columns fund, symbol, weight[, as_of]) of those ``symbols`` it knows."""


class LocalFundFiles:
    """Fund holdings from CSV files in a folder (one file per fund or several funds per file).

    The folder is ``$BUBBLEGUARD_FUNDS_DIR``, else ``~/.bubbleguard/funds``. Each file has the
    columns fund, symbol, weight (see ``bubbleguard.reference.read_fund_holdings``); use it for
    401(k) funds, QDII funds or any fund the bundled snapshot does not cover.
    """

    name = N_("local fund files")

    def __init__(self, folder: str | Path | None = None) -> None:
        default = Path.home() / ".bubbleguard" / "funds"
        self.folder = Path(folder or os.environ.get("BUBBLEGUARD_FUNDS_DIR") or default)

    def fund_holdings(self, symbols: list[str]) -> pd.DataFrame | None:
        """Holdings of the requested funds found in the folder's CSV files."""
        if not self.folder.is_dir():
            return None
        import pandas as pd

        from ._snapshot import read_fund_holdings

        frames = [read_fund_holdings(p) for p in sorted(self.folder.glob("*.csv"))]
        if not frames:
            return None
        df = pd.concat(frames, ignore_index=True)
        df = df[df["fund"].isin(symbols)]
        return df if len(df) else None


def merge_fund_holdings(snapshot: Snapshot, symbols: list[str], fund_holdings: pd.DataFrame | None,
                        providers: Iterable[Provider]) -> tuple[Snapshot, list[str]]:
    """The snapshot with user and provider fund holdings for the held funds, and notes on them.

    ``fund_holdings`` (a ``--funds`` file) wins; then ``providers`` are asked, in order, for
    every other held fund; the snapshot's own holdings serve the rest.
    """
    notes: list[str] = []
    given: set[str] = set()
    if fund_holdings is not None:
        snapshot = snapshot.with_fund_holdings(fund_holdings, source="user fund-holdings file")
        given = set(fund_holdings["fund"])
    kind = snapshot.securities["kind"]
    wanted = [s for s in symbols if s not in given and kind.get(s) != "stock"]
    for provider in providers:
        if not wanted:
            break
        extra = provider.fund_holdings(wanted)
        if extra is not None and len(extra):
            snapshot = snapshot.with_fund_holdings(extra, source=provider.name)
            funds = set(extra["fund"])
            notes.append(_("holdings of {funds} from {provider}").format(funds=", ".join(sorted(funds)),
                                                                        provider=_(provider.name)))
            wanted = [s for s in wanted if s not in funds]
    return snapshot, notes
