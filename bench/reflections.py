"""Calibrate the 心得 near-copy threshold on the labelled set tests/data/reflections.tsv.

    .venv/bin/python bench/reflections.py

Each labelled pair is (source, candidate, copy|original); every candidate is also compared with
the sources of the other topics (unrelated texts: original). Prints the 3-gram overlap of each
labelled pair, the widest gap between the originals and the copies, and the errors of each
threshold; bot/points/reflections.THRESHOLD should sit inside the gap.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import SHIPPED_CONTENT  # noqa: E402
from bot.points.reflections import THRESHOLD, grams, overlap  # noqa: E402
from bot.study import StudyLibrary  # noqa: E402

DATA = ROOT / "tests" / "data" / "reflections.tsv"


def load_pairs() -> list[tuple[str, str, str]]:
    """(label, source text, candidate) of the labelled set; study:<id> sources resolved."""
    study = StudyLibrary.load([SHIPPED_CONTENT])
    out = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, source, candidate = line.split("\t")
        if source.startswith("study:"):
            item = study.get(source[len("study:") :])
            assert item is not None, source
            source = item.title + item.body
        out.append((label, source, candidate))
    return out


def scores() -> list[tuple[str, float, str]]:
    """(label, overlap, candidate) for the labelled pairs and the unrelated ones."""
    pairs = load_pairs()
    out = [(label, overlap(grams(c), grams(s)), c) for label, s, c in pairs]
    sources = sorted({s for _, s, _ in pairs})
    for _, own, candidate in pairs:
        for other in sources:
            if other != own:
                out.append(("unrelated", overlap(grams(candidate), grams(other)), candidate))
    return out


def main() -> None:
    rows = scores()
    copies = sorted(s for label, s, _ in rows if label == "copy")
    originals = sorted(s for label, s, _ in rows if label != "copy")
    labelled = [(label, s, c) for label, s, c in rows if label != "unrelated"]
    print(f"{len(labelled)} labelled pairs, {len(rows) - len(labelled)} unrelated pairs")
    for label, s, c in sorted(labelled, key=lambda r: r[1]):
        print(f"  {s:5.2f}  {label:8s} {c[:28]}…")
    low, high = max(originals), min(copies)
    print(f"highest original {low:.2f}, lowest copy {high:.2f}: gap {high - low:.2f}")
    print("threshold  copies missed  originals refused")
    for t in [x / 20 for x in range(2, 19)]:
        missed = sum(1 for s in copies if s < t)
        refused = sum(1 for s in originals if s >= t)
        mark = "  <- THRESHOLD" if abs(t - THRESHOLD) < 1e-9 else ""
        print(f"  {t:4.2f}     {missed:3d}            {refused:3d}{mark}")
    missed = sum(1 for s in copies if s < THRESHOLD)
    refused = sum(1 for s in originals if s >= THRESHOLD)
    print(f"THRESHOLD {THRESHOLD}: {missed} copies missed, {refused} originals refused")


if __name__ == "__main__":
    main()
