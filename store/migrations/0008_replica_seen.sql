-- When each replica was last seen holding its session (store.Postgres
-- keepAlive), so a flow is adopted only from a replica gone for longer
-- than a live one needs to take a lost session back (replicaGoneSQL): a
-- replica cut off the database for a moment is not taken for dead.

CREATE TABLE replicas (
	id integer PRIMARY KEY,
	seen_at timestamptz NOT NULL
);
