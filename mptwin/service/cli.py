"""`mptwin-serve`: serve a strategy's policies as a decision service.

    uv run mptwin-serve                                  # orchestration on 127.0.0.1:8765
    uv run mptwin-serve --strategy orchestration_tuned --port 9000 strategy.routing.late_penalty=30

Then run the twin against it: `uv run mptwin strategy=orchestration_service`.
"""

from __future__ import annotations

import argparse
import sys

import uvicorn

from mptwin.policies import build_policy
from mptwin.service.app import create_app
from mptwin.service.session import DecisionService
from mptwin.tuning.evaluate import compose_config
from sim.validate import ConfigError


def service_for(strategy: str, overrides: list[str]) -> DecisionService:
    """A service answering with the policies of `strategy` (a conf/strategy name), each
    policy checked now, so a bad config fails before the service listens."""
    try:
        cfg = compose_config([f"strategy={strategy}", *overrides]).strategy
    except Exception as e:  # noqa: BLE001 - Hydra's errors name the bad override
        raise ConfigError(f"cannot compose strategy {strategy!r}: {e}") from None

    def build(point: str):
        return build_policy(cfg[point], f"strategy.{point}")

    for point in ("routing", "promise", "pricing", "exceptions"):
        build(point)
    return DecisionService(build)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="mptwin-serve", description=__doc__.splitlines()[0])
    p.add_argument("--strategy", default="orchestration", help="a conf/strategy name")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("override", nargs="*", help="Hydra overrides of the strategy")
    args = p.parse_args(argv)
    try:
        service = service_for(args.strategy, args.override)
    except ConfigError as e:
        print(f"mptwin-serve: config error: {e}", file=sys.stderr)
        sys.exit(2)
    print(f"mptwin-serve: {args.strategy} on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(create_app(service, args.strategy), host=args.host, port=args.port,
                log_level="warning", access_log=False, timeout_keep_alive=600)  # fmt: skip


if __name__ == "__main__":
    main()
