"""PNG plots of a scenario report (matplotlib, headless Agg backend, no fonts fetched).

Made to be read on A4 at a debrief: one colour per site, the same in every plot; labelled axes
with units; the legend outside the axes; partitions, infrastructure outages and the drain after
the outage shaded; every title says whether its figures were measured or scripted.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nsplink.i18n import Lang, register, t

register(
    {
        "plot.duty": (
            "Zendtijd per post in het lopende uur — gemeten (simulator)",
            "Duty cycle per node over the rolling hour — measured (simulator)",
        ),
        "plot.duty.y": ("zendtijd in het lopende uur (%)", "airtime in the rolling hour (%)"),
        "plot.duty.limit": (
            "grens 10 % zendtijd (869,4–869,65 MHz)",
            "limit 10 % duty cycle (869.4–869.65 MHz)",
        ),
        "plot.occupancy": (
            "Kanaalbezetting per gebied per uur — gemeten door de radio's",
            "Channel occupancy per area per hour — measured by the radios",
        ),
        "plot.occupancy.y": ("kanaal bezet (%)", "channel busy (%)"),
        "plot.occupancy.polite": (
            "{pct} %: routine wacht",
            "{pct} %: routine waits",
        ),
        "plot.occupancy.max": ("{pct} %: overbelast", "{pct} %: over capacity"),
        "plot.occupancy.region": ("hele regio", "whole region"),
        "plot.queue": (
            "Wachtrij per post — gemeten (simulator)",
            "Queue depth per site — measured (simulator)",
        ),
        "plot.queue.y": ("berichten in de wachtrij", "messages in the queue"),
        "plot.emergencies": (
            "Noodhulpmeldingen per NSP per uur — geteld uit de logboeken (aanbod gescript)",
            "Emergency reports per NSP per hour — counted from the logs (arrivals scripted)",
        ),
        "plot.emergencies.y": ("meldingen per uur", "reports per hour"),
        "plot.power": (
            "Stroom en brandstof volgens de situatierapporten — gescript (postmodel)",
            "Power and fuel from the sitreps — scripted (site model)",
        ),
        "plot.power.y": ("uren stroom over (h)", "power hours left (h)"),
        "plot.fuel.y": ("brandstof (liter)", "fuel (litres)"),
        "plot.outages": (
            "Uitval per post en gesplitst netwerk — gescript",
            "Outages per site and network splits — scripted",
        ),
        "plot.infra": ("CP's en relais", "CPs and relays"),
        "plot.nsps": ("Noodsteunpunten", "Emergency support points (NSPs)"),
        "plot.power.site": ("{site}", "{site}"),
        "plot.hours": ("uren sinds begin stroomuitval (h)", "hours since the outage began (h)"),
        "plot.partition": ("netwerk gesplitst", "network split"),
        "plot.drain": ("naloop: stroom terug", "drain: power back"),
        "plot.down": ("{site} uit", "{site} down"),
        "plot.down_any": ("CP of relais uit (balk: welke)", "CP or relay down (bar: which)"),
        "plot.reason.power": ("stroom uit", "power off"),
        "plot.reason.closed": ("gesloten", "closed"),
        "plot.reason.dry": ("aggregaat droog", "generator dry"),
        "plot.reason.off_or_dry": (
            "uit: geen stroom of aggregaat droog",
            "down: no power or generator dry",
        ),
        "plot.hours.short": ("uur", "hour"),
    }
)

# tab10, then ten more that stay apart from it on white; past 20 sites the line style changes
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#000000",
    "#ff00ff",
    "#000080",
    "#008080",
    "#800000",
    "#c9a100",
    "#556b2f",
    "#fa8072",
    "#4b0082",
    "#00c060",
)
ROLE_STYLE = {"cp": ("-", 2.2), "relay": ("--", 1.6), "nsp": ("-", 1.3)}
ROLE_ORDER = {"cp": 0, "relay": 1, "nsp": 2}
REASON_COLOUR = {"power": "#d62728", "closed": "#7f7f7f", "dry": "#ff7f0e"}
A4_WIDE = (11.7, 5.2)  # inches: A4 landscape, with room for a legend beside the axes
DPI = 100


def site_colours(names: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Site -> (colour, extra dash) in scenario order, fixed for every plot of one report."""
    out = {}
    for i, name in enumerate(names):
        out[name] = (PALETTE[i % len(PALETTE)], ":" if i >= len(PALETTE) else "")
    return out


def down_intervals(rep: dict[str, Any]) -> dict[str, list[tuple[float, float, str]]]:
    """Per site its (from h, to h, reason) down periods, from the report's outage log."""
    end = rep["duration_h"] + rep["drain_h"]
    open_: dict[str, tuple[float, str]] = {}
    out: dict[str, list[tuple[float, float, str]]] = {}
    for o in rep["outages"]:
        at = o["at"] / 3600
        if o["kind"] == "down":
            open_[o["site"]] = (at, o["reason"])
        elif o["kind"] == "up":
            # an 'up' with nothing open is a post that opens later: off from the start
            start, reason = open_.pop(o["site"], (0.0, "closed"))
            if o["site"] in out or start < at:
                out.setdefault(o["site"], []).append((start, at, reason))
    for site, (start, reason) in open_.items():
        out.setdefault(site, []).append((start, end, reason))
    return out


def partitions(rep: dict[str, Any]) -> list[tuple[float, float]]:
    end = rep["duration_h"]
    spans, start = [], None
    for o in rep["outages"]:
        if o["kind"] == "partition" and start is None:
            start = o["at"] / 3600
        elif o["kind"] == "heal" and start is not None:
            spans.append((start, o["at"] / 3600))
            start = None
    if start is not None:
        spans.append((start, end))  # the end of the exercise heals the network
    return spans


def render_png(rep: dict[str, Any], out_dir: Path, lang: Lang | None = None) -> list[str]:
    """Write the plots; returns their file names (relative to out_dir)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    plt.rcParams.update({"svg.hashsalt": "nsplink", "font.size": 10, "legend.fontsize": 9})
    hours = rep["series"]["t_h"]
    roles = {n: v["role"] for n, v in rep["nodes"].items()}
    # CPs, relays, NSPs, each by name: the same colours whether the report is fresh or reloaded
    # from report.json (whose keys are sorted)
    order = sorted(roles, key=lambda n: (ROLE_ORDER.get(roles[n], 3), n))
    colours = site_colours(order)
    downs = down_intervals(rep)
    splits = partitions(rep)
    end_h = rep["duration_h"] + rep["drain_h"]
    names: list[str] = []

    def T(key: str, **kw: Any) -> str:
        return t(key, lang, **kw)

    def style(site: str) -> dict[str, Any]:
        colour, dash = colours[site]
        ls, lw = ROLE_STYLE.get(roles.get(site, "nsp"), ("-", 1.3))
        return {"color": colour, "linestyle": dash or ls, "linewidth": lw, "label": site}

    def spans(ax: Any, shade_sites: Iterable[str] = (), drain: bool = True) -> None:
        # behind the data (zorder 0), so bars and lines stay readable on top
        for a, b in splits:
            ax.axvspan(
                a, b, facecolor="0.8", edgecolor="0.5", hatch="//", alpha=0.35, lw=0, zorder=0
            )
        if drain and rep["drain_h"]:
            ax.axvspan(rep["duration_h"], end_h, facecolor="#cfe8cf", alpha=0.5, lw=0, zorder=0)
        # a down CP or relay: a bar in its own colour along the top, named where it ends, so
        # it cannot be mistaken for the shaded partition or drain
        row = 0
        for site in shade_sites:
            down = [(a, b) for a, b, reason in downs.get(site, []) if reason != "closed"]
            if not down:
                continue
            y = 0.95 - 0.07 * row
            row += 1
            trans = ax.get_xaxis_transform()
            for a, b in down:
                ax.axvspan(a, b, facecolor="#ffd9d9", alpha=0.5, lw=0, zorder=0)
                ax.broken_barh(
                    [(a, b - a)],
                    (y - 0.02, 0.04),
                    transform=trans,
                    facecolors=colours[site][0],
                    zorder=3,
                )
                ax.text(
                    b + 0.006 * end_h,
                    y,
                    T("plot.down", site=site),
                    transform=trans,
                    va="center",
                    fontsize=8,
                    color=colours[site][0],
                    zorder=3,
                )

    def frame(ax: Any, title: str, ylabel: str, shade_sites: Iterable[str] = ()) -> None:
        spans(ax, shade_sites)
        ax.set_title(title)
        ax.set_xlabel(T("plot.hours"))
        ax.set_ylabel(ylabel)
        ax.set_xlim(0, end_h)
        ax.set_xticks(range(0, int(end_h) + 1, 6 if end_h > 12 else 1))
        ax.grid(True, color="0.9", linewidth=0.6)

    def shade_handles(shade_sites: Iterable[str], drain: bool = True) -> list[Any]:
        from matplotlib.patches import Patch

        handles = []
        if splits:
            handles.append(
                Patch(facecolor="0.8", edgecolor="0.5", hatch="//", label=T("plot.partition"))
            )
        if drain and rep["drain_h"]:
            handles.append(Patch(facecolor="#cfe8cf", label=T("plot.drain")))
        if any(r != "closed" for site in shade_sites for _, _, r in downs.get(site, [])):
            handles.append(Patch(facecolor="#ffd9d9", label=T("plot.down_any")))
        return handles

    def legend(ax: Any, extra: list[Any] = ()) -> None:  # type: ignore[assignment]
        handles, _ = ax.get_legend_handles_labels()
        ax.legend(
            handles=[*handles, *extra],
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            borderaxespad=0.0,
            frameon=False,
        )

    def save(fig: Any, name: str, tight: bool = True) -> None:
        if tight:  # a figure with its own layout (a legend below) keeps it
            fig.tight_layout()
        fig.savefig(out_dir / name, dpi=DPI, metadata={"Software": None})
        plt.close(fig)
        names.append(name)

    infra = [n for n in order if roles[n] != "nsp"]
    nsps = [n for n in order if roles[n] == "nsp"]
    groups = [(g, key) for g, key in ((infra, "plot.infra"), (nsps, "plot.nsps")) if g]

    def two_panels(series: str, title: str, ylabel: str, limit: bool) -> Any:
        fig, axes = plt.subplots(len(groups), 1, figsize=(11.7, 3.6 * len(groups)), sharex=True)
        axes = list(axes) if len(groups) > 1 else [axes]
        top = max(
            [
                max((v for v in ys if v is not None), default=0.0)
                for ys in rep["series"][series].values()
            ]
            + [0.0]
        )
        for ax, (group, key) in zip(axes, groups, strict=True):
            for site in group:
                ys = rep["series"][series].get(site, [])
                ax.plot(hours, [float("nan") if y is None else y for y in ys], **style(site))
            if limit:
                ax.axhline(10.0, color="#b00000", linestyle="--", linewidth=1.2)
                ax.text(0.5, 10.0, T("plot.duty.limit"), color="#b00000", va="bottom", fontsize=9)
                ax.set_ylim(0, max(13.0, top * 1.15))  # room above the line for outage bars
            else:
                ax.set_ylim(0, max(1.0, top * 1.35))
            frame(ax, T(key), ylabel, [s for s in group if roles[s] != "nsp"])
            ax.set_xlabel("")
            legend(ax, shade_handles([s for s in group if roles[s] != "nsp"]))
        axes[-1].set_xlabel(T("plot.hours"))
        fig.suptitle(title, fontsize=12)
        return fig

    save(two_panels("duty_pct", T("plot.duty"), T("plot.duty.y"), True), "duty.png")
    save(two_panels("queue", T("plot.queue"), T("plot.queue.y"), False), "queue.png")

    occ = rep.get("occupancy")
    if occ and occ["areas"]:
        fig, ax = plt.subplots(figsize=A4_WIDE)
        top = 0.0
        for hub, a in sorted(occ["areas"].items()):  # the same legend after a JSON reload
            ys = a["hourly_pct"]
            top = max([top, *ys])
            if hub == "*":
                ax.step(
                    range(len(ys) + 1),
                    [*ys, ys[-1]],
                    where="post",
                    color="0.3",
                    label=T("plot.occupancy.region"),
                )
            else:
                ax.step(range(len(ys) + 1), [*ys, *ys[-1:]], where="post", **style(hub))
        for pct, key, colour in (
            (occ["polite_pct"], "plot.occupancy.polite", "#d08000"),
            (occ["max_pct"], "plot.occupancy.max", "#b00000"),
        ):
            ax.axhline(pct, color=colour, linestyle="--", linewidth=1.2)
            ax.text(0.5, pct, T(key, pct=f"{pct:g}"), color=colour, va="bottom", fontsize=9)
        frame(ax, T("plot.occupancy"), T("plot.occupancy.y"))
        ax.set_ylim(0, max(occ["max_pct"] * 1.2, top * 1.15))
        legend(ax)
        save(fig, "occupancy.png")

    fig, ax = plt.subplots(figsize=A4_WIDE)
    per = rep["pilot"]["emergencies_per_nsp"]
    bottom: list[int] = []
    for site in [n for n in nsps if n in per]:
        v = per[site]["per_hour"]
        if not bottom:
            bottom = [0] * len(v)
        ax.bar(
            [h + 0.5 for h in range(len(v))],
            v,
            bottom=bottom,
            label=site,
            width=1.0,
            color=colours[site][0],
            edgecolor="white",
            linewidth=0.3,
        )
        bottom = [a + b for a, b in zip(bottom, v, strict=True)]
    frame(ax, T("plot.emergencies"), T("plot.emergencies.y"))
    ax.set_xlim(0, rep["duration_h"])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # reports come whole
    legend(ax, shade_handles((), drain=False))
    save(fig, "emergencies.png")

    save(_power(plt, rep, nsps, colours, downs, spans, T), "power.png", tight=False)

    fig, ax = plt.subplots(figsize=(11.7, 0.9 + 0.38 * len(roles)))
    spans(ax)
    for row, site in enumerate(order):
        for a, b, reason in downs.get(site, []):
            ax.broken_barh([(a, b - a)], (row - 0.35, 0.7), facecolors=REASON_COLOUR[reason])
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels(order)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_title(T("plot.outages"))
    ax.set_xlabel(T("plot.hours"))
    ax.set_xlim(0, end_h)
    ax.set_xticks(range(0, int(end_h) + 1, 6 if end_h > 12 else 1))
    ax.grid(True, axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    from matplotlib.patches import Patch

    reasons = [Patch(facecolor=c, label=T(f"plot.reason.{r}")) for r, c in REASON_COLOUR.items()]
    ax.legend(
        handles=reasons + shade_handles(()),
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
        frameon=False,
    )
    save(fig, "outages.png")
    return names


def _power(
    plt: Any,
    rep: dict[str, Any],
    nsps: list[str],
    colours: dict[str, tuple[str, str]],
    downs: dict[str, list[tuple[float, float, str]]],
    spans: Any,
    T: Any,
) -> Any:
    """One small panel per NSP: identical battery curves no longer hide behind each other.
    Power hours on the left axis (the site's colour), fuel on the right (dashed, grey)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    sitreps = rep["pilot"]["sitreps"]
    sites = [n for n in nsps if n in sitreps] or ["-"]
    cols = 4 if len(sites) > 4 else len(sites)
    rows = -(-len(sites) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(11.7, 1.6 + 2.6 * rows), sharex=True, sharey=True, squeeze=False
    )
    end_h = rep["duration_h"] + rep["drain_h"]
    top_h = max([p["power_hours"] for pts in sitreps.values() for p in pts] + [1])
    top_l = max([p["fuel_l"] or 0 for pts in sitreps.values() for p in pts] + [1])
    for i, ax in enumerate(axes.flat):
        if i >= len(sites) or sites[i] not in sitreps:
            ax.set_visible(False)
            continue
        site = sites[i]
        pts = sorted(sitreps[site], key=lambda p: (p["t_h"], p.get("ref", "")))
        xs = [p["t_h"] for p in pts]
        spans(ax, [])
        for a, b, reason in downs.get(site, []):
            face = "0.85" if reason == "closed" else "#ffb3b3"
            ax.axvspan(a, b, facecolor=face, alpha=0.6, lw=0, zorder=0)
        ax.step(xs, [p["power_hours"] for p in pts], where="post", color=colours[site][0], lw=1.8)
        ax.set_title(site, fontsize=10, color=colours[site][0])
        ax.set_ylim(0, top_h * 1.1)
        ax.set_xlim(0, end_h)
        ax.set_xticks(range(0, int(end_h) + 1, 12 if end_h > 24 else 1))
        ax.grid(True, color="0.9", linewidth=0.6)
        if i % cols == 0:
            ax.set_ylabel(T("plot.power.y"))
        if i >= len(sites) - cols:
            ax.set_xlabel(T("plot.hours"), fontsize=9)
        fuel = [p["fuel_l"] for p in pts]
        if any(f is not None for f in fuel):
            ax2 = ax.twinx()
            ax2.step(
                xs,
                [float("nan") if f is None else f for f in fuel],
                where="post",
                color="black",
                lw=1.3,
                linestyle=":",
            )
            ax2.set_ylim(0, top_l * 1.1)
            if i % cols == cols - 1 or i == len(sites) - 1:
                ax2.set_ylabel(T("plot.fuel.y"))
            else:  # one fuel scale for all panels: its numbers once, at the right edge
                ax2.tick_params(labelright=False)
    handles = [
        Line2D([], [], color="0.2", lw=1.8, label=T("plot.power.y")),
        Line2D([], [], color="black", lw=1.3, linestyle=":", label=T("plot.fuel.y")),
        Patch(facecolor="#ffb3b3", alpha=0.6, label=T("plot.reason.off_or_dry")),
        Patch(facecolor="0.85", alpha=0.6, label=T("plot.reason.closed")),
        Patch(facecolor="0.8", edgecolor="0.5", hatch="//", label=T("plot.partition")),
        Patch(facecolor="#cfe8cf", label=T("plot.drain")),
    ]
    fig.suptitle(T("plot.power"), fontsize=12)
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False)
    height = 1.6 + 2.6 * rows
    fig.tight_layout(rect=(0, 0.7 / height, 1, 1))  # 0.7 inch below for the legend
    return fig
