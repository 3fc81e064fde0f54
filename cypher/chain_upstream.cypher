// chain_upstream — 担保链(上游) an entity's guarantors, and theirs
//
// Every entity x that reaches the root along GUARANTEES in at most max_depth links:
// the root's guarantors, their guarantors, and so on — who is called, in turn, when
// the root defaults.  One row per entity, with `hops` = the length of a shortest chain
// and one such chain: `path` (ids from the root back to x) and `amounts` (per link, the
// total guaranteed over all contracts between the two parties).
//
// With `as_of` (a date 'YYYY-MM-DD'), only the guarantees live at that date are
// followed: start_date <= as_of <= end_date, an absent date counting as live (the
// as-of rule of SPEC §1; a guarantee whose loan starts later is not checked here);
// the amounts count the live contracts only.  Without it (null) every guarantee
// stored is followed — the store keeps expired ones too.
//
// Cost: a breadth-first search for the entities and their hops (Neo4j plans the
// `min(length(p))` pattern as a pruning BFS), then one bidirectional shortestPath per
// entity reached: about O(reached × local degree).
//
// @param id entity                          the root (enterprise or person)
// @param max_depth int = 6 (1..20, bound)   longest chain followed, in links
// @param limit int = 10000 (1..)            rows returned at most
// @param as_of date = null                  only guarantees live at this date (null: all)
// @returns id, name, kind, hops, path, amounts
// @example graphrisk neo4j query chain_upstream --param id=91331122MA28B9P05X
CALL {
  MATCH (r:Enterprise {id: $id}) RETURN r
  UNION MATCH (r:Person {id: $id}) RETURN r
  UNION MATCH (r:Institution {id: $id}) RETURN r
}
MATCH p = (r)<-[:GUARANTEES*1../*max_depth*/6]-(x)
WHERE x <> r
  AND all(g IN relationships(p) WHERE $as_of IS NULL
          OR (coalesce(g.start_date <= date($as_of), true)
              AND coalesce(g.end_date >= date($as_of), true)))
WITH r, x, min(length(p)) AS hops
MATCH sp = shortestPath((r)<-[:GUARANTEES*1../*max_depth*/6]-(x))
WHERE all(g IN relationships(sp) WHERE $as_of IS NULL
          OR (coalesce(g.start_date <= date($as_of), true)
              AND coalesce(g.end_date >= date($as_of), true)))
WITH x, hops, nodes(sp) AS ns
UNWIND range(0, size(ns) - 2) AS k
WITH x, hops, ns, k, ns[k] AS a, ns[k + 1] AS b
MATCH (a)<-[g:GUARANTEES]-(b)
WHERE $as_of IS NULL OR (coalesce(g.start_date <= date($as_of), true)
                          AND coalesce(g.end_date >= date($as_of), true))
WITH x, hops, ns, k, sum(g.amount) AS amount
ORDER BY k
WITH x, hops, ns, collect(amount) AS amounts
RETURN x.id AS id, x.name AS name, labels(x)[0] AS kind, hops, [n IN ns | n.id] AS path,
       amounts
ORDER BY hops, id
LIMIT $limit
