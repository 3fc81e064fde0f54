// key_enterprises — 重点企业名单与预警 key enterprises and warning levels
//
// The enterprises that `graphrisk neo4j annotate` marked as key enterprises
// (`key_enterprise`, with the codes of the criteria met in `key_criteria`) or that
// carry an early-warning level (`warning_level` blue < yellow < orange < red, with
// `warning_level_zh` and the reasons `warning_reasons`), riskiest first, with their
// loan balance and their guarantee group and circle.  The properties come from the
// key-enterprise and warning analyses (SPEC §8); when they have not been annotated the
// query returns no row — run `graphrisk neo4j annotate` first.
//
// Cost: one scan of the Enterprise nodes.
//
// @param min_level str = none (none|blue|yellow|orange|red)  lowest warning level listed ("none": also key enterprises without a signal)
// @param key_only bool = false              only key enterprises
// @param limit int = 10000 (1..)            rows returned at most
// @returns id, name, key_enterprise, key_criteria, warning_level, warning_level_zh, warning_reasons, balance, loans, group_id, circle_id
// @example graphrisk neo4j query key_enterprises --param min_level=orange
MATCH (e:Enterprise)
WHERE e.key_enterprise = true OR e.warning_level IS NOT NULL
WITH e, CASE e.warning_level WHEN 'red' THEN 4 WHEN 'orange' THEN 3 WHEN 'yellow' THEN 2
                             WHEN 'blue' THEN 1 ELSE 0 END AS rank,
     CASE $min_level WHEN 'red' THEN 4 WHEN 'orange' THEN 3 WHEN 'yellow' THEN 2
                     WHEN 'blue' THEN 1 ELSE 0 END AS min_rank
WHERE rank >= min_rank AND (NOT $key_only OR e.key_enterprise = true)
OPTIONAL MATCH (e)-[:BORROWED]->(l:Loan)
WITH e, rank, sum(l.balance) AS balance, count(l) AS loans
RETURN e.id AS id, e.name AS name, coalesce(e.key_enterprise, false) AS key_enterprise,
       e.key_criteria AS key_criteria, e.warning_level AS warning_level,
       e.warning_level_zh AS warning_level_zh, e.warning_reasons AS warning_reasons,
       balance, loans, e.group_id AS group_id, e.circle_id AS circle_id
ORDER BY rank DESC, balance DESC, id
LIMIT $limit
