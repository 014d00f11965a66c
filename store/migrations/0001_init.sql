-- The bot's state on PostgreSQL (store.OpenPostgres): one table per
-- concern of store/backend.go. Bodies are the same JSON bbolt keeps, in
-- text columns so they read back byte for byte; the other columns are what
-- queries select, order or sweep by. Times are the store's clock (Go's),
-- never now() of the server, so a test's fake clock holds here too.

CREATE TABLE claims (
	key        text PRIMARY KEY,
	intent     text NOT NULL DEFAULT '',
	state      text NOT NULL,
	token      text NOT NULL DEFAULT '',
	-- holder is the replica (OpenPostgres) whose caller holds a pending
	-- claim; it is alive while it holds its advisory lock.
	holder     integer NOT NULL DEFAULT 0,
	attempts   integer NOT NULL DEFAULT 0,
	outcome    bytea,
	failure    text NOT NULL DEFAULT '',
	retryable  boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL,
	claimed_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL
);

CREATE TABLE flows (
	id         text PRIMARY KEY,
	ticket     bigint NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL,
	finished   boolean NOT NULL,
	body       text NOT NULL
);
CREATE INDEX flows_by_ticket ON flows (ticket, created_at DESC);
CREATE INDEX flows_unfinished ON flows (created_at) WHERE NOT finished;

CREATE TABLE audit (
	seq    bigserial PRIMARY KEY,
	at     timestamptz NOT NULL,
	ticket bigint NOT NULL,
	body   text NOT NULL
);
CREATE INDEX audit_by_ticket ON audit (ticket, at DESC, seq DESC);
CREATE INDEX audit_by_time ON audit (at);

CREATE TABLE cursors (
	name text PRIMARY KEY,
	body text NOT NULL
);

-- announced holds one row per ticket and event: 'closed', and 'billed'
-- for a bill made from Slack (store.MarkBillAnnounced).
CREATE TABLE announced (
	ticket       bigint NOT NULL,
	event        text NOT NULL,
	updated_at   timestamptz NOT NULL,
	announced_at timestamptz NOT NULL,
	PRIMARY KEY (ticket, event)
);

CREATE TABLE closing (
	ticket    bigint PRIMARY KEY,
	flow      text NOT NULL,
	marked_at timestamptz NOT NULL
);

CREATE TABLE flags (
	name  text PRIMARY KEY,
	value text NOT NULL
);

CREATE TABLE recent_writes (
	key  text PRIMARY KEY,
	at   timestamptz NOT NULL,
	body text NOT NULL
);

CREATE TABLE channel_links (
	channel text PRIMARY KEY,
	body    text NOT NULL
);

CREATE TABLE ticket_threads (
	ticket_id bigint PRIMARY KEY,
	body      text NOT NULL
);

-- threads_by_message indexes ticket_threads by the message a ticket was
-- made from; a later record for the message replaces the earlier.
CREATE TABLE threads_by_message (
	channel   text NOT NULL,
	ts        text NOT NULL,
	ticket_id bigint NOT NULL,
	PRIMARY KEY (channel, ts)
);
