"""The national comparison: any number of regions' exercise reports (report.json) in one table.

One row per region, only counts, rates and durations: no message references, no site names, no
text from any message, so the result can be shared with the national evaluation (NIPV) as is.
Each column says where its figure comes from (measured in the logs, measured by the simulator,
or scripted by the scenario), as the regional report does. Written as Markdown, CSV and PNG.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
from pathlib import Path
from typing import Any

from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, register, t
from nsplink.scenario import units

SUPPORTED_VERSIONS = (2,)

# column -> (source, unit) ; the order is the table's order
COLUMNS: dict[str, tuple[str, str]] = {
    "nsps": ("scripted", ""),
    "preset": ("scripted", ""),
    "cps": ("scripted", ""),
    "relays": ("scripted", ""),
    "hours": ("scripted", "h"),
    "emergencies": ("measured", ""),
    "emergencies_per_nsp_hour": ("measured", "/h"),
    "emergencies_peak_nsp_hour": ("measured", "/h"),
    "typed_to_cp_p50_s": ("measured", "s"),
    "typed_to_cp_p95_s": ("measured", "s"),
    "typed_to_meldkamer_p50_s": ("measured+scripted", "s"),
    "typed_to_meldkamer_p95_s": ("measured+scripted", "s"),
    "meldkamer_scripted_s": ("scripted", "s"),
    "messages": ("measured", ""),
    "lost": ("measured", ""),
    "no_radio_path": ("measured", ""),
    "duplicates_shown": ("measured", ""),
    "airtime_s": ("simulator", "s"),
    "channel_busy_pct": ("simulator", "%"),
    "duty_max_hour_pct": ("simulator", "%"),
    "lowest_power_hours": ("scripted", "h"),
    "generators_dry": ("scripted", ""),
    "fuel_used_l": ("scripted", "l"),
    "fuel_delivered_l": ("scripted", "l"),
    "staff_pro_mean": ("scripted", ""),
    "staff_vol_mean": ("scripted", ""),
    "visitors_per_nsp_day": ("scripted", ""),
}

register(
    {
        "combine.bad_report": (
            "{file} is geen oefenverslag van nsplink (report.json): {detail}",
            "{file} is not an nsplink exercise report (report.json): {detail}",
        ),
        "combine.old_report": (
            "{file} is een verslag van versie {version}; speel het scenario opnieuw met deze"
            " nsplink (versie {want} nodig).",
            "{file} is a version {version} report; run the scenario again with this nsplink"
            " (version {want} needed).",
        ),
        "combine.unwritable": (
            "Kan de landelijke vergelijking niet schrijven in {dir}: {detail}",
            "Cannot write the national comparison in {dir}: {detail}",
        ),
        "combine.title": (
            "Landelijke vergelijking van oefeningen",
            "National comparison of exercises",
        ),
        "combine.intro": (
            "{count} regio's. Alleen aantallen, tempo's en tijden: geen berichtnummers, geen"
            " namen van posten, geen tekst uit berichten.",
            "{count} regions. Only counts, rates and durations: no message references, no site"
            " names, no text from any message.",
        ),
        "combine.sources": (
            "Bron per kolom: **G** gemeten in de logboeken, **S** gemeten door de simulator,"
            " **X** gescript door het scenario (invoer of postmodel), **G+X** gemeten plus een"
            " gescript deel (het tempo van de CP-operator).",
            "Source per column: **M** measured in the logs, **S** measured by the simulator,"
            " **X** scripted by the scenario (input or site model), **M+X** measured plus a"
            " scripted part (the CP operator's pace).",
        ),
        "combine.region": ("regio", "region"),
        "combine.part.size": ("Omvang", "Size"),
        "combine.part.emergency": ("Noodhulpmeldingen", "Emergency reports"),
        "combine.part.radio": ("Berichten en radio", "Messages and radio"),
        "combine.part.power": ("Stroom, brandstof en bemensing", "Power, fuel and staffing"),
        "combine.col.nsps": ("NSP's", "NSPs"),
        "combine.col.cps": ("CP's", "CPs"),
        "combine.col.relays": ("relais", "relays"),
        "combine.col.hours": ("duur", "duration"),
        "combine.col.emergencies": ("meldingen", "reports"),
        "combine.col.emergencies_per_nsp_hour": ("per NSP per uur", "per NSP per hour"),
        "combine.col.emergencies_peak_nsp_hour": ("piek NSP-uur", "peak NSP hour"),
        "combine.col.typed_to_cp_p50_s": ("getypt → CP p50", "typed → CP p50"),
        "combine.col.typed_to_cp_p95_s": ("getypt → CP p95", "typed → CP p95"),
        "combine.col.typed_to_meldkamer_p50_s": ("getypt → meldkamer p50", "typed → dispatch p50"),
        "combine.col.typed_to_meldkamer_p95_s": ("getypt → meldkamer p95", "typed → dispatch p95"),
        "combine.col.meldkamer_scripted_s": ("waarvan gescript", "of which scripted"),
        "combine.col.messages": ("berichten", "messages"),
        "combine.col.preset": ("radiopreset", "radio preset"),
        "combine.col.lost": ("verloren", "lost"),
        "combine.col.no_radio_path": ("geen radiopad", "no radio path"),
        "combine.col.duplicates_shown": ("dubbel getoond", "duplicates shown"),
        "combine.col.airtime_s": ("zendtijd totaal", "airtime total"),
        "combine.col.channel_busy_pct": (
            "zendtijd alle posten samen, % van de tijd (>100 %: kanaal overvol)",
            "airtime of all nodes summed, % of the time (>100 %: channel overloaded)",
        ),
        "combine.col.duty_max_hour_pct": ("drukste post, uur %", "busiest node, hour %"),
        "combine.col.lowest_power_hours": ("laagste uren stroom", "lowest power hours"),
        "combine.col.generators_dry": ("aggregaat droog", "generator dry"),
        "combine.col.fuel_used_l": ("brandstof verbruikt l", "fuel used l"),
        "combine.col.fuel_delivered_l": ("brandstof geleverd l", "fuel delivered l"),
        "combine.col.staff_pro_mean": ("beroeps gem.", "professionals mean"),
        "combine.col.staff_vol_mean": ("vrijwilligers gem.", "volunteers mean"),
        "combine.col.visitors_per_nsp_day": (
            "bezoekers per NSP per dag",
            "visitors per NSP per day",
        ),
        "combine.total": ("alle regio's", "all regions"),
        "combine.plot.times": (
            "Getypt → CP (gemeten) en → meldkamer (met gescript tempo)",
            "Typed → CP (measured) and → dispatch (with scripted pace)",
        ),
        "combine.plot.emergencies": (
            "Noodhulpmeldingen per NSP per uur (gemeten)",
            "Emergency reports per NSP per hour (measured)",
        ),
        "combine.plot.power": (
            "Laagste uren stroom van een NSP (postmodel)",
            "Lowest power hours of any NSP (site model)",
        ),
        "combine.plot.visitors": (
            "Bezoekers per NSP per dag (postmodel)",
            "Visitors per NSP per day (site model)",
        ),
        "combine.plot.channel": (
            "Zendtijd (simulator; grens 10 % per post)",
            "Airtime (simulator; limit 10 % per node)",
        ),
        "combine.plot.lost": (
            "Verloren (moet 0 zijn) en zonder radiopad (gemeten)",
            "Lost (must be 0) and without a radio path (measured)",
        ),
        "combine.plot.fuel": ("Brandstof (postmodel)", "Fuel (site model)"),
        "combine.plot.staff": (
            "Bemensing per NSP, gem. per situatierapport (postmodel)",
            "Staff per NSP, mean per sitrep (site model)",
        ),
        "combine.plot.people": ("personen", "people"),
        "combine.plot.title": (
            "Landelijke vergelijking van oefeningen, per regio",
            "National comparison of exercises, per region",
        ),
    }
)

PARTS = {
    "size": ("nsps", "cps", "relays", "hours", "preset"),
    "emergency": (
        "emergencies",
        "emergencies_per_nsp_hour",
        "emergencies_peak_nsp_hour",
        "typed_to_cp_p50_s",
        "typed_to_cp_p95_s",
        "typed_to_meldkamer_p50_s",
        "typed_to_meldkamer_p95_s",
        "meldkamer_scripted_s",
    ),
    "radio": (
        "messages",
        "lost",
        "no_radio_path",
        "duplicates_shown",
        "airtime_s",
        "channel_busy_pct",
        "duty_max_hour_pct",
    ),
    "power": (
        "lowest_power_hours",
        "generators_dry",
        "fuel_used_l",
        "fuel_delivered_l",
        "staff_pro_mean",
        "staff_vol_mean",
        "visitors_per_nsp_day",
    ),
}
# the columns whose national figure is the sum of the regions'
SUMMED = (
    "nsps",
    "cps",
    "relays",
    "emergencies",
    "messages",
    "lost",
    "no_radio_path",
    "duplicates_shown",
    "generators_dry",
    "fuel_used_l",
    "fuel_delivered_l",
)
SOURCE_MARK = {
    "measured": ("G", "M"),
    "simulator": ("S", "S"),
    "scripted": ("X", "X"),
    "measured+scripted": ("G+X", "M+X"),
}


class BadReport(NsplinkError):
    code = "combine.bad_report"
    key = "combine.bad_report"


class OldReport(NsplinkError):
    code = "combine.old_report"
    key = "combine.old_report"


class CombineUnwritable(NsplinkError):
    code = "combine.unwritable"
    key = "combine.unwritable"


def load_report(path: Path) -> dict[str, Any]:
    try:
        rep = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise BadReport(exc.strerror or str(exc), file=str(path)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadReport(str(exc), file=str(path)) from None
    if not isinstance(rep, dict) or "version" not in rep or "pilot" not in rep:
        raise BadReport("no version or pilot figures", file=str(path))
    if rep["version"] not in SUPPORTED_VERSIONS:
        raise OldReport(
            str(rep["version"]), file=str(path), version=rep["version"], want=SUPPORTED_VERSIONS[-1]
        )
    try:  # a hand-edited or truncated report: one clear line, not a traceback
        for region in rep.get("regions") or (None,):
            region_row(rep, region)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BadReport(f"{type(exc).__name__}: {exc}", file=str(path)) from None
    return rep


def region_row(
    rep: dict[str, Any], region: str | None = None
) -> dict[str, float | int | str | None]:
    """One region's figures, from its report alone, or from its country's (`region`: its name
    there); nothing that names a person or a post."""
    pilot = rep["pilot"]
    if region is None:
        nodes = rep["nodes"]
        whole = {
            "messages": sum(r["sent"] for r in rep["delivery"].values()),
            "emergency_handling_s": pilot["emergency_handling_s"],
            **{k: rep[k] for k in ("lost", "no_radio_path", "duplicates_shown")},
            "preset": rep.get("preset"),  # reports before the column: shown as unknown
        }
    else:  # the country's tables per site, cut to the region's sites; its figures per region
        nodes = {n: x for n, x in rep["nodes"].items() if x["region"] == region}
        whole = rep["regions"][region]
    mine = nodes.keys()
    node_rows = nodes.values()
    roles = [n["role"] for n in node_rows]
    nsps = roles.count("nsp")
    hours = rep["duration_h"]
    per_nsp = [e for n, e in pilot["emergencies_per_nsp"].items() if n in mine]
    emergencies = sum(e["total"] for e in per_nsp)
    handling = whole["emergency_handling_s"]
    site_sitreps = [pts for n, pts in pilot["sitreps"].items() if n in mine]
    sitreps = [p for pts in site_sitreps for p in pts]
    outages = [o for o in rep["outages"] if o.get("site") in mine]
    run_s = (rep["duration_h"] + rep["drain_h"]) * 3600
    airtime = sum(n["airtime_s"] for n in node_rows)
    fuel_used = 0.0
    for pts in site_sitreps:
        fuel = [p["fuel_l"] for p in sorted(pts, key=lambda p: p["t_h"]) if p["fuel_l"] is not None]
        fuel_used += sum(max(0, a - b) for a, b in itertools.pairwise(fuel))
    days = max(hours / 24, 1 / 24)
    return {
        "nsps": nsps,
        "cps": roles.count("cp"),
        "relays": roles.count("relay"),
        "hours": hours,
        "preset": whole.get("preset"),
        "emergencies": emergencies,
        "emergencies_per_nsp_hour": round(emergencies / nsps / hours, 3) if nsps else None,
        "emergencies_peak_nsp_hour": max((e["peak_per_hour"] for e in per_nsp), default=0),
        "typed_to_cp_p50_s": handling["typed_to_cp"]["p50"],
        "typed_to_cp_p95_s": handling["typed_to_cp"]["p95"],
        "typed_to_meldkamer_p50_s": handling["typed_to_meldkamer"]["p50"],
        "typed_to_meldkamer_p95_s": handling["typed_to_meldkamer"]["p95"],
        "meldkamer_scripted_s": pilot["emergency_handling_scripted_s"]["typed_to_meldkamer"],
        "messages": whole["messages"],
        "lost": whole["lost"],
        "no_radio_path": whole["no_radio_path"],
        "duplicates_shown": whole["duplicates_shown"],
        "airtime_s": round(airtime, 1),
        # every site's airtime over the run's length: how busy the one shared channel was
        "channel_busy_pct": round(airtime / run_s * 100, 2) if run_s else None,
        "duty_max_hour_pct": max((n["duty_max_hour_pct"] for n in node_rows), default=0),
        "lowest_power_hours": min((p["power_hours"] for p in sitreps), default=None),
        "generators_dry": sum(1 for o in outages if o["kind"] == "down" and o["reason"] == "dry"),
        "fuel_used_l": round(fuel_used, 1),
        "fuel_delivered_l": round(sum(o["l"] for o in outages if o["kind"] == "refuel"), 1),
        "staff_pro_mean": _mean([p["staff_pro"] for p in sitreps]),
        "staff_vol_mean": _mean([p["staff_vol"] for p in sitreps]),
        "visitors_per_nsp_day": round(sum(p["visitors"] for p in sitreps) / nsps / days, 1)
        if nsps
        else None,
    }


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def combine(reports: list[tuple[str, dict[str, Any], str | None]]) -> dict[str, Any]:
    """Label -> row, sorted by label; plus the national totals where adding up makes sense.
    Each report is (label, report.json, the region's name in a country's report or None)."""
    rows = {label: region_row(rep, region) for label, rep, region in sorted(reports, key=_label)}
    total: dict[str, float | int | None] = {}
    for col in SUMMED:
        total[col] = round(sum(_num(r[col]) for r in rows.values()), 1)
    nsp_hours = sum(_num(r["nsps"]) * _num(r["hours"]) for r in rows.values())
    total["emergencies_per_nsp_hour"] = (
        round(total["emergencies"] / nsp_hours, 3) if nsp_hours else None  # type: ignore[operator]
    )
    return {"regions": rows, "total": total}


def _num(value: float | int | str | None) -> float:
    """A summed column's cell (None: nothing to add); the text columns are never summed."""
    return float(value) if isinstance(value, int | float) else 0.0


def _label(row: tuple[str, dict[str, Any], str | None]) -> str:
    return row[0]


def labels_for(
    reports: list[tuple[str | None, dict[str, Any]]],
) -> list[tuple[str, dict[str, Any], str | None]]:
    """A row per region: a region's report is one, a country's report (one run of many regions)
    one per region, named as in its scenario (after the given label, if any). A region's report
    goes by the given label, else the scenario's name. A name used twice gets its seed added."""
    rows: list[tuple[str | None, dict[str, Any], str | None, str]] = []
    for label, rep in reports:
        if "regions" in rep:
            prefix = f"{label} " if label else ""
            rows += [(label, rep, region, prefix + region) for region in rep["regions"]]
        else:
            rows.append((label, rep, None, label or rep["scenario"]))
    names = [name for *_, name in rows]
    out = []
    for label, rep, region, name in rows:
        if (label is None or region is not None) and names.count(name) > 1:
            name = f"{name} (seed {rep['seed']})"
        out.append((name, rep, region))
    return out


# -- output ---------------------------------------------------------------------------------------


def _fmt(col: str, value: float | int | str | None, lang: Lang | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    unit = COLUMNS.get(col, ("", ""))[1]
    if unit == "s":
        return units.duration(float(value), lang)
    if unit == "h" and col == "hours":
        return units.duration(float(value) * 3600, lang)
    if isinstance(value, float) and not value.is_integer():
        return units.number(value, 3 if abs(value) < 1 else 1, lang)
    return str(int(value)) if isinstance(value, float) else str(value)


def render_markdown(comb: dict[str, Any], lang: Lang | None = None) -> str:
    en = (lang or "nl") == "en"
    L = [f"# {t('combine.title', lang)}", ""]
    L += [t("combine.intro", lang, count=len(comb["regions"])), "", t("combine.sources", lang), ""]
    for part, cols in PARTS.items():
        L += [f"## {t(f'combine.part.{part}', lang)}", ""]
        head = [t("combine.region", lang)] + [
            f"{t(f'combine.col.{c}', lang)} ({SOURCE_MARK[COLUMNS[c][0]][1 if en else 0]})"
            for c in cols
        ]
        L += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for label, row in comb["regions"].items():
            L.append("| " + " | ".join([label, *(_fmt(c, row[c], lang) for c in cols)]) + " |")
        if any(c in comb["total"] for c in cols):
            cells = [
                _fmt(c, comb["total"].get(c), lang) if c in comb["total"] else "" for c in cols
            ]
            L.append("| " + " | ".join([f"**{t('combine.total', lang)}**", *cells]) + " |")
        L.append("")
    return "\n".join(L)


def render_csv(comb: dict[str, Any]) -> str:
    """Plain numbers in the unit the column name says (seconds, hours, litres, %)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["region", *COLUMNS])
    w.writerow(["source", *(COLUMNS[c][0] for c in COLUMNS)])
    for label, row in comb["regions"].items():
        w.writerow([label, *("" if row[c] is None else row[c] for c in COLUMNS)])
    return buf.getvalue()


PNGS = ("emergencies", "radio", "power", "staff")


def render_png(comb: dict[str, Any], out_dir: Path, lang: Lang | None = None) -> list[Path]:
    """Four figures of two panels, one bar per region: one A4 landscape page each, still
    readable with all 25 veiligheidsregio's."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "nsplink", "font.size": 9})
    regions = list(comb["regions"])
    rows = comb["regions"]

    def T(key: str) -> str:
        return t(key, lang)

    Bars = list[tuple[str, str]]

    def bars(ax: Any, cols: Bars, title: str, xlabel: str, scale: float = 1) -> None:
        n = len(cols)
        for i, (col, colour) in enumerate(cols):
            ys = [j + (i - (n - 1) / 2) * 0.8 / n for j in range(len(regions))]
            vals = [math.nan if rows[r][col] is None else rows[r][col] / scale for r in regions]
            ax.barh(ys, vals, height=0.8 / n, color=colour, label=T(f"combine.col.{col}"))
        ax.set_yticks(range(len(regions)))
        ax.set_yticklabels(regions)
        ax.set_ylim(len(regions) - 0.5, -0.5)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(xlabel)
        ax.grid(True, axis="x", color="0.9")
        ax.set_axisbelow(True)
        if n > 1:  # below the axes: never over a bar
            ax.legend(fontsize=8, frameon=False, loc="upper center", ncol=2,
                      bbox_to_anchor=(0.5, -0.5 / (1.4 + 0.2 * len(regions)) - 0.1))  # fmt: skip

    panels: dict[str, tuple[tuple[Bars, str, str, float], tuple[Bars, str, str, float]]] = {
        "emergencies": (
            ([("emergencies_per_nsp_hour", "#1f77b4")], "combine.plot.emergencies",
             T("combine.col.emergencies_per_nsp_hour"), 1),
            ([("typed_to_cp_p50_s", "#2ca02c"), ("typed_to_cp_p95_s", "#98df8a"),
              ("typed_to_meldkamer_p50_s", "#ff7f0e"), ("typed_to_meldkamer_p95_s", "#ffbb78")],
             "combine.plot.times", "min", 60),
        ),
        "radio": (
            ([("channel_busy_pct", "#9467bd"), ("duty_max_hour_pct", "#c5b0d5")],
             "combine.plot.channel", "%", 1),
            ([("lost", "#d62728"), ("no_radio_path", "#7f7f7f")], "combine.plot.lost",
             T("combine.col.messages"), 1),
        ),
        "power": (
            ([("lowest_power_hours", "#8c564b")], "combine.plot.power", "h", 1),
            ([("fuel_used_l", "#bcbd22"), ("fuel_delivered_l", "#dbdb8d")],
             "combine.plot.fuel", "l", 1),
        ),
        "staff": (
            ([("staff_pro_mean", "#17becf"), ("staff_vol_mean", "#9edae5")],
             "combine.plot.staff", T("combine.plot.people"), 1),
            ([("visitors_per_nsp_day", "#e377c2")], "combine.plot.visitors",
             T("combine.plot.people"), 1),
        ),
    }  # fmt: skip
    paths = []
    for name in PNGS:
        height = max(3.2, 1.6 + 0.2 * len(regions))
        fig, axes = plt.subplots(1, 2, figsize=(11.7, height), sharey=True)
        for ax, (cols, title, xlabel, scale) in zip(axes, panels[name], strict=True):
            bars(ax, cols, T(title), xlabel, scale)
        if name == "radio":
            axes[0].axvline(10.0, color="#b00000", linestyle="--", linewidth=1)
        fig.suptitle(T("combine.plot.title"), fontsize=11)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / height))  # room for the title above
        path = out_dir / f"evaluation-{name}.png"
        fig.savefig(path, dpi=100, metadata={"Software": None})
        plt.close(fig)
        paths.append(path)
    return paths


def write(comb: dict[str, Any], out_dir: Path, lang: Lang | None = None) -> list[Path]:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        md, csv_path = out_dir / "evaluation.md", out_dir / "evaluation.csv"
        pngs = render_png(comb, out_dir, lang)
        links = "".join(f"\n![{p.name}]({p.name})\n" for p in pngs)
        md.write_text(render_markdown(comb, lang) + links, "utf-8")
        csv_path.write_text(render_csv(comb), "utf-8")
    except OSError as exc:
        raise CombineUnwritable(exc.strerror or str(exc), dir=str(out_dir)) from None
    return [md, csv_path, *pngs]
