"""Shared fixtures: a deterministic synthetic engine, the sample data, the CLI."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import List, Optional

import pytest

import smartmatch as sm

HERE = Path(__file__).resolve().parent
REPO = Path(os.environ.get("SM_SOURCE_ROOT") or HERE.parent.parent.parent)
SAMPLE_CSV = REPO / "examples" / "data" / "cadses_smes.csv"

COUNTRIES = ["SI", "AT", "HR", "IT", "HU", "DE", "CZ", "SK", "RO", "BG"]
TAGS = ["cnc machining", "export distribution", "logistics", "software development", "food processing",
        "packaging", "wood processing", "tourism services", "marketing", "certification", "welding",
        "3d printing", "organic farming", "wine", "textiles", "electronics assembly", "consulting",
        "translation", "engineering", "solar installation"]
COOPERATION = ["joint_venture", "subcontracting", "distribution", "licensing", "rnd", "training",
               "supply", "services"]
LANGUAGES = ["sl", "de", "hr", "it", "hu", "en", "cs", "sk", "ro", "bg"]


def make_smes(eng: sm.Engine, n: int = 80, seed: int = 42) -> List[sm.SME]:
    """n random but reproducible SMEs over level-3 regions of CADSES countries."""
    rnd = random.Random(seed)
    regions = sorted(r.code for r in eng.regions.records() if r.level == 3 and r.country in COUNTRIES)
    classes = sorted(s.code for s in eng.sectors.records() if s.level == 4)
    classes = [c for c in classes if c[:2] in {"10", "11", "13", "16", "22", "25", "26", "28", "46", "49",
                                                "55", "62", "70", "71", "72", "01", "35", "43"}]
    smes = []
    for i in range(n):
        region = rnd.choice(regions)
        smes.append(sm.SME(
            id=f"{region[:2]}-{i:04d}",
            name=f"Company {i}",
            region=region,
            sectors=rnd.sample(classes, rnd.randint(1, 3)),
            size=rnd.choice(["micro", "small", "medium"]),
            founded=rnd.randint(1950, 2023) if rnd.random() < 0.8 else None,
            offers=rnd.sample(TAGS, rnd.randint(1, 4)),
            needs=rnd.sample(TAGS, rnd.randint(1, 4)),
            cooperation=rnd.sample(COOPERATION, rnd.randint(1, 3)),
            languages=sorted({"en", rnd.choice(LANGUAGES)}),
        ))
    return smes


@pytest.fixture
def engine():
    """A fresh engine with the built-in taxonomies and 80 synthetic SMEs."""
    with sm.Engine() as eng:
        eng.add_smes(make_smes(eng))
        yield eng


@pytest.fixture
def empty_engine():
    with sm.Engine() as eng:
        yield eng


@pytest.fixture
def ids(engine) -> List[str]:
    return sorted(engine.ids())


def csv_supported() -> bool:
    return sm.format_supported("csv")


@pytest.fixture(scope="session")
def sample_csv() -> Path:
    if not csv_supported():
        pytest.skip("library built without CSV support")
    if not SAMPLE_CSV.is_file():
        pytest.skip(f"sample data {SAMPLE_CSV} absent")
    return SAMPLE_CSV


def find_cli() -> Optional[Path]:
    """The CLI named by meson (SMARTMATCH_CLI), else the one built next to the
    library under test (<build>/examples/smartmatch)."""
    candidates = []
    if os.environ.get("SMARTMATCH_CLI"):
        candidates.append(Path(os.environ["SMARTMATCH_CLI"]))
    libdir = Path(sm.library_path).resolve().parent if os.path.sep in sm.library_path else None
    if libdir is not None:
        candidates.append(libdir.parent / "examples" / "smartmatch")
    if os.environ.get("SM_BUILD_ROOT"):
        candidates.append(Path(os.environ["SM_BUILD_ROOT"]) / "examples" / "smartmatch")
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    return None
