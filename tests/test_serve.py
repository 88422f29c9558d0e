"""The service over real HTTP: rows equal to `headlines predict`'s, formats, limits, errors, metrics, docs."""

from __future__ import annotations

import ast
import asyncio
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from serving import busy_port, call, post_json, running_app, serve_command
from typer.testing import CliRunner

from classifier.cli import app as cli
from classifier.config import BLAS_THREAD_SETTINGS
from classifier.model.files import load_model
from classifier.model.heads import predict_frame, predict_texts
from classifier.predict.stream import encode_predictions
from classifier.serve import Limits, create_app
from classifier.serve.batcher import Batcher
from classifier.serve.guard import host_name

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
TEXTS = ["KSE-100 gains 900 points on IMF optimism", "", "FO summons envoy over border remarks",
         "Blast kills 12 at Peshawar market", "Airstrikes kill 40 as war enters third week", "=cmd|' /C calc'!A0"]  # fmt: skip
LIMITS = Limits(max_body_bytes=200_000, max_headlines=100, max_explain=10, body_timeout=2)


@pytest.fixture(scope="module")
def loaded(tiny_model_path):
    """The tiny model as `headlines predict --model` loads it, so both sides run the same model."""
    return load_model(tiny_model_path)


@pytest.fixture(scope="module")
def service(loaded):
    app = create_app(loaded, LIMITS)
    with running_app(app) as url:
        yield url


def cli_output(tiny_model_path, source, *args) -> bytes:
    result = runner.invoke(cli, ["predict", str(source), "--model", str(tiny_model_path), *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


# --- rows: the same code path as `headlines predict` ------------------------------------------


def test_json_rows_equal_the_cli_jsonl_field_for_field(service, tiny_model_path, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    expected = cli_output(
        tiny_model_path, source, "--format", "jsonl", "--explain", 3, "--min-confidence", 0.6
    )
    reply = post_json(service, {"headlines": TEXTS, "explain": 3, "min_confidence": 0.6})
    assert reply.status == 200 and reply.headers["content-type"] == "application/json"
    assert reply.json()["predictions"] == [json.loads(line) for line in expected.splitlines()]
    lines = post_json(
        service, {"headlines": TEXTS, "explain": 3, "min_confidence": 0.6}, Accept="application/x-ndjson"
    )
    assert lines.body == expected  # byte for byte, rounding included


def test_json_rows_without_reasons_equal_the_cli_byte_for_byte(service, tiny_model_path, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    for args, options in (([], {}), (["--min-confidence", 0.6], {"min_confidence": 0.6})):
        expected = cli_output(tiny_model_path, source, "--format", "jsonl", *args)
        lines = post_json(service, {"headlines": TEXTS, **options}, Accept="application/x-ndjson")
        assert lines.status == 200 and lines.body == expected
        whole = post_json(service, {"headlines": TEXTS, **options})
        assert whole.body == b'{"predictions":[' + b",".join(expected.splitlines()) + b"]}"


def test_csv_body_answered_as_csv_equals_the_cli(service, tiny_model_path, tmp_path):
    source = tmp_path / "in.csv"
    frame = pd.DataFrame({"id": ["z9", "z2", "z5"], "title": ['Rupee slides, "again"', "Troops trade\nfire", "+1 gold"],
                          "other": ["a", "b", "c"]})  # fmt: skip
    source.write_bytes(b"\xef\xbb\xbf" + frame.to_csv(index=False).encode("utf-8"))
    for args, query in (
        (["--explain", 2], "?column=title&explain=2"),
        (["--safe-csv"], "?column=title&safe_csv=true"),
    ):
        expected = cli_output(
            tiny_model_path, source, "--column", "title", "--keep", "none", "--format", "csv", *args
        )
        reply = call(service, "POST", f"/v1/predict{query}", source.read_bytes(),
                     {"Content-Type": "text/csv", "Accept": "text/csv"})  # fmt: skip
        assert reply.status == 200 and reply.headers["content-type"].startswith("text/csv")
        assert reply.body == expected


def test_text_body_with_crlf_answered_as_tsv_equals_the_cli(service, tiny_model_path, tmp_path):
    source = tmp_path / "in.txt"
    source.write_bytes("Rupee slides\r\n\r\nگولڈ slips\r\nSensex soars\r\n".encode())
    expected = cli_output(tiny_model_path, source, "--format", "tsv")
    reply = call(service, "POST", "/v1/predict", source.read_bytes(),
                 {"Content-Type": "text/plain; charset=utf-8", "Accept": "text/tab-separated-values"})  # fmt: skip
    assert reply.status == 200 and reply.body == expected


def test_query_options_apply_to_text_bodies_and_json_bodies_win(service):
    reply = call(service, "POST", "/v1/predict?explain=2&min_confidence=0.999", b"Rupee slides\n",
                 {"Content-Type": "text/plain"})  # fmt: skip
    row = reply.json()["predictions"][0]
    assert row["topic"] == "uncertain" and len(row["topic_reasons"]) == 2
    row = post_json(
        service, {"headlines": ["Rupee slides"], "explain": 1}, path="/v1/predict?explain=4"
    ).json()
    assert len(row["predictions"][0]["tone_reasons"]) == 1


def test_empty_request_gives_no_rows(service):
    assert post_json(service, {"headlines": []}).json() == {"predictions": []}


def test_requests_waiting_together_share_one_model_call(loaded):
    batcher = Batcher(loaded)
    jobs = [(["1"], [t], 2 if i % 2 else 0, None, "json") for i, t in enumerate(TEXTS * 3)]

    async def all_at_once():
        return await asyncio.gather(*(batcher.predict(*job) for job in jobs))

    answers = asyncio.run(all_at_once())
    batcher.close()
    assert batcher.batches == 2  # one call per kind of request (with and without reasons), not 18
    for (ids, texts, explain, _, _), answer in zip(jobs, answers, strict=True):
        alone = predict_frame(loaded, pd.DataFrame({"id": ids, "headline": texts}), explain)
        assert answer.lines == encode_predictions(alone, "jsonl").data.splitlines()
        assert answer.blank == (0 if texts[0] else 1)


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_table_requests_waiting_together_share_one_call_and_get_their_own_rows(loaded, fmt):
    texts = ['Rupee slides, "again"', "Troops trade\nfire", "", "+1 gold\r", "Sensex\tsoars"]
    jobs = [([f"r{i}\n{j}" for j in range(i % 3)], [texts[(i + j) % 5] for j in range(i % 3)], fmt, i % 2 == 0)
            for i in range(7)]  # fmt: skip
    batcher = Batcher(loaded)

    async def all_at_once():
        return await asyncio.gather(*(batcher.predict(ids, t, 0, None, f, safe) for ids, t, f, safe in jobs))

    answers = asyncio.run(all_at_once())
    batcher.close()
    assert batcher.batches == 2  # one call for the safe-CSV requests, one for the others
    for (ids, texts_, _, safe), answer in zip(jobs, answers, strict=True):
        alone = predict_frame(loaded, pd.DataFrame({"id": ids, "headline": texts_}, dtype=object))
        assert answer.table == Batcher._table(alone, fmt, safe) and answer.rows == len(texts_)


def test_requests_without_reasons_build_no_data_frame(loaded, monkeypatch):
    import classifier.serve.batcher as batcher_module

    batcher = Batcher(loaded)
    expected = [batcher._predict_full([job], 0, None, fmt, False)[0] for job, fmt in (
        (batcher_module.Job(["1", "2"], ["Rupee slides", ""], 0, None, "json", False, None), "jsonl"),
        (batcher_module.Job(["1", "2"], ["Rupee slides", ""], 0, None, "csv", False, None), "csv"))]  # fmt: skip

    def refuse(*args, **kwargs):
        raise AssertionError("the fast path built a DataFrame")

    monkeypatch.setattr(batcher_module, "predict_frame", refuse)
    got = [
        asyncio.run(batcher.predict(["1", "2"], ["Rupee slides", ""], 0, None, fmt))
        for fmt in ("json", "csv")
    ]
    batcher.close()
    assert [(a.lines, a.table, a.rows, a.blank) for a in got] == [
        (a.lines, a.table, a.rows, a.blank) for a in expected
    ]


def test_a_model_without_a_runtime_takes_the_full_path_with_the_same_rows(loaded):
    fast, full = Batcher(loaded), Batcher(loaded)
    full.runtime = None  # as for a model with character n-gram views
    for fmt in ("json", "csv", "tsv"):
        a, b = (
            asyncio.run(batcher.predict(["1", "2", "3"], TEXTS[:3], 0, 0.6, fmt)) for batcher in (fast, full)
        )
        assert (a.lines, a.table, a.rows, a.blank) == (b.lines, b.table, b.rows, b.blank)
    fast.close()
    full.close()


def test_only_the_model_thread_skips_sklearns_checks(loaded):
    import sklearn

    batcher = Batcher(loaded)
    asyncio.run(batcher.predict(["1"], ["Rupee slides"], 0, None, "json"))
    assert batcher._executor.submit(lambda: sklearn.get_config()["assume_finite"]).result()
    batcher.close()
    assert not sklearn.get_config()["assume_finite"]


def test_the_service_imports_only_what_its_docstring_allows():
    allowed = {"classifier", "classifier.config", "classifier.errors", "classifier.model.heads", "classifier.predict.stream",
               "classifier.predict.plain", "classifier.io.plain", "classifier.io.writers", "classifier.io.formats"}  # fmt: skip
    for path in (ROOT / "classifier" / "serve").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("classifier"):
                assert node.module in allowed or node.module.startswith("classifier.serve"), (
                    path.name,
                    node.module,
                )
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("classifier") for a in node.names), path.name


# --- the other routes -----------------------------------------------------------------------------


def test_model_card_health_and_page(service, loaded):
    card = call(service, "GET", "/v1/model").json()
    assert card["labels"]["topics"] == ["diplomacy", "security", "conflict", "markets", "other"]
    assert card["data"]["sha256"] == loaded.card["data"]["sha256"] and card["created_utc"]
    assert card["metrics"]["heldout"]["topic"]["accuracy"] >= 0 and card["package_version"]
    assert call(service, "GET", "/healthz").json() == {"status": "ok"}
    page = call(service, "GET", "/")
    assert page.status == 200 and b'id="headlines"' in page.body
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert not re.search(rb"(src|href)=\"(https?:)?//", page.body)  # nothing from elsewhere
    for name in ("app.js", "style.css", "favicon.svg"):
        assert call(service, "GET", f"/static/{name}").status == 200


@pytest.mark.parametrize("path", ["/static/../cli.py", "/static/..%2f..%2fpyproject.toml", "/static//etc/passwd",
                                  "/static/static/app.js", "/static/%2e%2e/config.py"])  # fmt: skip
def test_no_route_opens_a_file_the_client_names(service, path):
    reply = call(service, "GET", path)
    assert reply.status == 404 and reply.json()["kind"] == "not_found"


def test_openapi_and_docs_are_served_locally(service):
    schema = call(service, "GET", "/openapi.json").json()
    body = schema["paths"]["/v1/predict"]["post"]["requestBody"]["content"]
    assert {"application/json", "text/csv", "text/plain"} <= set(body)
    assert {"/v1/model", "/healthz", "/metrics"} <= set(schema["paths"])
    docs = call(service, "GET", "/docs")
    assert docs.status == 200 and b"swagger-ui-bundle.js" in docs.body
    assert not re.search(rb"https?://", docs.body)
    for asset in re.findall(rb'(?:src|href)="(/static/[^"]+)"', docs.body):
        assert call(service, "GET", asset.decode()).status == 200


def test_metrics_count_requests_rows_latency_and_errors(loaded):
    with running_app(create_app(loaded, LIMITS)) as url:
        for _ in range(3):
            post_json(url, {"headlines": ["Rupee slides", "Gold gains"]})
        call(url, "GET", "/no/such/route")
        post_json(url, b"{not json")
        text = call(url, "GET", "/metrics").body.decode()
    assert 'headlines_http_requests_total{method="POST",route="/v1/predict",status="200"} 3.0' in text
    assert "headlines_predicted_rows_total 6.0" in text
    assert 'headlines_http_request_duration_seconds_bucket{le="0.05",route="/v1/predict"}' in text
    assert 'headlines_http_errors_total{kind="not_found"} 1.0' in text
    assert 'headlines_http_errors_total{kind="invalid"} 1.0' in text
    assert 'route="unmatched"' in text and "/no/such/route" not in text  # raw paths never become labels


# --- limits and errors ----------------------------------------------------------------------------


def _chunks(total: int):
    for _ in range(total // 65536):
        yield b"x" * 65536


@pytest.mark.parametrize(
    "body,headers,status,message",
    [
        (json.dumps({"headlines": ["a"] * 101}), {}, 413, "101 headlines in one request; the limit is 100"),
        (b"x" * 300_000, {"Content-Type": "text/plain"}, 413, "over the limit of 200,000 bytes"),
        (_chunks, {"Content-Type": "text/plain"}, 413, "over the limit of 200,000 bytes"),
        ("Rupee\n" * 101, {"Content-Type": "text/plain"}, 413, "the limit is 100"),
        (b'{"headlines": ["a", "b"', {}, 422, "body: malformed JSON"),
        (b'["a"]', {}, 422, "expected a JSON object"),
        (json.dumps({"headlines": ["a", "b", 3]}), {}, 422, "headlines[2]: Input should be a valid string"),
        (json.dumps({"headlines": ["a", None]}), {}, 422, "headlines[1]:"),
        (json.dumps({"headlines": "a"}), {}, 422, "headlines: Input should be a valid list"),
        (json.dumps({"headlines": ["a"], "explain": "five"}), {}, 422, "explain: Input should be a valid integer"),
        (json.dumps({"headlines": ["a"], "explain": 11}), {}, 422, "explain: at most 10"),
        (json.dumps({"headlines": ["a"], "min_confidence": 2}), {}, 422, "min_confidence:"),
        (json.dumps({"headline": ["a"]}), {}, 422, "headlines: Field required"),
        (b"headline\na\n", {"Content-Type": "application/xml"}, 415, "Content-Type 'application/xml'"),
        (b"headline\na\n", {"Content-Type": "application/x-www-form-urlencoded"}, 415, "-H 'Content-Type: text/csv'"),
        (b"title\na\n", {"Content-Type": "text/csv"}, 422, "column: no column 'headline'"),
        (b"headline\na,b\n", {"Content-Type": "text/csv"}, 422, "line 2 has 2 fields, the header 1"),
        (b"ok\n\xc3\x28\n", {"Content-Type": "text/plain"}, 422, "not valid utf-8 text at byte 3 (line 2)"),
        (b"ok\n", {"Content-Type": "text/plain; charset=klingon"}, 415, "charset 'klingon' is unknown"),
        (b'{"headlines": ["a"]}', {"Accept": "image/png"}, 406, "cannot answer as 'image/png'"),
    ],
)  # fmt: skip
def test_refusals_name_the_limit_or_the_field(service, body, headers, status, message):
    headers = {"Content-Type": "application/json", **headers}
    reply = call(service, "POST", "/v1/predict", body(300_032) if callable(body) else body, headers)
    assert reply.status == status, reply.body
    problem = reply.json()
    assert message in problem["error"] and "\n" not in problem["error"]
    assert problem["kind"] in {"too_large", "invalid", "unsupported_media_type", "not_acceptable"}
    assert call(service, "GET", "/healthz").status == 200


@pytest.mark.parametrize(
    "query,message",
    [("explain=99", "explain: at most 10"), ("explain=-1", "explain:"), ("min_confidence=x", "min_confidence:"),
     ("colum=title", "colum: Extra inputs are not permitted"), ("safe_csv=maybe", "safe_csv:")],
)  # fmt: skip
def test_query_parameters_are_checked_by_name(service, query, message):
    reply = call(service, "POST", f"/v1/predict?{query}", b"a\n", {"Content-Type": "text/plain"})
    assert reply.status == 422 and reply.json()["error"].startswith(message)


def test_unknown_route_and_method(service):
    reply = call(service, "GET", "/v2/predict")
    assert (reply.status, reply.json()["kind"]) == (404, "not_found") and "/docs" in reply.json()["error"]
    reply = call(service, "GET", "/v1/predict")
    assert (reply.status, reply.json()["kind"]) == (405, "method_not_allowed")


def test_a_loopback_server_answers_only_to_loopback_names(loaded):
    app = create_app(loaded, LIMITS, allowed_hosts=frozenset({"127.0.0.1", "localhost"}))
    with running_app(app) as url:
        assert call(url, "GET", "/healthz", headers={"Host": "localhost:8000"}).status == 200
        reply = call(url, "GET", "/healthz", headers={"Host": "attacker.example"})
        assert reply.status == 400 and "attacker.example" in reply.json()["error"]
    assert host_name("[::1]:8000") == "[::1]" and host_name("localhost") == "localhost"


# --- the command ----------------------------------------------------------------------------------


def test_serve_has_help_with_an_example():
    result = runner.invoke(cli, ["serve", "--help"], terminal_width=200)
    assert result.exit_code == 0 and "Example:" in result.output and "--workers" in result.output


def test_serve_on_a_port_in_use_is_one_line_and_exit_code_6(tiny_model_path):
    sock, port = busy_port()
    with sock:
        result = runner.invoke(cli, ["serve", "--model", str(tiny_model_path), "--port", str(port)])
    assert result.exit_code == 6
    assert f"cannot listen on 127.0.0.1:{port}: the address is in use" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args,code,message",
    [
        (["--host", "no-such-host.invalid"], 6, "cannot listen on no-such-host.invalid"),
        (["--port", "70000"], 2, "65535"),
        (["--workers", "0"], 2, "--workers"),
        (["--model", "missing.model"], 4, "no model file here"),
    ],
)
def test_serve_bad_options_fail_cleanly(tiny_model_path, args, code, message):
    result = runner.invoke(cli, ["serve", "--model", str(tiny_model_path), *args])
    assert result.exit_code == code, result.output
    assert message in result.output and "Traceback" not in result.output


def test_serve_without_its_extra_names_the_extra(tiny_model_path):
    blocker = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] == 'fastapi': raise ModuleNotFoundError(name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from classifier.cli import app\n"
        f"app(['serve', '--model', {str(tiny_model_path)!r}], prog_name='headlines')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", blocker], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 7  # a missing optional package, not bad input
    assert (
        "headlines serve needs the serve extra (fastapi is not installed): pip install 'headlines-classifier[serve]'"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_before_workers_fork_the_model_is_hidden_from_the_collector_and_blas_has_one_thread(
    loaded, monkeypatch
):
    """A worker's first full collection would otherwise copy every page of the model it shares."""
    import gc

    from threadpoolctl import threadpool_info, threadpool_limits

    from classifier.serve import server

    seen = []

    def forked(*args):
        seen.append(
            (
                gc.get_freeze_count(),
                {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"},
            )
        )

    for name in BLAS_THREAD_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(server, "_serve_forked", forked)
    with threadpool_limits(None):  # put the test process's thread counts back afterwards
        try:
            server.run_server(loaded, "127.0.0.1", 0, workers=2)
        finally:
            gc.unfreeze()
    assert seen and seen[0][0] > 0 and seen[0][1] <= {1}


@pytest.mark.slow
def test_connections_opened_together_are_spread_over_the_workers(tiny_model_path):
    """Four keep-alive connections opened at once: two a worker, not all four on whichever woke first."""
    import http.client

    import psutil

    with serve_command("--model", str(tiny_model_path), "--workers", "2") as (proc, url):
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(4)]
        for conn in conns:
            conn.connect()
        for conn in conns:
            conn.request(
                "POST",
                "/v1/predict",
                json.dumps({"headlines": ["Gold gains"]}),
                {"Content-Type": "application/json"},
            )
        assert all(conn.getresponse().read() and True for conn in conns)
        held = sorted(
            sum(
                c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port
                for c in worker.net_connections("tcp")
            )
            for worker in psutil.Process(proc.pid).children()
        )
        for conn in conns:
            conn.close()
        assert held == [2, 2]


@pytest.mark.slow
def test_forked_workers_share_the_work_and_the_metrics_and_a_dead_worker_is_replaced(tiny_model_path):
    import psutil

    with serve_command("--model", str(tiny_model_path), "--workers", "2") as (proc, url):
        assert url.startswith("http://127.0.0.1:")
        workers = psutil.Process(proc.pid).children()
        assert len(workers) == 2
        expected = predict_texts(load_model(tiny_model_path), ["Troops trade fire along LoC"])["topic"][0]
        for _ in range(20):
            assert (
                post_json(url, {"headlines": ["Troops trade fire along LoC"]}).json()["predictions"][0][
                    "topic"
                ]
                == expected
            )
        for _ in range(50):  # a worker counts a request just after sending its answer
            metrics = call(url, "GET", "/metrics").body.decode()
            count = re.search(
                r'headlines_http_requests_total\{method="POST",route="/v1/predict",status="200"\} (\S+)',
                metrics,
            )
            if count and float(count.group(1)) == 20.0:
                break
            time.sleep(0.05)
        assert count and float(count.group(1)) == 20.0  # summed over both workers
        workers[0].kill()
        workers[0].wait(10)
        for _ in range(50):
            if len(psutil.Process(proc.pid).children()) == 2:
                break
            time.sleep(0.1)
        assert len(psutil.Process(proc.pid).children()) == 2
        assert post_json(url, {"headlines": ["Gold gains"]}).status == 200
        proc.terminate()
        assert proc.wait(20) == 0
        assert "worker" in proc.stderr.read() and not psutil.pid_exists(workers[1].pid)
