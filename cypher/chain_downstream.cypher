// chain_downstream — 担保链(下游) whom an entity backs, directly or through others
//
// Every entity x reachable from the root along GUARANTEES (guarantor → borrower) in at
// most max_depth links: the root's contingent liabilities (any of their defaults can
// reach the root).  One row per entity, with `hops` = the length of a shortest chain
// (BFS distance) and one such chain: `path` (ids from the root) and `amounts` (per
// link, the total guaranteed over all contracts between the two parties).  A shortest
// chain never repeats an entity, so cycles cannot make it loop.
//
// Cost: a breadth-first search for the entities and their hops (Neo4j plans the
// `min(length(p))` pattern as a pruning BFS), then one bidirectional shortestPath per
// entity reached: about O(reached × local degree).
//
// @param id entity                          the root (enterprise, person or institution)
// @param max_depth int = 6 (1..20, bound)   longest chain followed, in links
// @param limit int = 10000 (1..)            rows returned at most
// @returns id, name, kind, hops, path, amounts
// @example graphrisk neo4j query chain_downstream --param id=91331122MA28B9P05X --param max_depth=3
CALL {
  MATCH (r:Enterprise {id: $id}) RETURN r
  UNION MATCH (r:Person {id: $id}) RETURN r
  UNION MATCH (r:Institution {id: $id}) RETURN r
}
MATCH p = (r)-[:GUARANTEES*1../*max_depth*/6]->(x)
WHERE x <> r
WITH r, x, min(length(p)) AS hops
MATCH sp = shortestPath((r)-[:GUARANTEES*1../*max_depth*/6]->(x))
WITH x, hops, nodes(sp) AS ns
UNWIND range(0, size(ns) - 2) AS k
WITH x, hops, ns, k, ns[k] AS a, ns[k + 1] AS b
MATCH (a)-[g:GUARANTEES]->(b)
WITH x, hops, ns, k, sum(g.amount) AS amount
ORDER BY k
WITH x, hops, ns, collect(amount) AS amounts
RETURN x.id AS id, x.name AS name, labels(x)[0] AS kind, hops, [n IN ns | n.id] AS path,
       amounts
ORDER BY hops, id
LIMIT $limit
