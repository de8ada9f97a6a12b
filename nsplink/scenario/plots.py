"""PNG plots of a scenario report (matplotlib, headless Agg backend, no fonts fetched)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nsplink.i18n import Lang, register, t

register(
    {
        "plot.duty": ("Zendtijd per post (lopend uur, %)", "Duty cycle per node (rolling hour, %)"),
        "plot.queue": ("Wachtrij per post (berichten)", "Queue depth per site (messages)"),
        "plot.emergencies": (
            "Noodhulpmeldingen per NSP per uur",
            "Emergency reports per NSP per hour",
        ),
        "plot.power": ("Uren stroom volgens situatierapporten", "Power hours left from sitreps"),
        "plot.hours": ("uur sinds begin stroomuitval", "hours since the outage began"),
    }
)


def render_png(rep: dict[str, Any], out_dir: Path, lang: Lang | None = None) -> list[str]:
    """Write the plots; returns their file names (relative to out_dir)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "nsplink"  # stable output for the same report
    hours = rep["series"]["t_h"]
    names: list[str] = []

    def save(fig: Any, name: str) -> None:
        fig.tight_layout()
        fig.savefig(out_dir / name, dpi=90, metadata={"Software": None})
        plt.close(fig)
        names.append(name)

    fig, ax = plt.subplots(figsize=(10, 4))
    for site, ys in rep["series"]["duty_pct"].items():
        ax.plot(hours, ys, label=site, linewidth=1)
    ax.axhline(10.0, color="red", linestyle="--", linewidth=0.8)
    ax.set_title(t("plot.duty", lang))
    ax.set_xlabel(t("plot.hours", lang))
    ax.legend(fontsize=6, ncol=3)
    save(fig, "duty.png")

    fig, ax = plt.subplots(figsize=(10, 4))
    for site, ys in rep["series"]["queue"].items():
        ax.plot(hours, [float("nan") if y is None else y for y in ys], label=site, linewidth=1)
    ax.set_title(t("plot.queue", lang))
    ax.set_xlabel(t("plot.hours", lang))
    ax.legend(fontsize=6, ncol=3)
    save(fig, "queue.png")

    fig, ax = plt.subplots(figsize=(10, 4))
    per = rep["pilot"]["emergencies_per_nsp"]
    bottom: list[int] = []
    for site, e in per.items():
        v = e["per_hour"]
        if not bottom:
            bottom = [0] * len(v)
        ax.bar(range(len(v)), v, bottom=bottom, label=site, width=1.0)
        bottom = [a + b for a, b in zip(bottom, v, strict=True)]
    ax.set_title(t("plot.emergencies", lang))
    ax.set_xlabel(t("plot.hours", lang))
    ax.legend(fontsize=6, ncol=4)
    save(fig, "emergencies.png")

    fig, ax = plt.subplots(figsize=(10, 4))
    for site, pts in rep["pilot"]["sitreps"].items():
        ax.step([p["t_h"] for p in pts], [p["power_hours"] for p in pts], where="post", label=site)
    ax.set_title(t("plot.power", lang))
    ax.set_xlabel(t("plot.hours", lang))
    ax.legend(fontsize=6, ncol=4)
    save(fig, "power.png")
    return names
