"""Snapshots of the test Neo4j, read over its own Query API (not through
the gateway), so tests can prove that rejected statements changed nothing."""

import gateway_harness as h

MOVIES_NODES = 171
MOVIES_RELATIONSHIPS = 253


def rows(statement, database="neo4j"):
    resp = h.neo4j_direct(statement, database=database)
    assert resp.status == 202, resp.body
    return resp.json()["data"]["values"]


def node_count():
    return rows("MATCH (n) RETURN count(n)")[0][0]


def relationship_count():
    return rows("MATCH ()-[r]->() RETURN count(r)")[0][0]


def snapshot():
    """Return everything a write, schema or administration command could
    change: every node and relationship with labels, types and properties,
    label, type and property-key tokens, indexes, constraints and users."""
    return {
        "node_count": node_count(),
        "relationship_count": relationship_count(),
        "nodes": rows("MATCH (n) RETURN elementId(n), labels(n), properties(n) ORDER BY elementId(n)"),
        "relationships": rows(
            "MATCH (a)-[r]->(b) RETURN elementId(r), elementId(a), type(r), properties(r), elementId(b) "
            "ORDER BY elementId(r)"),
        "labels": rows("CALL db.labels() YIELD label RETURN label ORDER BY label"),
        "relationship_types": rows(
            "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType ORDER BY relationshipType"),
        "property_keys": rows("CALL db.propertyKeys() YIELD propertyKey RETURN propertyKey ORDER BY propertyKey"),
        "indexes": rows("SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, state "
                        "RETURN name, type, entityType, labelsOrTypes, properties, state ORDER BY name"),
        "constraints": rows("SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties "
                            "RETURN name, type, labelsOrTypes, properties ORDER BY name"),
        "users": rows("SHOW USERS YIELD user, suspended, passwordChangeRequired "
                      "RETURN user, suspended, passwordChangeRequired ORDER BY user", database="system"),
    }


def assert_unchanged(before, after):
    """Compare two snapshots key by key, so a failure names what changed."""
    for key in before:
        assert after[key] == before[key], f"{key} changed: before {before[key]!r:.300}, after {after[key]!r:.300}"
