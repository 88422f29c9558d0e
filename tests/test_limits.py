"""Resource limits: a small model file cannot make us inflate gigabytes, and a terminal gets a page
of rows, not a table of every row."""

from __future__ import annotations

import time
import tracemalloc
import zipfile

import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.errors import ModelFileError
from classifier.model import archive as model_archive
from classifier.model import files as store
from classifier.model.files import CARD_NAME, PAYLOAD_NAME, load_model, read_card

runner = CliRunner()


def inflating_card(src, dst, megabytes: int):
    """A model file whose card.json inflates to `megabytes` MB of spaces (the file stays small)."""
    with zipfile.ZipFile(src) as archive:
        payload = archive.read(PAYLOAD_NAME)
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(CARD_NAME, "w", force_zip64=True) as member:
            block = b" " * (1 << 20)
            for _ in range(megabytes):
                member.write(block)
        archive.writestr(PAYLOAD_NAME, payload)
    return dst


def test_a_card_that_inflates_to_hundreds_of_mb_is_refused_at_once(tiny_model_path, tmp_path):
    bomb = inflating_card(tiny_model_path, tmp_path / "bomb.model", 300)
    assert bomb.stat().st_size < 2 << 20
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(ModelFileError, match="refused: card.json would inflate to 314,572,800 bytes"):
        read_card(bomb)
    seconds = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seconds < 1.0 and peak < 20 << 20


def test_the_payload_is_capped_too(tiny_model_path, monkeypatch):
    monkeypatch.setattr(store, "MODEL_MAX_PAYLOAD_BYTES", 1000)
    with pytest.raises(
        ModelFileError, match=r"refused: model.skops would inflate to [\d,]+ bytes \(at most 1,000\)"
    ):
        load_model(tiny_model_path)


def test_a_size_that_lies_is_still_bounded(tiny_model_path, tmp_path, monkeypatch):
    """Declared small, inflating large: reading stops at the cap, whatever the header says."""
    bomb = inflating_card(tiny_model_path, tmp_path / "liar.model", 3)
    monkeypatch.setattr(model_archive, "MODEL_MAX_CARD_BYTES", 4 << 20)
    with zipfile.ZipFile(bomb) as archive:
        info = archive.getinfo(CARD_NAME)
        info.file_size = 10  # what a crafted central directory could claim
        with pytest.raises(ModelFileError):
            store.read_member(bomb, archive, CARD_NAME, 1 << 20)


def test_a_terminal_gets_a_page_and_how_to_get_the_rest(tiny_model_path, tmp_path):
    src = tmp_path / "many.txt"
    src.write_text("".join(f"Rupee gains {i}\n" for i in range(5000)), encoding="utf-8")
    started = time.monotonic()
    result = runner.invoke(app, ["predict", str(src), "--model", str(tiny_model_path), "--format", "table"])
    assert result.exit_code == 0, result.output
    shown = sum("Rupee gains" in line for line in result.stdout.splitlines())
    assert 10 <= shown <= 100
    assert (
        "showing the first" in result.stderr
        and "of 5,000 rows" in result.stderr
        and "--output" in result.stderr
    )
    assert time.monotonic() - started < 10


def test_a_short_input_is_shown_whole_without_a_note(tiny_model_path, tmp_path):
    src = tmp_path / "few.txt"
    src.write_text("Rupee gains\nTroops trade fire\n", encoding="utf-8")
    result = runner.invoke(app, ["predict", str(src), "--model", str(tiny_model_path), "--format", "table"])
    assert result.exit_code == 0 and "showing the first" not in result.stderr
    assert "Rupee gains" in result.stdout and "Troops trade fire" in result.stdout
