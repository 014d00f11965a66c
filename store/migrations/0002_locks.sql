-- locks: named locks held across replicas (store.Postgres.Lock), such as
-- the lock of one ticket's flows. A lock whose replica is gone, or older
-- than the lease, is taken over.
CREATE TABLE locks (
	name      text PRIMARY KEY,
	holder    integer NOT NULL,
	token     text NOT NULL,
	locked_at timestamptz NOT NULL
);
