"""The Dask engine: a LocalCluster of two workers predicts partitions in order with the same model."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.model import predict_texts

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
    from classifier.distributed import predict_dask

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
    from classifier.distributed import predict_dask

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

    from classifier.distributed import require_dask
    from classifier.errors import InputError

    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.startswith("dask"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(InputError, match=r"pip install 'headlines-classifier\[dask\]'"):
        require_dask()
