"""Synthetic guarantee-network (担保网络) datasets that look like real ones.

:func:`generate` draws a complete dataset — enterprises, persons, institutions,
shareholdings, posts, loans, guarantees and risk events — that is valid under SPEC §1,
and :func:`~graphrisk.synth.write_dataset` writes it as a folder of UTF-8 CSV files.
Everything is vectorised with numpy (no Python loop per row), so a million enterprises
take well under two minutes, and the same seed gives byte-identical files.

The model
---------
Enterprises are laid out on a line of *positions*; every structure below is built
from contiguous slices of that line, which is what keeps it vectorised.  The order of
rows and the identifiers are shuffled at the end, so nothing of the layout shows.

The stages live in :mod:`graphrisk.synth._structure` (clusters, groups, trees, persons),
:mod:`graphrisk.synth._credit` (guarantee links, loans, guarantee records) and
:mod:`graphrisk.synth._tables` (the tables); :mod:`graphrisk.synth.params` holds the
knobs and :mod:`graphrisk.synth.vocab` the names.

**Clusters (communities).**  The line is cut into clusters — business circles of an
industrial park or a town — whose sizes follow a truncated power law
``P(size = s) ∝ s**-cluster_exponent`` for ``1 <= s <= max_cluster_size``.  Most
clusters are a single firm or a pair; a few have hundreds of members.  Guarantees
between enterprises stay inside a cluster, so the largest guarantee group (担保群, a
weakly connected component) is a few hundred firms and never the whole graph, as in
published regional networks.  Each cluster has a region (Zipf over a list of cities,
whose division code goes into the credit codes) and a dominant industry.

**Hierarchy, hubs and chains.**  Inside a cluster the members are ranked; rank 0 is
the *hub* (the largest firm or the group parent).  Each member of rank ``r >= 1``
gets one guarantor of smaller rank: the hub with probability ``hub_attachment``
(stars, 一保多), the member of rank ``r - 1`` with probability ``chain_attachment``
(chains, 担保链), otherwise a uniformly chosen earlier member (a random recursive
tree).  Such a tree has more than half leaves — the entities with out-degree 0 — and
out-degrees with a heavy tail reaching dozens at the hubs of large clusters.  Extra
*joint* guarantees (联保) top the total up to ``guarantees_per_enterprise``: the
borrower is a random member and the guarantor the tree guarantor of a random
earlier member, i.e. an entity chosen in proportion to its out-degree (preferential
attachment, which keeps the leaves leaves).  Every one of these edges points down
the ranking, so the network so far is acyclic.

With the defaults (1.5 guarantees per enterprise, persons and guarantee companies
included) about 45 % of the entities of the guarantee graph have out-degree 0 and a
third out-degree 1 (58 % and 18 % of the enterprises), the 99th percentile is about
10 and the largest out-degrees are 100–200.  The published regional network (half
0, 45 % 1, 23 mutual pairs in 19.7k entities) is sparser, about 0.8 guarantees per
entity: ``guarantees_per_enterprise=0.8, cluster_exponent=2.4,
person_guarantee_share=0.05, reciprocal_share=0.01`` comes close (51 % out-degree 0,
largest group ~220 of 20k).

**Reciprocity and circles.**  Cycles are then added on purpose: a share of the tree
edges is mirrored, giving mutual pairs (互保) so that about ``reciprocal_share`` of the
distinct guarantee links are reciprocated (the pairs are disjoint and mostly
between firms that already guarantee someone, so they do not chain up);
``triangles_per_10k`` triangles close a member's guarantor's guarantor back onto it;
``circles_per_10k`` larger circles (循环担保) of ``circle_size`` members close a path
of tree edges.  Joint guarantees along such a path join the circle, so the largest
circles of a default network have a few tens of members.  With
``circle_heavy > 0`` that share of the clusters of 20 or more members is made dense
and loses its hierarchy (half its edges flipped, ``dense_extra_degree`` random edges per
member added): such clusters contain strongly connected circles of tens to hundreds
of firms, as reported for Zhejiang.
:meth:`~graphrisk.synth.params.GeneratorParams.circle_heavy_preset` gives a ready
stress setting.

**Other guarantors.**  The controller (实际控制人 / legal representative) of a firm
personally guarantees its loans with probability ``person_guarantee_share``;
guarantee companies (担保公司) back ``guarantee_company_share`` of the enterprises,
chosen among firms of small clusters (firms without peers to guarantee them), so each
guarantee company is a hub with dozens to a hundred or so borrowers without merging
the big clusters; some firms guarantee their controller's personal loan (so a controller and
its firm may back each other); a share
``duplicate_share`` of the links carries a second contract (another loan, or a
general guarantee without ``loan_id``).

**Corporate groups and ownership.**  A share ``group_share`` of the clusters with at
least four members contains a corporate group (企业集团): a prefix of the cluster
whose members get ownership *levels* 0..D with D drawn from ``ownership_depth``
(3–6), every level present.  Each member of level L is owned by a random member of
level L-1, so the ownership tree is exactly D deep; the root is owned by persons.
Members guarantee along ownership (the parent backs its subsidiary) with probability
``follow_ownership``.  With probability ``cross_holding_share`` a subsidiary holds a
small stake (3–15 %) in its parent or in the group root (交叉持股), which closes an
ownership cycle.  Firms outside groups are held by their controller, sometimes with
one or two minority persons (5–24 %, so no person owns 25 % of unrelated firms).  The
shares recorded for one company sum to at most 100 (about 8 % of companies sum to
less: unrecorded small holders).

**Persons.**  Every enterprise has a controller, its ``legal_representative``; group
members often share the group controller (who is also ``actual_controller`` and
``chairman``), and some members of a cluster share the hub's controller — these are
the persons active in several firms, always within one cluster.  Supervisors are
drawn from a small pool local to each cluster; general managers and CFOs are the
controller or fresh persons.

**Loans.**  About ``loans_per_enterprise`` loans per enterprise: every borrower of a
guarantee has at least one.  Lenders are banks and microloan companies with Zipf
weights (a few big lenders), plus some inter-company loans inside a cluster and some
loans to persons.  Credit quality is a latent normal variable with a cluster factor
(risk clusters in circles); it is cut by ``classification_mix`` into the five
classes (五级分类), from which follow overdue days and counts, extensions, the status
(every borrower of a ``loss`` loan is ``defaulted``), beta-distributed ``pd`` values
and, for a few firms, risk events.  Guarantee amounts follow the loan balances;
``zero_amount_share`` of the contracts have amount 0, as in the published data.  A
share ``weak_guarantor_share`` of the enterprise guarantors has net assets below what
it guarantees, so that cascades can happen.

Examples
--------
>>> from graphrisk.synth.generate import generate
>>> tables = generate(2000, seed=7)
>>> sorted(tables)                                         # doctest: +NORMALIZE_WHITESPACE
['enterprises', 'events', 'guarantees', 'institutions', 'loans', 'persons',
 'positions', 'shareholdings']
>>> len(tables["enterprises"])
2000
>>> 1.3 < len(tables["guarantees"]) / 2000 < 1.7
True
"""

from __future__ import annotations

import pandas as pd

from graphrisk.domain.glossary import TABLE_ORDER
from graphrisk.errors import ParameterError
from graphrisk.synth._credit import draw_guarantee_links, draw_guarantee_records, draw_loans
from graphrisk.synth._structure import (
    State,
    draw_clusters,
    draw_groups,
    draw_persons,
    draw_tree,
    streams,
)
from graphrisk.synth._tables import (
    draw_enterprises,
    event_table,
    institution_table,
    person_table,
    position_table,
    shareholding_table,
)

# kept importable from here (where it was defined before the split) for callers outside
# graphrisk/synth; new code imports it from graphrisk.synth
from graphrisk.synth.params import GeneratorParams

__all__ = ["generate"]


def generate(n_enterprises: int, *, seed: int = 0,
             params: GeneratorParams | None = None) -> dict[str, pd.DataFrame]:
    """Draw a synthetic, valid guarantee-network dataset.

    Parameters
    ----------
    n_enterprises : int
        Number of enterprises (>= 1).
    seed : int
        Seed of the random streams: the same seed and parameters give the same tables
        (and byte-identical files).
    params : GeneratorParams, optional
        Model parameters; the defaults give a sparse, mostly tree-like network with
        about 10 % mutual guarantees and a few circles.

    Returns
    -------
    dict of str to DataFrame
        One frame per table of SPEC §1 (``enterprises``, ``persons``, ``institutions``,
        ``shareholdings``, ``positions``, ``loans``, ``guarantees``, ``events``) with the
        English column names of :mod:`graphrisk.domain.glossary`; ids are text, amounts float
        万元, missing values NaN.

    Examples
    --------
    >>> t = generate(500, seed=1)
    >>> t["guarantees"].columns.tolist()                   # doctest: +NORMALIZE_WHITESPACE
    ['id', 'guarantor_id', 'borrower_id', 'amount', 'loan_id', 'type', 'start_date',
     'end_date']
    >>> bool((t["guarantees"]["guarantor_id"] != t["guarantees"]["borrower_id"]).all())
    True
    >>> generate(500, seed=1)["loans"].equals(t["loans"])
    True
    """
    p = params or GeneratorParams()
    n = int(n_enterprises)
    if n < 1:
        raise ParameterError("n_enterprises must be >= 1")
    rs = streams(seed, 16)
    s = State(n, p)
    draw_clusters(s, rs[0])
    draw_groups(s, rs[1])
    draw_tree(s, rs[2])
    draw_persons(s, rs[3])
    draw_guarantee_links(s, rs[4])
    draw_loans(s, rs[5])
    draw_guarantee_records(s, rs[6])
    draw_enterprises(s, rs[7])
    tables = {
        "enterprises": s.enterprise_table,
        "persons": person_table(s, rs[8]),
        "institutions": institution_table(s, rs[9]),
        "shareholdings": shareholding_table(s, rs[10]),
        "positions": position_table(s, rs[11]),
        "loans": s.loan_table,
        "guarantees": s.guarantee_table,
        "events": event_table(s, rs[12]),
    }
    return {name: tables[name] for name in TABLE_ORDER}

