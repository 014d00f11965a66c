-- unfurls holds, per channel and link, when the bot last previewed the
-- link there (Unfurls): not again within UnfurlWindow.
CREATE TABLE unfurls (
	channel text NOT NULL,
	link    text NOT NULL,
	at      timestamptz NOT NULL,
	PRIMARY KEY (channel, link)
);
