"""The onboarding trade-off figure: for each arm, how bad actors admitted and time to onboard
move with the hours people spend on onboarding, one point per level of the swept rule (the
`onboarding_threshold` experiment sweeps the auto-approval threshold)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from mptwin.results.report.load import Sweep, level_sort_key

X = "onboarding_reviewer_hours"
PANELS = (
    ("bad_sellers_admitted", "bad actors admitted"),
    ("onboarding_p50_h", "application to approval, median (h)"),
)


def has_onboarding(sweep: Sweep) -> bool:
    """Whether the runs onboarded anyone (a scenario with seller applications)."""
    runs = sweep.runs
    return X in runs.columns and "applications" in runs.columns and (runs["applications"] > 0).any()


def onboarding_tradeoff(sweep: Sweep, plt, colours, no_data) -> Figure:
    """Two panels against onboarding reviewer hours; a line per arm through its groups' means
    (each point labelled with its group), with the seeds' spread as error bars."""
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.4))
    if not has_onboarding(sweep):
        for ax in axes:
            no_data(ax, "no seller applications in these runs")
        return fig
    runs = sweep.runs
    for colour, arm in zip(colours(len(sweep.arms)), sweep.arms, strict=True):
        mine = runs[runs["arm"] == arm]
        groups = sorted(mine["group"].unique(), key=level_sort_key)
        for ax, (key, label) in zip(axes, PANELS, strict=True):
            stats = [
                (
                    mine.loc[mine["group"] == g, X].astype(float),
                    mine.loc[mine["group"] == g, key].astype(float),
                )
                for g in groups
            ]
            x = np.array([s[0].mean() for s in stats])
            y = np.array([s[1].mean() for s in stats])
            err = np.array([s[1].std(ddof=1) if len(s[1]) > 1 else 0.0 for s in stats])
            ax.errorbar(
                x, y, yerr=err, marker="o", color=colour, capsize=3, label=sweep.arm_label(arm)
            )
            if len(groups) > 1:
                for xi, yi, g in zip(x, y, groups, strict=True):
                    ax.annotate(
                        g.split("=")[-1],
                        (xi, yi),
                        textcoords="offset points",
                        xytext=(4, 4),
                        fontsize=7,
                        color=colour,
                    )
            ax.set_xlabel("people's hours on onboarding (window)")
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Onboarding trade-off: each point a rule setting, mean over seeds (bars: sd)")
    fig.tight_layout()
    return fig
