"""Saving and loading model files: a zip of a JSON card and a skops payload that runs no code."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import sklearn
import skops.io as sio
from sklearn.pipeline import FeatureUnion

from classifier.config import (
    MODEL_FORMAT_VERSION,
    MODEL_MAX_PAYLOAD_BYTES,
)
from classifier.errors import ModelFileError
from classifier.figures import card_lines, real_dev_summary
from classifier.io.writers import atomic_path
from classifier.model.archive import (
    CARD_NAME,
    RUNTIME_NAME,
    SEMANTIC_NAME,
    _check_file,
    _is_zip,
    _major,
    read_card,
    read_member,
    semantic_view,
)
from classifier.model.estimators import HeadlineVectorizer, ToneRegressor
from classifier.model.heads import HeadlineModel

__all__ = [
    "CARD_NAME",
    "PAYLOAD_NAME",
    "RUNTIME_NAME",
    "SEMANTIC_NAME",
    "TRUSTED_TYPES",
    "card_markdown",
    "card_path",
    "load_model",
    "payload_types",
    "read_card",
    "read_member",
    "save_model",
]

PAYLOAD_NAME = "model.skops"

# The only types a model file may instantiate; anything else in a file is refused before loading.
TRUSTED_TYPES: tuple[str, ...] = (
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "classifier.model.estimators.ToneRegressor",
    "classifier.model.estimators.TopicClassifier",
    "classifier.model.features.LexiconFeatures",
    "classifier.model.tokens.normalise",
    "classifier.model.tokens.word_stems",
    "numpy.dtype",
    "numpy.float32",
    "numpy.float64",
    "numpy.int64",
    "numpy.ndarray",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._ridge.Ridge",
    "sklearn.pipeline.FeatureUnion",
)


def _check_sklearn(path: Path, card: dict) -> None:
    """Refuse a file fitted with another major scikit-learn; warn for another minor version."""
    trained_with = str(card.get("sklearn_version", ""))
    if _major(trained_with) != _major(sklearn.__version__):
        raise ModelFileError(
            f"{path}: made with scikit-learn {trained_with}, incompatible with installed {sklearn.__version__}; retrain it"
        )
    if _minor(trained_with) != _minor(sklearn.__version__):
        warnings.warn(
            f"{path}: made with scikit-learn {trained_with}, installed is {sklearn.__version__}; "
            "predictions may differ slightly, retrain to be sure",
            stacklevel=3,
        )


def _minor(version: str) -> str:
    return ".".join(str(version).split(".")[:2])


def _pack_vocabularies(features: FeatureUnion) -> tuple[FeatureUnion, dict[str, str]]:
    """Copies of the vectorisers without their vocabulary dicts, plus each vocabulary as one string.

    skops writes a dict entry by entry; a 50,000-term vocabulary that way takes seconds to load,
    while one newline-joined string (terms never contain a newline) loads at once.
    """
    packed = copy.copy(features)
    packed.transformer_list = []
    vocabularies = {}
    for name, vectorizer in features.transformer_list:
        vocabularies[name] = "\n".join(vectorizer.get_feature_names_out())
        bare = copy.copy(vectorizer)
        bare.vocabulary_ = {}
        packed.transformer_list.append((name, bare))
    return packed, vocabularies


def _unpack_vocabularies(features: FeatureUnion, vocabularies: dict[str, str]) -> FeatureUnion:
    for name, vectorizer in features.transformer_list:
        terms = vocabularies[name].split("\n")
        vectorizer.vocabulary_ = dict(zip(terms, range(len(terms)), strict=True))
    return features


def _check_fitted_parts(model: HeadlineModel) -> None:
    """Raise ValueError when the loaded parts do not fit together (an edited payload)."""
    calibration = np.asarray(model.tone_head_.calibration_, dtype=np.float64)
    if calibration.ndim != 2 or calibration.shape[0] != 2:
        raise ValueError("tone calibration must be two rows")
    if not isinstance(model.tone_head_, ToneRegressor) or sorted(model.topics_) != sorted(model.topics):
        raise ValueError("the heads do not match")


def card_versions() -> dict:
    """What every card says of how the model was made: format, package, scikit-learn, Python, when."""
    import platform
    from datetime import datetime, timezone

    from classifier import __version__
    from classifier.config import MODEL_FORMAT

    return {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "package_version": __version__,
        "sklearn_version": sklearn.__version__,
        "python_version": platform.python_version(),
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def basic_card(model: HeadlineModel) -> dict:
    """The card of a model fitted in Python rather than by `headlines train`: versions and knobs, no data."""
    return {
        **card_versions(),
        "topics": list(model.topics_),
        "tone": {"label_threshold": model.tone_threshold_},
        "data": {"path": None, "sha256": None, "rows": None, "topic_counts": {}, "tone_counts": {}},
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in model.get_params().items()},
        "metrics": {},
        "intended_use": "Fitted in Python with HeadlineModel.fit; see the project's README.",
        "limitations": "No held-out figures recorded; measure with classifier.evaluate.",
    }


def card_path(model_path: str | Path) -> Path:
    """Where the human-readable card of a model file lives."""
    return Path(model_path).with_suffix(".card.md")


def save_model(model: HeadlineModel, path: str | Path) -> Path:
    """Write the model (with its card inside) atomically, plus a readable card beside; return the card's path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    features, vocabularies = _pack_vocabularies(model.features)
    payload = sio.dumps(
        {
            "features": features,
            "vocabularies": vocabularies,
            "topic_head": model.topic_head,
            "tone_features": model.tone_features,
            "tone_head": model.tone_head,
            "topics": list(model.topics_),
            "tone_threshold": float(model.tone_threshold_),
        }
    )
    card = {**(model.card or basic_card(model)), "payload_sha256": hashlib.sha256(payload).hexdigest()}
    runtime = model.runtime()
    runtime_data = runtime.to_bytes() if runtime is not None else None
    if runtime_data is not None:
        card["runtime_sha256"] = hashlib.sha256(runtime_data).hexdigest()
    if model.semantic is not None:
        card["semantic"] = model.semantic.card()
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(CARD_NAME, json.dumps(card, indent=2, sort_keys=True))
        archive.writestr(PAYLOAD_NAME, payload)
        if runtime_data is not None:
            # stored, not deflated: read at every start of `headlines predict`, inflating costs more than reading
            archive.writestr(RUNTIME_NAME, runtime_data, compress_type=zipfile.ZIP_STORED)
        if model.semantic is not None:
            archive.writestr(SEMANTIC_NAME, model.semantic.table.data, compress_type=zipfile.ZIP_STORED)
    with atomic_path(card_path(path)) as tmp:
        tmp.write_text(card_markdown(card), encoding="utf-8")
    return card_path(path)


def card_markdown(card: dict) -> str:
    """A human-readable model card, written beside each model file."""
    data = card["data"]
    lines = [
        "# Model card: headlines classifier",
        "",
        f"- Created (UTC): {card['created_utc']}",
        f"- Package {card['package_version']}, scikit-learn {card['sklearn_version']}, Python {card['python_version']}",
        f"- Training data: `{data['path']}`, {data['rows']} rows, sha256 `{data['sha256']}`"
        if data.get("path")
        else "- Training data: fitted in Python (HeadlineModel.fit); no file recorded",
        f"- Topic counts: {json.dumps(data['topic_counts'])}",
        f"- Tone counts: {json.dumps(data['tone_counts'])}",
        f"- Parameters: {json.dumps(card['params'])}",
        *([f"- Semantic view: {json.dumps(card['semantic'])}"] if card.get("semantic") else []),
        "",
        "## Intended use",
        card["intended_use"],
        "",
        "## Limitations",
        card["limitations"],
        "",
        "## Held-out figures",
    ]
    lines += card_lines(card.get("metrics", {}).get("heldout", {}))
    real = card.get("metrics", {}).get("real_dev")
    if real:
        lines += ["", "## Real headlines (development split, labelled blind, never used for fitting)",
                  f"- `{real['data']['path']}`", f"- {real_dev_summary(real).strip()}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def payload_types(path: Path, payload: bytes) -> set[str]:
    """Every type a skops payload would create, read from its schema without loading anything.

    The payload is itself a zip: every member must declare a size within the limit, so that
    loading it cannot inflate without bound either.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as inner:
            declared = sum(info.file_size for info in inner.infolist())
            if declared > MODEL_MAX_PAYLOAD_BYTES:
                raise ModelFileError(f"{path}: refused: the model payload would inflate to {declared:,} bytes "
                                     f"(at most {MODEL_MAX_PAYLOAD_BYTES:,})")  # fmt: skip
            schema = json.loads(read_member(path, inner, "schema.json", MODEL_MAX_PAYLOAD_BYTES))
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{path}: damaged model payload ({type(exc).__name__})") from None
    found: set[str] = set()
    stack: list[object] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__class__" in node:
                found.add(f"{node.get('__module__')}.{node['__class__']}")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _load_pickle(path: Path) -> HeadlineModel:
    import joblib

    warnings.warn(
        f"{path}: loading a pickle/joblib model file runs any code inside it; do this only for files you trust",
        stacklevel=3,
    )
    try:
        model = joblib.load(path)
    except Exception as exc:  # noqa: BLE001 (unpickling raises anything)
        raise ModelFileError(f"{path}: could not be unpickled ({type(exc).__name__}: {exc})") from None
    if not isinstance(model, HeadlineModel):
        raise ModelFileError(f"{path}: the pickle holds a {type(model).__name__}, not a headlines model")
    return model


def _check_payload(path: Path, card: dict, payload: bytes) -> None:
    expected = card.get("payload_sha256")
    if expected is not None and hashlib.sha256(payload).hexdigest() != expected:
        raise ModelFileError(
            f"{path}: the model payload does not match its card (edited or damaged); retrain it"
        )


def load_model(path: str | Path, allow_pickle: bool = False) -> HeadlineModel:
    """Load a model file, refusing any type outside TRUSTED_TYPES so loading runs no foreign code.

    allow_pickle: also accept a plain joblib/pickle file holding a HeadlineModel, with a warning
    (unpickling can run arbitrary code; never the default).
    """
    path = Path(path)
    _check_file(path)
    if allow_pickle and not _is_zip(path):
        return _load_pickle(path)
    card = read_card(path)
    _check_sklearn(path, card)
    try:
        with zipfile.ZipFile(path) as archive:
            payload = read_member(path, archive, PAYLOAD_NAME, MODEL_MAX_PAYLOAD_BYTES)
            _check_payload(path, card, payload)
            semantic = semantic_view(path, archive, card)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelFileError(f"{path}: damaged model file ({exc})") from None
    found = payload_types(path, payload)
    untrusted = found - set(TRUSTED_TYPES)
    if untrusted:
        raise ModelFileError(
            f"{path}: refused: the file asks for types this package does not trust: {', '.join(sorted(untrusted))}"
        )
    try:
        parts = sio.loads(payload, trusted=sorted(found))
    except Exception as exc:  # noqa: BLE001 (skops raises many types on a corrupt payload)
        raise ModelFileError(f"{path}: damaged model payload ({type(exc).__name__}: {exc})") from None
    try:
        names = set(HeadlineModel._get_param_names())
        params = {
            k: tuple(v) if isinstance(v, list) else v for k, v in card.get("params", {}).items() if k in names
        }
        model = HeadlineModel(**params)
        vectorizer = HeadlineVectorizer(model.word_ngrams, model.subwords, model.char_ngrams, model.min_df,
                                        model.semantic_weight, model.semantic_table)  # fmt: skip
        vectorizer.union_ = _unpack_vocabularies(parts["features"], parts["vocabularies"])
        vectorizer.semantic_ = semantic
        model.vectorizer_, model.topic_head_, model.lexicon_ = (
            vectorizer,
            parts["topic_head"],
            parts["tone_features"],
        )
        model.tone_head_, model.classes_ = parts["tone_head"], parts["topic_head"].classes_
        model.topics_, model.tone_threshold_ = tuple(parts["topics"]), float(parts["tone_threshold"])
        model.card = card
        _check_fitted_parts(model)
        return model
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ModelFileError(f"{path}: model payload lacks its parts") from None
