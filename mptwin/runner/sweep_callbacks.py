"""Hydra callback: when a multirun ends, build the sweep's report and print its paired
comparison table and where the page is. Configured as `hydra.callbacks.report` in
conf/config.yaml; experiments set what is compared (`compare`, `baseline`)."""

from __future__ import annotations

import logging
from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger("mptwin")


class SweepReport(Callback):
    """Runs `mptwin.results.report.build_report` on the sweep folder at the end of a multirun."""

    def __init__(
        self,
        enabled: bool = True,
        html: bool = True,
        compare: str | None = "strategy",
        baseline=None,
        level: float = 0.95,
        target_rel: float = 0.01,
    ) -> None:
        self.enabled, self.html = enabled, html
        self.options = {
            "compare": compare,
            "baseline": baseline,
            "level": level,
            "target_rel": target_rel,
        }

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        if not self.enabled:
            return
        from mptwin.results.report.build import (
            build_report,  # lazy: plain runs never pay for the import
        )
        from mptwin.results.report.load import ReportError

        sweep_dir = Path(str(config.hydra.sweep.dir))
        try:
            report = build_report(sweep_dir, html=self.html, **self.options)
        except ReportError as e:
            print(f"\nNo report for {sweep_dir}: {e}")
            return
        print("\n" + report.text)
        print(
            f"\n{len(report.sweep.runs)} complete runs in {sweep_dir} "
            f"(report built in {report.seconds:.1f} s)"
        )
        where = report.html if report.html else report.out_dir
        print(f"Report: {where}")
        print(f"Rebuild it any time with: mptwin-report {sweep_dir}")
