"""What `mptwin-validate` writes and prints: validation.csv, one PNG per overlay,
validation.html (and quirks.csv), and the table on screen."""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from mptwin.calibration.backtest_compare import DISTRIBUTIONS, judged  # noqa: E402


def write_outputs(
    table: pd.DataFrame,
    observed: pd.DataFrame,
    simulated: list[pd.DataFrame],
    out: Path,
    title: str,
    quirks: dict | None = None,
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "validation.csv"]
    table.to_csv(paths[0], index=False)
    for key, col in DISTRIBUTIONS.items():
        fig, ax = plt.subplots(figsize=(6, 4))
        o = np.sort(judged(observed)[col].dropna().to_numpy() / 24.0)
        ax.plot(o, np.arange(1, len(o) + 1) / len(o), color="black", lw=2, label="observed")
        for i, s in enumerate(simulated):
            x = np.sort(judged(s)[col].dropna().to_numpy() / 24.0)
            ax.plot(
                x,
                np.arange(1, len(x) + 1) / len(x),
                color="tab:blue",
                alpha=0.5,
                lw=1,
                label="simulated (each seed)" if i == 0 else None,
            )
        ax.set_xlabel(f"{key.replace('_', ' ')} (days)")
        ax.set_ylabel("share of orders")
        ax.set_xlim(0, np.quantile(o, 0.99) if len(o) else 1)
        ax.legend()
        ax.set_title(f"{title}: {key.replace('_', ' ')}")
        path = out / f"overlay_{key}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    paths.append(out / "validation.html")
    paths[-1].write_text(
        _html(table, [p.name for p in paths if p.suffix == ".png"], title, quirks or {})
    )
    if quirks:
        paths.append(out / "quirks.csv")
        pd.Series(quirks, name="orders").rename_axis("quirk").to_csv(paths[-1])
    return paths


def _html(table: pd.DataFrame, figures: list[str], title: str, quirks: dict) -> str:
    verdict = "PASS" if table["pass"].all() else "FAIL"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in r) + "</tr>"
        for r in table.itertuples(index=False)
    )
    imgs = "".join(f'<img src="{f}" alt="{f}">' for f in figures)
    handled = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{v:,}</td></tr>" for k, v in quirks.items()
    )
    if handled:
        imgs += f"<h2>Real-data quirks handled in the observed log</h2><table>{handled}</table>"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
        "</title><style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;"
        "border-bottom:1px solid #ddd;text-align:right}img{max-width:32%}</style></head>"
        f"<body><h1>{html.escape(title)}: {verdict}</h1><table><tr>{head}</tr>{body}"
        f"</table>{imgs}</body></html>"
    )


def _fmt(v) -> str:
    if isinstance(v, bool | np.bool_):
        return "pass" if v else "FAIL"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def print_table(table: pd.DataFrame) -> None:
    print(
        f"{'quantity':28s} {'observed':>10s} {'simulated':>10s} {'seeds min..max':>21s} "
        f"{'tolerance':>9s} {'fitted':>9s}  result"
    )
    for r in table.itertuples(index=False):
        print(
            f"{r.quantity:28s} {r.observed:10.4g} {r.simulated:10.4g} "
            f"{r.sim_min:10.4g}..{r.sim_max:<10.4g} {r.tolerance:9.3g} {r.fitted:>9s}  "
            f"{'pass' if r.pass_ else 'FAIL'}"
        )
