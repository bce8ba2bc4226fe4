"""Fitting a scenario to an order log (`mptwin.calibration.log.OrderLog`): the record of what
was fitted and from what (`Fit`), and the periods (the log's active days, the fit and the
hold-out). The parts are fitted in `places` (regions, warehouses), `demand` (when and what
customers buy, from whom) and `service` (handling, transit, promises, freight, reviews);
`mptwin.calibration.scenario` assembles them into a scenario file.

The model knows regions, not addresses: a customer's region is its state, and every distance
is the one the model will use, between region centres (straight line; `road_factor` 1), or a
region's own typical distance for orders within it. So transit and freight are fitted against
the distance the twin will feed them, not against a finer one it never sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from mptwin.calibration.log_files import ORDERS, LogError


@dataclass
class Fit:
    """Fitted values (dotted scenario keys -> value) and, per key, its source: what in the log
    it was estimated from, or why it could not be."""

    values: dict[str, object] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def put(self, key: str, value, source: str) -> None:
        self.values[key] = value
        self.sources[key] = source

    def merge(self, other: Fit) -> Fit:
        self.values.update(other.values)
        self.sources.update(other.sources)
        return self


# --- periods ---------------------------------------------------------------------------------


def active_period(
    purchase: pd.Series, floor_share: float = 0.25
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The days the log is really running: from the first to the last day whose 4-week mean of
    orders reaches `floor_share` of the median 4-week mean. A log's thin start (launch, sampling)
    and its tail (orders still open when it was cut) are left out."""
    daily = purchase.dt.floor("D").value_counts().sort_index().asfreq("D", fill_value=0)
    rolling = daily.rolling(28, center=True, min_periods=7).mean()
    ok = rolling[rolling >= floor_share * rolling.median()]
    if ok.empty:  # a 4-week mean needs a week of days
        raise LogError(
            f"{ORDERS}: purchases on {len(daily)} day(s); calibration needs at least "
            "7 days of orders to find the log's active period"
        )
    return ok.index[0], ok.index[-1] + pd.Timedelta(days=1)


def split_period(start: pd.Timestamp, end: pd.Timestamp, fit_share: float) -> pd.Timestamp:
    """The first day of the hold-out: `fit_share` of the active days are for fitting."""
    days = (end - start).days
    return start + pd.Timedelta(days=int(round(days * fit_share)))
