-- Each Slack user's Syncro user, the one their time is credited to
-- (store.TechMatches, README "Whose time it is").
CREATE TABLE tech_matches (
	slack_user text PRIMARY KEY,
	body       text NOT NULL
);
