"""`mptwin-explain`: an order's story from a run folder written with `decisions=true` (the
decisions in time order, what each chose, what it was weighed against and why, and the
outcomes), and clear errors for a folder without decisions.parquet and an unknown order."""

from __future__ import annotations

import re
import shutil
import subprocess

import pandas as pd
import pytest

from mptwin.results.explain.cli import explain, main
from mptwin.results.explain.listing import STATUSES
from mptwin.results.explain.run_folder import Names, alternatives
from mptwin.results.explain.story import routing
from mptwin.runner.compose import compose
from mptwin.runner.job import run_job
from sim.lifecycle import CANCELLED
from tests.helpers.runs import ROOT


def recorded_run(tmp_path_factory, arm: str):
    """A smoke run of `arm`, as `mptwin ... decisions=true` writes it."""
    out = tmp_path_factory.mktemp("explain") / arm
    cfg = compose(
        "scenario=smoke", f"strategy={arm}", "decisions=true", "figures=false", "progress=false"
    )
    run_job(cfg, out)
    return out


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    return recorded_run(tmp_path_factory, "orchestration")


def carrier_names(folder) -> list[str]:
    config = compose("scenario=smoke").scenario
    assert (folder / "config.yaml").is_file()
    return [c.name for c in config.carriers]


def an_order_with_rivals(folder) -> tuple[int, dict, dict]:
    """An order routed once, straight, with another option weighed: (id, chosen, best other)."""
    d = pd.read_parquet(folder / "decisions.parquet")
    routing = d[d["point"] == "routing"]
    once = routing["order_id"].value_counts()
    for _, row in routing[routing["order_id"].isin(once[once == 1].index)].iterrows():
        options = list(row["route_options"])
        (chosen,) = [o for o in options if o["chosen"]]
        rivals = [
            o
            for o in options
            if not o["chosen"] and o["warehouse"] >= 0 and "pruned" not in o["note"]
        ]
        if chosen["warehouse"] >= 0 and rivals:
            return int(row["order_id"]), chosen, min(rivals, key=lambda o: o["cost"])
    raise AssertionError("no routed order with alternatives")


def test_the_job_writes_decisions_parquet_only_when_asked(run_folder, tmp_path):
    assert (run_folder / "decisions.parquet").is_file()
    out = tmp_path / "plain"
    run_job(compose("scenario=smoke", "figures=false", "progress=false"), out)
    assert (out / "kpis.json").is_file() and not (out / "decisions.parquet").exists()


def test_an_orders_story_says_where_it_was_routed_rather_than_where_and_why(run_folder):
    order_id, chosen, rival = an_order_with_rivals(run_folder)
    names = carrier_names(run_folder)
    text = explain(run_folder, order_id)
    assert f"Order {order_id}" in text.splitlines()[0]
    assert (
        f"routed to warehouse {chosen['warehouse']} with carrier "
        f"{names[chosen['carrier']]} at {chosen['cost']:.2f} expected cost"
    ) in text
    assert (
        f"rather than warehouse {rival['warehouse']} with carrier "
        f"{names[rival['carrier']]} at {rival['cost']:.2f}"
    ) in text
    assert "because" in text and "[OptimisedRouting]" in text


def test_the_story_is_in_time_order_from_placing_to_the_outcome(run_folder):
    order_id, _, _ = an_order_with_rivals(run_folder)
    lines = explain(run_folder, order_id).splitlines()[1:]
    hours = [float(line.split("(h ")[1].split(")")[0]) for line in lines]
    assert hours == sorted(hours)
    assert "placed:" in lines[0] and "promised delivery by" in lines[1]
    assert "[LearnedPromise]" in lines[1] and "in transit with carrier" in lines[1]
    order = pd.read_parquet(run_folder / "orders.parquet").set_index("order_id").loc[order_id]
    if order["status"] == "delivered":
        assert "delivered on time" in lines[-1] or "delivered late" in lines[-1]


def test_an_exception_says_who_handled_it_and_how_it_ended(run_folder):
    exc = pd.read_parquet(run_folder / "exceptions.parquet")
    held = exc[(exc["type"] == "payment_held") & exc["resolved_h"].notna()].iloc[0]
    text = explain(run_folder, int(held["order_id"]))
    assert "exception payment_held (risk_score): sent to people" in text
    assert f"payment_held resolved by reviewer {held['reviewer']}" in text
    assert str(held["outcome"]) in text


def test_the_command_prints_the_story(run_folder, capsys):
    order_id, _, _ = an_order_with_rivals(run_folder)
    main([str(run_folder), "--order", str(order_id)])
    assert "rather than" in capsys.readouterr().out


def test_a_run_without_decisions_says_to_run_with_decisions_true(run_folder, tmp_path, capsys):
    plain = tmp_path / "plain"
    shutil.copytree(run_folder, plain)
    (plain / "decisions.parquet").unlink()
    with pytest.raises(SystemExit) as stop:
        main([str(plain), "--order", "1"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "no decisions.parquet" in err and "decisions=true" in err
    assert "scenario=smoke strategy=orchestration seed=1 decisions=true" in err


def test_an_unknown_order_is_a_clear_error(run_folder, capsys):
    n = len(pd.read_parquet(run_folder / "orders.parquet", columns=["order_id"]))
    with pytest.raises(SystemExit) as stop:
        main([str(run_folder), "--order", str(n + 5)])
    assert stop.value.code == 2
    assert f"order {n + 5} is not in this run" in capsys.readouterr().err


def test_a_folder_that_is_no_run_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main([str(tmp_path), "--order", "1"])
    assert "is not a run folder" in capsys.readouterr().err


@pytest.mark.slow
def test_the_console_script_is_installed(run_folder):
    order_id, _, _ = an_order_with_rivals(run_folder)
    done = subprocess.run(
        ["uv", "run", "mptwin-explain", str(run_folder), "--order", str(order_id)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "routed to warehouse" in done.stdout


# --- a routing reason argues for the option chosen ---------------------------------------------

NUMBER = r"(?P<a>[\d.]+) against (?P<b>[\d.]+)"
CHANCE = rf"\((?:[^:()]+ against [^:()]+: )?an expected {NUMBER}\)"
FAVOUR = {  # a clause for the chosen option -> the term it quotes, chosen's value first
    rf"shipping was cheaper \({NUMBER}\)": "shipping",
    rf"the lane model put the chance of missing the promise lower {CHANCE}": "late_cost",
    rf"warehouse \d+ with carrier \S+ was full(?:er)? \(overflow cost {NUMBER}\)": "capacity_penalty",
    r"it is nearer the customer: (?P<a>\d+) km against (?P<b>\d+) km": "km",
}
TRADED = {  # a clause for what the choice gave up, that the clauses for it outweighed
    rf"dearer shipping \({NUMBER}\)": "shipping",
    rf"a higher chance of missing the promise {CHANCE}": "late_cost",
    rf"the overflow cost of a full carrier or warehouse \({NUMBER}\)": "capacity_penalty",
}


def shown(option: dict, term: str) -> str:
    return f"{option[term]:.0f}" if term == "km" else f"{option[term]:.2f}"


def quoted(clause: str, patterns: dict, chosen: dict, rival: dict) -> tuple[str, float, float]:
    """(term, chosen's value, rival's value) of a clause, checked against the options."""
    for pattern, term in patterns.items():
        m = re.fullmatch(pattern, clause)
        if m:
            assert (m["a"], m["b"]) == (shown(chosen, term), shown(rival, term)), clause
            return term, float(m["a"]), float(m["b"])
    raise AssertionError(f"a reason the test does not know: {clause!r}")


def check_reason(row: dict, names: Names) -> str:
    """Assert that the sentence for a routing row argues for the option chosen, with the
    options' own numbers; returns the kind of reason it gave."""
    options, text = alternatives(row), routing(row, names)
    (chosen,) = [o for o in options if o["chosen"]]
    if chosen["warehouse"] < 0 or ", because " not in text:
        assert chosen["warehouse"] < 0 or "the only option it weighed" in text, text
        return "no rival"
    where = re.search(r"rather than warehouse (\d+) with carrier (\S+) at", text)
    (rival,) = [
        o
        for o in options
        if not o["chosen"]
        and o["warehouse"] == int(where[1])
        and names.carrier(o["carrier"]) == f"carrier {where[2]}"
    ]
    because = text.split(", because ", 1)[1].removesuffix(f" ({row['reason']})")
    cents = {
        k: round(o["cost"], 2)
        for k, o in (("chosen", chosen), ("rival", rival))
        if o.get("cost") is not None
    }
    if because.startswith("the batch came first"):  # dearer on its own: shared room
        assert cents["chosen"] > cents["rival"], text
        return "the batch"
    if because.endswith("'s shelf was empty (" + rival["note"] + ")"):
        assert "shelf empty" in rival["note"] and "shelf empty" not in chosen["note"], text
        return "shelf"
    if because.startswith("no shelf had the unit"):
        assert chosen["note"] == "home warehouse: shelf empty", text
        assert "shelf empty" in rival["note"], text
        return "home"
    if because.startswith("the two cost about the same"):
        assert abs(cents["chosen"] - cents["rival"]) <= 0.01, text
        return "tie"
    favour, _, traded = because.partition(", which outweighed ")
    terms = [quoted(c, FAVOUR, chosen, rival) for c in favour.split(" and ")]
    assert all(ours < theirs for _, ours, theirs in terms), text
    if chosen.get("late_cost") is not None:  # priced by its cost terms: the one that
        lead = max(TRADED.values(), key=lambda k: rival[k] - chosen[k])  # favoured it most
        assert terms[0][0] == lead, text  # is named first
    if traded:
        given = [quoted(c, TRADED, chosen, rival) for c in traded.split(" and ")]
        assert all(ours > theirs for _, ours, theirs in given), text
        assert cents["chosen"] <= cents["rival"], text  # it did outweigh them
    return terms[0][0] + (", traded" if traded else "")


@pytest.mark.parametrize("arm", ["orchestration", "automation"])
def test_every_routing_reason_argues_for_the_option_chosen(arm, run_folder, tmp_path_factory):
    folder = run_folder if arm == "orchestration" else recorded_run(tmp_path_factory, arm)
    names = Names([c.name for c in compose("scenario=smoke").scenario.carriers])
    d = pd.read_parquet(folder / "decisions.parquet")
    rows = d[d["point"] == "routing"].to_dict("records")
    kinds = pd.Series([check_reason(row, names) for row in rows]).value_counts()
    assert kinds.sum() == len(rows) > 1000
    if arm == "orchestration":  # cheaper shipping against a likelier miss: the case
        assert kinds["shipping, traded"] > 100 and kinds["late_cost, traded"] > 100
    else:  # the rule: the home shelf, else the nearest that has the unit
        assert kinds["shelf"] > 50


def test_a_lost_parcels_line_says_what_its_time_is(run_folder):
    shipments = pd.read_parquet(run_folder / "shipments.parquet")
    orders = pd.read_parquet(run_folder / "orders.parquet").set_index("order_id")
    lost = shipments[shipments["lost"]]
    order_id = int(lost["order_id"].iloc[0])
    promise_h = orders.loc[order_id, "promise_h"]
    assert orders.loc[order_id, "handed_h"] <= promise_h
    (line,) = [x for x in explain(run_folder, order_id).splitlines() if "lost in transit" in x]
    assert f"(h {promise_h:.1f})  the promise passed without a delivery" in line
    assert "the time shown is the promise's" in line and "draws at hand-over" in line


# --- finding an order to explain: --list [STATUS] ----------------------------------------------


def statuses(folder) -> pd.Series:
    orders = pd.read_parquet(folder / "orders.parquet", columns=["order_id", "status"])
    return orders.set_index("order_id")["status"].astype(str).sort_index()


def test_list_with_no_status_counts_the_orders_of_each(run_folder, capsys):
    main([str(run_folder), "--list"])
    out = capsys.readouterr().out.splitlines()
    counts = statuses(run_folder).value_counts()
    assert f"({counts.sum():,} in all)" in out[0]
    for status in STATUSES:
        (line,) = [x for x in out if x.split()[:1] == [status]]
        assert int(line.split()[1].replace(",", "")) == counts.get(status, 0), line
    assert f"--list {CANCELLED}" in out[-1]


def test_list_a_status_gives_its_first_orders_by_id_and_how_many_more(run_folder, capsys):
    status = statuses(run_folder)
    ended = status[status == CANCELLED].index.tolist()
    assert len(ended) > 3, "the smoke run should cancel a few orders"
    main([str(run_folder), "--list", "cancelled", "--limit", "3"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"Status cancelled: {len(ended)} of the {len(status):,} orders")
    assert out[1].split()[:3] == ["order", "placed", "promised"]
    assert [int(line.split()[0]) for line in out[2:5]] == ended[:3]
    assert out[5] == f"  … and {len(ended) - 3} more; --limit {len(ended)} to see them all"
    assert out[6] == f"Explain one: mptwin-explain {run_folder} --order {ended[0]}"
    main([str(run_folder), "--list", "CANCELLED", "--limit", str(len(ended))])
    out = capsys.readouterr().out
    assert "more; --limit" not in out and len(out.splitlines()) == len(ended) + 3


def test_list_says_where_each_order_stopped(run_folder, capsys):
    orders = pd.read_parquet(run_folder / "orders.parquet").set_index("order_id")
    stages = ("with the carrier", "packed", "routed", "not routed yet")
    for status, says in (("lost", ("never delivered",)), ("open", stages)):
        ended = orders[orders["status"].astype(str) == status]
        if ended.empty:
            continue
        main([str(run_folder), "--list", status, "--limit", "1"])
        row = capsys.readouterr().out.splitlines()[2]
        first = ended.iloc[0]
        assert row.split()[0] == str(ended.index[0]) and row.endswith(says), row
        assert f"{first['price'] + first['shipping_fee']:,.2f}" in row


def test_list_needs_no_decisions_and_says_how_to_get_them(run_folder, tmp_path, capsys):
    plain = tmp_path / "plain"
    shutil.copytree(run_folder, plain, ignore=shutil.ignore_patterns("decisions.parquet"))
    main([str(plain), "--list", "delivered", "--limit", "2"])
    last = capsys.readouterr().out.splitlines()[-1]
    assert "scenario=smoke strategy=orchestration seed=1 decisions=true" in last
