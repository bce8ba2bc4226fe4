"""The twin as a decision service's client: the example service, started as a real separate
process on a free port, answers orchestration's routing, promise, pricing and triage decisions
over HTTP; the twin gets the same KPIs as with the policies in-process, completes on the
fallbacks when the service dies, fails a run that requires it, and never applies an invalid
answer. The service itself (protocol, checks, OpenAPI) is in tests/test_decision_service_http.py."""

from __future__ import annotations

import logging
import os
import signal
import subprocess

import pandas as pd
import pytest

from mptwin.results.measure.metrics import compute_kpis
from mptwin.runner.compose import build_run, compose
from mptwin.runner.job import simulate
from sim.decisions import RoutingDecision
from tests.helpers.decision_service import (  # noqa: F401  (service_fixture: the `service` fixture)
    free_port,
    service_fixture,
    start_service,
)
from tests.helpers.runs import ROOT

SERVICE_KPIS = ("decision_fallbacks", "decision_service_p95_ms")


def run_kpis(*overrides: str, after=None):
    cfg = compose("scenario=smoke", *overrides)
    world, strategy = build_run(cfg)
    result = simulate(world, strategy, int(cfg.seed))
    return compute_kpis(result.tables, result.info), result


def service_overrides(url: str) -> tuple[str, ...]:
    # the strategy's name seeds its in-process policies' own randomness (governance audits):
    # the same name makes the served bundle the same strategy as in-process orchestration
    return (
        "strategy=orchestration_service",
        "strategy.name=orchestration",
        *(f"strategy.{p}.url={url}" for p in ("routing", "promise", "pricing", "exceptions")),
    )


@pytest.mark.slow
def test_served_orchestration_gives_the_in_process_kpis(service):
    # a generous wall-clock timeout: on a loaded 2-core machine a call can take over the 1 s
    # default, and a fallback would make the bundles differ for a reason this test is not about
    slack = (
        f"strategy.{p}.timeout_ms=30000" for p in ("routing", "promise", "pricing", "exceptions")
    )
    served, result = run_kpis(*service_overrides(service), *slack)
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
    cfg = compose("scenario=smoke", *service_overrides(url))
    world, strategy = build_run(cfg)
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


# --- a service that cannot be reached is said, tried again, or fails a run that requires it ---

# a short smoke run: the tests below are about the client, not the world
SHORT = (
    "scenario.days=4",
    "scenario.warmup_days=1",
    "scenario.cooldown_days=2",
    "figures=false",
    "progress=false",
)


def test_an_unreachable_service_is_said_at_once_and_counted_at_the_end(
    tmp_path, caplog, monkeypatch
):
    from mptwin.runner import job as run_module

    url = f"http://127.0.0.1:{free_port()}"  # nobody listens here
    said_at_bind = []

    def build_and_listen(*args, **kwargs):  # what was said before the first order
        state = real_build(*args, **kwargs)
        said_at_bind.extend(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
        return state

    real_build = run_module.build
    monkeypatch.setattr(run_module, "build", build_and_listen)
    caplog.set_level(logging.WARNING)
    kpis = run_module.run_job(
        compose("scenario=smoke", *SHORT, *service_overrides(url)), tmp_path / "run"
    )
    (down,) = said_at_bind
    assert f"decision service at {url} cannot be reached (ConnectionRefusedError" in down
    assert "tries again every 1 simulated h" in down and "MPTWIN_SERVICE_REQUIRED" in down
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings[:-1] == [down]  # said once, not once per retry
    calls = pd.read_parquet(tmp_path / "run" / "service_calls.parquet")
    fell, asked = int(calls["fallbacks"].sum()), int(calls["decisions"].sum())
    assert fell == asked > 0
    assert warnings[-1].startswith(
        f"{fell:,} of {asked:,} decisions forwarded to the decision service fell back"
    )
    assert f"({kpis['decision_fallbacks']:,} in the KPI window" in warnings[-1]
    assert "ConnectionRefusedError" in warnings[-1]


def test_a_service_that_cannot_be_reached_is_tried_again_every_period():
    url = f"http://127.0.0.1:{free_port()}"  # nobody listens here
    _, result = run_kpis(*SHORT, *service_overrides(url))
    calls = result.tables["service_calls"]
    opens = calls[calls["point"] == "open"]
    assert set(opens["outcome"]) == {"down"} and opens["t_h"].iloc[0] == 0.0
    gaps = opens["t_h"].diff().dropna()
    # the first decision after retry_after_h (1 h) tries again; routing asks every 30 minutes
    assert gaps.between(1.0, 1.5).all() and len(opens) > 0.6 * result.info.end_h
    asked = calls[calls["point"] != "open"]
    assert set(asked["outcome"]) == {"circuit_open"}  # waiting for the next try, said so
    assert asked["reason"].str.contains("calling again at").all()


def test_a_run_that_requires_the_service_fails_instead_of_falling_back(monkeypatch):
    from strategies.remote.client import DecisionServiceError

    url = f"http://127.0.0.1:{free_port()}"  # nobody listens here
    monkeypatch.setenv("MPTWIN_SERVICE_REQUIRED", "true")
    cfg = compose("scenario=smoke", *SHORT, *service_overrides(url))
    world, strategy = build_run(cfg)
    assert strategy.routing.required and strategy.exceptions.required
    with pytest.raises(
        DecisionServiceError,
        match=f"decision service at {url}: no usable "
        r"answer \(open at h 0.0: down, ConnectionRefusedError",
    ):
        simulate(world, strategy, int(cfg.seed))


@pytest.mark.slow
def test_a_service_that_comes_up_late_is_attached_and_asked(caplog):
    """Started two days into the run: the next try opens the session, each point attaches
    when it next decides, and from then on the service answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"  # nobody listens here, yet
    cfg = compose("scenario=smoke", *service_overrides(url))
    world, strategy = build_run(cfg)
    started = []

    def start_on_day_two(day, days, orders):
        if day == 2 and not started:
            started.append(start_service(port=port)[0])

    caplog.set_level(logging.INFO)
    try:
        result = simulate(world, strategy, int(cfg.seed), start_on_day_two)
    finally:
        for proc in started:
            proc.terminate()
            proc.wait(10)
    calls = result.tables["service_calls"]
    opened = calls[(calls["point"] == "open") & (calls["outcome"] == "ok")]
    assert len(opened) == 1 and 48.0 <= opened["t_h"].iloc[0] <= 49.0
    after = calls[calls["t_h"] > opened["t_h"].iloc[0] + 1.0]  # each point has decided by then
    assert set(after["outcome"]) == {"ok"} and after["fallbacks"].sum() == 0
    assert set(after["point"]) == {"routing", "promise", "pricing", "exceptions"}
    before = calls[calls["t_h"] < 48.0]
    assert (before["fallbacks"] == before["decisions"]).all()
    assert any(
        f"decision service at {url} answers again at h 48" in r.getMessage() for r in caplog.records
    )


@pytest.mark.slow
def test_the_command_says_so_and_fails_when_required(tmp_path):
    """What a new user sees: `mptwin` with no service warns at once and at the end and exits
    0; with MPTWIN_SERVICE_REQUIRED=true it exits 3 and says why."""
    url = f"http://127.0.0.1:{free_port()}"  # nobody listens here
    command = [
        "uv",
        "run",
        "mptwin",
        "scenario=smoke",
        "strategy=orchestration_service",
        *SHORT[:3],
        "figures=false",
        "progress=false",
    ]
    env = {**os.environ, "MPTWIN_SERVICE_URL": url}

    def run_in(folder: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*command, f"hydra.run.dir={tmp_path / folder}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    done = run_in("served")
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    assert f"decision service at {url} cannot be reached" in said
    assert "decisions forwarded to the decision service fell back" in said.rsplit("Results", 1)[1]
    env["MPTWIN_SERVICE_REQUIRED"] = "true"
    done = run_in("required")
    assert done.returncode == 3
    assert f"mptwin: decision service at {url}: no usable answer" in done.stderr
    assert not (tmp_path / "required" / "kpis.json").exists()


class LocalHttp:
    """The client's transport, answered by a DecisionService in this process (no sockets)."""

    service = None

    def __init__(self, url, timeout_s):
        pass

    def connect(self):
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
    from mptwin.decision_service.session import DecisionService
    from mptwin.runner.policies import build_policy
    from strategies.remote import client

    cfg = compose("scenario=smoke", "strategy=orchestration").strategy
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
    from mptwin.decision_service.session import DecisionService
    from mptwin.runner.policies import build_policy
    from strategies.remote import client

    cfg = compose("scenario=smoke", "strategy=orchestration").strategy

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
    from mptwin.decision_service.session import DecisionService
    from mptwin.runner.policies import build_policy
    from strategies.remote import client

    served = compose("scenario=smoke", "strategy=orchestration").strategy
    LocalHttp.service = DecisionService(lambda p: build_policy(served[p], f"strategy.{p}"))
    monkeypatch.setattr(client, "Http", LocalHttp)
    world, strategy = build_run(compose("scenario=smoke", *service_overrides("http://in-process")))
    result = simulate(world, strategy, 1, decisions=True)
    assert set(result.tables["service_calls"]["outcome"]) == {"ok"}
    decisions = result.tables["decisions"]
    routing = decisions[decisions["point"] == "routing"]
    assert (routing["policy"] == "RemoteRouting").all()
    assert routing["route_options"].map(len).gt(1).mean() > 0.5  # the service's options
    promises = decisions[decisions["point"] == "promise"]
    assert len(promises) > 0 and promises["promise_options"].map(len).eq(1).all()
