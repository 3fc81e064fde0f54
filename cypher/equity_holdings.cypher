// equity_holdings — 持股穿透 what an entity holds, directly and indirectly (multiply)
//
// Every company c reachable from the holder along HOLDS_SHARES in at most max_depth
// links, with the holding h(holder, c) of the `multiply` mode of SPEC §3 (the UBO
// convention): the sum, over the simple ownership paths (no entity twice), of the
// product of the shares along the path.  Example: A 40 %→B, A 30 %→C, B 50 %→D,
// C 20 %→D gives h(A, D) = 26 %.  Cross-holdings cannot loop (paths are simple) and a
// repeated holder/company row counts as one more path (its shares add up).
// `best_path` is the path carrying the largest share; `paths` counts them.
// The `passthrough` mode of 42号公告 is a fixed point over all holdings and is left
// to `graphrisk holdings`.
//
// Cost: the number of simple paths of at most max_depth links from the holder —
// small in real ownership trees, exponential in max_depth in dense cross-holdings.
//
// @param id entity                          the holder (enterprise, person or institution)
// @param max_depth int = 6 (1..10, bound)   longest ownership path followed
// @param min_pct float = 0 (0..100)         holdings below this percentage are left out
// @param limit int = 10000 (1..)            rows returned at most
// @returns company_id, name, share_pct, paths, best_path
// @example graphrisk neo4j query equity_holdings --param id=P001 --param min_pct=25
CALL {
  MATCH (h:Enterprise {id: $id}) RETURN h
  UNION MATCH (h:Person {id: $id}) RETURN h
  UNION MATCH (h:Institution {id: $id}) RETURN h
}
MATCH p = (h)-[:HOLDS_SHARES*1../*max_depth*/6]->(c:Enterprise)
WHERE c <> h
  AND all(k IN range(1, size(nodes(p)) - 1) WHERE NOT nodes(p)[k] IN nodes(p)[0..k])
WITH c, p, reduce(f = 1.0, r IN relationships(p) | f * r.share_pct / 100.0) AS frac
ORDER BY frac DESC
WITH c, sum(frac) * 100.0 AS share_pct, count(p) AS paths,
     collect([n IN nodes(p) | n.id])[0] AS best_path
WHERE share_pct >= $min_pct
RETURN c.id AS company_id, c.name AS name, share_pct, paths, best_path
ORDER BY share_pct DESC, company_id
LIMIT $limit
