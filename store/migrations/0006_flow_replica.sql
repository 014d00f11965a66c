-- The replica that last stepped each flow (0: none recorded), so a
-- starting replica tells only the owners of flows whose replica is gone
-- (store.Postgres.OrphanedFlows); a live replica's flow is left to it.

ALTER TABLE flows ADD COLUMN replica integer NOT NULL DEFAULT 0;
