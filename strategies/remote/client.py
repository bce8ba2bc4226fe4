"""The twin's side of a decision service: one HTTP session per run, shared by the policies that
forward to it. It opens the session with the world's public terms, forwards the domain events
the service subscribed to (in order, with the next call), times every call, and logs each
call's outcome: answered, timed out, down, refused, or answered with something invalid. A
policy that gets no usable answer asks its fallback; the log says how many decisions did.

Simulated time stands still while the twin waits: the call is synchronous inside the event
loop. After `max_failures` consecutive transport failures the client stops calling for
`retry_after_h` simulated hours (a circuit breaker: a dead service costs one failed connection
per period, not one per decision); the clock it uses is the simulation's, so runs repeat.
"""

from __future__ import annotations

import http.client
import math
import socket
import time
from urllib.parse import urlsplit

import orjson

from strategies.remote.codec import events_to_wire, from_wire, to_wire
from strategies.remote.protocol import VERSION, Attached, Facts, Opened, Terms


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

    def _post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
            self.conn.connect()
            self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn.request("POST", self.prefix + path, body,
                          {"Content-Type": "application/json"})  # fmt: skip
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class ServiceClient:
    """One run's session with a decision service (see the module docstring)."""

    def __init__(self, url: str, timeout_ms: float, retry_after_h: float, max_failures: int):
        self.url = url
        self.http = Http(url, timeout_ms / 1000.0)
        self.retry_after_h, self.max_failures = retry_after_h, max_failures
        self.session: str | None = None
        self.open_reason = "not opened yet"
        self.topics: set[str] = set()
        self.queue: list = []  # (topic, event) since the last call
        self.failures = 0
        self.closed_until_h = -math.inf
        self.last_latency_ms = 0.0
        self.log_cols: dict[str, list] = {k: [] for k in CALL_COLUMNS}

    @classmethod
    def of(cls, market, url: str, timeout_ms: float, retry_after_h: float, max_failures: int):
        """The run's client for `url`, opened on first use; policies naming the same url share
        it (one session, so what the service learns from one decision serves the others)."""
        key = f"decision_service:{url}"
        if key not in market.shared:
            client = cls(url, timeout_ms, retry_after_h, max_failures)
            client.open(market)
            market.shared[key] = client
        return market.shared[key]

    # --- session -------------------------------------------------------------------------

    def open(self, market) -> None:
        answer = self._exchange("open", to_wire(terms_of(market)), market, "open", 0, Opened,
                                lambda a: _version_problem(a.version))  # fmt: skip
        if answer is not None:
            self.session = answer.session
        else:
            self.open_reason = f"the service did not open a session ({self.log_cols['reason'][-1]})"

    def attach(self, point: str, market) -> Attached | None:
        """Bind the service's policy for `point`; None if the service cannot (the policy then
        falls back for the whole run)."""
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
        if now < self.closed_until_h:
            self.log(now, point, n, math.nan, "circuit_open",
                     f"{self.failures} failures in a row; calling again at {self.closed_until_h:.1f} h", n)  # fmt: skip
            return None
        body["session"] = self.session
        body["facts"] = facts_of(market)
        body["events"] = events_to_wire(self.queue)
        self.queue = []  # sent; if the call fails the service may not have seen them either
        return self._exchange(kind, body, market, point, n, answer_cls, check)

    def _exchange(self, kind, body, market, point, n, answer_cls, check):
        now = market.now()
        data = orjson.dumps(body)
        t0 = time.perf_counter()
        try:
            status, raw = self.http.post(f"/v1/{kind}", data)
        except TimeoutError:
            return self._transport_failure(now, point, n, "timeout", "no answer in time")
        except OSError as e:
            return self._transport_failure(now, point, n, "down", f"{type(e).__name__}: {e}")
        ms = self.last_latency_ms = (time.perf_counter() - t0) * 1000.0
        self.failures = 0
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

    def _transport_failure(self, now: float, point: str, n: int, outcome: str, reason: str):
        self.failures += 1
        if self.failures >= self.max_failures:
            self.closed_until_h = now + self.retry_after_h
        self.log(now, point, n, math.nan, outcome, reason, n)
        return None

    def log(self, t_h, point, n, latency_ms, outcome, reason, fallbacks) -> None:
        for key, value in zip(CALL_COLUMNS, (t_h, point, n, latency_ms, outcome, reason, fallbacks),
                              strict=True):  # fmt: skip
            self.log_cols[key].append(value)


# the columns of the run's `service_calls` table (one row per call to the service)
CALL_COLUMNS = ("t_h", "point", "decisions", "latency_ms", "outcome", "reason", "fallbacks")


def facts_of(market) -> dict:
    return {"now": market.now(),
            "carrier_pending": [market.carrier_pending(c) for c in range(len(market.carriers))],
            "pick_backlog": [market.pick_backlog(w) for w in range(market.n_warehouses)]}  # fmt: skip


def terms_of(market) -> Terms:
    """The world's public terms, from the market view (never the scenario's hidden truth)."""
    n_c, n_r = len(market.carriers), market.n_regions
    rows: dict[tuple, int] = {}
    offer_row = []
    for o in range(market.n_offers):
        row = tuple(market.shipping_fee(o, r) for r in range(n_r))
        offer_row.append(rows.setdefault(row, len(rows)))
    lanes = [[[(market.nominal_transit_h(c, a, b), market.shipping_cost(c, a, b))
               for b in range(n_r)] for a in range(n_r)] for c in range(n_c)]  # fmt: skip
    return Terms(
        version=VERSION,
        seed=int(market.random("decision_service").integers(2**62)),
        n_regions=n_r, n_warehouses=market.n_warehouses, n_offers=market.n_offers,
        distance_km=market.distance_km.tolist(), offer_sku=market.offer_sku.tolist(),
        offer_seller=market.offer_seller.tolist(), offer_cost=market.offer_cost.tolist(),
        offer_commission=market.offer_commission.tolist(),
        offers_of_sku=[list(x) for x in market.offers_of_sku],
        stocked_at=[list(x) for x in market.stocked_at],
        warehouse_region=market.warehouse_region.tolist(),
        cutoff_hour=[float(x) for x in market.cutoff_hour],
        picks_per_hour=[float(x) for x in market.picks_per_hour],
        shift_hours=[[float(a), float(b)] for a, b in market.shift_hours],
        price_floor_margin=float(market.price_floor_margin),
        sla_credit_pct=float(market.sla_credit_pct), start_date=market.start_date.isoformat(),
        promo_dates=sorted(d.isoformat() for d in market.promo_dates),
        sellers=list(market.sellers), carriers=list(market.carriers),
        lane_nominal_h=[[[x[0] for x in row] for row in c] for c in lanes],
        lane_cost=[[[x[1] for x in row] for row in c] for c in lanes],
        fee_rows=[list(r) for r in rows], offer_fee_row=offer_row,
        available=[int(market.available(o)) for o in range(market.n_offers)],
        facts=Facts(**facts_of(market)), explaining=bool(getattr(market, "explaining", False)),
    )  # fmt: skip


def _version_problem(version: str) -> str | None:
    if version != VERSION:
        return f"the service speaks protocol version {version}, the twin {VERSION}"
    return None


def _problem(raw: bytes) -> str:
    try:
        return str(orjson.loads(raw)["error"])
    except (ValueError, KeyError, TypeError):
        return raw[:200].decode(errors="replace")
