"""Promises explained at the end of a run (`explain_promises`, `sim.recording.promise_columns`): the
option each promise's explanation marks used is exactly the hours the policy answered when
the order's promise was asked for, so an explanation worked out afterwards is the one the
policy had then. A policy that explains one promise at a time (`explain_promise`) still gets
every promise recorded, the world asking it as each order is placed."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from mptwin.runner.compose import build_run, compose
from mptwin.runner.job import simulate
from sim.decisions import PromiseOption
from strategies.promise import ContractPromise


def promise_rows(result):
    d = result.tables["decisions"]
    return d[d["point"] == "promise"].sort_values("order_id")


def used_hours(rows) -> list[float]:
    return [[o["hours"] for o in options if o["used"]] for options in rows["promise_options"]]


@pytest.mark.parametrize("promise", ["learned", "carrier_buffer", "contract"])
def test_the_option_used_is_the_promise_the_policy_answered_then(promise):
    cfg = compose("scenario=smoke", "strategy=orchestration", f"strategy/promise={promise}")
    world, strategy = build_run(cfg)
    policy, answered, seen = strategy.promise, {}, {}
    ask, bind = policy.promise_hours, policy.bind

    def bound(market) -> None:  # the market whose clock tells when a promise was asked
        seen["market"] = market
        bind(market)

    def recorded(offer: int, region: int) -> float:  # what it answered, by when and what
        hours = ask(offer, region)
        answered[(seen["market"].now(), offer, region)] = hours
        return hours

    policy.bind, policy.promise_hours = bound, recorded
    result = simulate(world, strategy, int(cfg.seed), decisions=True)
    rows = promise_rows(result)
    orders = result.tables["orders"].set_index("order_id").loc[rows["order_id"]]
    expected = [
        answered[(t, o, r)]
        for t, o, r in zip(orders["placed_h"], orders["offer"], orders["region"], strict=True)
    ]
    assert len(rows) == len(result.tables["orders"]) > 100
    assert used_hours(rows) == [[h] for h in expected]  # exactly: the same floats
    if promise == "learned":  # per carrier considered, the one used among them
        sizes = [len(options) for options in rows["promise_options"]]
        assert min(sizes) >= 2


class OneAtATime(ContractPromise):
    """A policy that explains each promise as it is asked (no `explain_promises`)."""

    explain_promises = None

    def explain_promise(self, offer: int, region: int):
        hours = self.promise_hours(offer, region)
        return (PromiseOption(0, 1.0, 2.0, hours - 3.0, hours, True, "mine"),), "one at a time"


def test_a_policy_that_explains_one_promise_at_a_time_has_every_promise_recorded():
    cfg = compose("scenario=smoke", "strategy=automation")
    world, strategy = build_run(cfg)
    strategy = replace(strategy, promise=OneAtATime())
    result = simulate(world, strategy, int(cfg.seed), decisions=True)
    rows = promise_rows(result)
    assert len(rows) == len(result.tables["orders"]) > 100
    assert set(rows["reason"].astype(str)) == {"one at a time"}
    assert all(len(h) == 1 for h in used_hours(rows))
    notes = {o["note"] for options in rows["promise_options"] for o in options}
    assert notes == {"mine"}
    shown = (
        result.tables["orders"].set_index("order_id").loc[rows["order_id"], "promise_h"]
        - rows["t_h"].to_numpy()
    )
    assert np.all(np.array(used_hours(rows))[:, 0] <= shown.to_numpy() + 1e-9)
