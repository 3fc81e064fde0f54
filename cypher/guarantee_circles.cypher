// guarantee_circles — 担保圈 guarantee circles: every simple guarantee cycle, once
//
// A cycle is a sequence of distinct entities m0 → m1 → … → m0 along GUARANTEES
// (guarantor → borrower) of 2..max_length links.  Each cycle is returned once, not once
// per rotation: it starts at its member with the smallest id, and the walk may only
// visit members with larger ids (which also prunes the search).  Several contracts
// between the same two parties count as one link; `hop_amounts` sums them per link.
// A cycle of length 2 is a mutual pair (互保).  The strongly connected components
// (the circles of SPEC §5) are the unions of these cycles; `graphrisk neo4j annotate`
// writes them as `circle_id`.
//
// With `as_of` (a date 'YYYY-MM-DD') only the guarantees live at that date are
// links: start_date <= as_of <= end_date, an absent date counting as live (the as-of
// rule of SPEC §1; a guarantee whose loan starts later is not checked here).  A circle
// whose closing guarantee has expired is then no circle, and `hop_amounts` count the
// live contracts only.  Without it (null) every guarantee stored counts — the store
// keeps expired ones too.
//
// Cost: the number of walks of length <= max_length through ids above each start node
// — exponential in max_length inside dense circles; keep it small (default 6), or
// list the members of one annotated circle instead.
//
// @param max_length int = 6 (2..10, bound)  longest cycle, in links
// @param limit int = 1000 (1..)             rows returned at most
// @param as_of date = null                  only guarantees live at this date (null: all)
// @returns members, length, guarantees, hop_amounts, total_amount
// @example graphrisk neo4j query guarantee_circles --param max_length=4
MATCH (s:Enterprise|Person)
WHERE EXISTS { (s)-[o:GUARANTEES]->()
               WHERE $as_of IS NULL OR (coalesce(o.start_date <= date($as_of), true)
                                        AND coalesce(o.end_date >= date($as_of), true)) }
  AND EXISTS { ()-[o:GUARANTEES]->(s)
               WHERE $as_of IS NULL OR (coalesce(o.start_date <= date($as_of), true)
                                        AND coalesce(o.end_date >= date($as_of), true)) }
MATCH p = (s)-[:GUARANTEES*2../*max_length*/6]->(s)
WHERE all(n IN nodes(p) WHERE n.id >= s.id)
  AND all(g IN relationships(p) WHERE $as_of IS NULL
          OR (coalesce(g.start_date <= date($as_of), true)
              AND coalesce(g.end_date >= date($as_of), true)))
WITH nodes(p)[0..-1] AS ns
WHERE all(k IN range(1, size(ns) - 1) WHERE NOT ns[k] IN ns[0..k])
WITH DISTINCT ns
UNWIND range(0, size(ns) - 1) AS k
WITH ns, k, ns[k] AS a, ns[(k + 1) % size(ns)] AS b
MATCH (a)-[g:GUARANTEES]->(b)
WHERE $as_of IS NULL OR (coalesce(g.start_date <= date($as_of), true)
                          AND coalesce(g.end_date >= date($as_of), true))
WITH ns, k, sum(g.amount) AS amount, collect(g.id) AS ids
ORDER BY k
WITH ns, collect(amount) AS hop_amounts, collect(ids) AS ids
RETURN [n IN ns | n.id] AS members, size(ns) AS length,
       reduce(acc = [], l IN ids | acc + l) AS guarantees, hop_amounts,
       reduce(t = 0.0, x IN hop_amounts | t + x) AS total_amount
ORDER BY length, members
LIMIT $limit
