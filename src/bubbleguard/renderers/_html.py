"""The HTML report: one self-contained file (inline CSS and SVG charts, no scripts, no URLs).

``report_html(report)`` renders a check report with its charts, the deal graph sized by the
portfolio's exposure, the stress scenarios and, when given, a rebalance plan with before/after.
It opens offline in any browser and prints cleanly. Every piece of text is escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from ..i18n import N_, _, get_language
from ._format import label, market_split_text, money, pct, theme_name

if TYPE_CHECKING:
    from ..deals._graph import DealGraph
    from ..report import Report
    from ..scenarios._results import ScenarioResult, ScenarioResults

__all__ = ["SECTIONS", "fragment", "report_html"]

#: Section ids, in page order (``plan`` only with a plan).
SECTIONS = ("summary", "findings", "issuers", "themes", "asset-classes", "deals", "scenarios",
            "plan", "data")
NAV = {"summary": N_("Summary"), "findings": N_("Findings"), "issuers": N_("Issuers"), "themes": N_("Themes"),
       "asset-classes": N_("Asset classes"), "deals": N_("Deals"), "scenarios": N_("Scenarios"),
       "plan": N_("Plan"), "data": N_("Data")}
CSS = """
:root{--ink:#1d2733;--muted:#5b6b7b;--line:#dde3ea;--bg:#f5f7fa;--card:#fff;--bad:#c0392b;
--warn:#b7791f;--good:#2e8b57;--accent:#1f4e79}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
color:var(--ink);background:var(--bg)}
header{background:var(--accent);color:#fff;padding:22px 32px 16px}
header h1{margin:0 0 4px;font-size:24px}
header p{margin:0;opacity:.9}
nav{position:sticky;top:0;z-index:1;background:#fff;border-bottom:1px solid var(--line);
padding:8px 32px;display:flex;flex-wrap:wrap;gap:18px;font-size:14px}
nav a{color:var(--accent);text-decoration:none}
main{max-width:1120px;margin:0 auto;padding:12px 24px 40px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:18px 0;
padding:16px 22px}
h2{margin:0 0 10px;font-size:19px}
h3{margin:18px 0 6px;font-size:15px}
p.lead{color:var(--muted);margin:0 0 12px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;margin:8px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 14px;background:#fbfcfd}
.card .k{font-size:13px;color:var(--muted)}
.card .v{font-size:24px;font-weight:600}
.card .s{font-size:12px;color:var(--muted)}
.card.bad .v{color:var(--bad)} .card.good .v{color:var(--good)}
table{border-collapse:collapse;width:100%;font-size:14px;margin:6px 0}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f0f3f7;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.over td{color:var(--bad)}
.sev{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;
color:#fff}
.sev.error{background:var(--bad)} .sev.warning{background:var(--warn)}
.sev.info{background:#3b82a0}
svg.chart{width:100%;height:auto;display:block;margin:4px 0 8px}
details{margin:8px 0} summary{cursor:pointer;color:var(--accent)}
.note{color:var(--muted);font-size:13px}
.nw{white-space:nowrap}
.wide{width:min(1500px,calc(100vw - 32px));position:relative;left:50%;
transform:translateX(-50%);background:#fff;border:1px solid var(--line);border-radius:8px;
margin:8px 0}
footer{max-width:1120px;margin:0 auto;padding:0 24px 30px;color:var(--muted);font-size:13px}
@media print{nav{display:none} body{background:#fff} section{break-inside:avoid;border:none}
.wide{width:auto;left:0;transform:none;border:none}}
"""
LEADS = {
    "issuers": N_("Funds are looked through to the companies they hold; share classes are merged."),
    "asset-classes": N_("Bonds and gold cushion a falling stock market; the floors come from the "
                        "policy."),
    "deals": N_("Arrows run from payer to payee; node size is your look-through weight in each "
                "party. Dependence: the share of a party's disclosed deal flow that stays inside its "
                "circle."),
    "scenarios": N_("Historical: buy-and-hold from the close of the start date to the close of the "
                    "end date, from bundled adjusted prices. Hypothetical: assumed shocks on the "
                    "look-through, not forecasts."),
}


def _e(x: Any) -> str:
    return escape(str(x), quote=True)


class _Raw(str):
    """Markup that is already safe (built from escaped parts)."""


def _cell(c: Any, numeric: bool) -> str:
    text = str(c) if isinstance(c, _Raw) else _e(c)
    return f'<td class="n">{text}</td>' if numeric else f"<td>{text}</td>"


def _table(head: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[int] = (),
           classes: Sequence[str] | None = None) -> str:
    """Build an HTML table; cells are escaped unless wrapped in :class:`_Raw`."""
    head = [_(h) for h in head]  # headers are messages: translated here, where they are shown
    th = "".join(f'<th class="n">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>"
                 for i, h in enumerate(head))
    body = []
    for r, row in enumerate(rows):
        cells = "".join(_cell(c, i in numeric) for i, c in enumerate(row))
        cls = f' class="{classes[r]}"' if classes and classes[r] else ""
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _svg(fig: Any, prefix: str, label: str) -> str:
    from ._charts import inline_svg, to_svg

    return inline_svg(to_svg(fig), prefix, label)


def _section(sid: str, title: str, body: str, lead: str = "") -> str:
    if not lead and sid in LEADS:
        lead = _(LEADS[sid])
    lead_html = f'<p class="lead">{_e(lead)}</p>' if lead else ""
    return f'<section id="{sid}"><h2>{_e(title)}</h2>{lead_html}{body}</section>'


def _card(key: str, value: str, sub: str = "", state: str = "") -> str:
    return (f'<div class="card {state}"><div class="k">{_e(key)}</div>'
            f'<div class="v">{_e(value)}</div><div class="s">{_e(sub)}</div></div>')


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{_e(summary)}</summary>{body}</details>"


# --------------------------------------------------------------------------- sections
def _summary(report: Report, scenarios: ScenarioResults | None) -> str:
    ex, pol = report.exposures, report.policy
    cards = []
    for t, v in ex.themes.items():
        lim = pol.get("max_theme", {}).get(t)
        cards.append(_card(theme_name(t), pct(v), _("limit {limit}").format(limit=pct(lim)) if lim else "",
                           "bad" if lim is not None and v > lim else "good"))
    top10, lim10 = ex.concentration["top10_share"], pol.get("max_top10")
    cards.append(_card(theme_name("top10"), pct(top10), _("limit {limit}").format(limit=pct(lim10)),
                       "bad" if lim10 is not None and top10 > lim10 else "good"))
    if scenarios and scenarios.scenarios:
        worst = min(scenarios.scenarios, key=lambda s: s.return_)
        cards.append(_card(_("Worst scenario"), pct(worst.return_, True), _(worst.name),
                           "bad" if worst.return_ < -0.2 else ""))
    n = {s: sum(f.severity == s for f in report.findings) for s in ("error", "warning", "info")}
    cards.append(_card(_("Findings"), str(len(report.findings)),
                       _("{error} errors, {warning} warnings, {info} info").format(**n),
                       "bad" if n["error"] else ("" if report.findings else "good")))
    unresolved = sum(u.weight for u in ex.unresolved)
    lead = _("{source}: {value} in {n} holdings; profile {profile}. {unresolved} of the value could not "
             "be looked through (kept as unresolved, never dropped).").format(
        source=report.source, value=money(report.total_value, report.currency, 0),
        n=len(report.positions), profile=pol.get("profile", ""), unresolved=pct(unresolved))
    positions = _table([N_("holding"), N_("name"), N_("kind"), N_("asset class"), N_("value"), N_("weight")],
                       [(p.symbol, p.name, p.kind, label(p.asset_class).replace("_", " "),
                         money(p.market_value, decimals=0), pct(p.weight)) for p in report.positions],
                       numeric=(4, 5))
    return _section("summary", _("Summary"), f'<div class="cards">{"".join(cards)}</div>'
                    + _details(_("Your {n} holdings").format(n=len(report.positions)), positions), lead)


def _findings(report: Report) -> str:
    if not report.findings:
        return _section("findings", _("Findings"),
                        "<p>" + _e(_("No findings: every guardrail holds.")) + "</p>")
    rows = [(_Raw(f'<span class="sev {_e(f.severity)}">{_e(label(f.severity))}</span>'), f.code,
             pct(f.value), pct(f.limit), f.message) for f in report.findings]
    table = _table([N_("severity"), N_("code"), N_("value"), N_("limit"), N_("what to do")], rows,
                   numeric=(2, 3))
    return _section("findings", _("Findings"), table)


def _issuers(report: Report) -> str:
    from ._charts import issuers_chart

    issuers, cap = report.exposures.issuers[:40], report.policy.get("max_issuer")
    if not issuers:
        return _section("issuers", _("Exposure by issuer: direct and via funds"),
                        "<p>" + _e(_("The portfolio holds no company shares, directly or through "
                                     "funds.")) + "</p>")
    chart = _svg(issuers_chart(report, title=None), "iss", _("Top issuers, direct and via funds"))
    rows = [(i.issuer, " ".join(i.symbols), pct(i.weight), pct(i.direct_weight),
             pct(i.via_funds_weight), label(i.role.replace("_", " ")),
             ", ".join(theme_name(t) for t in i.themes)) for i in issuers]
    table = _table([N_("issuer"), N_("symbols"), N_("weight"), N_("direct"), N_("via funds"), N_("AI role"),
                    N_("themes")],
                   rows, numeric=(2, 3, 4),
                   classes=["over" if cap is not None and i.weight > cap else "" for i in issuers])
    why = [(i.issuer, label(i.role.replace("_", " ")), i.reason, i.source) for i in issuers if i.reason]
    detail = ""
    if why:
        detail = _details(_("Why {n} of these issuers count as AI, and the sources").format(n=len(why)),
                          _table([N_("issuer"), N_("AI role"), N_("reason"), N_("source")], why))
    return _section("issuers", _("Exposure by issuer: direct and via funds"),
                    chart + _details(_("Table of the {n} largest issuers").format(n=len(rows)), table)
                    + detail)


def _themes(report: Report) -> str:
    from ._charts import themes_chart

    ex, pol, ctx = report.exposures, report.policy, report.market_context
    rows = [(theme_name(t), pct(v), pct(pol.get("max_theme", {}).get(t)),
             pct(ctx.get("themes", {}).get(t))) for t, v in ex.themes.items()]
    rows.append((theme_name("top10"), pct(ex.concentration["top10_share"]),
                 pct(pol.get("max_top10")), pct(ctx.get("top10_share"))))
    split = market_split_text(report)
    body = (_svg(themes_chart(report, title=None), "thm", _("Themes against limits"))
            + _table([N_("theme"), N_("you"), N_("limit"), N_("S&P 500")], rows, numeric=(1, 2, 3))
            + (f'<p class="split">{_e(split)}</p>' if split else ""))
    return _section("themes", _("Themes against limits"), body, _(
        "S&P 500 comparison: {benchmark} as of {as_of}.").format(
        benchmark=ctx.get("benchmark", ""), as_of=ctx.get("as_of", "")))


def _asset_classes(report: Report) -> str:
    from ._charts import asset_classes_chart

    body = _svg(asset_classes_chart(report, title=None), "ac", _("Asset classes against floors"))
    return _section("asset-classes", _("Asset classes"), body)


def _deals(report: Report, deals: DealGraph | None) -> str:
    try:
        from ._charts import deal_graph_svg, inline_svg

        svg = (inline_svg(deal_graph_svg(deals, report), "deal", _("Deal graph sized by your exposure"))
               if deals is not None else "")
        graph = f'<div class="wide">{svg}</div>' if svg else ""
    except Exception as exc:  # noqa: BLE001 - the rest of the report must still render
        graph = ('<p class="note">' + _e(_("The deal graph could not be drawn ({error}).").format(
            error=f"{type(exc).__name__}: {exc}")) + "</p>")
    rows = [(c.issuer, pct(c.weight),
             ", ".join(f"{v['symbol']} {pct(v['weight'])}" for v in c.via[:5]),
             " → ".join([*c.cycles[0], c.cycles[0][0]]) if c.cycles else "—",
             "" if c.dependence is None else f"{c.dependence:.2f}")
            for c in report.exposures.counterparties]
    table = (_table([N_("party"), N_("your weight"), N_("through"), N_("a cycle it sits in"),
                     N_("dependence")], rows, numeric=(1, 4))
             if rows else "<p>" + _e(_("You hold none of the listed deal parties.")) + "</p>")
    return _section("deals", _("Circular deals and your exposure"), graph + table)


def _scenario_row(s: ScenarioResult, after: float | None, with_plan: bool) -> list[Any]:
    window = (_Raw(f'<span class="nw">{_e(s.start)} → {_e(s.end)}</span>') if s.start
              else _("hypothetical"))
    row = [_(s.name), window, pct(s.return_, True), money(s.value_change, decimals=0)]
    if with_plan:
        row.append(pct(after, True))
    row.append(", ".join(f"{c.key if c.kind == 'holding' else c.name} {pct(c.contribution, True)}"
                         for c in s.worst[:3]))
    return row


def _scenarios(results: ScenarioResults | None) -> str:
    if results is None or not results.scenarios:
        return _section("scenarios", _("Stress scenarios"), "<p>" + _e(_("No scenarios were run.")) + "</p>")
    from ._charts import scenarios_chart

    plan = {p.id: p.after for p in results.plan}
    head = [N_("scenario"), N_("window"), N_("return"),
            _("change ({currency})").format(currency=results.currency),
            *([N_("after plan")] if plan else []), N_("worst contributors")]
    table = _table(head, [_scenario_row(s, plan.get(s.id), bool(plan)) for s in results.scenarios],
                   numeric=(2, 3, 4) if plan else (2, 3))
    proxies = [(s.id, k, v) for s in results.scenarios if s.kind == "historical"
               for k, v in s.proxies.items()]
    parts = [_svg(scenarios_chart(results, title=None), "scn", _("Portfolio return in each scenario")),
             table, _details(_("Where each holding's return comes from (proxies)"),
                             _table([N_("scenario"), N_("holding"), N_("return from")], proxies))]
    for s in results.scenarios:
        if s.kind == "hypothetical":
            lines = [(c.name or c.key, pct(c.weight), pct(c.return_, True),
                      pct(c.contribution, True), c.source) for c in s.by_issuer]
            parts.append(_details(_("{scenario}: shocks by issuer").format(scenario=_(s.name)),
                                  f'<p class="note">{_e(_(s.assumptions or s.description))}</p>'
                                  + _table([N_("line"), N_("weight"), N_("shock"), N_("contribution"),
                                            N_("rule")],
                                           lines, numeric=(1, 2, 3))))
    notes = [(_(s.name), n) for s in results.scenarios for n in s.notes]
    if results.after is not None:
        notes += [(_("{scenario}, after the plan").format(scenario=_(s.name)), n)
                  for s in results.after.scenarios for n in s.notes]
    parts += [f'<p class="note">{_e(name)}: {_e(n)}</p>' for name, n in notes]
    return _section("scenarios", _("Stress scenarios"), "".join(parts))


def _plan_charts(plan: Any, report: Report) -> str:
    from ._charts import before_after_chart

    before, after = getattr(plan, "before", None), getattr(plan, "after", None)
    if not (hasattr(before, "exposures") and hasattr(after, "exposures")):
        return ""
    pol = report.policy
    b, a = before.exposures, after.exposures  # type: ignore[union-attr]
    themes = before_after_chart(
        {**b.themes, "top10": b.concentration["top10_share"]},
        {**a.themes, "top10": a.concentration["top10_share"]},
        {**pol.get("max_theme", {}), "top10": pol.get("max_top10")},
        N_("Themes before and after the plan"))
    classes = before_after_chart(
        b.asset_classes, a.asset_classes,
        {k: v for k, v in pol.get("min_asset_class", {}).items() if v},
        N_("Asset classes before and after the plan"), limit_label=N_("floor"))
    return (_svg(themes, "pth", _("Themes before and after the plan"))
            + _svg(classes, "pac", _("Asset classes before and after the plan")))


def _plan(plan: Any, report: Report) -> str:
    cur = getattr(plan, "currency", report.currency)
    cards = []
    for key, name in (("value_before", N_("value before")), ("value_after", N_("value after")),
                      ("traded_value", N_("traded")), ("costs", N_("costs")),
                      ("estimated_tax", N_("estimated tax"))):
        if getattr(plan, key, None) is not None:
            cards.append(_card(_(name), money(float(getattr(plan, key)), decimals=0), cur))
        elif key == "estimated_tax" and hasattr(plan, key):
            cards.append(_card(_(name), _("unknown"), _("no cost basis for some sells")))
    for key, name in (("turnover", N_("turnover")), ("volatility_before", N_("volatility before")),
                      ("volatility_after", N_("volatility after"))):
        if getattr(plan, key, None) is not None:
            cards.append(_card(_(name), pct(float(getattr(plan, key)))))
    trades = list(getattr(plan, "trades", None) or [])
    lead = _("Objective {objective}, status {status}: {n} trades bring the portfolio within its "
             "guardrails.").format(objective=getattr(plan, "objective", "?"),
                                   status=getattr(plan, "status", "?"), n=len(trades))
    rows = [(label(t.side), t.symbol, t.account, "" if t.shares is None else money(t.shares),
             money(t.value, decimals=0)) for t in trades]
    body = [f'<div class="cards">{"".join(cards)}</div>', _plan_charts(plan, report),
            "<h3>" + _e(_("Trades")) + "</h3>",
            _table([N_("side"), N_("symbol"), N_("account"), N_("shares"), N_("value")], rows, numeric=(3, 4))
            if rows else "<p>" + _e(_("No trades needed.")) + "</p>"]
    guard = list(getattr(plan, "guardrails", None) or [])
    if guard:
        body += ["<h3>" + _e(_("Guardrails")) + "</h3>", _table(
            [N_("constraint"), N_("before"), N_("after"), N_("limit"), N_("met")],
            [(g.constraint, pct(g.before), pct(g.after), pct(g.limit), _("yes") if g.met else _("no"))
             for g in guard], numeric=(1, 2, 3))]
    body += [f'<p class="note">{_e(n)}</p>' for n in getattr(plan, "notes", None) or []]
    return _section("plan", _("Rebalance plan"), "".join(body), lead)


def _data(report: Report) -> str:
    a = report.data_as_of
    dates = _("Data as of: fund holdings {funds}, deals {deals}, prices {prices}.").format(
        funds=report.fund_holdings_dates(), deals=a.get("deals", ""), prices=a.get("prices", ""))
    body = [f"<p>{_e(dates)}</p>"]
    funds = [p for p in report.positions if p.kind == "fund"]
    if funds:
        body += ["<h3>" + _e(_("Fund data: whose holdings, and when")) + "</h3>", _table(
            [N_("fund"), N_("holdings as of"), N_("coverage"), N_("source")],
            [(p.symbol, p.holdings_as_of or "—", label(p.holdings_coverage or "none"),
              p.holdings_source or _("no holdings data")) for p in funds])]
    un = report.exposures.unresolved
    if un:
        body += ["<h3>" + _e(_("Unresolved value (kept, not dropped)")) + "</h3>", _table(
            [N_("holding"), N_("origin"), N_("weight"), N_("reason")],
            [(u.symbol, u.origin, pct(u.weight), u.reason) for u in un], numeric=(2,))]
    if report.notes:
        body.append("<ul>" + "".join(f"<li>{_e(n)}</li>" for n in report.notes) + "</ul>")
    body.append('<p class="note">' + _e(_("Weights are fractions of the portfolio's total value after "
                                          "looking through every fund. This report is a measurement, "
                                          "not investment advice.")) + "</p>")
    return _section("data", _("Data and method"), "".join(body))


def report_html(report: Report, plan: Any = None, scenarios: ScenarioResults | None = None,
                deals: DealGraph | None = None) -> str:
    """Render a check report as one self-contained HTML page.

    Parameters
    ----------
    report
        The :class:`~bubbleguard.Report` from :func:`~bubbleguard.check`.
    plan
        Optional rebalance plan (:class:`~bubbleguard.Plan`, or any object with ``trades`` and
        ``before``/``after`` reports): adds the plan section.
    scenarios
        Scenario results to show (with the plan's comparison when they were run with it);
        default: ``report.scenarios``, which ``check(..., scenarios=True)`` fills.
    deals
        The deal graph to draw, nodes sized by the report's counterparties (without it the
        deals section has the table only).

    Returns
    -------
    str
        The HTML document (inline CSS and SVG; no scripts, no external references).
    """
    if scenarios is None:
        scenarios = report.scenarios
    parts = [_summary(report, scenarios), _findings(report), _issuers(report), _themes(report),
             _asset_classes(report), _deals(report, deals), _scenarios(scenarios)]
    if plan is not None:
        parts.append(_plan(plan, report))
    parts.append(_data(report))
    nav = "".join(f'<a href="#{sid}">{_e(_(name))}</a>' for sid, name in NAV.items()
                  if sid != "plan" or plan is not None)
    title = _e(_("bubbleguard report: {source}").format(source=report.source))
    sub = _("{value} · profile {profile} · generated {date} by bubbleguard").format(
        value=money(report.total_value, report.currency, 0), profile=report.policy.get("profile", ""),
        date=dt.date.today())
    lang = "zh-CN" if get_language() == "zh" else "en"
    foot = _e(_("bubbleguard measures concentration and stress; it does not forecast markets."))
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{title}</h1><p>{_e(sub)}</p></header><nav>{nav}</nav>"
            f"<main>{''.join(parts)}</main><footer>{foot}</footer></body></html>\n")


def _scoped_css() -> str:
    """The page's rules for sections, cards and tables, scoped to ``.bubbleguard`` (no page chrome)."""
    rules = []
    for rule in CSS.replace("\n", "").split("}"):
        selector, _brace, body = rule.partition("{")
        selector = selector.strip()
        if not body or selector.startswith(("@", "*", "body", "header", "nav", "main", "footer")):
            continue
        if selector == ":root":
            rules.append(f".bubbleguard{{{body}}}")
        else:
            scoped = ",".join(f".bubbleguard {s.strip()}" for s in selector.split(","))
            rules.append(f"{scoped}{{{body}}}")
    return "".join(rules)


def fragment(obj: Any) -> str:
    """A report's or a plan's main sections as one HTML fragment (notebooks' ``_repr_html_``).

    A report shows its summary, findings and issuers; a plan its trades and guardrails, then the
    findings after it. The page's styles come along, scoped to the fragment.
    """
    if hasattr(obj, "trades") and hasattr(obj, "before"):
        parts = [_plan(obj, obj.before), _findings(obj.after)]
    else:
        parts = [_summary(obj, None), _findings(obj), _issuers(obj)]
    return f'<div class="bubbleguard"><style>{_scoped_css()}</style>{"".join(parts)}</div>'
