"""The web app: the API's routes, the page, metrics and docs, built by `create_app(model, limits)`."""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from classifier import __version__
from classifier.config import TONE_LABELS, TONE_THRESHOLD, TOPICS
from classifier.model.heads import HeadlineModel
from classifier.serve.assets import load_assets
from classifier.serve.batcher import Batcher
from classifier.serve.bodies import MEDIA_TYPE_OF, answer_format, read_headlines
from classifier.serve.guard import Guard
from classifier.serve.limits import Limits
from classifier.serve.metrics import Metrics
from classifier.serve.problems import RequestProblem, problem_response, validation_problem
from classifier.serve.schemas import (
    EXAMPLE_HEADLINES,
    Health,
    PredictQuery,
    PredictRequest,
    PredictResponse,
    Problem,
)

__all__ = [
    "ANSWERS",
    "DESCRIPTION",
    "PAGE_HEADERS",
    "PROBLEMS",
    "REQUEST_BODY",
    "create_app",
    "log",
    "model_card",
]

log = logging.getLogger("headlines.serve")

# The page runs only its own script and style, talks only to this server, and is never framed.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}
PROBLEMS = {status: {"model": Problem, "description": text} for status, text in {
    406: "Accept names no format this service writes",
    408: "the body arrived too slowly",
    413: "the body or the number of headlines is over the limit (the message names it)",
    415: "a Content-Type this service does not read",
    422: "malformed JSON, a field of the wrong type, or a headline that is not a string (the message names it)",
    503: "the worker holds too many request bodies; retry after a moment",
}.items()}  # fmt: skip
REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": PredictRequest.model_json_schema()},
        "text/csv": {"schema": {"type": "string"}, "example": "id,headline\na1,KSE-100 gains 900 points\n"},
        "text/tab-separated-values": {"schema": {"type": "string"}},
        "text/plain": {"schema": {"type": "string"}, "example": "\n".join(EXAMPLE_HEADLINES) + "\n"},
    },
}
ANSWERS = {"content": {"text/csv": {"schema": {"type": "string"}}, "text/tab-separated-values": {"schema": {"type": "string"}},
                       "application/x-ndjson": {"schema": {"type": "string"}}}}  # fmt: skip
DESCRIPTION = """Topic and tone of South Asian news headlines: the model behind `headlines predict`, over HTTP.

`POST /v1/predict` labels headlines in order. Send JSON (`{"headlines": [...], "explain": K,
"min_confidence": P}`), a CSV/TSV (`Content-Type: text/csv`, the text in `?column=`, default
`headline`; ids from an `id` column) or plain text (`text/plain`, a headline a line). The answer is
JSON, or CSV/TSV/JSON lines when `Accept` asks for `text/csv`, `text/tab-separated-values` or
`application/x-ndjson`; every row has the fields and rounding of `headlines predict`'s output.
"""


def model_card(model: HeadlineModel) -> dict:
    """The model's card as the API shows it: its labels first, then everything the card records."""
    card = dict(model.card)
    labels = {"topics": list(card.get("topics") or TOPICS), "tone": list(TONE_LABELS),
              "tone_threshold": card.get("tone", {}).get("label_threshold", TONE_THRESHOLD)}  # fmt: skip
    return {"labels": labels, **card}


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=False).encode("utf-8")


def create_app(
    model: HeadlineModel, limits: Limits | None = None, allowed_hosts: frozenset[str] | None = None
) -> FastAPI:
    """Build the service around a loaded model. `allowed_hosts`: Host names accepted (None: any)."""
    limits = limits or Limits()
    metrics = Metrics()
    batcher = Batcher(model)
    batcher.on_batch = metrics.batch_rows.observe
    assets = load_assets()
    card = _json(model_card(model))
    app = FastAPI(title="headlines", version=__version__, description=DESCRIPTION, docs_url=None, redoc_url=None,
                  swagger_ui_parameters={"validatorUrl": None})  # fmt: skip
    app.state.batcher, app.state.metrics, app.state.limits = batcher, metrics, limits

    @app.exception_handler(RequestProblem)
    async def refused(request: Request, exc: RequestProblem) -> Response:
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return problem_response(validation_problem(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        where = f"{request.method} {request.url.path[:200]}"
        if exc.status_code == 404:
            return problem_response(RequestProblem(404, f"no route {where}; the API is described at /docs"))
        if exc.status_code == 405:
            return problem_response(RequestProblem(405, f"method not allowed: {where}", headers=exc.headers))
        return problem_response(RequestProblem(exc.status_code, str(exc.detail), headers=exc.headers))

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> Response:  # a bug: logged, answered, server goes on
        return problem_response(
            RequestProblem(500, f"internal error ({type(exc).__name__}); the server goes on")
        )

    @app.exception_handler(ClientDisconnect)
    async def disconnected(request: Request, exc: ClientDisconnect) -> Response:
        return Response(status_code=499)  # nobody is there to read it; counted in the metrics

    @app.get("/", include_in_schema=False)
    async def page() -> Response:
        asset = assets["index.html"]
        return Response(asset.data, media_type=asset.media_type, headers=PAGE_HEADERS)

    @app.get("/static/{name:path}", include_in_schema=False)
    async def static(name: str) -> Response:
        asset = assets.get(name)  # a fixed list in memory: no file is opened by the client's name
        if asset is None:
            raise RequestProblem(404, f"no static file {name[:100]!r}")
        return Response(asset.data, media_type=asset.media_type, headers={"Cache-Control": "no-cache"})

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url, title="headlines API", swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css", swagger_favicon_url="/static/favicon.svg",
            swagger_ui_parameters=app.swagger_ui_parameters,
        )  # fmt: skip

    @app.get("/healthz", summary="Liveness", response_model=Health)
    async def healthz() -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    @app.get("/metrics", summary="Prometheus metrics (text format)", response_class=Response,
             responses={200: {"content": {"text/plain": {}}}})  # fmt: skip
    async def prometheus() -> Response:
        data, content_type = metrics.exposition()
        return Response(data, media_type=content_type)

    @app.get("/v1/model", summary="The model card: labels, versions, training data hash, figures, date")
    async def model_info() -> Response:
        return Response(card, media_type="application/json")

    @app.post(
        "/v1/predict", summary="Label headlines with topic, runner-up, probabilities and tone, in order",
        response_model=PredictResponse, responses={200: ANSWERS, **PROBLEMS}, openapi_extra={"requestBody": REQUEST_BODY, "parameters": PredictQuery.openapi_parameters()},
    )  # fmt: skip
    async def predict(request: Request) -> Response:
        # The query is checked here rather than by FastAPI's parameter machinery, which costs more
        # per request than the rest of the route (documented through openapi_extra instead).
        try:
            query = PredictQuery.model_validate(dict(request.query_params))
        except ValidationError as exc:
            raise validation_problem(exc.errors(include_url=False, include_input=False)) from None
        fmt = answer_format(request.headers.get("accept"))
        body = await request.body()
        found = read_headlines(request.headers.get("content-type"), body, limits, query.column, query.explain,
                               query.min_confidence)  # fmt: skip
        del body
        try:
            answer = await batcher.predict(
                found.ids, found.texts, found.explain, found.min_confidence, fmt, query.safe_csv
            )
        except Exception as exc:  # one failed request: answered 500, the server goes on
            log.exception("prediction failed")
            raise RequestProblem(
                500, f"prediction failed ({type(exc).__name__}); the server goes on"
            ) from None
        metrics.rows.inc(answer.rows)
        if fmt == "json":
            content = b'{"predictions":[' + b",".join(answer.lines) + b"]}"
        elif fmt == "jsonl":
            content = b"".join(line + b"\n" for line in answer.lines)
        else:
            content = answer.table
        return Response(content, media_type=MEDIA_TYPE_OF[fmt])

    app.add_middleware(Guard, limits=limits, metrics=metrics, allowed_hosts=allowed_hosts)
    return app
