"""Normalise the hand-compiled raw deal table into bubbleguard's deal table.

Usage::

    python snapshot/deals.py RAW_CSV OUT_CSV

``snapshot/build.py`` calls :func:`build_deals` and writes ``src/bubbleguard/data/deals.csv``.

Conventions of the output (validated by :func:`bubbleguard.deals._graph.validate_deals`):

* **One row per directed flow between two parties.** The raw direction ``from -> to`` is the
  direction of money or of a commitment to pay: the investor, buyer, lender or the company that
  grants equity/warrants is the source. Every one of the 40 raw rows was read against its
  description and follows this (e.g. "AMD issued OpenAI a warrant" is ``AMD -> OpenAI``, "OpenAI
  to deploy 6 GW of AMD GPUs" is ``OpenAI -> AMD``).
* **Several parties in one cell** ("SoftBank; OpenAI; Oracle; MGX" -> Stargate) become one row per
  party, ``deal_id`` = raw row number plus a party suffix (``D001-openai``). Such a row keeps an
  amount only where :data:`ATTRIBUTED` cites the source giving that party's share; otherwise
  ``amount_usd`` is empty, ``amount_shared`` is true and the shared total is quoted in the
  description. An amount is never divided.
* Unnamed co-investors (:data:`NOT_A_PARTY`) are not parties and are dropped from such cells.
* Parties get canonical short names and US tickers from :data:`PARTIES` (private parties keep an
  empty ticker; SoftBank's ``9984.T`` becomes ``9984``). The raw ticker cells are only checked
  against it, since they are not aligned with multi-party cells.
* ``date`` is ISO, on the first day of the month, year or range when the raw date is less precise
  (``date_precision`` says which). ``deal_type`` and ``certainty`` are normalised, and the raw
  wording is kept in ``deal_type_raw`` and ``certainty_raw``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

try:
    from bubbleguard.deals._graph import COLUMNS, validate_deals
    from bubbleguard.errors import DealsError
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from bubbleguard.deals._graph import COLUMNS, validate_deals
    from bubbleguard.errors import DealsError

#: (pattern matched at the start of a party cell, canonical name, US ticker or "" if private)
PARTIES: list[tuple[str, str, str]] = [
    (r"softbank", "SoftBank Group", "9984"),
    (r"openai", "OpenAI", ""),
    (r"oracle", "Oracle", "ORCL"),
    (r"mgx", "MGX", ""),
    (r"stargate", "Stargate", ""),
    (r"coreweave", "CoreWeave", "CRWV"),
    (r"nvidia", "NVIDIA", "NVDA"),
    (r"amd", "AMD", "AMD"),
    (r"microsoft", "Microsoft", "MSFT"),
    (r"nebius", "Nebius", "NBIS"),
    (r"intel", "Intel", "INTC"),
    # The Hyperion JV (80% Blue Owl funds, 20% Meta) builds the campus Meta leases: Meta's side.
    (r"meta", "Meta Platforms", "META"),
    (r"blue owl", "Blue Owl", "OWL"),
    (r"xai", "xAI", ""),
    (r"broadcom", "Broadcom", "AVGO"),
    (r"anthropic", "Anthropic", ""),
    (r"google|alphabet", "Alphabet", "GOOGL"),
    (r"amazon|aws", "Amazon", "AMZN"),
    (r"iren", "IREN", "IREN"),
    (r"dell", "Dell Technologies", "DELL"),
    (r"cerebras", "Cerebras", ""),
]
#: Cell parts that name no identifiable party.
NOT_A_PARTY = (r"co-investor syndicate",)
#: (raw date, party, counterparty) -> (USD, where the source attributes it) for multi-party cells.
ATTRIBUTED: dict[tuple[str, str, str], tuple[float, str]] = {
    ("2025-03-31", "SoftBank Group", "OpenAI"): (
        30e9, "the description gives SoftBank's effective share as up to $30B, with $10B "
              "syndicated to unnamed co-investors"),
}
#: Per-party shares the source articles give (/work/shared/articles, summarised in SUMMARY.md).
ARTICLE_001 = ("source article 001 (Chinese financial press, 2025-10/11, in the project's "
               "articles): of the first $100B of Stargate, OpenAI and SoftBank fund $19B each, "
               "Oracle and MGX $7B together, $45B in all")
ATTRIBUTED.update({
    ("2025-01-21", "OpenAI", "Stargate"): (19e9, ARTICLE_001),
    ("2025-01-21", "SoftBank Group", "Stargate"): (19e9, ARTICLE_001),
})
#: Parties of a multi-party cell that share a stated amount between them, with no split.
JOINT: dict[tuple[str, str, str], str] = {
    ("2025-01-21", "Oracle", "Stargate"): ARTICLE_001 + "; the split between Oracle and MGX is "
                                                        "not given, so no amount is set",
    ("2025-01-21", "MGX", "Stargate"): ARTICLE_001 + "; the split between Oracle and MGX is not "
                                                     "given, so no amount is set",
}
#: (raw date, from party, to party) -> (deal_type, why) where the wording misleads the rules.
TYPED: dict[tuple[str, str, str], tuple[str, str]] = {
    ("2025-10-28", "Microsoft", "OpenAI"): (
        "valuation", "the amount is the value of Microsoft's stake after OpenAI's "
                     "recapitalisation; the row itself says 'not new cash'"),
}
#: deal_type rules, tried on the wording before any parenthesis, then on the whole wording.
DEAL_TYPE_RULES: list[tuple[str, str]] = [
    (r"warrant", "warrants"),
    (r"joint venture|\bjv\b", "joint_venture"),
    (r"financing|loan|bond", "financing"),
    (r"cloud|compute|capacity purchase", "cloud_contract"),
    (r"purchase", "purchase_commitment"),
    (r"equity|stake|investment", "equity_investment"),
]
_PARTS = re.compile(r";|\s\+\s")
RAW_COLUMNS = ("date", "from_party", "to_party", "from_ticker", "to_ticker", "deal_type",
               "amount_usd", "units", "description", "source", "date_precision", "certainty")


def build_deals(raw_csv: Path, *extra_csv: Path) -> pd.DataFrame:
    """Normalise the raw deal table (see the module docstring for the conventions).

    Parameters
    ----------
    raw_csv
        ``ai_deals_2025.csv`` (columns :data:`RAW_COLUMNS`).
    *extra_csv
        Curated supplements in the same columns (sourced rows the raw table lacks); their
        rows follow the raw rows, so raw deal ids do not change.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`bubbleguard.deals._graph.COLUMNS`, dates as ISO strings, amounts in whole US
        dollars (nullable integers, so any CSV writer prints them plainly; empty when
        undisclosed or shared).

    Raises
    ------
    DealsError
        Every raw row that cannot be normalised (unknown party, bad amount, date or certainty,
        ticker contradicting the party), listed together with its line number.
    """
    raw = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in (raw_csv, *extra_csv)],
                    ignore_index=True)
    missing = [c for c in RAW_COLUMNS if c not in raw.columns]
    if missing:
        raise DealsError(f"{raw_csv}: missing raw column(s) {', '.join(missing)}.")
    rows: list[dict[str, object]] = []
    problems: list[str] = []
    for n, rec in enumerate(raw.to_dict("records"), start=1):
        try:
            rows += _normalise(n, {k: v.strip() for k, v in rec.items()})
        except ValueError as exc:
            problems.append(f"line {n + 1}: {exc}")
    if problems:
        raise DealsError(f"{raw_csv}: {len(problems)} raw row(s) cannot be normalised:\n- "
                         + "\n- ".join(problems))
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["amount_usd"] = out["amount_usd"].astype("float64").round().astype("Int64")
    validate_deals(out, origin=f"deals built from {raw_csv}")
    return out


def _normalise(n: int, rec: dict[str, str]) -> list[dict[str, object]]:
    sources, n_from = _parties(rec["from_party"], rec["from_ticker"])
    targets, n_to = _parties(rec["to_party"], rec["to_ticker"])
    amount = _amount(rec["amount_usd"])
    date, precision = _date(rec["date"], rec["date_precision"])
    base = {"date": date, "date_precision": precision, "deal_type": _deal_type(rec["deal_type"]),
            "deal_type_raw": rec["deal_type"], "units": rec["units"],
            "certainty": _certainty(rec["certainty"]), "certainty_raw": rec["certainty"],
            "sources": " ; ".join(s.strip() for s in rec["source"].split(";") if s.strip())}
    shared = n_from * n_to > 1
    rows = []
    for src, src_ticker in sources:
        for dst, dst_ticker in targets:
            row = dict(base, source_party=src, source_ticker=src_ticker, target_party=dst,
                       target_ticker=dst_ticker, amount_usd=amount, amount_shared=False,
                       description=rec["description"])
            named = [p for p, many in ((src, len(sources) > 1), (dst, len(targets) > 1)) if many]
            row["deal_id"] = "-".join([f"D{n:03d}", *(_slug(p) for p in named)])
            if shared:
                row.update(_share(rec, amount, src, dst, named[0] if named else src))
            row["amount_up_to"] = _ceiling(rec["description"], row["amount_usd"])
            if row["amount_up_to"]:
                row["description"] = (f"{row['description']} [bubbleguard: the amount is a ceiling "
                                      "(the row says 'up to'), not a firm figure.]")
            if (rec["date"], src, dst) in TYPED:
                kind, why = TYPED[(rec["date"], src, dst)]
                row["deal_type"] = kind
                row["description"] = f"{row['description']} [bubbleguard: typed {kind}: {why}.]"
            rows.append(row)
    return rows


_UP_TO = re.compile(r"\bup to \$(\d+(?:\.\d+)?)\s*([MBT])\b", re.IGNORECASE)


def _ceiling(description: str, amount: object) -> bool:
    """The amount is an announced maximum: the row's own description says "up to $<amount>"."""
    if not isinstance(amount, (int, float)) or amount != amount:
        return False
    scale = {"M": 1e6, "B": 1e9, "T": 1e12}
    return any(abs(float(n) * scale[u.upper()] - float(amount)) <= 1e-6 * float(amount)
               for n, u in _UP_TO.findall(description))


def _slug(party: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", party.lower()).strip("-")


def _share(rec: dict[str, str], amount: float | None, src: str, dst: str,
           party: str) -> dict[str, object]:
    """Amount fields for one party of a multi-party cell; the description says what was done."""
    total = "no amount" if amount is None else f"${amount / 1e9:g}B"
    cell = rec["from_party"] if _PARTS.search(rec["from_party"]) else rec["to_party"]
    if (rec["date"], src, dst) in ATTRIBUTED:
        value, why = ATTRIBUTED[(rec["date"], src, dst)]
        note = (f"[bubbleguard: raw total {total} for '{cell}'; amount_usd is {party}'s share: "
                f"{why}.]")
        return {"amount_usd": value, "amount_shared": False,
                "description": f"{rec['description']} {note}"}
    if (rec["date"], src, dst) in JOINT:
        note = (f"[bubbleguard: raw total {total} is shared by '{cell}'; "
                f"{JOINT[(rec['date'], src, dst)]}.]")
        return {"amount_usd": None, "amount_shared": True,
                "description": f"{rec['description']} {note}"}
    note = (f"[bubbleguard: raw total {total} is shared by '{cell}'; the source gives no "
            "per-party amount, so amount_usd is left empty.]")
    return {"amount_usd": None, "amount_shared": True,
            "description": f"{rec['description']} {note}"}


def _parties(cell: str, tickers: str) -> tuple[list[tuple[str, str]], int]:
    """(canonical name, ticker) of each named party in a cell, and the number of parts."""
    found = []
    parts = [p for p in _PARTS.split(cell) if p.strip()]
    for part in parts:
        text = part.strip().lower()
        if not text or any(re.match(p, text) for p in NOT_A_PARTY):
            continue
        hit = next(((name, tic) for pat, name, tic in PARTIES if re.match(rf"(?:{pat})\b", text)),
                   None)
        if hit is None:
            raise ValueError(f"unknown party '{part.strip()}'; add it to PARTIES in "
                             "snapshot/deals.py with its canonical name and ticker")
        found.append(hit)
    if not found:
        raise ValueError(f"no identifiable party in '{cell}'")
    known = {t for _, t in found}
    for raw in (t.strip() for t in tickers.split(";")):
        tic = re.sub(r"\.T$", "", raw.upper())
        if tic and tic not in known:
            raise ValueError(f"ticker '{raw}' does not belong to any party of '{cell}'")
    return found, len(parts)


def _amount(text: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise ValueError(f"amount_usd '{text}' is not a number of US dollars") from None
    if not value >= 0:
        raise ValueError(f"amount_usd '{text}' is negative or not a number")
    return value


def _date(text: str, precision_raw: str) -> tuple[str, str]:
    precision = precision_raw.split()[0].lower() if precision_raw else ""
    pattern = {"day": r"\d{4}-\d{2}-\d{2}", "month": r"\d{4}-\d{2}", "year": r"\d{4}",
               "range": r"\d{4}/\d{4}"}.get(precision)
    if pattern is None or not re.fullmatch(pattern, text):
        raise ValueError(f"date '{text}' does not match its precision '{precision_raw}'")
    first = {"day": text, "month": f"{text}-01", "year": f"{text}-01-01",
             "range": f"{text[:4]}-01-01"}[precision]
    try:
        return pd.Timestamp(first).date().isoformat(), precision
    except ValueError:
        raise ValueError(f"date '{text}' is not a calendar date") from None


def _deal_type(text: str) -> str:
    lowered = text.lower()
    for candidate in (lowered.split("(")[0], lowered):
        for pattern, kind in DEAL_TYPE_RULES:
            if re.search(pattern, candidate):
                return kind
    return "other"


def _certainty(text: str) -> str:
    lowered = text.lower()
    if "superseded" in lowered:
        return "superseded"
    if "uncertain" in lowered:
        return "uncertain"
    if lowered.startswith("confirmed"):
        return "confirmed"
    if lowered.startswith(("reported", "announced")):
        return "reported"
    raise ValueError(f"certainty '{text}' is not confirmed/reported/announced/UNCERTAIN/"
                     "superseded wording; extend _certainty in snapshot/deals.py")


def main(argv: list[str]) -> None:
    """``python snapshot/deals.py RAW_CSV OUT_CSV``: build and write the deal table."""
    if len(argv) != 2:
        raise SystemExit("usage: python snapshot/deals.py RAW_CSV OUT_CSV")
    deals = build_deals(Path(argv[0]))
    deals.to_csv(argv[1], index=False, lineterminator="\n", float_format="%.8g")


if __name__ == "__main__":
    main(sys.argv[1:])
