// bank_exposure_by_group — 按担保群 a lender's exposure by guarantee group
//
// The loans a lender (bank, microloan company, or an enterprise lending to others)
// holds, grouped by the guarantee group 担保群 of the borrower: a weakly connected
// component of the guarantee graph with at least two members (SPEC §5).  The group is
// the `group_id` property (and `group_size` its members) written by
// `graphrisk neo4j annotate` (the ids of
// `graphrisk circles`, GRP001 = the riskiest); borrowers outside any group form one
// row with group_id null.  Run annotate first (after every load): without it every
// borrower falls in the null row.  bank_exposure_by_group_live computes the groups
// on the fly instead.
//
// `npl_balance` counts the classifications substandard, doubtful and loss (不良).
//
// Cost: O(the lender's loans).
//
// @param bank entity                the lender's id
// @param limit int = 10000 (1..)    rows returned at most
// @returns group_id, group_size, borrowers, loans, balance, npl_balance, share
// @example graphrisk neo4j query bank_exposure_by_group --param bank=I01
CALL {
  MATCH (m:Institution {id: $bank}) RETURN m
  UNION MATCH (m:Enterprise {id: $bank}) RETURN m
}
CALL { WITH m MATCH (m)<-[:LENT_BY]-(l:Loan) RETURN sum(l.balance) AS total }
MATCH (m)<-[:LENT_BY]-(l:Loan)<-[:BORROWED]-(b)
WITH total, b, count(l) AS loans, sum(l.balance) AS balance,
     sum(CASE WHEN l.classification IN ['substandard', 'doubtful', 'loss']
              THEN l.balance ELSE 0.0 END) AS npl_balance
WITH total, b.group_id AS group_id, max(b.group_size) AS group_size,
     collect(b.id) AS borrowers, sum(loans) AS loans, sum(balance) AS balance,
     sum(npl_balance) AS npl_balance
RETURN group_id, group_size, borrowers, loans, balance, npl_balance,
       CASE WHEN total > 0 THEN balance / total ELSE null END AS share
ORDER BY balance DESC, group_id
LIMIT $limit
