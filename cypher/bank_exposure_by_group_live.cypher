// bank_exposure_by_group_live — a lender's exposure by guarantee group, without annotate
//
// Like bank_exposure_by_group, but the guarantee group of each borrower is computed
// on the fly: the set of entities reachable from it along GUARANTEES in either
// direction (a breadth-first search of at most max_hops links: Neo4j plans the
// DISTINCT end nodes of a bounded pattern as a pruning BFS; asking for anything else
// of the paths would enumerate them all, exponentially many).  A group
// is named by its smallest member id (`group_key`); borrowers without any guarantee
// form one row with group_key null.  Exact when every group's diameter is at most
// max_hops (the largest published regional groups have a few hundred members and
// diameters far below 20); a larger group would be split into overlapping pieces.
//
// With `as_of` (a date 'YYYY-MM-DD') the groups are those of the guarantees live at
// that date (start_date <= as_of <= end_date, an absent date counting as live) and
// only the loans started by then (start_date <= as_of, or none) are counted — the
// as-of rules of SPEC §1.  Without it (null) everything stored counts.
//
// Cost: one breadth-first search per borrower of the lender: O(Σ group sizes).
//
// @param bank entity                          the lender's id
// @param max_hops int = 20 (1..50, bound)     search depth (see above)
// @param limit int = 10000 (1..)              rows returned at most
// @param as_of date = null                    live guarantees and loans at this date (null: all)
// @returns group_key, group_size, borrowers, loans, balance, npl_balance, share
// @example graphrisk neo4j query bank_exposure_by_group_live --param bank=I01
CALL {
  MATCH (m:Institution {id: $bank}) RETURN m
  UNION MATCH (m:Enterprise {id: $bank}) RETURN m
}
CALL {
  WITH m
  MATCH (m)<-[:LENT_BY]-(l:Loan)
  WHERE $as_of IS NULL OR coalesce(l.start_date <= date($as_of), true)
  RETURN sum(l.balance) AS total
}
MATCH (m)<-[:LENT_BY]-(l:Loan)<-[:BORROWED]-(b)
WHERE $as_of IS NULL OR coalesce(l.start_date <= date($as_of), true)
WITH total, b, count(l) AS loans, sum(l.balance) AS balance,
     sum(CASE WHEN l.classification IN ['substandard', 'doubtful', 'loss']
              THEN l.balance ELSE 0.0 END) AS npl_balance
CALL {
  WITH b
  MATCH p = (b)-[:GUARANTEES*1../*max_hops*/20]-(x)
  WHERE all(g IN relationships(p) WHERE $as_of IS NULL
            OR (coalesce(g.start_date <= date($as_of), true)
                AND coalesce(g.end_date >= date($as_of), true)))
  WITH DISTINCT b, x
  RETURN min(x.id) AS k, count(CASE WHEN x <> b THEN 1 END) AS n
}
WITH total, b, loans, balance, npl_balance,
     CASE WHEN n = 0 THEN null WHEN b.id < k THEN b.id ELSE k END AS group_key,
     CASE WHEN n = 0 THEN null ELSE n + 1 END AS group_size
WITH total, group_key, max(group_size) AS group_size, collect(b.id) AS borrowers,
     sum(loans) AS loans, sum(balance) AS balance, sum(npl_balance) AS npl_balance
RETURN group_key, group_size, borrowers, loans, balance, npl_balance,
       CASE WHEN total > 0 THEN balance / total ELSE null END AS share
ORDER BY balance DESC, group_key
LIMIT $limit
