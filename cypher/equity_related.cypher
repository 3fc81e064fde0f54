// equity_related — 股权关联 the parties related to an enterprise by equity
//
// The enterprises related to X by the `equity` and `common_owner` rules of SPEC §4,
// with holdings in the `multiply` mode of SPEC §3 (see equity_holdings):
//   holds         X holds >= threshold of the party;
//   held_by       the party holds >= threshold of X;
//   common_owner  a third party (enterprise, person or institution, `owner_id`) holds
//                 >= threshold of both X and the party (`owner_pct` of X, `share_pct`
//                 of the party).
// A party related in several ways appears once per way.  The 42号公告 rules use
// the `passthrough` mode by default: `graphrisk related` gives those (and the other
// rules: lending, guarantee, management).
//
// Cost: the simple ownership paths of at most max_depth links around X, twice for the
// common owners.
//
// @param id entity                          the enterprise X
// @param threshold float = 25 (0..100)      percentage that makes two parties related
// @param max_depth int = 6 (1..10, bound)   longest ownership path followed
// @returns party_id, party_name, relation, share_pct, owner_id, owner_pct
// @example graphrisk neo4j query equity_related --param id=91331122MA28GH0W6U
MATCH (x:Enterprise {id: $id})
CALL {
  WITH x
  MATCH p = (x)-[:HOLDS_SHARES*1../*max_depth*/6]->(y:Enterprise)
  WHERE y <> x
    AND all(k IN range(1, size(nodes(p)) - 1) WHERE NOT nodes(p)[k] IN nodes(p)[0..k])
  WITH y, sum(reduce(f = 1.0, r IN relationships(p) | f * r.share_pct / 100.0)) * 100.0 AS pct
  WHERE pct >= $threshold
  RETURN y AS party, 'holds' AS relation, pct AS share_pct, null AS owner_id, null AS owner_pct
  UNION
  WITH x
  MATCH p = (y:Enterprise)-[:HOLDS_SHARES*1../*max_depth*/6]->(x)
  WHERE y <> x
    AND all(k IN range(1, size(nodes(p)) - 1) WHERE NOT nodes(p)[k] IN nodes(p)[0..k])
  WITH y, sum(reduce(f = 1.0, r IN relationships(p) | f * r.share_pct / 100.0)) * 100.0 AS pct
  WHERE pct >= $threshold
  RETURN y AS party, 'held_by' AS relation, pct AS share_pct, null AS owner_id, null AS owner_pct
  UNION
  WITH x
  MATCH p = (o)-[:HOLDS_SHARES*1../*max_depth*/6]->(x)
  WHERE o <> x
    AND all(k IN range(1, size(nodes(p)) - 1) WHERE NOT nodes(p)[k] IN nodes(p)[0..k])
  WITH x, o, sum(reduce(f = 1.0, r IN relationships(p) | f * r.share_pct / 100.0)) * 100.0 AS opct
  WHERE opct >= $threshold
  MATCH q = (o)-[:HOLDS_SHARES*1../*max_depth*/6]->(y:Enterprise)
  WHERE y <> x AND y <> o
    AND all(k IN range(1, size(nodes(q)) - 1) WHERE NOT nodes(q)[k] IN nodes(q)[0..k])
  WITH o, opct, y, sum(reduce(f = 1.0, r IN relationships(q) | f * r.share_pct / 100.0)) * 100.0 AS pct
  WHERE pct >= $threshold
  RETURN y AS party, 'common_owner' AS relation, pct AS share_pct, o.id AS owner_id,
         opct AS owner_pct
}
RETURN party.id AS party_id, party.name AS party_name, relation, share_pct, owner_id, owner_pct
ORDER BY relation, party_id, owner_id
