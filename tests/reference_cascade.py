"""A straightforward dict-based implementation of the SPEC §6 cascade.

Written independently of :mod:`graphrisk.contagion` as a reference: it follows the
wording of the specification literally (loan by loan, guarantee by guarantee,
tracking the remaining amount of each general guarantee across the loans of a
borrower) and is slow on purpose.  The tests compare the vectorised cascade with it;
``bench/bench_contagion.py`` times it.  Also builds small :class:`Network` objects
without going through CSV files.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from graphrisk.network.graph import Network

KIND = {"E": 0, "P": 1, "B": 2}


def make_network(entities, loans, guarantees) -> Network:
    """``entities``: ids whose first letter gives the kind (E enterprise, P person,
    B institution); ``loans``: (id, borrower, lender, balance); ``guarantees``: (id,
    guarantor, borrower, amount, loan id or None)."""
    ids = np.array(list(entities), dtype=object)
    pos = {e: i for i, e in enumerate(entities)}
    lpos = {lo[0]: i for i, lo in enumerate(loans)}
    i32 = lambda xs: np.array(xs, dtype=np.int32)  # noqa: E731
    f64 = lambda xs: np.array(xs, dtype=np.float64)  # noqa: E731
    return Network(
        ids=ids, kind=np.array([KIND[e[0]] for e in entities], dtype=np.int8),
        g_src=i32([pos[g[1]] for g in guarantees]), g_dst=i32([pos[g[2]] for g in guarantees]),
        g_amount=f64([g[3] for g in guarantees]),
        g_loan=i32([lpos[g[4]] if g[4] is not None else -1 for g in guarantees]),
        g_id=np.array([g[0] for g in guarantees], dtype=object),
        h_src=i32([]), h_dst=i32([]), h_pct=f64([]),
        l_borrower=i32([pos[lo[1]] for lo in loans]), l_lender=i32([pos[lo[2]] for lo in loans]),
        l_balance=f64([lo[3] for lo in loans]), l_npl=np.zeros(len(loans), dtype=bool),
        l_id=np.array([lo[0] for lo in loans], dtype=object))


def reference_cascade(capacity, loans, guarantees, seeds, recovery=0.0, tolerance=1e-9):
    """The cascade with Python dicts.

    ``capacity``: {id: capacity}; an id absent (or None) never defaults.  Returns a
    dict: ``round`` {id: round}, ``call`` and ``paid`` {guarantee id: amount} (called
    guarantees only), ``loss`` {loan id: lender's loss} (defaulted loans),
    ``by_lender`` {lender: loss}.
    """
    loans_of = defaultdict(list)
    for lo in loans:
        loans_of[lo[1]].append(lo)
    specific, general = defaultdict(list), defaultdict(list)
    for g in guarantees:
        (specific[g[4]] if g[4] is not None else general[g[2]]).append(g)

    round_of = {s: 0 for s in seeds}
    call = defaultdict(float)
    total = defaultdict(float)
    general_claim = {}  # loan id -> what it claimed from the general guarantees
    frontier, r = sorted(set(seeds)), 0
    while frontier:
        r += 1
        for b in frontier:
            remaining = {g[0]: g[3] for g in general[b]}
            for lo in loans_of[b]:
                short = lo[3] * (1 - recovery)
                spec = specific[lo[0]]
                amount = sum(g[3] for g in spec)
                for g in spec:
                    c = g[3] * min(1.0, short / amount) if amount > 0 else 0.0
                    call[g[0]] += c
                    total[g[1]] += c
                rest = max(0.0, short - amount)
                general_claim[lo[0]] = rest
                pool = sum(remaining.values())
                if rest > 0 and pool > 0:
                    take = min(rest, pool)
                    for g in general[b]:
                        c = remaining[g[0]] * take / pool
                        remaining[g[0]] -= c
                        call[g[0]] += c
                        total[g[1]] += c
        new = []
        for x, t in total.items():
            cap = capacity.get(x)
            if x not in round_of and cap is not None and t > cap + tolerance * max(1.0, cap):
                new.append(x)
        for x in new:
            round_of[x] = r
        frontier = sorted(new)

    def share(x):
        cap, t = capacity.get(x), total[x]
        return cap / t if cap is not None and t > cap + tolerance * max(1.0, cap) else 1.0

    guarantor = {g[0]: g[1] for g in guarantees}
    paid = {k: v * share(guarantor[k]) for k, v in call.items() if v > 0}
    loss, by_lender = {}, defaultdict(float)
    for b in round_of:
        claims = sum(general_claim.get(lo[0], 0.0) for lo in loans_of[b])
        general_paid = sum(paid.get(g[0], 0.0) for g in general[b])
        for lo in loans_of[b]:
            got = sum(paid.get(g[0], 0.0) for g in specific[lo[0]])
            if claims > 0:
                got += general_paid * general_claim[lo[0]] / claims
            loss[lo[0]] = max(0.0, lo[3] * (1 - recovery) - got)
            by_lender[lo[2]] += loss[lo[0]]
    return {"round": round_of, "call": {k: v for k, v in call.items() if v > 0},
            "paid": paid, "loss": loss, "by_lender": dict(by_lender)}


def random_network(rng, n_ent=12):
    """A random small network for comparisons: ``(entities, loans, guarantees,
    capacities)`` in the forms :func:`make_network` and :func:`reference_cascade` take."""
    ents = [f"E{i}" for i in range(n_ent)] + ["P0", "P1", "B0", "B1"]
    loans, gs = [], []
    for i in range(n_ent + 2):
        b = ents[i] if i < n_ent else f"P{i - n_ent}"
        for _ in range(rng.integers(0, 3)):
            lender = ["B0", "B1", ents[rng.integers(n_ent)]][rng.integers(3)]
            loans.append((f"L{len(loans)}", b, lender, float(rng.integers(1, 200))))
    by_b = {}
    for lo in loans:
        by_b.setdefault(lo[1], []).append(lo[0])
    for _ in range(rng.integers(10, 40)):
        b = ents[rng.integers(n_ent)] if rng.random() < 0.9 else "P0"
        guarantor = ents[rng.integers(len(ents))]
        if guarantor == b:
            continue
        loan = None
        if b in by_b and rng.random() < 0.6:
            loan = by_b[b][rng.integers(len(by_b[b]))]
        amount = 0.0 if rng.random() < 0.05 else float(rng.integers(1, 150))
        gs.append((f"G{len(gs)}", guarantor, b, amount, loan))
    cap = {e: float(rng.integers(0, 120)) for e in ents[:n_ent]}
    if rng.random() < 0.3:
        cap["P1"] = 20.0
    return ents, loans, gs, cap
