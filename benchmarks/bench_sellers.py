"""Benchmark: cost per order against the number of sellers. The baseline world with its
founding sellers as they are (50) and ten times as many (500, each profile's count x10, the
catalogue, demand and warehouses unchanged), under both arms, in the same process, with the
bare SimPy M/M/c reference for scale.

    uv run python benchmarks/bench_sellers.py            # writes benchmark_sellers.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench import bare_mmc, bench_scenario  # benchmarks/ is on the path when run as a script

# baseline's seller profiles (conf/scenario/baseline.yaml), their counts times ten
TIMES_TEN = (
    "scenario.sellers=[{name: anchor, count: 100, size: 4.0, handling_h: 48, "
    "reliability: 0.97, delay_mean_h: 12, lead_time_days: 5}, {name: regular, "
    "count: 250, size: 1.5, handling_h: 48, reliability: 0.92, delay_mean_h: 24, "
    "lead_time_days: 7}, {name: small, count: 150, size: 0.6, handling_h: 72, "
    "reliability: 0.80, delay_mean_h: 36, lead_time_days: 10}]"
)


def main(argv: list[str]) -> list[dict]:
    mmc = bare_mmc()
    rows = []
    for strategy in ("automation", "orchestration"):
        for label, extra in (("50", []), ("500", [TIMES_TEN])):
            out = bench_scenario([f"strategy={strategy}", *extra, *argv])
            out["founding_sellers"] = int(label)
            out["ratio_to_bare_mmc"] = out["orders_per_s_with_tables"] / mmc
            rows.append(out)
            print(
                f"{strategy:14s} sellers={label:>4s}  {out['orders_simulated']:>8,} orders  "
                f"{out['orders_per_s_event_loop']:>9,.0f} orders/s (event loop)  "
                f"{out['orders_per_s_with_tables']:>9,.0f} with tables  "
                f"ratio to bare M/M/c {out['ratio_to_bare_mmc']:.3f}"
            )
    print(f"bare SimPy M/M/c: {mmc:,.0f} customers/s")
    return rows


if __name__ == "__main__":
    result = main(sys.argv[1:])
    path = Path("benchmark_sellers.json")
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {path.resolve()}")
