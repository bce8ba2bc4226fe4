"""`mptwin-serve`: serve a strategy's policies as a decision service.

    uv run mptwin-serve                                  # orchestration on 127.0.0.1:8765
    uv run mptwin-serve --strategy orchestration_tuned --port 9000 strategy.routing.late_penalty=30

Then run the twin against it: `uv run mptwin strategy=orchestration_service`.
"""

from __future__ import annotations

import argparse
import socket
import sys

import uvicorn

from mptwin.cli_args import HelpFormatter, int_between, one_line
from mptwin.decision_service.app import create_app
from mptwin.decision_service.session import DecisionService
from mptwin.runner.compose import compose
from mptwin.runner.policies import build_policy
from sim.config_bounds import ConfigError


def service_for(strategy: str, overrides: list[str]) -> DecisionService:
    """A service answering with the policies of `strategy` (a conf/strategy name), each
    policy checked now, so a bad config fails before the service listens."""
    try:
        cfg = compose(f"strategy={strategy}", *overrides).strategy
    except Exception as e:  # noqa: BLE001 - Hydra's errors name the bad override
        raise ConfigError(f"cannot compose strategy {strategy!r}: {one_line(e)}") from None

    def build(point: str):
        return build_policy(cfg[point], f"strategy.{point}")

    for point in ("routing", "promise", "pricing", "exceptions"):
        build(point)
    return DecisionService(build)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="mptwin-serve", description=__doc__, formatter_class=HelpFormatter
    )
    p.add_argument(
        "--strategy",
        default="orchestration",
        help="the conf/strategy config whose policies answer (default: %(default)s)",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on; 0.0.0.0 for every interface (default: %(default)s)",
    )
    p.add_argument(
        "--port",
        type=int_between(1, 65535),
        default=8765,
        help="the TCP port to listen on (default: %(default)s)",
    )
    p.add_argument(
        "override",
        nargs="*",
        help="Hydra overrides of the strategy, e.g. strategy.routing.late_penalty=30",
    )
    args = p.parse_args(argv)
    problem = unresolvable(args.host, args.port)
    if problem:
        p.error(f"argument --host: {problem}")
    return args


def unresolvable(host: str, port: int) -> str | None:
    """Why the service could not listen on `host`, if the name does not resolve (said now, not
    as uvicorn's traceback after the policies are built)."""
    if not host.strip():
        return "must not be empty (127.0.0.1: this machine only; 0.0.0.0: every interface)"
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as e:
        return f"cannot resolve {host!r}: {getattr(e, 'strerror', None) or e}"
    return None


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        service = service_for(args.strategy, args.override)
    except ConfigError as e:
        print(f"mptwin-serve: config error: {e}", file=sys.stderr)
        sys.exit(2)
    print(f"mptwin-serve: {args.strategy} on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(
        create_app(service, args.strategy),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=600,
    )


if __name__ == "__main__":
    main()
