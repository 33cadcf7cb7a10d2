"""The 心得 near-copy measure: the threshold separates the labelled set, and fingerprints find
the earlier 心得 a text copies."""

from __future__ import annotations

from bench.reflections import load_pairs, scores
from bot.points import reflections
from bot.services import Services
from storage import reflections as store_reflections


def test_the_threshold_separates_the_labelled_set() -> None:
    rows = scores()
    copies = [s for label, s, _ in rows if label == "copy"]
    originals = [s for label, s, _ in rows if label != "copy"]
    assert len(copies) >= 10 and len([r for r in rows if r[0] == "original"]) >= 10
    assert all(s >= reflections.THRESHOLD for s in copies)
    assert all(s < reflections.THRESHOLD for s in originals)
    # Not at an edge of the gap: a little more or less editing doesn't flip the verdict.
    assert min(copies) - reflections.THRESHOLD >= 0.1
    assert reflections.THRESHOLD - max(originals) >= 0.1


def test_letters_ignore_punctuation_width_and_script() -> None:
    assert reflections.letters("學習　三會一課！ＡＢ１") == "学习三会一课ab1"
    assert reflections.grams("三会一课") == {"三会一", "会一课"}


def test_fingerprints_find_the_copied_text_among_many(services: Services) -> None:
    store = services.store
    pairs = load_pairs()
    sources = sorted({s for _, s, _ in pairs if not s.startswith("study")})
    for n, text in enumerate(sources * 20):  # 20 x every source, by many members
        reflections.record(store, 1 + n % 20, "2026-11-01", text, "t")
    label, source, copy = next(p for p in pairs if p[0] == "copy" and p[1] in sources)
    found = store_reflections.similar(
        store, reflections.prints(reflections.grams(copy)), reflections.CANDIDATES
    )
    assert len(found) == reflections.CANDIDATES
    assert found[0]["text"] == source  # the source shares the most fingerprints
    verdict = reflections.check(store, 3, copy)
    assert (verdict.ok, verdict.reason) == (False, "other")


def test_older_reflections_get_their_fingerprints_at_start(services: Services) -> None:
    store = services.store
    text = load_pairs()[0][1]
    store.execute(
        "INSERT INTO reflections (member_id, day, text, at) VALUES (4, '2026-11-30', :t, 't')",
        {"t": text},
    )
    assert reflections.check(store, 3, text).ok  # no fingerprints yet: not found
    from bot.services import _fill_reflection_prints

    _fill_reflection_prints(store)
    assert reflections.check(store, 3, text).reason == "other"
