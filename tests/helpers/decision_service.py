"""The example decision service started as a real separate process on a free port: shared by the
service's own tests and the tests of the twin as its client."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.helpers.runs import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(*args: str, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """`mptwin-serve` as its own process (on a free port, or `port`); returns once it answers
    its health check."""
    port = port or free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mptwin.decision_service.cli", "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
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


@pytest.fixture(scope="module", name="service")
def service_fixture():
    proc, url = start_service()
    yield url
    proc.terminate()
    proc.wait(10)
