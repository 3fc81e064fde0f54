from graphrisk.domain import glossary as g
from graphrisk.io.read import normalise_header


def test_aliases_unique_within_each_table():
    for t in g.TABLES.values():
        seen = {}
        for c in t.columns:
            for key in (c.name, *c.aliases):
                k = normalise_header(key)
                assert k not in seen or seen[k] == c.name, (t.name, key)
                seen[k] = c.name


def test_table_order_covers_tables():
    assert set(g.TABLE_ORDER) == set(g.TABLES)


def test_relationship_directions():
    r = g.RELATIONSHIPS[g.GUARANTEES]
    assert g.PERSON in r.source and g.INSTITUTION in r.source
    assert r.target == (g.ENTERPRISE, g.PERSON)
    assert g.RELATIONSHIPS[g.HOLDS_SHARES].target == (g.ENTERPRISE,)


def test_enum_labels():
    assert g.label_zh("status", "defaulted") == "违约"
    assert g.NON_PERFORMING == {"substandard", "doubtful", "loss"}
    assert set(g.ROLE) >= g.MANAGEMENT_ROLES
