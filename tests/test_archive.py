"""Records retire into typed columns once nothing in the world refers to them (sim/archive.py),
and a run keeps only the orders still in play as objects."""

import numpy as np

from sim.archive import Archive


class Rec:
    __slots__ = ("rid", "t", "n", "flag", "word")

    def __init__(self, rid, t, n, flag, word):
        self.rid, self.t, self.n, self.flag, self.word = rid, t, n, flag, word


FIELDS = {"rid": "q", "t": "d", "n": "i", "flag": "b", "word": "s"}


def filled(k: int) -> tuple[Archive, list]:
    a = Archive("rid", FIELDS)
    recs = []
    for i in range(k):
        r = Rec(a.next_id(), i * 0.5, -i, i % 2 == 0, ("a", "b", "")[i % 3])
        a.add(r)
        recs.append(r)
    return a, recs


def test_only_records_nothing_else_holds_retire():
    a, recs = filled(6)
    held = [recs[1], recs[4]]
    del recs
    assert a.retire_idle() == 4
    assert sorted(a.live) == [1, 4] and len(a) == 6
    assert a.get(0) is None and a.get(1) is held[0]


def test_a_retired_row_is_the_record_as_it_was_when_let_go():
    a, recs = filled(3)
    recs[0].t = 99.0
    keep = recs[2]
    del recs
    a.retire_idle()
    keep.word = "late"  # still live: its change is in the table
    cols = a.columns()
    assert cols["rid"].tolist() == [0, 1, 2]  # id order, retired and live together
    assert cols["t"].tolist() == [99.0, 0.5, 1.0]
    assert cols["n"].dtype == np.int32 and cols["n"].tolist() == [0, -1, -2]
    assert cols["flag"].tolist() == [True, False, True]
    assert [a.labels["word"][c] for c in cols["word"]] == ["a", "b", "late"]
    assert a.get(2) is keep  # columns() leaves live records live
    again = a.columns(release=True)  # the end of a run: the retired rows are handed over
    assert again["t"].tolist() == [99.0, 0.5, 1.0]
    assert a.chunks["t"] == [] and a.get(2) is keep


def test_a_run_keeps_only_orders_in_play_as_objects(stepped):
    """An order is in play for a few weeks (routing, transit, the return window, the payout);
    older ones are columns, except a few a held seller's payouts still wait for."""
    orders, now = stepped.state.records.orders, stepped.state.env.now
    table = stepped.result.tables["orders"]
    old = table["placed_h"].to_numpy() < now - 30 * 24.0
    assert old.sum() > 3000
    still_objects = sum(1 for o in orders.live.values() if o.placed_h < now - 30 * 24.0)
    assert still_objects <= 0.01 * old.sum(), "finished orders should have retired"
    assert table["order_id"].tolist() == list(range(len(orders)))
