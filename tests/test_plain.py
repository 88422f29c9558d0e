"""The fast prediction path writes the bytes the full path writes, and hands back what it cannot read alike."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from classifier import cli
from classifier.cli import app
from classifier.errors import HeadlinesError
from classifier.io.plain import Doubt, iter_plain, json_number, text_number
from classifier.model.archive import load_runtime
from classifier.predict.plain import predict_plain
from classifier.predict.stream import predict_to_file

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

PIECES = [*'ab Zé,;"\t\n\r/ü😀\\', "\r\n", "=1+", "-", "@", "KSE-100 plunges 2,000", "Rupee slides"]
CELL = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)


@pytest.fixture(scope="module")
def runtime(tiny_model_path):
    return load_runtime(tiny_model_path)


def _both(runtime, tmp_path, source, fmt, input_format, **options) -> tuple[bytes | None, bytes]:
    """The plain path's bytes (None when it doubts) and the full path's, for one input."""
    lean, full = tmp_path / f"lean.{fmt}", tmp_path / f"full.{fmt}"
    lean.unlink(missing_ok=True)  # hypothesis runs many examples in one folder
    keep = options.pop("keep", ())
    try:
        predict_plain(runtime, source, lean, fmt, input_format, keep=keep, **options)
        lean_bytes = lean.read_bytes()
    except Doubt:
        lean_bytes = None
        assert not lean.exists()  # nothing left behind
    predict_to_file(runtime, source, full, fmt, keep=keep, input_format=input_format, **options)
    return lean_bytes, full.read_bytes()


def _csv_cell(value: str, sep: str) -> str:
    if any(c in value for c in (sep, '"', "\n", "\r")) or not value:
        return '"' + value.replace('"', '""') + '"'
    return value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(CELL, max_size=8), fmt=st.sampled_from(["csv", "tsv", "jsonl"]),
       ending=st.sampled_from(["\n", "\r\n"]), bom=st.booleans(), last=st.booleans())  # fmt: skip
def test_plain_text_input_gives_the_same_bytes(runtime, tmp_path, lines, fmt, ending, bom, last):
    text = ending.join(line.replace("\r", "").replace("\n", " ") for line in lines) + (ending if last else "")
    src = tmp_path / "in.txt"
    src.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    lean, full = _both(runtime, tmp_path, src, fmt, "txt")
    assert lean == full


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(CELL, CELL, CELL), max_size=8),
    header=st.sampled_from([("id", "headline", "outlet"), ("headline", "outlet", "date"), ("outlet", "headline"),
                            ("headline",)]),
    fmt=st.sampled_from(["csv", "tsv", "jsonl"]),
    sep=st.sampled_from([",", "\t"]),
    ending=st.sampled_from(["\n", "\r\n"]),
    keep=st.sampled_from([None, (), ("outlet",)]),
    blank_lines=st.booleans(),
    quote_all=st.booleans(),
    safe_csv=st.booleans(),
)  # fmt: skip
def test_csv_input_gives_the_same_bytes(runtime, tmp_path, rows, header, fmt, sep, ending, keep, blank_lines,
                                        quote_all, safe_csv):  # fmt: skip
    lines = [sep.join(header)]
    for row in rows:
        cells = [f'"{c.replace(chr(34), chr(34) * 2)}"' if quote_all else _csv_cell(c, sep) for c in row]
        lines.append(sep.join(cells[: len(header)]))
        if blank_lines:
            lines.append("")
    src = tmp_path / ("in.tsv" if sep == "\t" else "in.csv")
    src.write_text(ending.join(lines) + ending, encoding="utf-8", newline="")
    kept = tuple(c for c in header if c not in ("id", "headline")) if keep is None else keep
    kept = tuple(c for c in kept if c in header)
    lean, full = _both(runtime, tmp_path, src, fmt, "tsv" if sep == "\t" else "csv", keep=kept,
                       safe_csv=safe_csv)  # fmt: skip
    if lean is not None:
        assert lean == full


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.sampled_from(list('ab,"\n\r\t ')), max_size=40))
def test_any_csv_is_read_alike_or_doubted(runtime, tmp_path, text):
    src = tmp_path / "in.csv"
    src.write_text("id,headline,outlet\n" + text, encoding="utf-8", newline="")
    try:
        lean, full = _both(runtime, tmp_path, src, "csv", "csv", keep=("outlet",))
    except HeadlinesError:
        with pytest.raises(Doubt):
            list(iter_plain(src, "csv", keep=("outlet",)))
        return
    if lean is not None:
        assert lean == full


def test_the_common_cases_are_not_doubted(runtime, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text('id,headline,outlet\r\n7,"Rupee, at 280, slides","Dawn ""daily"""\r\n8,"Two\nlines",\r\n\r\n'
                   '9,,x\r\n', encoding="utf-8", newline="")  # fmt: skip
    for fmt in ("csv", "tsv", "jsonl"):
        lean, full = _both(runtime, tmp_path, src, fmt, "csv", keep=("outlet",), min_confidence=0.9)
        assert lean == full and lean is not None


def test_many_chunks_and_workers_give_the_same_bytes(runtime, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text(
        "".join(f"Rupee slides {i} points\n" if i % 7 else "\n" for i in range(2_500)), encoding="utf-8"
    )
    full = tmp_path / "full.csv"
    predict_to_file(runtime, src, full, "csv", chunk_rows=300)
    for jobs in (1, 2):
        lean = tmp_path / f"lean{jobs}.csv"
        summary, _ = predict_plain(runtime, src, lean, "csv", "txt", chunk_rows=300, jobs=jobs)
        assert lean.read_bytes() == full.read_bytes()
        assert (summary.rows, summary.blank) == (2_500, 358)


def test_numbers_are_printed_as_pyarrow_and_pandas_print_them():
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    values = np.concatenate([np.round(np.linspace(-1, 1, 20_001), 5), np.arange(-20, 21) / 1e5, [0.0, -0.0]])
    sink = pa.BufferOutputStream()
    pacsv.write_csv(pa.table({"x": values}), sink, write_options=pacsv.WriteOptions(include_header=False))
    assert sink.getvalue().to_pybytes().decode().split("\n")[:-1] == [text_number(v) for v in values.tolist()]
    lines = pd.DataFrame({"x": values}).to_json(orient="records", lines=True).splitlines()
    assert [line[5:-1] for line in lines] == [json_number(v) for v in values.tolist()]


@pytest.mark.parametrize("style", [text_number, json_number])
def test_the_texts_made_at_once_are_each_numbers_own(style):
    from classifier.io.plain import _UnitTexts

    table = _UnitTexts(style)
    table.make_all()
    span = table.span
    assert table.texts.tolist() == [style(k / span) for k in range(-span, span + 1)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(-1.2, 1.2), st.floats(allow_nan=True, allow_infinity=True),
                          st.sampled_from([0.0, -0.0, -4e-6, 5e-6, 1.0, -1.0, 0.999995, -0.999996])),
                max_size=60))  # fmt: skip
def test_number_columns_are_written_as_each_number_alone(values):
    import math

    from classifier.io.plain import _number_cells

    with np.errstate(over="ignore", invalid="ignore"):
        rounded = np.asarray(values, dtype=np.float64).round(5).tolist()
    assert _number_cells(np.asarray(values), json_style=False) == [
        "" if math.isnan(v) else text_number(v) for v in rounded
    ]
    assert _number_cells(np.asarray(values), json_style=True) == [
        "null" if math.isnan(v) else json_number(v) for v in rounded
    ]


def _cli(args, input=None, plain=True, monkeypatch=None):
    if not plain:
        monkeypatch.setattr(cli, "_predict_plain", lambda *a, **k: False)
    result = runner.invoke(app, [str(a) for a in args], input=input)
    if not plain:
        monkeypatch.undo()
    return result.exit_code, result.stdout_bytes, result.stderr


@pytest.mark.parametrize(
    "body, options",
    [
        ("KSE-100 plunges 2,000 points as rupee slides\n\nPCB names squad\n", []),
        ('headline,outlet\n"Rupee, slides",Dawn\n,\n', ["--input-format", "csv"]),
        ("headline\tx\nRupee slides\t1\n", ["--input-format", "tsv", "--format", "jsonl"]),
        ("headline,x\nRupee\rslides,1\n", ["--input-format", "csv"]),  # a bare CR: doubted
        ('headline,x\n"Rupee slides,1\n', ["--input-format", "csv"]),  # an open quote: the full path's error
        ("headline,x\nRupee,1,2\n", ["--input-format", "csv"]),  # a long row: the full path's error
        ('headline\n"a" b\n', ["--input-format", "csv"]),
        ("x\nRupee\n", ["--input-format", "csv"]),  # no headline column
        ("\xff\xfeR\x00u\x00\n\x00", []),  # UTF-16
        ("Rupee \udcff slides\n", []),
    ],
)
def test_standard_input_gives_the_full_paths_bytes_and_errors(tiny_model_path, monkeypatch, body, options):
    data = (
        body.encode("utf-8", "surrogateescape")
        if "\udcff" in body
        else body.encode("latin-1" if "\xff\xfe" in body else "utf-8")
    )
    args = ["predict", "-", "--model", tiny_model_path, "--quiet", *options]
    assert _cli(args, data) == _cli(args, data, plain=False, monkeypatch=monkeypatch)


@pytest.mark.parametrize("suffix, body, options", [
    (".txt", "Rupee slides\nPCB names squad\n", ["--format", "tsv"]),
    (".csv", "id,headline,outlet,date\n1,Rupee slides,Dawn,2024-01-02\n", ["--keep", "date"]),
    (".csv", "id,headline,outlet\n1,Rupee slides,Dawn\n", ["--keep", "none", "--safe-csv"]),
    (".csv", "id,headline,outlet\n1,Rupee slides,Dawn,x\n", []),
    (".csv", "id,headline,id\n1,Rupee,2\n", []),
    (".csv", "id,headline,topic\n1,Rupee,x\n", []),
    (".csv", "id,text\n1,Rupee\n", ["--column", "text", "--format", "jsonl"]),
    (".tsv", "headline\toutlet\n=SUM(A1)\tDawn\n", ["--safe-csv"]),
])  # fmt: skip
def test_files_give_the_full_paths_bytes_and_errors(
    tiny_model_path, tmp_path, monkeypatch, suffix, body, options
):
    src = tmp_path / f"in{suffix}"
    src.write_text(body, encoding="utf-8")
    args = ["predict", src, "--model", tiny_model_path, "--quiet", *options]
    assert _cli(args) == _cli(args, plain=False, monkeypatch=monkeypatch)
    out_lean, out_full = tmp_path / "lean.csv", tmp_path / "full.csv"
    lean = _cli([*args, "--output", out_lean])
    full = _cli([*args, "--output", out_full], plain=False, monkeypatch=monkeypatch)
    assert lean[0] == full[0] and lean[2].replace(str(out_lean), "OUT") == full[2].replace(
        str(out_full), "OUT"
    )
    assert out_lean.exists() == out_full.exists()
    if out_lean.exists():
        assert out_lean.read_bytes() == out_full.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary left


def test_the_fast_path_imports_no_pandas_pyarrow_scikit_learn_or_scipy(tiny_model_path, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(
        'id,headline,outlet\n1,"KSE-100 plunges 2,000 points as rupee slides",Dawn\n', encoding="utf-8"
    )
    code = (
        "import sys\n"
        "from classifier.__main__ import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'pyarrow', 'sklearn', 'scipy', 'skops',"
        " 'joblib', 'rich', 'pydantic'})\n"
        "sys.stderr.write(f'heavy={heavy}\\n')\n"
    )
    for args, stdin in (([str(src), "--format", "jsonl"], b""), (["-"], b"KSE-100 plunges 2,000 points\n")):
        result = subprocess.run([sys.executable, "-c", code, "predict", *args, "--model", str(tiny_model_path)],
                                input=stdin, capture_output=True, cwd=ROOT, env={**os.environ, "COLUMNS": "80"},
                                check=False)  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert b"heavy=[]" in result.stderr, result.stderr
        assert result.stdout.startswith(b"id,headline,") or result.stdout.startswith(b'{"id":"1"')


def test_a_doubted_input_is_read_whole_by_the_full_path(tiny_model_path, tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"headline,x\r\nRupee slides,1\r\nBare\rreturn,2\r\n")
    with pytest.raises(Doubt):
        list(iter_plain(src, "csv"))
    with pytest.raises(Doubt):
        list(iter_plain(io.BytesIO(b"").getvalue() + b"\xff\xfe", "txt"))


def test_predict_starts_numpy_with_one_blas_thread_unless_told(monkeypatch):
    from classifier.__main__ import _one_blas_thread
    from classifier.config import BLAS_THREAD_SETTINGS

    for name in BLAS_THREAD_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    _one_blas_thread(["train", "--data", "x.csv"])
    assert "OPENBLAS_NUM_THREADS" not in os.environ
    _one_blas_thread(["predict", "-"])
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.delenv("OPENBLAS_NUM_THREADS")
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    _one_blas_thread(["predict", "-"])
    assert "OPENBLAS_NUM_THREADS" not in os.environ
