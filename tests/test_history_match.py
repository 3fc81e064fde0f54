"""Matching circles and groups of two periods by member overlap (graphrisk.history._match).

docs/compare.md: "a previous set P and a current set C are linked when they share a
member; each connected piece is one change: one P and no C dissolved, no P and one C
formed; one P and one C with Jaccard |P ∩ C| / |P ∪ C| >= 0.5 the same set (unchanged,
grown, shrunk or changed), below it unrelated (P dissolved, C formed); one P and
several C split; several P and one C merged; several of both regrouped."
"""

from __future__ import annotations

import itertools
import random

import numpy as np

from graphrisk.history._match import CHANGES, match_sets


def _flat(sets: list[set[str]]) -> tuple[np.ndarray, np.ndarray]:
    ids = [m for s in sets for m in sorted(s)]
    labels = [k for k, s in enumerate(sets) for _ in s]
    return np.array(ids, dtype=object), np.array(labels, dtype=np.int64)


def _match(prev: list[set[str]], cur: list[set[str]], threshold: float = 0.5):
    m = match_sets(*_flat(prev), *_flat(cur), threshold=threshold)
    return sorted(zip(m.kind, m.previous, m.current, strict=True))


def test_each_kind_of_change():
    prev = [{"A", "B"}, {"C", "D", "E"}, {"F", "G"}, {"H", "I"}, {"J", "K", "L", "M"},
            {"N", "O"}, {"P", "Q"}, {"R", "S"}, {"T", "U"}, {"V", "W"}]
    cur = [{"A", "B"},            # 0: P0 unchanged
           {"C", "D", "E", "X"},  # 1: P1 grown (3/4)
           {"F", "G2"},           # 2: 1/3 < 0.5: P2 dissolved, C2 formed
           {"J", "K"}, {"L", "M"},  # 3, 4: P4 split
           {"N", "O", "P", "Q"},  # 5: P5 + P6 merged
           {"R", "T"}, {"S", "U"},  # 6, 7: P7, P8 regrouped
           {"V", "Y"},            # 8: 1/3 again: P9 dissolved, C8 formed
           {"Z1", "Z2"}]          # 9: formed
    got = _match(prev, cur)
    assert ("unchanged", [0], [0]) in got
    assert ("grown", [1], [1]) in got
    assert ("dissolved", [2], []) in got and ("formed", [], [2]) in got
    assert ("dissolved", [3], []) in got  # H, I: gone
    assert ("split", [4], [3, 4]) in got
    assert ("merged", [5, 6], [5]) in got
    assert ("regrouped", [7, 8], [6, 7]) in got
    assert ("dissolved", [9], []) in got and ("formed", [], [8]) in got
    assert ("formed", [], [9]) in got
    assert len(got) == 11


def test_shrunk_and_changed_at_the_threshold():
    # {A,B,C,D} -> {A,B}: Jaccard 2/4 = 0.5 reaches the threshold: the same circle, shrunk
    assert _match([{"A", "B", "C", "D"}], [{"A", "B"}]) == [("shrunk", [0], [0])]
    # {A,B,C} -> {A,B,D}: 2/4, as many members, not the same ones: changed
    assert _match([{"A", "B", "C"}], [{"A", "B", "D"}]) == [("changed", [0], [0])]
    # a stricter threshold makes them unrelated
    assert _match([{"A", "B", "C"}], [{"A", "B", "D"}], threshold=0.6) == [
        ("dissolved", [0], []), ("formed", [], [0])]


def test_overlap_is_the_jaccard_of_the_unions():
    m = match_sets(*_flat([{"A", "B", "C"}]), *_flat([{"A", "B"}, {"C", "D"}]))
    assert m.kind == ["split"] and m.overlap == [3 / 4]


def test_empty_periods():
    none = (np.array([], dtype=object), np.array([], dtype=np.int64))
    m = match_sets(*none, *none)
    assert m.kind == []
    assert _match([], [{"A", "B"}]) == [("formed", [], [0])]
    assert _match([{"A", "B"}], []) == [("dissolved", [0], [])]


def _reference(prev: list[set[str]], cur: list[set[str]], threshold: float):
    """The rule read literally, on Python sets (quadratic)."""
    nodes = [("p", i) for i in range(len(prev))] + [("c", j) for j in range(len(cur))]
    parent = {n: n for n in nodes}

    def find(n):
        while parent[n] != n:
            n = parent[n]
        return n

    for i, j in itertools.product(range(len(prev)), range(len(cur))):
        if prev[i] & cur[j]:
            parent[find(("p", i))] = find(("c", j))
    comps: dict = {}
    for n in nodes:
        comps.setdefault(find(n), []).append(n)
    out = []
    for members in comps.values():
        ps = sorted(i for s, i in members if s == "p")
        cs = sorted(j for s, j in members if s == "c")
        if len(ps) == 1 and len(cs) == 1:
            a, b = prev[ps[0]], cur[cs[0]]
            if len(a & b) / len(a | b) < threshold:
                out += [("dissolved", ps, []), ("formed", [], cs)]
            elif a == b:
                out.append(("unchanged", ps, cs))
            else:
                out.append(("grown" if len(b) > len(a) else "shrunk" if len(b) < len(a)
                            else "changed", ps, cs))
        elif not cs:
            out.append(("dissolved", ps, cs))
        elif not ps:
            out.append(("formed", ps, cs))
        else:
            out.append(("split" if len(ps) == 1 else "merged" if len(cs) == 1 else "regrouped",
                        ps, cs))
    return sorted(out)


def _partition(rng: random.Random, universe: list[str]) -> list[set[str]]:
    members = [m for m in universe if rng.random() < 0.6]
    rng.shuffle(members)
    sets, i = [], 0
    while i < len(members) - 1:
        size = rng.randint(2, 5)
        sets.append(set(members[i:i + size]))
        i += size
    return [s for s in sets if len(s) >= 2]


def test_against_the_reference_on_random_partitions():
    rng = random.Random(16)
    universe = [f"E{i}" for i in range(40)]
    for _ in range(200):
        prev, cur = _partition(rng, universe), _partition(rng, universe)
        threshold = rng.choice([0.3, 0.5, 0.8])
        assert _match(prev, cur, threshold) == _reference(prev, cur, threshold)


def test_every_kind_has_a_chinese_label():
    assert set(CHANGES) == {"formed", "dissolved", "unchanged", "grown", "shrunk", "changed",
                            "split", "merged", "regrouped"}
