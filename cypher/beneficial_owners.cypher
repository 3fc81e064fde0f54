// beneficial_owners — 受益所有人 persons owning at least 25 % of a company
//
// The natural persons whose holding in the company, in the `multiply` mode of SPEC §3
// (the sum over simple ownership paths of the product of the shares), reaches the
// threshold — 25 % in the PBoC/SAMR 受益所有人信息管理办法 (2024).  Control by other
// means (posts, agreements) is not covered: see `graphrisk owners` for the full rules.
// `best_path` is the path carrying the largest share, from the person to the company.
//
// Cost: the simple ownership paths of at most max_depth links into the company.
//
// @param id entity                          the company (an enterprise id)
// @param threshold float = 25 (0..100)      percentage that makes a beneficial owner
// @param max_depth int = 6 (1..10, bound)   longest ownership path followed
// @returns person_id, name, share_pct, paths, best_path
// @example graphrisk neo4j query beneficial_owners --param id=91331122MA2J0Q7L5Q --param threshold=20
MATCH (c:Enterprise {id: $id})
MATCH p = (o:Person)-[:HOLDS_SHARES*1../*max_depth*/6]->(c)
WHERE all(k IN range(1, size(nodes(p)) - 1) WHERE NOT nodes(p)[k] IN nodes(p)[0..k])
WITH o, p, reduce(f = 1.0, r IN relationships(p) | f * r.share_pct / 100.0) AS frac
ORDER BY frac DESC
WITH o, sum(frac) * 100.0 AS share_pct, count(p) AS paths,
     collect([n IN nodes(p) | n.id])[0] AS best_path
WHERE share_pct >= $threshold
RETURN o.id AS person_id, o.name AS name, share_pct, paths, best_path
ORDER BY share_pct DESC, person_id
