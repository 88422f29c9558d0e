"""Model files: round trip, atomic write, and clear refusals of anything not ours."""

from __future__ import annotations

import hashlib
import json
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from classifier.errors import ModelFileError
from classifier.model.files import (
    CARD_NAME,
    PAYLOAD_NAME,
    SEMANTIC_NAME,
    card_path,
    load_model,
    read_card,
    save_model,
)
from classifier.model.heads import predict_texts

TEXTS = ["Rupee slides against dollar", "Troops trade fire", "", "PCB names squad"]
pytestmark = pytest.mark.filterwarnings("ignore:1 blank headline")


def test_round_trip_gives_identical_predictions(tiny_model, tmp_path):
    path = tmp_path / "m" / "model.model"
    written_card = save_model(tiny_model, path)
    loaded = load_model(path)
    pd.testing.assert_frame_equal(predict_texts(tiny_model, TEXTS), predict_texts(loaded, TEXTS))
    assert {
        k: v for k, v in loaded.card.items() if k not in ("payload_sha256", "runtime_sha256")
    } == tiny_model.card
    assert len(loaded.card["payload_sha256"]) == 64
    assert written_card == card_path(path) and "Held-out figures" in written_card.read_text()
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def rewrite(src, dst, card=None, payload=None, semantic=None):
    """Copy a model file, replacing its card, payload or semantic table; other members stay."""
    with zipfile.ZipFile(src) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    original_card = json.loads(members[CARD_NAME])
    card = dict(card if card is not None else original_card)
    if payload is not None:  # a crafted file would carry a matching hash; make the type check do the work
        card["payload_sha256"] = hashlib.sha256(payload).hexdigest()
        members[PAYLOAD_NAME] = payload
    if semantic is not None:
        members[SEMANTIC_NAME] = semantic
    members[CARD_NAME] = json.dumps(card).encode()
    with zipfile.ZipFile(dst, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return original_card


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="no model file here"):
        load_model(tmp_path / "none.model")


def test_truncated_file(tiny_model_path, tmp_path):
    cut = tmp_path / "cut.model"
    cut.write_bytes(tiny_model_path.read_bytes()[:2000])
    with pytest.raises(ModelFileError, match=str(cut)):
        load_model(cut)


def test_foreign_files(tmp_path):
    text = tmp_path / "notes.model"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(ModelFileError, match="not a headlines model file"):
        load_model(text)
    other_zip = tmp_path / "other.model"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "hi")
    with pytest.raises(ModelFileError, match="no card.json"):
        load_model(other_zip)


def test_card_from_another_project_or_version(tiny_model_path, tmp_path):
    card = json.loads(zipfile.ZipFile(tiny_model_path).read(CARD_NAME))
    foreign = tmp_path / "foreign.model"
    rewrite(tiny_model_path, foreign, card={**card, "format": "someone-elses-model"})
    with pytest.raises(ModelFileError, match="not a headlines model file"):
        read_card(foreign)
    future = tmp_path / "future.model"
    rewrite(tiny_model_path, future, card={**card, "format_version": "9.0"})
    with pytest.raises(ModelFileError, match="model format 9.0 cannot be read"):
        load_model(future)
    old_sklearn = tmp_path / "old.model"
    rewrite(tiny_model_path, old_sklearn, card={**card, "sklearn_version": "0.24.2"})
    with pytest.raises(ModelFileError, match="scikit-learn 0.24.2, incompatible"):
        load_model(old_sklearn)


def test_other_sklearn_minor_version_warns(tiny_model_path, tmp_path):
    card = json.loads(zipfile.ZipFile(tiny_model_path).read(CARD_NAME))
    major = card["sklearn_version"].split(".")[0]
    other = tmp_path / "minor.model"
    rewrite(tiny_model_path, other, card={**card, "sklearn_version": f"{major}.0.0"})
    with pytest.warns(UserWarning, match="predictions may differ slightly"):
        load_model(other)


class _Payload:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (str(self.target), "w"))


def test_pickle_payload_is_refused_and_never_runs(tiny_model_path, tmp_path):
    marker = tmp_path / "pwned.txt"
    evil = tmp_path / "evil.model"
    rewrite(tiny_model_path, evil, payload=pickle.dumps({"features": _Payload(marker)}))
    with pytest.raises(ModelFileError):
        load_model(evil)
    assert not marker.exists()


def test_skops_payload_with_untrusted_type_is_refused(tiny_model_path, tmp_path):
    from sklearn.tree import DecisionTreeClassifier

    payload = sio.dumps({"features": DecisionTreeClassifier(), "topic_head": None, "tone_head": None})
    odd = tmp_path / "odd.model"
    rewrite(tiny_model_path, odd, payload=payload)
    with pytest.raises(ModelFileError, match="DecisionTreeClassifier"):
        load_model(odd)


def test_the_semantic_table_travels_inside_the_model_file(tiny_model, tiny_model_path):
    loaded = load_model(tiny_model_path)
    assert loaded.semantic is not None
    assert loaded.semantic.table.sha256 == tiny_model.semantic.table.sha256
    assert loaded.card["semantic"]["sha256"] == loaded.semantic.table.sha256
    assert loaded.card["semantic"]["license"] == "Apache-2.0"
    np.testing.assert_allclose(
        loaded.semantic.transform(["Rupee gains"]), tiny_model.semantic.transform(["Rupee gains"])
    )


def test_an_edited_semantic_table_is_refused(tiny_model_path, tmp_path):
    with zipfile.ZipFile(tiny_model_path) as archive:
        table = bytearray(archive.read(SEMANTIC_NAME))
    table[len(table) // 2] ^= 0xFF
    edited = tmp_path / "edited.model"
    rewrite(tiny_model_path, edited, semantic=bytes(table))
    with pytest.raises(ModelFileError, match="semantic vector table does not match its card"):
        load_model(edited)


def test_the_semantic_table_is_read_with_a_size_cap(tiny_model_path, monkeypatch):
    from classifier.model import archive

    monkeypatch.setattr(archive, "MODEL_MAX_SEMANTIC_BYTES", 1000)  # the table is a few MB
    with pytest.raises(ModelFileError, match=f"refused: {SEMANTIC_NAME} would inflate to"):
        load_model(tiny_model_path)


def test_a_semantic_table_whose_arrays_would_inflate_past_the_cap_is_refused(tiny_model_path, tmp_path):
    import io

    from classifier.config import MODEL_MAX_SEMANTIC_BYTES

    buffer = io.BytesIO()  # an .npz whose one array is zeros: tiny compressed, huge inflated
    block = bytes(1 << 20)
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as npz,
        npz.open("vectors.npy", "w", force_zip64=True) as member,
    ):
        for _ in range(MODEL_MAX_SEMANTIC_BYTES // len(block) + 1):
            member.write(block)
    bomb = buffer.getvalue()
    card = json.loads(zipfile.ZipFile(tiny_model_path).read(CARD_NAME))
    card["semantic"] = {**card["semantic"], "sha256": hashlib.sha256(bomb).hexdigest()}
    crafted = tmp_path / "bomb.model"
    rewrite(tiny_model_path, crafted, card=card, semantic=bomb)
    with pytest.raises(ModelFileError, match="semantic vector table would inflate to"):
        load_model(crafted)
