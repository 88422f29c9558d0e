"""The HTTP service behind `headlines serve`: a JSON/CSV API, the desk's page, metrics and docs.

Owns: the web app built by `create_app(model, limits)`, its request limits, reading request bodies
and choosing the answer's format, batching requests into the model, the Prometheus metrics, the
page's static files (`static/`) and running the server (one process, or forked workers that share
one loaded model and get their connections from the parent in turn). Rows are predicted and encoded by the same functions that write `headlines
predict`'s output: its fast path (`classifier.predict.plain.predict_chunk_plain` on the model's
runtime) without reasons, `classifier.model.heads` and `classifier.predict.stream.encode_predictions`
with them, and `classifier.io.writers` for the header.

May import: classifier.config, classifier.errors, classifier.model.heads, classifier.predict.stream,
classifier.predict.plain, classifier.io.plain (its chunk of rows), classifier.io.writers,
classifier.io.formats (row ids) and the package's version, and the packages of the `serve` extra
(fastapi, uvicorn, prometheus-client, fastapi-offline). Never classifier.cli: the `serve` command is a thin wrapper over `run_server`.
No route opens or writes a file a client names; the server writes only the metrics files of
forked workers, in a temporary folder of its own.
"""

from classifier.serve.app import create_app
from classifier.serve.limits import Limits
from classifier.serve.server import run_server

__all__ = ["Limits", "create_app", "run_server"]
