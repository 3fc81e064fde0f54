// mutual_pairs — 互保 mutual guarantee pairs, once per pair
//
// Two parties a < b (by id) that guarantee each other.  `a_to_b` is the total amount
// a guarantees for b (all contracts), `b_to_a` the reverse; `contracts` counts both
// directions.
//
// With `as_of` (a date 'YYYY-MM-DD') only the guarantees live at that date count:
// start_date <= as_of <= end_date, an absent date counting as live (SPEC §1); a pair
// whose guarantee one way has expired is no longer mutual.  Without it (null) every
// guarantee stored counts.
//
// Cost: one pass over the GUARANTEES relationships, O(guarantees).
//
// @param limit int = 100000 (1..)   rows returned at most
// @param as_of date = null          only guarantees live at this date (null: all)
// @returns a, a_name, b, b_name, a_to_b, b_to_a, contracts
// @example graphrisk neo4j query mutual_pairs --format csv
MATCH (a)-[g:GUARANTEES]->(b)
WHERE a.id < b.id
  AND ($as_of IS NULL OR (coalesce(g.start_date <= date($as_of), true)
                          AND coalesce(g.end_date >= date($as_of), true)))
  AND EXISTS { (b)-[o:GUARANTEES]->(a)
               WHERE $as_of IS NULL OR (coalesce(o.start_date <= date($as_of), true)
                                        AND coalesce(o.end_date >= date($as_of), true)) }
WITH a, b, sum(g.amount) AS a_to_b, count(g) AS n_ab
MATCH (b)-[h:GUARANTEES]->(a)
WHERE $as_of IS NULL OR (coalesce(h.start_date <= date($as_of), true)
                          AND coalesce(h.end_date >= date($as_of), true))
WITH a, b, a_to_b, n_ab, sum(h.amount) AS b_to_a, count(h) AS n_ba
RETURN a.id AS a, a.name AS a_name, b.id AS b, b.name AS b_name, a_to_b, b_to_a,
       n_ab + n_ba AS contracts
ORDER BY a, b
LIMIT $limit
