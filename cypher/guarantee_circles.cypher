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
// Cost: the number of walks of length <= max_length through ids above each start node
// — exponential in max_length inside dense circles; keep it small (default 6), or
// list the members of one annotated circle instead.
//
// @param max_length int = 6 (2..10, bound)  longest cycle, in links
// @param limit int = 1000 (1..)             rows returned at most
// @returns members, length, guarantees, hop_amounts, total_amount
// @example graphrisk neo4j query guarantee_circles --param max_length=4
MATCH (s:Enterprise|Person)
WHERE EXISTS { (s)-[:GUARANTEES]->() } AND EXISTS { ()-[:GUARANTEES]->(s) }
MATCH p = (s)-[:GUARANTEES*2../*max_length*/6]->(s)
WHERE all(n IN nodes(p) WHERE n.id >= s.id)
WITH nodes(p)[0..-1] AS ns
WHERE all(k IN range(1, size(ns) - 1) WHERE NOT ns[k] IN ns[0..k])
WITH DISTINCT ns
UNWIND range(0, size(ns) - 1) AS k
WITH ns, k, ns[k] AS a, ns[(k + 1) % size(ns)] AS b
MATCH (a)-[g:GUARANTEES]->(b)
WITH ns, k, sum(g.amount) AS amount, collect(g.id) AS ids
ORDER BY k
WITH ns, collect(amount) AS hop_amounts, collect(ids) AS ids
RETURN [n IN ns | n.id] AS members, size(ns) AS length,
       reduce(acc = [], l IN ids | acc + l) AS guarantees, hop_amounts,
       reduce(t = 0.0, x IN hop_amounts | t + x) AS total_amount
ORDER BY length, members
LIMIT $limit
