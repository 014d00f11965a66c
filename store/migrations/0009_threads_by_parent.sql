-- threads_by_parent indexes ticket_threads by the thread (its parent's
-- ts) the ticket's message is in, so "Add to ticket" anywhere in the
-- thread finds the ticket made last from it; threads_by_message now
-- keys the message's own ts (a reply's), so "Create Syncro ticket" on the
-- reply, not on its parent, names the ticket (store.TicketThreads).
-- Until now threads_by_message was keyed by the record's ts, the
-- thread's parent: what the new index holds. As the message index it
-- stays right for those records, which read as message ts = ts.
CREATE TABLE threads_by_parent (
	channel   text NOT NULL,
	ts        text NOT NULL,
	ticket_id bigint NOT NULL,
	PRIMARY KEY (channel, ts)
);

INSERT INTO threads_by_parent (channel, ts, ticket_id)
SELECT channel, ts, ticket_id FROM threads_by_message;
