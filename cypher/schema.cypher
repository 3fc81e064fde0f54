// schema — constraints and indexes of the graphrisk store (run before loading)
//
// Every statement is idempotent (IF NOT EXISTS); `graphrisk neo4j load` runs them all
// before it writes anything.  Plain Neo4j 5 Community Cypher: no APOC, no GDS.
//
// Uniqueness constraints: one per node label on `id` (each also creates the range
// index that every MERGE and every `{id: $id}` lookup uses), and one on the `id` of
// GUARANTEES relationships (contract numbers are unique; Neo4j >= 5.7).  The one
// bookkeeping node (:Dataset {id: 'dataset'}) holds the declared period of the dataset
// (as_of as a date, region) and where it was loaded from (source).
CREATE CONSTRAINT enterprise_id IF NOT EXISTS FOR (n:Enterprise) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT person_id IF NOT EXISTS FOR (n:Person) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT institution_id IF NOT EXISTS FOR (n:Institution) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT loan_id IF NOT EXISTS FOR (n:Loan) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT guarantee_id IF NOT EXISTS FOR ()-[r:GUARANTEES]-() REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT dataset_id IF NOT EXISTS FOR (n:Dataset) REQUIRE n.id IS UNIQUE;

// Indexes for the properties analysts filter on in Browser/Bloom and that the query
// library reads (group_id, circle_id, warning_level are written by
// `graphrisk neo4j annotate`).
CREATE INDEX enterprise_name IF NOT EXISTS FOR (n:Enterprise) ON (n.name);
CREATE INDEX person_name IF NOT EXISTS FOR (n:Person) ON (n.name);
CREATE INDEX institution_name IF NOT EXISTS FOR (n:Institution) ON (n.name);
CREATE INDEX enterprise_group IF NOT EXISTS FOR (n:Enterprise) ON (n.group_id);
CREATE INDEX enterprise_circle IF NOT EXISTS FOR (n:Enterprise) ON (n.circle_id);
CREATE INDEX enterprise_warning IF NOT EXISTS FOR (n:Enterprise) ON (n.warning_level);
CREATE INDEX person_group IF NOT EXISTS FOR (n:Person) ON (n.group_id);
CREATE INDEX loan_classification IF NOT EXISTS FOR (n:Loan) ON (n.classification);
