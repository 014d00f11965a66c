-- One Slack user per Syncro user (store.TechMatches, README "Whose time
-- it is"): the unique index makes the check that a Syncro user is free
-- and the save one step, across replicas. Two Slack users a bot from
-- before this matched to one Syncro user keep the match made first; the
-- others are dropped and asked again at their next time entry, as the
-- bbolt store does at open.
DELETE FROM tech_matches t USING tech_matches o
WHERE (t.body::jsonb)->>'syncro_user' = (o.body::jsonb)->>'syncro_user'
	AND (((t.body::jsonb)->>'at')::timestamptz, t.slack_user) > (((o.body::jsonb)->>'at')::timestamptz, o.slack_user);

CREATE UNIQUE INDEX tech_matches_syncro_user ON tech_matches (((body::jsonb)->>'syncro_user'));
