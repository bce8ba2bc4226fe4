"""The decision service itself: the twin's checks refuse an invalid answer with its reason, a
malformed answer names the field, the service refuses what it cannot answer, and its OpenAPI
document is generated from the protocol types. The twin as its client is in
tests/test_decision_service_client.py."""

from __future__ import annotations

import json
import math
import urllib.request
from pathlib import Path

import pytest

from mptwin.decision_service.openapi import openapi
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
from tests.helpers.decision_service import service_fixture  # noqa: F401  (the `service` fixture)
from tests.helpers.runs import ROOT

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
        req = urllib.request.Request(
            f"{service}/v1/{kind}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
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
    assert set(doc["paths"]) == {
        f"/v1/{k}" for k in ("open", "attach", "route", "promise", "price", "triage")
    }
    # a batch's orders travel as a table with the fields of sim.decisions.RoutingRequest
    assert set(schemas["RoutingRequestTable"]["properties"]) == set(to_wire(_request(1)))
    shipped = json.loads((Path(ROOT) / "docs" / "decision-service.openapi.json").read_text())
    assert shipped == doc, (
        "regenerate: uv run python -m mptwin.decision_service.openapi > docs/decision-service.openapi.json"
    )
