"""The Dask engine: a LocalCluster of two workers predicts partitions in order with the same model."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.model.heads import predict_texts

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

TEXTS = [f"Rupee slides {i}" if i % 3 else f"Troops trade fire {i}" for i in range(1, 61)]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_predict_dask_matches_local_predictions(client, tiny_model, tiny_model_path):
    from classifier.predict.distributed import predict_dask

    frame = dd.from_pandas(pd.DataFrame({"headline": TEXTS}), npartitions=4)
    out = predict_dask(frame, tiny_model_path).compute()
    assert out["id"].tolist() == [str(i) for i in range(1, 61)]
    assert out["headline"].tolist() == TEXTS
    local = predict_texts(tiny_model, TEXTS)
    assert out["topic"].tolist() == local["topic"].tolist()
    pd.testing.assert_series_equal(out["tone"].reset_index(drop=True), local["tone"], check_names=False)
    workers = client.run(lambda: __import__("os").getpid())
    assert len(workers) == 2


def test_predict_dask_keeps_input_ids(client, tiny_model_path):
    from classifier.predict.distributed import predict_dask

    frame = dd.from_pandas(
        pd.DataFrame({"id": [f"k{i}" for i in range(60)], "headline": TEXTS}), npartitions=3
    )
    assert predict_dask(frame, tiny_model_path)["id"].compute().tolist() == [f"k{i}" for i in range(60)]


def test_cli_engine_dask_on_a_parquet_glob(tiny_model_path, tmp_path):
    for part in range(3):
        chunk = TEXTS[part * 20 : (part + 1) * 20]
        pd.DataFrame({"id": [f"p{part}-{i}" for i in range(20)], "headline": chunk}).to_parquet(
            tmp_path / f"feed-{part}.parquet"
        )
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["predict", str(tmp_path / "feed-*.parquet"), "--engine", "dask",
                                      "--model", str(tiny_model_path), "--output", str(out), "--jobs", "2"])  # fmt: skip
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    assert frame["headline"].tolist() == TEXTS
    assert frame["id"].tolist()[:2] == ["p0-0", "p0-1"]


def test_cli_engine_dask_needs_an_output_folder(tiny_model_path, tmp_path):
    result = CliRunner().invoke(app, ["predict", str(tmp_path / "*.parquet"), "--engine", "dask",
                                      "--model", str(tiny_model_path)])  # fmt: skip
    assert result.exit_code == 5 and "--output FOLDER" in result.output


def test_missing_dask_says_how_to_install(monkeypatch):
    import builtins

    from classifier.errors import MissingExtraError
    from classifier.predict.distributed import require_dask

    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.startswith("dask"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(MissingExtraError, match=r"pip install 'headlines-classifier\[dask\]'"):
        require_dask()


def _local_and_dask(tiny_model_path, tmp_path, fmt, inputs, *options):
    """Predict the same rows with both engines: the local one over all the rows in one file, Dask over a glob."""
    local_in = tmp_path / f"all.{inputs}"
    parts = sorted(tmp_path.glob(f"feed-*.{inputs}"))
    if inputs == "csv":
        bodies = [p.read_text(encoding="utf-8") for p in parts]
        local_in.write_text(bodies[0] + "".join(b.split("\n", 1)[1] for b in bodies[1:]), encoding="utf-8")
    else:
        pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True).to_parquet(local_in)
    local_out = tmp_path / f"local.{fmt}"
    local = CliRunner().invoke(app, ["predict", str(local_in), "--model", str(tiny_model_path), "--output",
                                     str(local_out), "--format", fmt, "--jobs", "1", *options])  # fmt: skip
    assert local.exit_code == 0, local.output
    folder = tmp_path / "dask-out"
    result = CliRunner().invoke(app, ["predict", str(tmp_path / f"feed-*.{inputs}"), "--engine", "dask", "--model",
                                      str(tiny_model_path), "--output", str(folder), "--format", fmt, "--jobs", "2",
                                      *options])  # fmt: skip
    assert result.exit_code == 0, result.output
    return local_out, sorted(folder.iterdir())


def _write_feeds(tmp_path, inputs: str) -> None:
    texts = TEXTS[:45] + ["", "zxqv blorft", '=HYPERLINK("x")', 'say "hi", then 1,000']
    for part in range(3):
        chunk = texts[part * 17 : (part + 1) * 17]
        frame = pd.DataFrame({"id": [f"{part}-{i}" for i in range(len(chunk))], "headline": chunk})
        if inputs == "csv":
            frame.to_csv(tmp_path / f"feed-{part}.csv", index=False)
        else:
            frame.to_parquet(tmp_path / f"feed-{part}.parquet")


@pytest.mark.parametrize(
    "fmt,inputs",
    [("csv", "csv"), pytest.param("tsv", "parquet", marks=pytest.mark.slow),
     pytest.param("jsonl", "csv", marks=pytest.mark.slow), pytest.param("parquet", "parquet", marks=pytest.mark.slow)],
)  # fmt: skip
def test_both_engines_give_the_same_rows(tiny_model_path, tmp_path, fmt, inputs):
    _write_feeds(tmp_path, inputs)
    options = ("--explain", "2", "--min-confidence", "0.3", "--safe-csv")
    local_out, parts = _local_and_dask(tiny_model_path, tmp_path, fmt, inputs, *options)
    assert [p.name for p in parts] == [f"part-{i:05d}.{fmt}" for i in range(3)]
    if fmt == "parquet":
        dask_frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        pd.testing.assert_frame_equal(pd.read_parquet(local_out), dask_frame)
        return
    local_lines = local_out.read_bytes().splitlines()
    skip = 0 if fmt == "jsonl" else 1  # each CSV/TSV part has the header
    dask_lines = parts[0].read_bytes().splitlines()[:skip] + [
        line for p in parts for line in p.read_bytes().splitlines()[skip:]
    ]
    assert dask_lines == local_lines  # the same bytes: rounding, quoting, ids, reasons


def test_dask_honours_allow_pickle(tiny_model, tmp_path):
    import joblib

    pickled = tmp_path / "trusted.joblib"
    joblib.dump(tiny_model, pickled)
    pd.DataFrame({"headline": TEXTS[:5]}).to_parquet(tmp_path / "feed-0.parquet")
    args = [
        "predict",
        str(tmp_path / "feed-*.parquet"),
        "--engine",
        "dask",
        "--model",
        str(pickled),
        "--jobs",
        "1",
    ]
    refused = CliRunner().invoke(app, [*args, "--output", str(tmp_path / "a")])
    assert refused.exit_code == 4 and "--allow-pickle" in refused.stderr
    allowed = CliRunner().invoke(app, [*args, "--output", str(tmp_path / "b"), "--allow-pickle"])
    assert allowed.exit_code == 0, allowed.output
    assert pd.read_parquet(tmp_path / "b" / "part-00000.parquet")["headline"].tolist() == TEXTS[:5]


def test_dask_refuses_a_folder_that_holds_files(tiny_model_path, tmp_path):
    pd.DataFrame({"headline": TEXTS[:5]}).to_parquet(tmp_path / "feed-0.parquet")
    out = tmp_path / "out"
    out.mkdir()
    (out / "part-00007.parquet").write_text("an earlier run", encoding="utf-8")
    result = CliRunner().invoke(app, ["predict", str(tmp_path / "feed-*.parquet"), "--engine", "dask", "--model",
                                      str(tiny_model_path), "--output", str(out)])  # fmt: skip
    assert result.exit_code == 5 and "already holds files" in result.stderr
