"""Reading a model file safely without scikit-learn: its card, its members, the prediction runtime.

A model file is a zip of a JSON card, plain-array members (the prediction runtime, the semantic
vector table) and a skops payload of the fitted estimators. Everything here reads with no code
execution and needs only numpy: what `headlines predict` loads. Each member is checked against
the sha256 its card records, and size caps bound what a member may inflate to.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path

from classifier.config import (
    MODEL_FORMAT,
    MODEL_FORMAT_VERSION,
    MODEL_MAX_CARD_BYTES,
    MODEL_MAX_PAYLOAD_BYTES,
    MODEL_MAX_SEMANTIC_BYTES,
)
from classifier.errors import ModelFileError
from classifier.model.runtime import Runtime
from classifier.model.semantic import SemanticView, load_table

__all__ = [
    "CARD_NAME",
    "CARRIED_SEMANTIC",
    "RUNTIME_NAME",
    "SEMANTIC_NAME",
    "load_predictor",
    "load_runtime",
    "read_card",
    "read_member",
]

CARD_NAME = "card.json"
RUNTIME_NAME = "runtime.npz"  # the prediction part: plain arrays, no pickle
SEMANTIC_NAME = "semantic.npz"  # the semantic view's vector table: plain arrays, no pickle
CARRIED_SEMANTIC = "semantic_vectors.npy"  # in the runtime: its own stored copy of that table's arrays


def _major(version: str) -> str:
    return str(version).split(".")[0]


def _check_file(path: Path) -> None:
    if not path.exists():
        raise ModelFileError(f"{path}: no model file here; train one with `make train` or pass --model")
    if path.is_dir():
        raise ModelFileError(f"{path}: is a folder; --model needs a model file")
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc.strerror})") from None


def read_member(path: Path, archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """One member of a zip, refused if it declares, or turns out to inflate to, more than `limit` bytes."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ModelFileError(f"{path}: not a headlines model file (no {name})") from None
    if info.file_size > limit:
        raise ModelFileError(f"{path}: refused: {name} would inflate to {info.file_size:,} bytes "
                             f"(at most {limit:,})")  # fmt: skip
    try:
        with archive.open(info) as member:
            data = member.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise ModelFileError(f"{path}: damaged model file ({name}: {exc or type(exc).__name__})") from None
    if len(data) > limit:
        raise ModelFileError(f"{path}: refused: {name} inflates to more than {limit:,} bytes")
    return data


def read_card(path: str | Path) -> dict:
    """Read and check a model file's card without loading the model."""
    path = Path(path)
    _check_file(path)
    try:
        is_zip = _is_zip(path)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc.strerror})") from None
    if not is_zip:
        hint = (
            "; it looks like a pickle or joblib file, which can run code when loaded: pass --allow-pickle only if you trust it"
            if _looks_pickled(path)
            else ""
        )
        raise ModelFileError(
            f"{path}: not a headlines model file (not a zip archive; truncated or foreign){hint}"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            raw = read_member(path, archive, CARD_NAME, MODEL_MAX_CARD_BYTES)
        card = json.loads(raw)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelFileError(f"{path}: damaged model file ({exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise ModelFileError(f"{path}: damaged model file ({CARD_NAME} is not valid JSON)") from None
    _check_card(path, card)
    return card


def _check_card(path: Path, card: dict) -> None:
    if not isinstance(card, dict):
        raise ModelFileError(f"{path}: not a headlines model file ({CARD_NAME} holds a {type(card).__name__}, "
                             "not an object)")  # fmt: skip
    if card.get("format") != MODEL_FORMAT:
        raise ModelFileError(f"{path}: not a headlines model file (card format {card.get('format')!r})")
    version = str(card.get("format_version", ""))
    if _major(version) != _major(MODEL_FORMAT_VERSION):
        raise ModelFileError(
            f"{path}: model format {version} cannot be read by this version (reads {MODEL_FORMAT_VERSION}); retrain it"
        )


def _is_zip(path: Path) -> bool:
    # A zip archive starts with a local file header. zipfile.is_zipfile alone looks for the
    # archive's directory anywhere, and a pickle holding a model holds the zipped vector table.
    with open(path, "rb") as fh:
        return fh.read(4) == b"PK\x03\x04" and zipfile.is_zipfile(path)


def _looks_pickled(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(2)
    # pickle protocol 2+ starts with 0x80; joblib's compressed files with zlib, gzip, bz2, xz or lz4 magic
    return head[:1] == b"\x80" or head in (
        b"x\x9c",
        b"x\x01",
        b"x\xda",
        b"\x1f\x8b",
        b"BZ",
        b"\xfd7",
        b"\x04\x22",
    )


def semantic_view(path: Path, archive: zipfile.ZipFile, card: dict) -> SemanticView | None:
    """The semantic view stored in a model file, after checking its table against the card."""
    expected = card.get("semantic")
    if expected is None and SEMANTIC_NAME not in archive.namelist():
        return None
    if not isinstance(expected, dict) or SEMANTIC_NAME not in archive.namelist():
        raise ModelFileError(
            f"{path}: damaged model file (the semantic view's table or its card entry is missing)"
        )
    data = read_member(path, archive, SEMANTIC_NAME, MODEL_MAX_SEMANTIC_BYTES)
    if hashlib.sha256(data).hexdigest() != expected.get("sha256"):
        raise ModelFileError(
            f"{path}: the semantic vector table does not match its card (edited or damaged); retrain it"
        )
    _check_inflation(path, data, MODEL_MAX_SEMANTIC_BYTES, "the semantic vector table")
    try:
        return SemanticView(load_table(data), float(expected["weight"]))
    except (ValueError, KeyError, TypeError, OSError, zipfile.BadZipFile) as exc:
        raise ModelFileError(f"{path}: damaged semantic vector table ({exc})") from None


def load_runtime(path: str | Path) -> Runtime:
    """The prediction part of a model file, checked against its card, with no code execution.

    Raises ModelFileError for a missing, foreign, truncated, edited or other-version file, as
    loading the whole model does.
    """
    path = Path(path)
    card = read_card(path)
    try:
        with zipfile.ZipFile(path) as archive:
            if RUNTIME_NAME not in archive.namelist() or "runtime_sha256" not in card:
                raise ModelFileError(f"{path}: damaged model file (no prediction runtime)")
            data = read_member(path, archive, RUNTIME_NAME, MODEL_MAX_PAYLOAD_BYTES)
            if hashlib.sha256(data).hexdigest() != card["runtime_sha256"]:
                raise ModelFileError(
                    f"{path}: the prediction runtime does not match its card (edited or damaged); retrain it"
                )
            names = _check_inflation(path, data, MODEL_MAX_PAYLOAD_BYTES, "the prediction runtime")
            # a runtime written by this version carries the semantic table's arrays itself, stored plain
            semantic = None if CARRIED_SEMANTIC in names else semantic_view(path, archive, card)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelFileError(f"{path}: damaged model file ({exc})") from None
    try:
        runtime = Runtime.from_bytes(data, semantic)
        runtime.card = card
    except (ValueError, KeyError, TypeError, OSError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: damaged prediction runtime ({exc})") from None
    carried = runtime.semantic if semantic is None else None
    expected = card.get("semantic")
    if carried is not None and (not isinstance(expected, dict) or expected.get("sha256") != carried.table.sha256
                                or expected.get("weight") != carried.weight):  # fmt: skip
        raise ModelFileError(
            f"{path}: damaged model file (the runtime's semantic table differs from the card's)"
        )
    return runtime


def _check_inflation(path: Path, data: bytes, limit: int, what: str) -> set[str]:
    """Refuse an .npz member whose own members declare more than `limit` bytes in all; return their names."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            infos = inner.infolist()
    except zipfile.BadZipFile as exc:
        raise ModelFileError(f"{path}: damaged model file ({what}: {exc})") from None
    declared = sum(info.file_size for info in infos)
    if declared > limit:
        raise ModelFileError(
            f"{path}: refused: {what} would inflate to {declared:,} bytes (at most {limit:,})"
        )
    return {info.filename for info in infos}


def load_predictor(path: str | Path, allow_pickle: bool = False, explain: int = 0):
    """What predicting needs from a model file: its runtime, or the whole model for reasons.

    The runtime loads without scikit-learn; a file without one (character n-gram views), a
    request for reasons (`explain`) or a pickle (`allow_pickle`) loads the whole model.
    """
    path = Path(path)
    _check_file(path)
    whole = bool(explain) or (allow_pickle and not _is_zip(path)) or "runtime_sha256" not in read_card(path)
    if whole:
        from classifier.model.files import load_model

        return load_model(path, allow_pickle=allow_pickle)
    return load_runtime(path)


@lru_cache(maxsize=2)
def load_predictor_cached(path: str, allow_pickle: bool = False, explain: int = 0):
    """`load_predictor`, remembered per path: a worker process loads a file once and reuses it."""
    return load_predictor(path, allow_pickle=allow_pickle, explain=explain)
