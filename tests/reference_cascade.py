"""A straightforward dict-based implementation of the SPEC §6 cascade.

Written independently of :mod:`graphrisk.contagion` as a reference: it follows the
wording of the specification literally (loan by loan, guarantee by guarantee,
tracking the remaining amount of each guarantee without a loan across the loans of a
borrower; every round recomputes all the calls from scratch until they stop moving)
and is slow on purpose.  The tests compare the vectorised cascade with it;
``bench/bench_contagion.py`` times it.  Also builds small :class:`Network` objects
without going through CSV files.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from graphrisk.network.graph import Network

KIND = {"E": 0, "P": 1, "B": 2}
#: the guarantee types of SPEC §1, in the order of their codes in the engine (0, 1, 2, 2)
TYPES = ("joint_several", "general", "collateral", "pledge")


def type_codes(guarantees) -> np.ndarray:
    """The engine's type code of each guarantee tuple (0 joint, 1 general, 2 secured)."""
    code = {"joint_several": 0, "general": 1, "collateral": 2, "pledge": 2}
    return np.array([code[g[5]] if len(g) > 5 and g[5] else 0 for g in guarantees],
                    dtype=np.int8)


def make_network(entities, loans, guarantees) -> Network:
    """``entities``: ids whose first letter gives the kind (E enterprise, P person,
    B institution); ``loans``: (id, borrower, lender, balance); ``guarantees``: (id,
    guarantor, borrower, amount, loan id or None[, type]).  The network has no dataset,
    so the types go to ``compile_model(..., types=type_codes(guarantees))``."""
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


def _calls_of(b, rho, loans_of, specific, general, recovery):
    """The calls on b's guarantees when b's estate pays the share ``rho`` of its loans.

    Loan by loan: the loan-specific guarantees pro rata, never above their amounts;
    the rest from the guarantees without a loan, whose remaining amounts are tracked
    across the loans.  Returns ({guarantee id: call}, {loan id: claim on the
    guarantees without a loan}).
    """
    calls, claim = {}, {}
    remaining = {g[0]: g[3] for g in general[b]}
    for lo in loans_of[b]:
        short = lo[3] * (1 - rho) * (1 - recovery)
        spec = specific[lo[0]]
        amount = sum(g[3] for g in spec)
        for g in spec:
            calls[g[0]] = g[3] * min(1.0, short / amount) if amount > 0 else 0.0
        rest = max(0.0, short - amount)
        claim[lo[0]] = rest
        pool = sum(remaining.values())
        if rest > 0 and pool > 0:
            take = min(rest, pool)
            for g in general[b]:
                c = remaining[g[0]] * take / pool
                remaining[g[0]] -= c
                calls[g[0]] = calls.get(g[0], 0.0) + c
    for g in general[b]:
        calls.setdefault(g[0], 0.0)
    return calls, claim


def reference_cascade(capacity, loans, guarantees, seeds, recovery=0.0, tolerance=1e-9):
    """The cascade with Python dicts, word by word from SPEC §6.

    ``capacity``: {id: capacity}; an id absent (or None) never defaults and, forced
    into default, has nothing in its estate.  ``guarantees``: (id, guarantor,
    borrower, amount, loan id or None[, type]) with type ``joint_several`` (the
    default), ``general``, ``collateral`` or ``pledge``.  Returns a dict: ``round``
    {id: round}, ``rho`` {id: share of its obligations a defaulted entity pays},
    ``call`` and ``paid`` {guarantee id: amount} (called guarantees only), ``loss``
    {loan id: lender's loss} (defaulted loans), ``by_lender`` {lender: loss}.

    1. A defaulted entity's estate (its capacity, 0 when none) is shared pro rata
       among all its obligations: its own loans and the calls on it as a guarantor
       (collateral excepted).  A loan is short by what is left, times (1 − r).
    2. The shortfall is called on the borrower's guarantors (see :func:`_calls_of`):
       连带责任保证 (and collateral) in the round the borrower defaults, 一般保证 one
       round later.  Collateral and pledges never count against their provider.
    3. Each round, the calls and shares are settled (recomputed again and again until
       nothing moves); then whoever is called beyond its capacity defaults in the next
       round.  The cascade stops when a round brings nobody down and no 一般保证 is
       left to call.
    """
    loans_of = defaultdict(list)
    for lo in loans:
        loans_of[lo[1]].append(lo)
    specific, general = defaultdict(list), defaultdict(list)
    kind, guarantor = {}, {}
    for g in guarantees:
        if g[1] == g[2] or g[3] <= 0:
            continue  # a self-guarantee, or nothing to call
        kind[g[0]] = g[5] if len(g) > 5 and g[5] else "joint_several"
        guarantor[g[0]] = g[1]
        (specific[g[4]] if g[4] is not None else general[g[2]]).append(g)

    def estate(x):
        return capacity.get(x) or 0.0

    def debt(x):
        return sum(lo[3] for lo in loans_of[x])

    def share(x, t):
        owed = debt(x) + t.get(x, 0.0)
        return min(1.0, estate(x) / owed) if owed > 0 else 1.0

    def exceeds(x, t):
        cap = capacity.get(x)
        return cap is not None and t.get(x, 0.0) > cap + tolerance * max(1.0, cap)

    round_of = {s: 0 for s in seeds}
    t = {}
    r = 0
    while True:
        for _ in range(100_000):  # settle the calls of round r
            new_t, calls, claims = defaultdict(float), {}, {}
            for b in round_of:
                c, claims[b] = _calls_of(b, share(b, t), loans_of, specific, general, recovery)
                for gid, v in c.items():
                    if kind[gid] == "general" and round_of[b] >= r:
                        v = 0.0  # 一般保证: called the round after b's default
                    calls[gid] = v
                    if kind[gid] not in ("collateral", "pledge"):
                        new_t[guarantor[gid]] += v
            moved = max([abs(new_t[x] - t.get(x, 0.0)) for x in new_t] + [0.0])
            t = dict(new_t)
            if moved < 1e-12:
                break
        new = sorted(x for x in t if x not in round_of and exceeds(x, t))
        if not new and r not in round_of.values():
            break
        r += 1
        for x in new:
            round_of[x] = r

    rho = {x: share(x, t) for x in round_of}
    paid = {}
    for gid, c in calls.items():
        x = guarantor[gid]
        if kind[gid] in ("collateral", "pledge") or x not in round_of:
            paid[gid] = c
        else:
            paid[gid] = c * rho[x]
    loss, by_lender = {}, defaultdict(float)
    for b in round_of:
        total_claim = sum(claims[b].values())
        general_paid = sum(paid[g[0]] for g in general[b])
        for lo in loans_of[b]:
            got = sum(paid[g[0]] for g in specific[lo[0]])
            if total_claim > 0:
                got += general_paid * claims[b][lo[0]] / total_claim
            loss[lo[0]] = max(0.0, lo[3] * (1 - rho[b]) * (1 - recovery) - got)
            by_lender[lo[2]] += loss[lo[0]]
    called = {k: v for k, v in calls.items() if v > 0}
    return {"round": round_of, "rho": rho, "call": called,
            "paid": {k: paid[k] for k in called}, "loss": loss, "by_lender": dict(by_lender)}


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
        kind = TYPES[int(rng.choice(4, p=[0.55, 0.25, 0.1, 0.1]))]
        gs.append((f"G{len(gs)}", guarantor, b, amount, loan, kind))
    cap = {e: float(rng.integers(0, 120)) for e in ents[:n_ent]}
    if rng.random() < 0.3:
        cap["P1"] = 20.0
    return ents, loans, gs, cap
