"""Every command over a table of hostile arguments and inputs: no traceback, ever, and each exit
code the documented one (a non-zero exit says why on stderr, in a line starting "error:")."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.errors import EXIT_CODES
from classifier.model.files import CARD_NAME, PAYLOAD_NAME

runner = CliRunner()


class Files:
    """Hostile inputs, made once per test session in one folder."""

    def __init__(self, root: Path, model: Path, corpus: Path) -> None:
        self.root, self.model, self.corpus = root, model, corpus
        self.ok = self.text("ok.txt", "Rupee gains\nTroops trade fire\n")
        self.labelled = self.text(
            "labelled.csv", "headline,topic,tone\nRupee gains,markets,0.5\nTroops,conflict,-1\n"
        )
        self.folder = root / "folder"
        self.folder.mkdir()
        self.afile = self.text("afile", "x")

    def text(self, name: str, content: str) -> Path:
        path = self.root / name
        path.write_text(content, encoding="utf-8")
        return path

    def raw(self, name: str, content: bytes) -> Path:
        path = self.root / name
        path.write_bytes(content)
        return path

    def model_with_card(self, name: str, card: bytes) -> Path:
        with zipfile.ZipFile(self.model) as archive:
            payload = archive.read(PAYLOAD_NAME)
        path = self.root / name
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(CARD_NAME, card)
            archive.writestr(PAYLOAD_NAME, payload)
        return path

    def parquet(self, name: str, frame: pd.DataFrame) -> Path:
        path = self.root / name
        frame.to_parquet(path)
        return path


@pytest.fixture(scope="module")
def files(tmp_path_factory, tiny_model_path, tiny_corpus_path) -> Files:
    return Files(tmp_path_factory.mktemp("hostile"), tiny_model_path, tiny_corpus_path)


def P(*args):
    return ("predict", *args)


# (id, arguments from the files, standard input, expected exit code)
CASES = [
    # predict: inputs
    ("missing-input", lambda f: P(f.root / "none.txt", "--model", f.model), None, 2),
    ("input-is-a-folder", lambda f: P(f.folder, "--model", f.model), None, 2),
    ("unknown-suffix", lambda f: P(f.text("x.docx", "hi"), "--model", f.model), None, 2),
    ("no-suffix", lambda f: P(f.text("noext", "hi"), "--model", f.model), None, 2),
    ("empty-csv", lambda f: P(f.text("empty.csv", ""), "--model", f.model), None, 2),
    ("header-only-csv", lambda f: P(f.text("h.csv", "headline\n"), "--model", f.model), None, 0),
    ("empty-txt", lambda f: P(f.text("empty.txt", ""), "--model", f.model), None, 0),
    ("repeated-column", lambda f: P(f.text("dup.csv", "headline,headline\na,b\n"), "--model", f.model), None, 2),
    ("ragged-row", lambda f: P(f.text("rag.csv", "id,headline\n1,a\n2,b,c\n"), "--model", f.model), None, 2),
    ("first-row-ragged", lambda f: P(f.text("rag1.csv", "headline\na,b\n"), "--model", f.model), None, 2),
    ("missing-column", lambda f: P(f.text("nocol.csv", "title\nx\n"), "--model", f.model), None, 2),
    ("named-column-missing", lambda f: P(f.labelled, "--column", "nope", "--model", f.model), None, 2),
    ("undecodable", lambda f: P(f.raw("bad.txt", b"ok\n\xff\xfe\xfa\n"), "--model", f.model), None, 2),
    ("undecodable-csv", lambda f: P(f.raw("bad.csv", b"headline\n\xff\xfe\xfa\n"), "--model", f.model), None, 2),
    ("nul-bytes", lambda f: P(f.raw("nul.txt", b"a\x00b\n\x00\n"), "--model", f.model), None, 0),
    ("huge-line", lambda f: P(f.text("huge.txt", "Rupee " * 200_000 + "\n"), "--model", f.model), None, 0),
    ("huge-csv-field", lambda f: P(f.text("huge.csv", "headline\n" + "x" * 300_000 + "\n"), "--model", f.model), None, 0),
    ("unknown-encoding", lambda f: P(f.ok, "--encoding", "klingon", "--model", f.model), None, 2),
    ("bytes-codec", lambda f: P(f.ok, "--encoding", "base64", "--model", f.model), None, 2),
    ("jsonl-number", lambda f: P(f.text("n.jsonl", '{"headline": 123}\n'), "--model", f.model), None, 2),
    ("jsonl-list", lambda f: P(f.text("l.jsonl", '{"headline": ["a", "b"]}\n'), "--model", f.model), None, 2),
    ("jsonl-object", lambda f: P(f.text("o.jsonl", '{"headline": {"a": 1}}\n'), "--model", f.model), None, 2),
    ("jsonl-null", lambda f: P(f.text("null.jsonl", '{"headline": null}\n'), "--model", f.model), None, 0),
    ("jsonl-bad-id", lambda f: P(f.text("bid.jsonl", '{"id": [1], "headline": "a"}\n'), "--model", f.model), None, 2),
    ("jsonl-deep", lambda f: P(f.text("deep.jsonl", "[" * 100_000 + "]" * 100_000 + "\n"), "--model", f.model), None, 2),
    ("jsonl-broken", lambda f: P(f.text("b.jsonl", '{"headline": "a"\n'), "--model", f.model), None, 2),
    ("jsonl-bare-number", lambda f: P(f.text("bn.jsonl", "42\n"), "--model", f.model), None, 2),
    ("parquet-number-column", lambda f: P(f.parquet("n.parquet", pd.DataFrame({"headline": [1, 2]})), "--model", f.model), None, 2),
    ("parquet-garbage", lambda f: P(f.text("g.parquet", "not parquet"), "--model", f.model), None, 2),
    ("parquet-folder", lambda f: P(f.root / "folder.parquet", "--model", f.model), None, 2),
    ("not-gzip", lambda f: P(f.text("fake.csv.gz", "headline\na\n"), "--model", f.model), None, 2),
    ("truncated-gzip", lambda f: P(f.raw("cut.txt.gz", gzip.compress(b"a\n" * 1000)[:15]), "--model", f.model), None, 2),
    ("parquet-gz", lambda f: P(f.raw("x.parquet.gz", b""), "--model", f.model), None, 2),
    # predict: options
    ("column-on-stdin", lambda f: P("-", "--column", "headline", "--model", f.model), "headline\na\n", 2),
    ("column-on-txt", lambda f: P(f.ok, "--column", "headline", "--model", f.model), None, 2),
    ("parquet-on-stdin", lambda f: P("-", "--input-format", "parquet", "--model", f.model), "x", 2),
    ("csv-on-stdin-no-header", lambda f: P("-", "--input-format", "csv", "--model", f.model), "", 2),
    ("long-delimiter", lambda f: P(f.labelled, "--delimiter", "::", "--model", f.model), None, 2),
    ("delimiter-on-jsonl", lambda f: P(f.text("d.jsonl", '"a"\n'), "--delimiter", ";", "--model", f.model), None, 2),
    ("unknown-input-format", lambda f: P(f.ok, "--input-format", "xlsx", "--model", f.model), None, 2),
    ("stdin-undecodable", lambda f: P("-", "--model", f.model), b"ok\n\xff\xfe bad\n", 2),
    ("jobs-zero", lambda f: P(f.ok, "--jobs", "0", "--model", f.model), None, 2),
    ("jobs-absurd", lambda f: P(f.ok, "--jobs", "100000", "--model", f.model), None, 2),
    ("jobs-not-a-number", lambda f: P(f.ok, "--jobs", "many", "--model", f.model), None, 2),
    ("explain-negative", lambda f: P(f.ok, "--explain", "-1", "--model", f.model), None, 2),
    ("explain-huge", lambda f: P(f.ok, "--explain", "1000000", "--model", f.model), None, 0),
    ("confidence-above-one", lambda f: P(f.ok, "--min-confidence", "2", "--model", f.model), None, 2),
    ("unknown-format", lambda f: P(f.ok, "--format", "xlsx", "--model", f.model), None, 2),
    ("unknown-option", lambda f: P(f.ok, "--frobnicate", "--model", f.model), None, 2),
    ("no-input", lambda f: ("predict",), None, 2),
    # predict: model files
    ("model-missing", lambda f: P(f.ok, "--model", f.root / "none.model"), None, 4),
    ("model-is-a-folder", lambda f: P(f.ok, "--model", f.folder), None, 4),
    ("model-is-text", lambda f: P(f.ok, "--model", f.afile), None, 4),
    ("model-is-empty", lambda f: P(f.ok, "--model", f.text("empty.model", "")), None, 4),
    ("model-card-list", lambda f: P(f.ok, "--model", f.model_with_card("list.model", b"[1, 2]")), None, 4),
    ("model-card-not-json", lambda f: P(f.ok, "--model", f.model_with_card("nj.model", b"\xff{")), None, 4),
    ("model-card-deep", lambda f: P(f.ok, "--model", f.model_with_card("deep.model", b"[" * 50_000 + b"]" * 50_000)), None, 4),
    ("model-card-bomb", lambda f: P(f.ok, "--model", f.model_with_card("bomb.model", b" " * (40 << 20))), None, 4),
    ("model-truncated", lambda f: P(f.ok, "--model", f.raw("cut.model", f.model.read_bytes()[:3000])), None, 4),
    ("model-pickle-refused", lambda f: P(f.ok, "--model", f.raw("p.model", b"\x80\x04K\x01.")), None, 4),
    ("model-pickle-allowed-wrong-type", lambda f: P(f.ok, "--allow-pickle", "--model", f.raw("p2.model", b"\x80\x04K\x01.")), None, 4),
    # predict: outputs
    ("output-missing-folder", lambda f: P(f.ok, "--model", f.model, "--output", f.root / "no" / "o.csv"), None, 5),
    ("output-is-a-folder", lambda f: P(f.ok, "--model", f.model, "--output", f.folder), None, 5),
    ("output-under-a-file", lambda f: P(f.ok, "--model", f.model, "--output", f.afile / "o.csv"), None, 5),
    ("output-is-the-input", lambda f: P(f.ok, "--model", f.model, "--output", f.ok), None, 2),
    ("output-is-the-model", lambda f: P(f.ok, "--model", f.model, "--output", f.model), None, 2),
    ("table-to-a-file", lambda f: P(f.ok, "--model", f.model, "--format", "table", "--output", f.root / "t.txt"), None, 5),
    ("parquet-to-stdout", lambda f: P(f.ok, "--model", f.model, "--format", "parquet"), None, 5),
    ("read-only-output", lambda f: P(f.ok, "--model", f.model, "--output", "/sys/headlines-out.csv"), None, 5),
    # predict: the dask engine
    ("dask-no-output", lambda f: P(str(f.root / "*.parquet"), "--engine", "dask", "--model", f.model), None, 5),
    ("dask-output-is-a-file", lambda f: P(str(f.root / "*.parquet"), "--engine", "dask", "--model", f.model, "--output", f.afile), None, 5),
    ("dask-output-not-empty", lambda f: P(str(f.root / "*.parquet"), "--engine", "dask", "--model", f.model, "--output", f.root), None, 5),
    ("dask-txt-glob", lambda f: P(str(f.root / "*.txt"), "--engine", "dask", "--model", f.model, "--output", f.root / "d1"), None, 2),
    ("dask-table", lambda f: P(str(f.root / "*.parquet"), "--engine", "dask", "--model", f.model, "--output", f.root / "d2", "--format", "table"), None, 5),
    ("dask-bad-model", lambda f: P(str(f.root / "*.parquet"), "--engine", "dask", "--model", f.afile, "--output", f.root / "d3"), None, 4),
    # evaluate
    ("eval-missing-data", lambda f: ("evaluate", "--data", f.root / "none.csv", "--model", f.model), None, 2),
    ("eval-no-headline", lambda f: ("evaluate", "--data", f.text("nh.csv", "title,topic\nx,markets\n"), "--model", f.model), None, 2),
    ("eval-no-labels", lambda f: ("evaluate", "--data", f.text("nl.csv", "headline\nx\n"), "--model", f.model), None, 2),
    ("eval-named-column-missing", lambda f: ("evaluate", "--data", f.labelled, "--topic-column", "nope", "--model", f.model), None, 2),
    ("eval-unknown-topic", lambda f: ("evaluate", "--data", f.text("ut.csv", "headline,topic\nx,sport\n"), "--model", f.model), None, 3),
    ("eval-tone-out-of-range", lambda f: ("evaluate", "--data", f.text("tr.csv", "headline,tone\nx,7\n"), "--model", f.model), None, 3),
    ("eval-tone-not-a-number", lambda f: ("evaluate", "--data", f.text("tn.csv", "headline,tone\nx,7\ny,bad\n"), "--model", f.model), None, 3),
    ("eval-all-labels-blank", lambda f: ("evaluate", "--data", f.text("ab.csv", "headline,topic\nx,\n"), "--model", f.model), None, 2),
    ("eval-bad-tone-scale", lambda f: ("evaluate", "--data", f.labelled, "--tone-scale", "5:1", "--model", f.model), None, 2),
    ("eval-text-file", lambda f: ("evaluate", "--data", f.ok, "--model", f.model), None, 2),
    ("eval-bad-spec", lambda f: ("evaluate", "--dataset", "nocolon", "--model", f.model), None, 2),
    ("eval-unknown-dataset-format", lambda f: ("evaluate", "--dataset", f"xml:{f.ok}", "--model", f.model), None, 2),
    ("eval-semeval-without-gold", lambda f: ("evaluate", "--dataset", f"semeval2007:{f.text('s.xml', '<x/>')}", "--model", f.model), None, 2),
    ("eval-semeval2017-garbage", lambda f: ("evaluate", "--dataset", f"semeval2017:{f.text('s.json', '[1')}", "--model", f.model), None, 2),
    ("eval-unknown-baseline", lambda f: ("evaluate", "--data", f.labelled, "--baseline", "gpt", "--model", f.model), None, 2),
    ("eval-model-folder", lambda f: ("evaluate", "--data", f.labelled, "--model", f.folder), None, 4),
    ("eval-json-to-folder", lambda f: ("evaluate", "--data", f.labelled, "--model", f.model, "--json", f.folder), None, 5),
    ("eval-json-missing-folder", lambda f: ("evaluate", "--data", f.labelled, "--model", f.model, "--json", f.root / "no" / "m.json"), None, 5),
    ("eval-json-onto-data", lambda f: ("evaluate", "--data", f.labelled, "--model", f.model, "--json", f.labelled), None, 2),
    ("eval-report-on-a-file", lambda f: ("evaluate", "--data", f.labelled, "--model", f.model, "--report", f.afile), None, 5),
    ("eval-report-under-a-file", lambda f: ("evaluate", "--data", f.labelled, "--model", f.model, "--report", f.afile / "r"), None, 5),
    ("eval-report-read-only", lambda f: ("evaluate", "--data", f.labelled, "--model", f.model, "--report", "/sys/rep"), None, 5),
    ("eval-report-with-cv", lambda f: ("evaluate", "--cv", "3", "--data", f.corpus, "--report", f.root / "r"), None, 2),
    ("eval-cv-one", lambda f: ("evaluate", "--cv", "1", "--data", f.corpus), None, 2),
    ("eval-cv-too-many-folds", lambda f: ("evaluate", "--cv", "20", "--data", f.corpus), None, 3),
    # train
    ("train-missing-data", lambda f: ("train", "--data", f.root / "none.csv", "--model", f.root / "m1.model"), None, 2),
    ("train-empty-data", lambda f: ("train", "--data", f.text("e0.csv", ""), "--model", f.root / "m2.model"), None, 2),
    ("train-header-only", lambda f: ("train", "--data", f.text("h0.csv", "id,headline,topic,tone\n"), "--model", f.root / "m3.model"), None, 3),
    ("train-missing-column", lambda f: ("train", "--data", f.text("mc.csv", "id,headline,topic\n1,a,markets\n"), "--model", f.root / "m4.model"), None, 2),
    ("train-bad-rows", lambda f: ("train", "--data", f.text("br.csv", "id,headline,topic,tone\n1,,sport,9\n"), "--model", f.root / "m5.model"), None, 3),
    ("train-tiny", lambda f: ("train", "--data", f.text("tiny3.csv", "id,headline,topic,tone\n1,a,markets,0\n2,b,other,0\n"), "--model", f.root / "m6.model"), None, 3),
    ("train-model-is-a-folder", lambda f: ("train", "--data", f.corpus, "--model", f.folder), None, 5),
    ("train-model-under-a-file", lambda f: ("train", "--data", f.corpus, "--model", f.afile / "m.model"), None, 5),
    ("train-model-onto-data", lambda f: ("train", "--data", f.corpus, "--model", f.corpus), None, 2),
    ("train-parquet-garbage", lambda f: ("train", "--data", f.text("tg.parquet", "nope"), "--model", f.root / "m7.model"), None, 2),
    ("train-jsonl-list-line", lambda f: ("train", "--data", f.text("tl.jsonl", "[1]\n"), "--model", f.root / "m8.model"), None, 2),
    # check-corpus
    ("check-missing", lambda f: ("check-corpus", "--data", f.root / "none.csv"), None, 2),
    ("check-folder", lambda f: ("check-corpus", "--data", f.folder), None, 2),
    ("check-unknown-type", lambda f: ("check-corpus", "--data", f.text("c.docx", "x")), None, 2),
    ("check-header-only", lambda f: ("check-corpus", "--data", f.text("ch.csv", "id,headline,topic,tone\n")), None, 3),
    ("check-bad-rows", lambda f: ("check-corpus", "--data", f.text("cb.csv", "id,headline,topic,tone\n1,,x,3\n")), None, 3),
    ("check-below-floors", lambda f: ("check-corpus", "--data", f.corpus), None, 3),
    # serve (the cases that end before it listens, and one that cannot listen)
    ("serve-model-missing", lambda f: ("serve", "--port", "0", "--model", f.root / "none.model"), None, 4),
    ("serve-model-is-text", lambda f: ("serve", "--port", "0", "--model", f.afile), None, 4),
    ("serve-port-out-of-range", lambda f: ("serve", "--port", "70000", "--model", f.model), None, 2),
    ("serve-workers-zero", lambda f: ("serve", "--workers", "0", "--model", f.model), None, 2),
    ("serve-unknown-host", lambda f: ("serve", "--host", "no-such-host.invalid", "--port", "0", "--model", f.model), None, 6),
    # summarize
    ("summarize-missing", lambda f: ("summarize", f.root / "none.csv"), None, 2),
    ("summarize-text-file", lambda f: ("summarize", f.ok), None, 2),
    ("summarize-no-topic", lambda f: ("summarize", f.text("st.csv", "headline,tone\nx,0.1\n")), None, 2),
    ("summarize-spikes-without-time", lambda f: ("summarize", f.labelled, "--spikes"), None, 2),
    ("summarize-output-bad-suffix", lambda f: ("summarize", f.labelled, "--output", f.root / "s.xlsx"), None, 2),
    ("summarize-output-onto-input", lambda f: ("summarize", f.labelled, "--output", f.labelled), None, 2),
    ("summarize-output-missing-folder", lambda f: ("summarize", f.labelled, "--output", f.root / "no" / "s.csv"), None, 5),
    # the top level
    ("unknown-command", lambda f: ("frobnicate",), None, 2),
    ("no-arguments", lambda f: (), None, 0),
    ("version", lambda f: ("--version",), None, 0),
    ("help", lambda f: ("--help",), None, 0),
]  # fmt: skip

DOCUMENTED = set(EXIT_CODES) - {1}  # 1 is a bug, never an expected outcome


def test_the_table_covers_every_command(files):
    commands = {tuple(make(files))[:1] for _, make, _, _ in CASES}
    names = {c.name for c in __import__("typer").main.get_command(app).commands.values()}
    assert {(name,) for name in names} <= commands  # every command has hostile cases
    assert {code for *_, code in CASES} <= DOCUMENTED


def _parquet_glob_input(files: Files) -> None:
    if not (files.root / "feed.parquet").exists():
        pd.DataFrame({"headline": ["Rupee gains"]}).to_parquet(files.root / "feed.parquet")


@pytest.mark.parametrize("case_id,make_args,stdin,expected", CASES, ids=[c[0] for c in CASES])
def test_hostile_argument(files, case_id, make_args, stdin, expected):
    if "read-only" in case_id and not Path("/sys").is_dir():
        pytest.skip("needs a read-only /sys (Linux)")
    if case_id.startswith("dask"):
        pytest.importorskip("dask.distributed")
        _parquet_glob_input(files)
    args = [str(a) for a in make_args(files)]
    result = runner.invoke(app, args, input=stdin)
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in output, output
    assert result.exit_code in DOCUMENTED, (result.exit_code, output)
    assert result.exit_code == expected, output
    if expected:
        # one "error:" line (a list of data problems follows it, warnings may come before it)
        assert [line for line in result.stderr.splitlines() if line.startswith("error: ")], result.stderr
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        result.exception
    )


def test_the_count_of_hostile_cases():
    assert len(CASES) >= 100  # the closing note of this change quotes the count
