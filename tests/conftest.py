"""Small fixtures the tests build themselves: a tiny labelled corpus and a model fitted on it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from classifier.config import SEMANTIC_WEIGHT_ON
from classifier.data.corpus import load_corpus
from classifier.model.heads import HeadlineModel, ModelParams
from classifier.workflows import train

ROOT = Path(__file__).resolve().parents[1]
SHARED_DEV = ROOT.parent / "shared" / "dev"

# (headline, topic, tone): invented for the tests, a few per topic across tones.
TINY_CORPUS = [
    ("FO summons envoy over border remarks", "diplomacy", -0.5),
    ("Foreign ministers agree to resume bilateral talks", "diplomacy", 0.5),
    ("Envoy calls on president, discusses trade ties", "diplomacy", 0.0),
    ("Summit ends with landmark accord on water sharing", "diplomacy", 1.0),
    ("Talks collapse as delegations walk out", "diplomacy", -0.5),
    ("UN assembly adopts resolution on refugees", "diplomacy", 0.5),
    ("Ministers sign MoU on visas and consular access", "diplomacy", 0.5),
    ("Ambassador presents credentials to king", "diplomacy", 0.0),
    ("CTD arrests four suspects in Lahore", "security", -0.5),
    ("Blast kills 12 at Peshawar market", "security", -1.0),
    ("Police foil terror plot, seize explosives", "security", 0.5),
    ("Security tightened across Quetta ahead of Ashura", "security", 0.0),
    ("Militants attack checkpoint, three policemen martyred", "security", -1.0),
    ("Hackers leak voter data of millions", "security", -0.5),
    ("Security forces kill five terrorists in IBO", "security", -1.0),
    ("Apex committee reviews law and order", "security", 0.0),
    ("Troops trade fire along LoC", "conflict", -0.5),
    ("Airstrikes kill 40 as war enters third week", "conflict", -1.0),
    ("Drone strikes hit fuel depot near front line", "conflict", -1.0),
    ("Shelling destroys homes in border villages", "conflict", -1.0),
    ("Missiles rain on capital as offensive widens", "conflict", -1.0),
    ("Ceasefire holds on the front for a second day", "conflict", 0.5),
    ("Army retaliates after cross-border raid", "conflict", -0.5),
    ("Analysis: why the war has stalled", "conflict", 0.0),
    ("KSE-100 gains 900 points on IMF optimism", "markets", 0.5),
    ("Rupee slides to record low against dollar", "markets", -0.5),
    ("SBP holds policy rate at 11pc", "markets", 0.0),
    ("Sensex soars to record high as banks rally", "markets", 1.0),
    ("Inflation eases to 4pc in October", "markets", 0.5),
    ("Stocks crash as investors panic", "markets", -1.0),
    ("Budget raises taxes on salaried class", "markets", -0.5),
    ("Exports rise 9pc in first quarter", "markets", 0.5),
    ("PCB names squad for Asia Cup", "other", 0.0),
    ("Heatwave grips Sindh, mercury hits 50", "other", -0.5),
    ("Floods kill 30 in northern districts", "other", -1.0),
    ("Film breaks box office records on opening day", "other", 1.0),
    ("Court adjourns hearing in graft case", "other", 0.0),
    ("Dengue cases rise in Rawalpindi", "other", -0.5),
    ("Students celebrate board exam results", "other", 0.5),
    ("Pakistan win series after thrilling final", "other", 1.0),
]


def write_corpus(path: Path, rows: list[tuple[str, str, float]] = TINY_CORPUS) -> Path:
    """Write rows as a corpus CSV with ids, the way data/headlines.csv is laid out."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "headline", "topic", "tone"])
        for i, (text, topic, tone) in enumerate(rows, start=1):
            writer.writerow([f"t{i:03d}", text, topic, tone])
    return path


@pytest.fixture(scope="session")
def tiny_corpus_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "tiny.csv")


@pytest.fixture(scope="session")
def tiny_model(tiny_corpus_path: Path) -> HeadlineModel:
    # with the semantic view (off by default), so every path the view travels stays tested
    return train(load_corpus(tiny_corpus_path), ModelParams(semantic_weight=SEMANTIC_WEIGHT_ON), holdout=True)


@pytest.fixture(scope="session")
def tiny_model_path(tiny_model: HeadlineModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from classifier.model.files import save_model

    path = tmp_path_factory.mktemp("model") / "tiny.model"
    save_model(tiny_model, path)
    return path


@pytest.fixture(scope="session")
def shipped_model() -> HeadlineModel:
    """A model fitted on the shipped corpus (slow tests only)."""
    return train(load_corpus(ROOT / "data" / "headlines.csv"), ModelParams(), holdout=False)
