"""Renderers of the reference data: ``funds`` (the list, one fund) and ``data info``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from ..i18n import N_, _
from ._format import csv_text, label, pct, theme_name

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["fund_csv", "fund_renderable", "info_renderable", "list_renderable"]


def list_renderable(df: pd.DataFrame) -> Any:
    import pandas as pd
    from rich.table import Table

    counts = df["coverage"].value_counts()
    table = Table(title=_("Funds: {n} ({full} full holdings lists, {top10} top 10 only, {none} without "
                          "holdings)").format(n=len(df), full=counts.get("full", 0),
                                              top10=counts.get("top10", 0), none=counts.get("none", 0)),
                  title_justify="left")
    for h in (N_("fund"), N_("name"), N_("category"), N_("asset class"), N_("coverage"), N_("holdings"),
              N_("as of")):
        table.add_column(_(h), justify="right" if h == "holdings" else "left",
                         no_wrap=h in ("fund", "as of", "coverage"),
                         ratio=2 if h == "name" else None)
    for r in cast("Iterator[Any]", df.itertuples()):
        cov = _("full via {fund}").format(fund=r.tracks) if r.tracks else label(r.coverage)
        table.add_row(r.fund, r.name, r.category.replace("_", " "), label(r.asset_class).replace("_", " "),
                      cov, "" if pd.isna(r.holdings) else str(r.holdings), r.as_of)
    return table


def fund_csv(fl: dict[str, Any]) -> str:
    import pandas as pd

    rows = [{"kind": "issuer", "key": i["issuer_id"], "name": i["issuer"], "weight": i["weight"],
             "themes": " ".join(i["themes"]), "reason": ""} for i in fl["issuers"]]
    rows += [{"kind": "asset_class", "key": k, "name": k.replace("_", " "), "weight": v,
              "themes": "",
              "reason": f"{fl['fund']} holds {k.replace('_', ' ')}; not looked through"}
             for k, v in fl["non_equity"].items()]
    rows += [{"kind": "unresolved", "key": u["origin"], "name": "", "weight": u["weight"],
              "themes": "", "reason": u["reason"]} for u in fl["unresolved"]]
    frame = pd.DataFrame(rows, columns=["kind", "key", "name", "weight", "themes", "reason"])
    return csv_text(frame, float_format="%.8g")


def fund_renderable(fl: dict[str, Any], top: int) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    cov = _({"full": N_("full holdings list"), "top10": N_("top 10 holdings only"),
             "none": N_("no holdings list")}[fl["coverage"]])
    head = Text()
    head.append(f"{fl['fund']}  {fl['name']}", style="bold")
    cls = label(fl["asset_class"]).replace("_", " ")
    category = fl["category"] or _("no category")
    head.append(f"\n{category}, {cls}; {cov}")
    if fl["holdings"] is not None:
        head.append(_(" ({n} holdings)").format(n=fl["holdings"]))
    if fl["as_of"] or fl["source"]:
        head.append(_(" as of {date} from {source}").format(date=fl["as_of"] or _("unknown"),
                                                            source=fl["source"]))
    if fl["note"]:
        head.append(f"\n{fl['note']}", style="dim")
    parts: list[Any] = [head]
    if fl["issuers"]:
        table = Table(title=_("Top {top} of {n} issuers (look-through)").format(
            top=min(top, len(fl["issuers"])), n=len(fl["issuers"])), title_justify="left")
        for h in ("#", N_("issuer"), N_("symbols"), N_("weight"), N_("AI role"), N_("themes")):
            table.add_column(_(h) if h != "#" else h, justify="right" if h in ("#", "weight") else "left")
        for n, i in enumerate(fl["issuers"][:top], 1):
            table.add_row(str(n), i["issuer"], " ".join(i["symbols"]), pct(i["weight"], decimals=2),
                          label(i["role"].replace("_", " ")), ", ".join(map(label, i["themes"])))
        parts.append(table)
        lines = [f"{theme_name(k)}: {pct(fl['themes'].get(k, 0.0))}"
                 for k in ("ai", "magnificent7", "circular_deals")]
        lines.append(_("Ten largest issuers: {top10}; effective number of issuers: {effective}").format(
            top10=pct(fl["concentration"]["top10_share"]),
            effective=f"{fl['concentration']['effective_issuers']:.0f}"))
        parts.append(Text(_("Share of the fund in {themes}.").format(themes="; ".join(lines[:3]))
                          + "\n" + lines[3] + _(".")))
    if fl["non_equity"]:
        classes = ", ".join(f"{label(k).replace('_', ' ')} {pct(v)}" for k, v in fl["non_equity"].items())
        parts.append(Text(_("Not looked through (counted as asset class): {classes}.").format(
            classes=classes)))
    if fl["unresolved"]:
        table = Table(title=_("Unresolved remainder"), title_justify="left")
        for h in (N_("from"), N_("weight"), N_("reason")):
            table.add_column(_(h), justify="right" if h == "weight" else "left")
        for u in fl["unresolved"]:
            table.add_row(u["origin"], pct(u["weight"], decimals=2), u["reason"])
        parts.append(table)
    else:
        parts.append(Text(_("Unresolved remainder: none."), style="dim"))
    return Group(*parts)


def info_renderable(info: dict[str, Any]) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = [Text(_("Reference snapshot ({schema}), built from {source}").format(
        schema=info["snapshot_schema"], source=info["built_from"]), style="bold")]
    t = Table(title=_("Data dates"), title_justify="left")
    for h in (N_("data"), N_("as of"), N_("age (days)")):
        t.add_column(_(h), justify="right" if h.startswith("age") else "left")
    for name, d in info["as_of"].items():
        age = "" if d["age_days"] is None else str(d["age_days"])
        t.add_row(name.replace("_", " "), d["date"], age)
    parts.append(t)
    t = Table(title=_("Tables"), title_justify="left")
    for h in (N_("table"), N_("rows"), N_("source")):
        t.add_column(_(h), justify="right" if h == "rows" else "left")
    for row in info["tables"]:
        src = row["source"] + (f" (as of {row['as_of']})" if row["as_of"] else "")
        t.add_row(row["table"], f"{row['rows']:,}" if row["rows"] is not None else "", src)
    parts.append(t)
    c = info["fund_coverage"]
    title = _("Fund holdings: {funds} funds ({full} full lists, of which {tracking} use the fund they track; "
              "{top10} top 10 only)").format(funds=c["funds"], full=c["full"],
                                             tracking=c["tracking_another_fund"], top10=c["top10"])
    t = Table(title=title, title_justify="left")
    for h in (N_("source"), N_("funds"), N_("oldest"), N_("newest")):
        t.add_column(_(h), justify="right" if h == "funds" else "left")
    for s in c["sources"]:
        t.add_row(s["source"], str(s["funds"]), s["oldest"], s["newest"])
    parts.append(t)
    lines = []
    if c["oldest"]:
        old, new = c["oldest"], c["newest"]
        lines.append(_("Oldest holdings: {oldest} as of {oldest_date} ({oldest_days} days); newest: {newest} "
                       "as of {newest_date} ({newest_days} days).").format(
            oldest=old["fund"], oldest_date=old["as_of"], oldest_days=old["age_days"],
            newest=new["fund"], newest_date=new["as_of"], newest_days=new["age_days"]))
    if c["derived"]:
        lines.append(_("Derived lists, not the fund's own file ({n}): {funds}.").format(
            n=len(c["derived"]), funds=", ".join(d["fund"] for d in c["derived"])))
    if c["approximated"]:
        lines.append(_("Approximated by a fund of a similar index ({n}): {funds}.").format(
            n=len(c["approximated"]), funds=", ".join(f"{a['fund']} ({a['by']})" for a in c["approximated"])))
    if c["estimated_tails"]:
        lines.append(_("Lists whose holdings shown at {zero} share the weight the rounded file "
                       "leaves out, estimated ({n}): {funds}.").format(
            zero="0.00%", n=len(c["estimated_tails"]), funds=", ".join(
                f"{t['fund']} ({t['holdings']:,} holdings, {pct(t['weight'], decimals=2)})"
                for t in c["estimated_tails"])))
    if c["without_holdings"]:
        kinds = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in c["without_holdings"].items())
        lines.append(_("Funds counted as their asset class, not looked through: {kinds}.").format(
            kinds=kinds))
    parts.append(Text("\n".join(lines)))
    if info["notes"]:
        parts.append(Text(_("Notes from the build:"), style="bold"))
        parts.append(Text("\n".join(f"- {n}" for n in info["notes"])))
    local = info["local_fund_files"]
    if not local["exists"]:
        parts.append(Text(_("Local fund files: {folder} does not exist (none used).").format(
            folder=local["folder"]), style="dim"))
    else:
        t = Table(title=_("Local fund files in {folder}").format(folder=local["folder"]),
                  title_justify="left")
        for h in (N_("fund"), N_("as of"), N_("holdings"), N_("weight sum"), N_("file"), N_("in snapshot")):
            t.add_column(_(h), justify="right" if h in ("holdings", "weight sum") else "left")
        for f in local["funds"]:
            t.add_row(f["fund"], f["as_of"], str(f["holdings"]), f"{f['weight_sum']:.2%}",
                      f["file"], _("yes") if f["in_snapshot"] else "")
        parts.append(t)
        parts += [Text(_("Unreadable: {problem}").format(problem=p), style="red")
                  for p in local["problems"]]
    return Group(*parts)
