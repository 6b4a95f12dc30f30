"""The reference snapshot: securities, issuers, fund holdings, themes, deals and prices.

The snapshot ships inside the package (``bubbleguard/data``), is loaded once and lazily, and is
the only source of market facts. Every table carries its source and as-of date
(``manifest.json``); ``snapshot/build.py`` in the repository rebuilds it from raw data.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["ASSET_CLASSES", "NON_EQUITY", "THEMES", "Snapshot", "load_snapshot", "packaged",
           "read_fund_holdings", "universe_rows"]

THEMES = ("magnificent7", "ai", "circular_deals")
NON_EQUITY = ("bond", "gold", "real_estate", "cash", "commodity", "other")
ASSET_CLASSES = ("equity", *NON_EQUITY)


def packaged(name: str) -> Traversable:
    """A file of the packaged data (``bubbleguard/data/``): the one place that opens them."""
    return files("bubbleguard") / "data" / name


def universe_rows() -> pd.DataFrame:
    """``data/universe.csv``: the diversifier funds of every market (symbol, role, core, market, lot…)."""
    with packaged("universe.csv").open("rb") as fh:
        table = pd.read_csv(fh, dtype=str, keep_default_na=False)
    if "market" not in table.columns:  # a universe file of the one-market form
        table = table.assign(market="us", lot="")
    return table


def _read(name: str) -> pd.DataFrame:
    with packaged(name).open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@dataclass(frozen=True)
class Snapshot:
    """The reference data, with a few derived lookups cached on first use.

    Attributes
    ----------
    securities
        Indexed by symbol: issuer_id, name, sector, country, kind (stock, fund, cash),
        asset_class, category, broad_index, tracks, price, price_date, price_currency (the
        listing's currency the price is in: USD, CNY or HKD; empty without a price).
    issuers
        Indexed by issuer_id: issuer (display name), sector, country, role, magnificent7, reason.
    funds
        Indexed by fund symbol: as_of, source, coverage (full or top10), holdings, weight_sum.
    holdings
        Columns fund, symbol, weight (fraction of the fund).
    manifest
        Source, as-of date and row counts of every table.
    """

    securities: pd.DataFrame
    issuers: pd.DataFrame
    funds: pd.DataFrame
    holdings: pd.DataFrame
    manifest: dict[str, Any]
    overrides: tuple[str, ...] = field(default=())
    #: (issuer_id, theme, member) from a user's theme file, applied over the bundled lists
    theme_overrides: tuple[tuple[str, str, bool], ...] = field(default=())

    # ------------------------------------------------------------------ lookups
    @cached_property
    def index(self) -> pd.Index:
        """Position of every security in the look-through matrices."""
        return pd.Index(self.securities.index)

    @cached_property
    def symbol_letters(self) -> tuple[str, np.ndarray]:
        """The characters of all security symbols, and each symbol's count of each (symbols × chars).

        With them the bound that ``difflib``'s ``quick_ratio`` computes one pair at a time is one
        array operation over every symbol.
        """
        symbols = [str(s) for s in self.index]
        chars = "".join(sorted(set("".join(symbols))))
        counts = np.zeros((len(symbols), len(chars)), np.int16)
        for j, ch in enumerate(chars):
            counts[:, j] = [s.count(ch) for s in symbols]
        return chars, counts

    @cached_property
    def holdings_csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fund holdings as a sparse row-compressed matrix over securities.

        Returns ``(indptr, indices, weights)``: the holdings of the security at position ``f``
        are ``indices[indptr[f]:indptr[f + 1]]`` with ``weights`` alike (empty for non-funds).
        """
        rows = self.index.get_indexer(cast(pd.Index, self.holdings["fund"]))
        cols = self.index.get_indexer(cast(pd.Index, self.holdings["symbol"]))
        order = np.argsort(rows, kind="stable")
        indptr = np.zeros(len(self.index) + 1, dtype=np.int64)
        np.add.at(indptr, rows + 1, 1)
        return (np.cumsum(indptr), cols[order], self.holdings["weight"].to_numpy(float)[order])

    @cached_property
    def themes(self) -> dict[str, frozenset[str]]:
        """Theme name → issuer ids."""
        iss = self.issuers
        sec = self.securities
        listed = sec.loc[sec.index.intersection(sorted(self.deal_tickers)), "issuer_id"]
        bundled = {
            "magnificent7": set(iss.index[iss["magnificent7"] == "true"]),
            "ai": set(iss.index[iss["role"] != ""]),
            "circular_deals": {x for x in listed if x},
        }
        for issuer, theme, member in self.theme_overrides:
            (bundled[theme].add if member else bundled[theme].discard)(issuer)
        return {t: frozenset(members) for t, members in bundled.items()}

    @cached_property
    def deal_network(self) -> dict[str, Any]:
        """The precomputed deal-network summary: per listed party, its cycles and dependence."""
        return json.loads(packaged("deal_network.json").read_text(encoding="utf-8"))

    @cached_property
    def deal_tickers(self) -> frozenset[str]:
        """Tickers of the listed parties of the deal table."""
        return frozenset(self.deal_network["parties"])

    @cached_property
    def prices(self) -> pd.DataFrame:
        """Adjusted closes: dates × symbols (month-ends, daily since 2021, scenario dates)."""
        with packaged("prices.csv.gz").open("rb") as fh:
            return pd.read_csv(fh, compression="gzip", index_col="date", parse_dates=["date"])

    @cached_property
    def fx(self) -> pd.DataFrame:
        """Reference exchange rates, indexed by currency: per_usd (units per USD), date, source."""
        table = _read("fx.csv").set_index("currency")
        return table.assign(per_usd=table["per_usd"].astype(float))

    @cached_property
    def fx_history(self) -> pd.DataFrame:
        """Units of CNY and HKD per USD on the price dates (empty where no rate was found)."""
        try:
            with packaged("fx_history.csv").open("rb") as fh:
                return pd.read_csv(fh, index_col="date", parse_dates=["date"])
        except FileNotFoundError:
            return pd.DataFrame(index=pd.DatetimeIndex([], name="date"))

    @property
    def as_of(self) -> dict[str, str]:
        """As-of dates of fund holdings, deals and prices."""
        return dict(self.manifest["as_of"])

    # ------------------------------------------------------------------ user data
    def with_themes(self, themes: pd.DataFrame, source: str = "user theme file") -> Snapshot:
        """Return a snapshot whose theme lists include (or leave out) the given issuers.

        Parameters
        ----------
        themes
            Columns issuer_id, theme, member (bool), as :func:`~bubbleguard.reference._themes.read_themes`
            returns them; later rows win.
        source
            Where the lists came from, shown in reports.
        """
        rows = tuple((str(i), str(t), bool(m)) for i, t, m in
                     zip(themes["issuer_id"], themes["theme"], themes["member"], strict=True))
        return replace(self, theme_overrides=self.theme_overrides + rows,
                       overrides=self.overrides + (source,))

    def with_fund_holdings(self, extra: pd.DataFrame, source: str = "user file") -> Snapshot:
        """Return a snapshot where the funds in ``extra`` use the given holdings.

        Parameters
        ----------
        extra
            Columns fund, symbol, weight (fractions or percentages), optional name, as_of,
            asset_class. Funds listed here replace the snapshot's holdings of the same fund.
        source
            Where the holdings came from, shown in reports.
        """
        funds = sorted(set(extra["fund"]))
        held = extra[["fund", "symbol", "weight"]]
        holdings = pd.concat([self.holdings[~self.holdings["fund"].isin(funds)], held],
                             ignore_index=True)
        sec = self.securities
        new = sorted(set(extra["fund"]) | set(extra["symbol"]) - set(sec.index))
        if new:
            add = pd.DataFrame(index=pd.Index(new, name="symbol"), columns=sec.columns).fillna("")
            add["kind"] = ["fund" if s in funds else "stock" for s in new]
            add["asset_class"] = "equity"
            add["issuer_id"] = [s if s not in funds else "" for s in new]
            add["name"] = new
            add["sector"] = "Unknown"
            add["broad_index"] = "False"
            sec = pd.concat([sec, add[~add.index.isin(sec.index)]])
        if "asset_class" in extra:
            cls = extra.groupby("fund")["asset_class"].first()
            cls = cls[cls != ""]
            sec.loc[cls.index, "asset_class"] = cls
        sec.loc[funds, "kind"] = "fund"
        issuers = self.issuers
        missing = sorted(set(sec.loc[sec["kind"] == "stock", "issuer_id"]) - set(issuers.index))
        if missing:
            add = pd.DataFrame(index=pd.Index(missing, name="issuer_id"), columns=issuers.columns).fillna("")
            add["issuer"] = missing
            add["sector"] = "Unknown"
            issuers = pd.concat([issuers, add])
        as_of = extra.groupby("fund")["as_of"].first() if "as_of" in extra else pd.Series("", index=funds)
        meta = pd.DataFrame({"as_of": as_of.reindex(funds).fillna(""), "source": source,
                             "coverage": "full",
                             "holdings": held.groupby("fund").size().reindex(funds),
                             "weight_sum": held.groupby("fund")["weight"].sum().reindex(funds)},
                            index=pd.Index(funds, name="fund"))
        fund_table = pd.concat([self.funds.drop(index=funds, errors="ignore"), meta])
        return replace(self, securities=sec, issuers=issuers, funds=fund_table, holdings=holdings,
                       overrides=self.overrides + (source,))


def read_fund_holdings(path: str | Path) -> pd.DataFrame:
    """Read a user's fund-holdings file (fund, symbol, weight[, as_of, asset_class]).

    Weights may be fractions or percentages (a fund whose weights sum to more than 1.5 is read
    as percentages). A fund whose weights sum to more than 100% is an error; less than 100%
    leaves an explicit unresolved remainder.
    """
    from ..symbols import normalize_symbols, printable

    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig").map(printable)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: cannot read the fund-holdings file ({exc}). Save it as a "
                        "UTF-8 CSV with columns fund, symbol, weight.") from None
    df.columns = [c.strip().lower() for c in df.columns]
    missing = [c for c in ("fund", "symbol", "weight") if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}; a fund-holdings file "
                        "needs the columns fund, symbol, weight (one row per holding).")
    weight = pd.to_numeric(df["weight"].str.replace("%", "", regex=False).str.replace(",", ""),
                           errors="coerce")
    bad = df.index[weight.isna() | (weight < 0)]
    if len(bad):
        rows = ", ".join(f"line {i + 2} ('{df.at[i, 'weight']!s}')" for i in bad[:10])
        raise DataError(f"{path}: weights must be non-negative numbers; fix {rows}.")
    df["fund"] = normalize_symbols(df["fund"], broker=True)
    df["symbol"] = normalize_symbols(df["symbol"], broker=True)
    sums = weight.groupby(df["fund"]).transform("sum")
    df["weight"] = np.where(sums > 1.5, weight / 100.0, weight)
    over = df.groupby("fund")["weight"].sum()
    over = over[over > 1.0 + 1e-6]
    if len(over):
        raise DataError(f"{path}: the weights of {', '.join(over.index)} add up to more than 100% "
                        f"({', '.join(f'{v:.2%}' for v in over)}); fix the weights so each fund "
                        "sums to at most 100%.")
    return df


TABLES = ("securities.csv", "issuers.csv", "funds.csv", "fund_holdings.csv", "manifest.json")


def _cache_file() -> Path | None:
    """Where the parsed snapshot is cached, keyed by the bundled files' contents.

    A SHA-256 of the 2.7 MB of tables costs about 2 ms, and unlike sizes and times it cannot
    match a changed file (a rebuild that keeps every size, a copy that keeps the times).
    """
    root = os.environ.get("BUBBLEGUARD_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "bubbleguard")
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    try:
        for name in TABLES:
            with open(str(packaged(name)), "rb") as fh:
                digest.update(name.encode() + b"\0" + hashlib.file_digest(fh, "sha256").digest())
    except OSError:  # data inside a zip: no cache
        return None
    return Path(root) / f"snapshot-{digest.hexdigest()[:16]}"


CACHE_KEEP = 3  # snapshot caches kept (one per installed copy or version in use)
CACHE_FORMAT = "bubbleguard.snapshot-cache/2"  # Arrow IPC files: loading them runs no code
_FRAMES = ("securities", "issuers", "funds", "holdings")
_SOURCES = ("securities.csv", "issuers.csv", "funds.csv", "fund_holdings.csv")  # one per frame
_INDEX = ["symbol", "issuer_id", "fund", None]


def _prune(current: Path) -> None:
    """Remove all but the newest :data:`CACHE_KEEP` snapshot caches next to ``current``."""
    import shutil

    others = sorted((p for p in current.parent.glob("snapshot-*") if p != current),
                    key=lambda p: p.lstat().st_mtime, reverse=True)
    folders = [p for p in others if p.is_dir() and not p.is_symlink()]  # links: removed, not followed
    for old in folders[CACHE_KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)
    for old in set(others) - set(folders):  # caches of earlier formats (pickles)
        old.unlink(missing_ok=True)


def _private(path: Path) -> bool:
    """Owned by this user, writable by nobody else and not a link (a planted cache is not read)."""
    info = path.lstat()
    return (info.st_uid == os.getuid() and not info.st_mode & 0o022
            and not stat.S_ISLNK(info.st_mode))


def _shaped(frames: list[pd.DataFrame]) -> bool:
    """The cached tables have the bundled files' columns, as text (the weights as numbers)."""
    for frame, source in zip(frames, _SOURCES, strict=True):
        with packaged(source).open("rb") as fh:
            header = next(csv.reader([fh.readline().decode("utf-8-sig")]))
        names = [frame.index.name] * (frame.index.name is not None) + list(frame.columns)
        if names != header:
            return False
        numeric = {"weight"} if source == "fund_holdings.csv" else set()
        for column in frame.columns:
            want = pd.api.types.is_float_dtype if column in numeric else pd.api.types.is_string_dtype
            if not want(frame[column]):
                return False
    return True


def _read_cache(folder: Path) -> tuple[Any, ...] | None:
    """The cached tables, or None when the cache is missing, damaged, foreign or not private."""
    try:
        files = [folder / f"{name}.arrow" for name in _FRAMES]
        if not all(_private(p) for p in (folder, *files)):
            return None
        frames = [pd.read_feather(p) for p in files]
        meta = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if (meta.get("format") != CACHE_FORMAT or meta.get("key") != folder.name
                or meta.get("index") != _INDEX):
            return None
        frames = [f.set_index(i) if i else f for f, i in zip(frames, _INDEX, strict=True)]
        manifest = json.loads(packaged("manifest.json").read_text(encoding="utf-8"))
        if not _shaped(frames) or meta.get("manifest") != manifest:
            return None  # another version's tables, or damaged ones: rebuilt
        return (*frames, manifest)
    except Exception:  # noqa: BLE001 - a damaged or foreign cache is rebuilt
        return None


def _write_cache(folder: Path, tables: tuple[Any, ...]) -> None:
    """Write the cache privately (0700) into a fresh temporary folder, then rename it into place."""
    import shutil
    import tempfile

    try:
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=folder.parent))  # 0700, never a link
        try:
            index = [f.index.name for f in tables[:4]]
            for name, frame, idx in zip(_FRAMES, tables[:4], index, strict=True):
                (frame.reset_index() if idx else frame).to_feather(tmp / f"{name}.arrow")
            meta = {"format": CACHE_FORMAT, "key": folder.name, "index": index,
                    "manifest": tables[4]}
            (tmp / "manifest.json").write_text(json.dumps(meta), encoding="utf-8")
            for written in tmp.iterdir():  # 0600 whatever the umask, or the next run rejects it
                written.chmod(0o600)
            if folder.is_symlink():  # removed, never followed
                folder.unlink()
            shutil.rmtree(folder, ignore_errors=True)  # a damaged or foreign one
            os.replace(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        _prune(folder)
    except OSError:
        pass  # a read-only home: parse every time


def _parse() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    manifest = json.loads(packaged("manifest.json").read_text(encoding="utf-8"))
    holdings = _read("fund_holdings.csv")
    holdings["weight"] = holdings["weight"].astype(float)
    return (_read("securities.csv").set_index("symbol"), _read("issuers.csv").set_index("issuer_id"),
            _read("funds.csv").set_index("fund"), holdings, manifest)


@cache
def load_snapshot() -> Snapshot:
    """Load the embedded reference snapshot (once per process).

    The parsed tables are cached in the user's cache folder (``$BUBBLEGUARD_CACHE_DIR``, else
    ``~/.cache/bubbleguard``), keyed by the bundled files, so later runs skip CSV parsing; the
    CSV files stay the only source. The cache is Arrow IPC files (loading them cannot run code),
    private to the user, written atomically, and rebuilt when it is damaged, foreign or writable
    by others.
    """
    cached = _cache_file()
    tables = _read_cache(cached) if cached is not None and cached.exists() else None
    if tables is None:
        try:
            tables = _parse()
        except (OSError, ValueError) as exc:  # pragma: no cover - broken install
            raise DataError(f"The bundled reference snapshot is missing or damaged ({exc}); "
                            "reinstall bubbleguard.") from None
        if cached is not None:
            _write_cache(cached, tables)
    securities, issuers, funds, holdings, manifest = tables
    return Snapshot(securities=securities, issuers=issuers, funds=funds, holdings=holdings,
                    manifest=manifest)
