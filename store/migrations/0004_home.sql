-- The techs' end-of-day summaries (commands/home) and the channels'
-- ticket subscriptions (commands/subscriptions).

CREATE TABLE summary_settings (
	user_id text PRIMARY KEY,
	body    text NOT NULL
);

-- summary_sent holds the last day (YYYY-MM-DD) a person's summary was
-- claimed; days compare as text.
CREATE TABLE summary_sent (
	user_id text PRIMARY KEY,
	day     text NOT NULL
);

CREATE TABLE subscriptions (
	id      bigserial PRIMARY KEY,
	channel text NOT NULL,
	body    text NOT NULL
);

CREATE TABLE subscription_notified (
	subscription bigint NOT NULL,
	key          text NOT NULL,
	at           timestamptz NOT NULL,
	PRIMARY KEY (subscription, key)
);
