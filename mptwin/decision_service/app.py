"""The example decision service as a web app (FastAPI on uvicorn): each protocol call is a POST
to `/v1/<call>`; `GET /openapi.json` is the protocol's schema, generated from the same types
as the twin's side (`mptwin.decision_service.openapi`), and `GET /v1/health` says it is up."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response

from mptwin.decision_service.openapi import openapi
from mptwin.decision_service.session import DecisionService

JSON = "application/json"


def create_app(service: DecisionService, strategy: str) -> FastAPI:
    app = FastAPI(title="mptwin decision service", openapi_url=None, docs_url=None, redoc_url=None)
    schema = openapi()

    @app.get("/openapi.json")
    async def schema_doc() -> dict:
        return schema

    @app.get("/v1/health")
    async def health() -> dict:
        return {"status": "ok", "strategy": strategy, "sessions": len(service.sessions)}

    @app.post("/v1/{kind}")
    async def call(kind: str, request: Request) -> Response:
        # async on purpose: a session's calls are answered one at a time, in order, on the loop
        status, body = service.handle(kind, await request.body())
        return Response(body, status_code=status, media_type=JSON)

    return app
