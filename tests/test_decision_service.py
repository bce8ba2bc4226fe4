"""A decision service in the loop: the example service, started as a real separate process on a
free port, answers orchestration's routing, promise, pricing and triage decisions over HTTP;
the twin gets the same KPIs as with the policies in-process, completes on the fallbacks when
the service dies, and refuses an invalid answer with its reason."""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from mptwin.analysis.metrics import compute_kpis
from mptwin.run import prepare, simulate
from mptwin.service.openapi import openapi
from sim.decisions import RoutingDecision, RoutingRequest, Triage
from strategies.remote.checks import check_prices, check_promise, check_route, check_triage
from strategies.remote.codec import from_wire, to_wire
from strategies.remote.protocol import (
    Events,
    Facts,
    OfferStock,
    PriceAnswer,
    PromiseTable,
    RouteAnswer,
    RouteCall,
)
from tests.helpers.runs import ROOT, compose_cfg

SERVICE_KPIS = ("decision_fallbacks", "decision_service_p95_ms")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(*args: str) -> tuple[subprocess.Popen, str]:
    """`mptwin-serve` as its own process; returns once it answers its health check."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "mptwin.service.cli", "--port", str(port), *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the service exited: {proc.stdout.read().decode()}")
        try:
            with urllib.request.urlopen(f"{url}/v1/health", timeout=1) as r:
                if json.loads(r.read())["status"] == "ok":
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the service did not come up within 60 s")


@pytest.fixture(scope="module")
def service():
    proc, url = start_service()
    yield url
    proc.terminate()
    proc.wait(10)


def run_kpis(*overrides: str, after=None):
    cfg = compose_cfg("scenario=smoke", *overrides)
    world, strategy = prepare(cfg)
    result = simulate(world, strategy, int(cfg.seed))
    return compute_kpis(result.tables, result.info), result


def service_overrides(url: str) -> tuple[str, ...]:
    # the strategy's name seeds its in-process policies' own randomness (governance audits):
    # the same name makes the served bundle the same strategy as in-process orchestration
    return ("strategy=orchestration_service", "strategy.name=orchestration",
            *(f"strategy.{p}.url={url}" for p in ("routing", "promise", "pricing", "exceptions")))  # fmt: skip


@pytest.mark.slow
def test_served_orchestration_gives_the_in_process_kpis(service):
    served, result = run_kpis(*service_overrides(service))
    local, _ = run_kpis("strategy=orchestration")
    calls = result.tables["service_calls"]
    assert len(calls) > 1000 and set(calls["outcome"]) == {"ok"}  # every point was asked
    assert set(calls["point"]) >= {"routing", "promise", "pricing", "exceptions"}
    assert served["decision_fallbacks"] == 0 and served["decision_service_p95_ms"] > 0
    assert local["decision_fallbacks"] == 0 and local["decision_service_p95_ms"] is None
    for key in SERVICE_KPIS:
        served.pop(key), local.pop(key)
    assert served == local


@pytest.mark.slow
def test_a_dead_service_leaves_the_run_to_the_fallbacks():
    proc, url = start_service()
    cfg = compose_cfg("scenario=smoke", *service_overrides(url))
    world, strategy = prepare(cfg)
    killed = []

    class Killer:  # kill the service once the run is a third through (progress is per day)
        def __call__(self, day, days, orders):
            if day >= days // 3 and not killed:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
                killed.append(day)

    result = simulate(world, strategy, int(cfg.seed), Killer())
    kpis = compute_kpis(result.tables, result.info)
    calls = result.tables["service_calls"]
    assert killed
    fell_back = calls[calls["fallbacks"] > 0]
    assert len(fell_back) > 0 and set(fell_back["outcome"]) <= {"down", "circuit_open"}
    assert (fell_back["t_h"] >= 24.0 * killed[0]).all()  # nothing fell back before it died
    window = calls["t_h"].between(result.info.warmup_h, result.info.window_end_h, "left")
    assert kpis["decision_fallbacks"] == int(calls["fallbacks"][window].sum())
    assert kpis["decision_fallbacks"] > 0 and kpis["orders"] > 0


@pytest.mark.slow
def test_an_unreachable_service_is_all_fallback():
    url = f"http://127.0.0.1:{free_port()}"  # nobody listens here
    kpis, result = run_kpis(*service_overrides(url))
    calls = result.tables["service_calls"]
    assert set(calls["outcome"]) <= {"down", "circuit_open", "not_open", "not_attached"}
    assert kpis["decision_fallbacks"] > 0 and kpis["decision_service_p95_ms"] is None


# --- the twin's checks on answers -------------------------------------------------------------


def _request(order_id: int) -> RoutingRequest:
    return RoutingRequest(order_id, 0, 0, 1, 10.0, 0.0, 48.0, 24.0)


def test_an_invalid_routing_answer_is_refused_with_its_reason():
    batch = [_request(1), _request(2)]
    ok = [RoutingDecision(1, 0, 0), RoutingDecision(2, -2, -1)]
    assert check_route(batch, ok, 3, 2) is None
    assert "unknown warehouse 7 for order 1" in check_route(
        batch, [RoutingDecision(1, 7, 0), ok[1]], 3, 2
    )
    assert "unknown carrier 5" in check_route(batch, [RoutingDecision(1, 0, 5), ok[1]], 3, 2)
    assert "no decision for order 2" in check_route(batch, ok[:1], 3, 2)
    assert "not asked about" in check_route(batch, [*ok, RoutingDecision(9, 0, 0)], 3, 2)
    assert "answered twice" in check_route(batch, [ok[0], ok[0]], 3, 2)


def test_invalid_prices_promises_and_triage_are_refused():
    assert "price -1.0 for offer 2" in check_prices(PriceAnswer([2], [-1.0]), 5)
    assert "unknown offer 9" in check_prices(PriceAnswer([9], [3.0]), 5)
    assert check_prices(PriceAnswer([1], [3.0]), 5) is None
    table = PromiseTable([[10.0, 20.0], []], None)
    assert check_promise(table, [True, False], 2, 0.0) is None
    assert "seller 1: 0 promises" in check_promise(table, [True, True], 2, 0.0)
    bad = PromiseTable([[10.0, math.nan]], None)
    assert "not a non-negative number" in check_promise(bad, [True], 2, 0.0)
    assert "already past" in check_promise(PromiseTable([[1.0, 1.0]], 5.0), [True], 2, 6.0)
    assert "neither" in check_triage(Triage("robot", 1, 3.0))
    assert check_triage(Triage("auto", 0, 3.0)) is None


def test_a_malformed_answer_names_the_field():
    with pytest.raises(ValueError, match="missing column 'carrier'"):
        from_wire(RouteAnswer, {"decisions": {"order_id": [1], "warehouse": [0]}})
    with pytest.raises(ValueError, match="expected integers, got 'x'"):
        from_wire(RouteAnswer, {"decisions": {"order_id": ["x"], "warehouse": [0], "carrier": [0]}})
    with pytest.raises(ValueError, match="unequal lengths"):
        from_wire(
            RouteAnswer, {"decisions": {"order_id": [1, 2], "warehouse": [0], "carrier": [0]}}
        )
    answer = RouteAnswer([RoutingDecision(1, 0, 2, "why")])
    assert from_wire(RouteAnswer, json.loads(json.dumps(to_wire(answer)))) == answer


@pytest.mark.slow
def test_the_service_refuses_what_it_cannot_answer(service):
    def post(kind, body):
        req = urllib.request.Request(f"{service}/v1/{kind}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})  # fmt: skip
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    call = RouteCall("nope", Facts(0.0, [0], [0]), Events(), [_request(1)], [OfferStock(0, [1])])
    status, body = post("route", to_wire(call))
    assert status == 404 and "unknown session" in body["error"]
    status, body = post("route", {"session": "nope"})
    assert status == 400 and "missing field 'facts'" in body["error"]
    status, body = post("reroute", {})
    assert status == 404 and "unknown call 'reroute'" in body["error"]


def test_the_openapi_document_is_generated_from_the_protocol_types():
    doc = openapi()
    schemas = doc["components"]["schemas"]
    assert set(doc["paths"]) == {f"/v1/{k}" for k in
                                 ("open", "attach", "route", "promise", "price", "triage")}  # fmt: skip
    # a batch's orders travel as a table with the fields of sim.decisions.RoutingRequest
    assert set(schemas["RoutingRequestTable"]["properties"]) == set(to_wire(_request(1)))
    shipped = json.loads((Path(ROOT) / "docs" / "decision-service.openapi.json").read_text())
    assert shipped == doc, (
        "regenerate: uv run python -m mptwin.service.openapi > docs/decision-service.openapi.json"
    )


class LocalHttp:
    """The client's transport, answered by a DecisionService in this process (no sockets)."""

    service = None

    def __init__(self, url, timeout_s):
        pass

    def post(self, path, body):
        return self.service.handle(path.rsplit("/", 1)[1], body)

    def close(self):
        pass


class RogueRouting:
    """A service's routing policy that answers a warehouse the world does not have."""

    batch_minutes, decision_latency_minutes = 30.0, 0.0

    def route(self, batch, market):
        return [RoutingDecision(r.order_id, 99, 0) for r in batch]


def test_an_invalid_answer_is_never_applied_and_says_why(monkeypatch):
    from mptwin.policies import build_policy
    from mptwin.service.session import DecisionService
    from strategies.remote import client

    cfg = compose_cfg("scenario=smoke", "strategy=orchestration").strategy
    LocalHttp.service = DecisionService(
        lambda p: RogueRouting() if p == "routing" else build_policy(cfg[p], f"strategy.{p}")
    )
    monkeypatch.setattr(client, "Http", LocalHttp)
    kpis, result = run_kpis(*service_overrides("http://in-process"))
    calls = result.tables["service_calls"]
    routing = calls[calls["point"] == "routing"].iloc[1:]  # after attach
    assert set(routing["outcome"]) == {"invalid"}
    assert routing["reason"].str.match(r"unknown warehouse 99 for order \d+").all()
    assert (routing["fallbacks"] == routing["decisions"]).all()
    assert set(calls[calls["point"] != "routing"]["outcome"]) == {"ok"}
    orders = result.tables["orders"]
    assert (orders["warehouse"].dropna() < 99).all() and kpis["orders"] > 0  # never applied
    assert kpis["decision_fallbacks"] > 0


@pytest.mark.slow
def test_a_schedule_out_of_bounds_is_refused(monkeypatch):
    from mptwin.policies import build_policy
    from mptwin.service.session import DecisionService
    from strategies.remote import client

    cfg = compose_cfg("scenario=smoke", "strategy=orchestration").strategy

    class EveryInstant(RogueRouting):
        batch_minutes = 0.0  # the world would ask forever at one instant

    LocalHttp.service = DecisionService(
        lambda p: EveryInstant() if p == "routing" else build_policy(cfg[p], f"strategy.{p}")
    )
    monkeypatch.setattr(client, "Http", LocalHttp)
    kpis, result = run_kpis(*service_overrides("http://in-process"))
    calls = result.tables["service_calls"]
    routing = calls[calls["point"] == "routing"]
    refused = routing[routing["outcome"] == "invalid"]
    assert (
        len(refused) == 1
        and "strategy.routing.batch_minutes must be > 0" in refused["reason"].iloc[0]
    )
    asked = routing[routing["t_h"] > 0]
    assert (
        set(asked["outcome"]) == {"not_attached"}
        and (asked["fallbacks"] == asked["decisions"]).all()
    )
    assert kpis["orders"] > 0 and result.tables["orders"]["warehouse"].max() < 99


@pytest.mark.slow
def test_served_decisions_are_explained_too(monkeypatch):
    """With decisions=true the service's answers carry what its policies weighed; a served
    promise, which has no explanation of its own, is recorded as the answer it was."""
    from mptwin.policies import build_policy
    from mptwin.service.session import DecisionService
    from strategies.remote import client

    served = compose_cfg("scenario=smoke", "strategy=orchestration").strategy
    LocalHttp.service = DecisionService(lambda p: build_policy(served[p], f"strategy.{p}"))
    monkeypatch.setattr(client, "Http", LocalHttp)
    world, strategy = prepare(
        compose_cfg("scenario=smoke", *service_overrides("http://in-process"))
    )
    result = simulate(world, strategy, 1, decisions=True)
    assert set(result.tables["service_calls"]["outcome"]) == {"ok"}
    decisions = result.tables["decisions"]
    routing = decisions[decisions["point"] == "routing"]
    assert (routing["policy"] == "RemoteRouting").all()
    assert routing["route_options"].map(len).gt(1).mean() > 0.5  # the service's options
    promises = decisions[decisions["point"] == "promise"]
    assert len(promises) > 0 and promises["promise_options"].map(len).eq(1).all()
