"""The twin's side of a decision service: one HTTP session per run, shared by the policies that
forward to it. It opens the session with the world's public terms, forwards the domain events
the service subscribed to (in order, with the next call), times every call, and logs each
call's outcome: answered, timed out, down, refused, or answered with something invalid. A
policy that gets no usable answer asks its fallback; the log says how many decisions did.

Simulated time stands still while the twin waits: the call is synchronous inside the event
loop. After `max_failures` consecutive transport failures the client stops calling for
`retry_after_h` simulated hours (a circuit breaker: a dead service costs one failed connection
per period, not one per decision); a session that cannot be opened is tried again every
`retry_after_h`. The clock it uses is the simulation's, so runs repeat.

A service that cannot be reached, or stops answering, is said at once (a logged warning), so a
run on the fallbacks never passes silently for a served one; with `required` any call without
a usable answer stops the run instead (`DecisionServiceError`).
"""

from __future__ import annotations

import http.client
import logging
import math
import socket
import time
from urllib.parse import urlsplit

import orjson

from strategies.remote.codec import events_to_wire, from_wire, to_wire
from strategies.remote.protocol import VERSION, Attached, Facts, Opened, Terms

log = logging.getLogger(__name__)


class DecisionServiceError(RuntimeError):
    """A run that requires its decision service (`required`) got no usable answer from it."""


class Http:
    """POST JSON over one kept-alive connection; a connection the server closed while idle is
    reopened once."""

    def __init__(self, url: str, timeout_s: float):
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"decision service url must be http://host:port, got {url!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.timeout_s = timeout_s
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        reused = self.conn is not None
        try:
            return self._post(path, body)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.close()
            if not reused:
                raise
            return self._post(path, body)  # the idle connection was closed under us
        except BaseException:
            self.close()
            raise

    def connect(self) -> None:
        """Open the connection unless one is open (OSError if nobody answers)."""
        if self.conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.conn = conn

    def _post(self, path: str, body: bytes) -> tuple[int, bytes]:
        self.connect()
        self.conn.request("POST", self.prefix + path, body, {"Content-Type": "application/json"})
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class ServiceClient:
    """One run's session with a decision service (see the module docstring)."""

    def __init__(
        self,
        url: str,
        timeout_ms: float,
        retry_after_h: float,
        max_failures: int,
        required: bool = False,
    ):
        self.url = url
        self.http = Http(url, timeout_ms / 1000.0)
        self.retry_after_h, self.max_failures = retry_after_h, max_failures
        self.required = required
        self.session: str | None = None
        self.open_reason = "not opened yet"
        self.topics: set[str] = set()
        self.queue: list = []  # (topic, event) since the last call
        self.failures = 0
        self.closed_until_h = -math.inf
        self.reachable: bool | None = None  # False after a transport failure, until an answer
        self.warned = False  # this outage was said
        self.last_latency_ms = 0.0
        self.log_cols: dict[str, list] = {k: [] for k in CALL_COLUMNS}

    @classmethod
    def of(
        cls,
        market,
        url: str,
        timeout_ms: float,
        retry_after_h: float,
        max_failures: int,
        required: bool = False,
    ):
        """The run's client for `url`, opened on first use; policies naming the same url share
        it (one session, so what the service learns from one decision serves the others). One
        policy that requires the service makes the session required."""
        key = f"decision_service:{url}"
        if key not in market.shared:
            client = cls(url, timeout_ms, retry_after_h, max_failures, required)
            market.shared[key] = client
            client.open(market)
        client = market.shared[key]
        client.required = client.required or required
        return client

    # --- session -------------------------------------------------------------------------

    def open(self, market) -> bool:
        """Open the session; a service that cannot be reached is tried again after
        `retry_after_h` (by `attach`), one that refuses is not."""
        answer = self._exchange(
            "open",
            lambda: to_wire(terms_of(market)),
            market,
            "open",
            0,
            Opened,
            lambda a: _version_problem(a.version),
        )
        if answer is not None:
            self.session = answer.session
            return True
        self.open_reason = f"the service did not open a session ({self.log_cols['reason'][-1]})"
        if self.reachable is False:
            self.closed_until_h = max(self.closed_until_h, market.now() + self.retry_after_h)
        elif not self.warned:
            self.warned = True
            log.warning(
                "decision service at %s refused to open a session: %s. Every decision "
                "it was to take falls back for the whole run.",
                self.url,
                self.log_cols["reason"][-1],
            )
        return False

    def attach(self, point: str, market) -> Attached | None:
        """Bind the service's policy for `point`, opening the session first if it could not be
        before and it is time to try again; None if the service cannot (`reachable` says
        whether it was down, and the policy may try again, or refused)."""
        down = self.session is None and self.reachable is False
        if down and (market.now() < self.closed_until_h or not self.open(market)):
            return None  # no session yet: the failed open is logged
        body = {"point": point}
        answer = self.call("attach", body, market, point, 0, Attached, lambda a: None)
        if answer is not None:
            for topic in sorted(set(answer.topics) - self.topics):
                self.topics.add(topic)
                market.subscribe(topic, lambda ev, t=topic: self.queue.append((t, ev)))
        return answer

    # --- calls ---------------------------------------------------------------------------

    def call(self, kind: str, body: dict, market, point: str, n: int, answer_cls, check):
        """The service's answer to one decision request, checked by `check` (which returns
        the problem in words, or None); None when there is no usable answer, and then the
        log counts `n` decisions for the fallback."""
        now = market.now()
        if self.session is None:
            self.log(now, point, n, math.nan, "not_open", self.open_reason, n)
            return None
        if self.waiting(now, point, n):
            return None
        body["session"] = self.session
        body["facts"] = facts_of(market)
        body["events"] = events_to_wire(self.queue)
        self.queue = []  # sent; if the call fails the service may not have seen them either
        return self._exchange(kind, body, market, point, n, answer_cls, check)

    def waiting(self, now: float, point: str, n: int) -> bool:
        """True (and `n` decisions logged for the fallback) while the circuit breaker is open:
        the service failed, and it is not time to try again."""
        if now >= self.closed_until_h:
            return False
        why = (
            f"{self.failures} failures in a row"
            if self.session is not None
            else f"no session: {self.open_reason}"
        )
        self.log(
            now,
            point,
            n,
            math.nan,
            "circuit_open",
            f"{why}; calling again at {self.closed_until_h:.1f} h",
            n,
        )
        return True

    def _exchange(self, kind, body, market, point, n, answer_cls, check):
        """One call; `body` may be a function, called once the service is there (the open's
        terms are dear to build for every retry of a service that is down)."""
        now = market.now()
        try:
            if callable(body):
                self.http.connect()
                body = body()
            data = orjson.dumps(body)
            t0 = time.perf_counter()
            status, raw = self.http.post(f"/v1/{kind}", data)
        except TimeoutError:
            return self._transport_failure(now, point, n, "timeout", "no answer in time")
        except OSError as e:
            return self._transport_failure(now, point, n, "down", f"{type(e).__name__}: {e}")
        ms = self.last_latency_ms = (time.perf_counter() - t0) * 1000.0
        self._answered(now)
        if status != 200:
            self.log(now, point, n, ms, "error", f"HTTP {status}: {_problem(raw)}", n)
            return None
        try:
            answer = from_wire(answer_cls, orjson.loads(raw))
            problem = check(answer)
        except ValueError as e:
            problem = str(e)
        if problem:
            self.log(now, point, n, ms, "invalid", problem, n)
            return None
        self.log(now, point, n, ms, "ok", "", 0)
        return answer

    def _answered(self, now: float) -> None:
        if self.reachable is False and self.warned:
            log.info("decision service at %s answers again at h %.1f", self.url, now)
            self.warned = False
        self.failures, self.reachable = 0, True

    def _transport_failure(self, now: float, point: str, n: int, outcome: str, reason: str):
        self.failures += 1
        self.reachable = False
        if self.failures >= self.max_failures:
            self.closed_until_h = now + self.retry_after_h
        self.log(now, point, n, math.nan, outcome, reason, n)
        if not self.warned and (self.session is None or self.failures >= self.max_failures):
            self.warned = True  # said once per outage: the closing count says how many fell back
            log.warning(self._down_message(now, reason))
        return None

    def _down_message(self, now: float, reason: str) -> str:
        what = "cannot be reached" if self.session is None else f"stopped answering at h {now:.1f}"
        return (
            f"decision service at {self.url} {what} ({reason}): its decisions fall back to "
            f"the twin's fallback policies, and the twin tries again every "
            f"{self.retry_after_h:g} simulated h. Start it (uv run mptwin-serve) or point "
            f"MPTWIN_SERVICE_URL at yours; MPTWIN_SERVICE_REQUIRED=true (required=true) "
            f"fails the run instead."
        )

    def log(self, t_h, point, n, latency_ms, outcome, reason, fallbacks) -> None:
        for key, value in zip(
            CALL_COLUMNS, (t_h, point, n, latency_ms, outcome, reason, fallbacks), strict=True
        ):
            self.log_cols[key].append(value)
        if self.required and outcome != "ok":
            raise DecisionServiceError(
                f"decision service at {self.url}: no usable answer ({point} at h {t_h:.1f}: "
                f"{outcome}, {reason}); required=true stops the run rather than let the "
                f"fallback decide"
            )


# the columns of the run's `service_calls` table (one row per call to the service)
CALL_COLUMNS = ("t_h", "point", "decisions", "latency_ms", "outcome", "reason", "fallbacks")


def facts_of(market) -> dict:
    return {
        "now": market.now(),
        "carrier_pending": [market.carrier_pending(c) for c in range(len(market.carriers))],
        "pick_backlog": [market.pick_backlog(w) for w in range(market.n_warehouses)],
    }


def terms_of(market) -> Terms:
    """The world's public terms, from the market view (never the scenario's hidden truth)."""
    n_c, n_r = len(market.carriers), market.n_regions
    rows: dict[tuple, int] = {}
    offer_row = []
    for o in range(market.n_offers):
        row = tuple(market.shipping_fee(o, r) for r in range(n_r))
        offer_row.append(rows.setdefault(row, len(rows)))
    lanes = [
        [
            [(market.nominal_transit_h(c, a, b), market.shipping_cost(c, a, b)) for b in range(n_r)]
            for a in range(n_r)
        ]
        for c in range(n_c)
    ]
    return Terms(
        version=VERSION,
        seed=int(market.random("decision_service").integers(2**62)),
        n_regions=n_r,
        n_warehouses=market.n_warehouses,
        n_offers=market.n_offers,
        distance_km=market.distance_km.tolist(),
        offer_sku=market.offer_sku.tolist(),
        offer_seller=market.offer_seller.tolist(),
        offer_cost=market.offer_cost.tolist(),
        offer_commission=market.offer_commission.tolist(),
        offers_of_sku=[list(x) for x in market.offers_of_sku],
        stocked_at=[list(x) for x in market.stocked_at],
        warehouse_region=market.warehouse_region.tolist(),
        cutoff_hour=[float(x) for x in market.cutoff_hour],
        picks_per_hour=[float(x) for x in market.picks_per_hour],
        shift_hours=[[float(a), float(b)] for a, b in market.shift_hours],
        price_floor_margin=float(market.price_floor_margin),
        sla_credit_pct=float(market.sla_credit_pct),
        start_date=market.start_date.isoformat(),
        promo_dates=sorted(d.isoformat() for d in market.promo_dates),
        sellers=list(market.sellers),
        carriers=list(market.carriers),
        lane_nominal_h=[[[x[0] for x in row] for row in c] for c in lanes],
        lane_cost=[[[x[1] for x in row] for row in c] for c in lanes],
        fee_rows=[list(r) for r in rows],
        offer_fee_row=offer_row,
        available=[int(market.available(o)) for o in range(market.n_offers)],
        facts=Facts(**facts_of(market)),
        explaining=bool(getattr(market, "explaining", False)),
    )


def _version_problem(version: str) -> str | None:
    if version != VERSION:
        return f"the service speaks protocol version {version}, the twin {VERSION}"
    return None


def _problem(raw: bytes) -> str:
    try:
        return str(orjson.loads(raw)["error"])
    except (ValueError, KeyError, TypeError):
        return raw[:200].decode(errors="replace")
