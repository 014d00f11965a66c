package slackfmt

import "time"

// Slack's Block Kit and message limits, in characters (runes) unless named
// otherwise. They live here, in one place, so every renderer and sender in
// the bot truncates against the same numbers; docs/slack-limits.md gives
// each one's source.
const (
	MaxBlocksPerMessage = 50        // blocks in one message
	MaxBlocksPerModal   = 100       // blocks in a modal or Home tab
	MaxSectionText      = 3000      // section block text
	MaxSectionFields    = 10        // fields in a section block
	MaxSectionFieldText = 2000      // text of one section field
	MaxHeaderText       = 150       // header block plain_text
	MaxMarkdownText     = 12000     // markdown block text
	MaxActionsElements  = 25        // elements in an actions block
	MaxContextElements  = 10        // elements in a context block
	MaxButtonText       = 75        // button label
	MaxButtonValue      = 2000      // button value
	MaxButtonURL        = 3000      // button url
	MaxOptionText       = 75        // option text and description
	MaxOptionValue      = 150       // option value
	MaxSelectOptions    = 100       // options (or option groups) in a select or a block_suggestion answer
	MaxOptionGroupLabel = 75        // option group label
	MaxPlaceholder      = 150       // placeholder of an input or select
	MaxActionID         = 255       // action_id and block_id
	MaxInputLabel       = 2000      // input block label and hint
	MaxConfirmTitle     = 100       // confirm dialog title
	MaxConfirmText      = 300       // confirm dialog text
	MaxConfirmButton    = 30        // confirm dialog confirm and deny labels
	MaxModalTitle       = 24        // modal title, submit and close labels
	MaxPrivateMetadata  = 3000      // a view's private_metadata
	MaxCallbackID       = 255       // a view's callback_id
	MaxAttachments      = 100       // attachments in one message
	MaxAckBytes         = 20 * 1024 // a Socket Mode ack frame must stay under this

	// MaxMessageText bounds the text of all blocks in one message. Slack
	// rejects messages well below MaxBlocksPerMessage × MaxSectionText
	// characters with msg_blocks_too_long (observed near 13,000); 12,000
	// keeps a margin.
	MaxMessageText = 12000
	// MaxAckPayload is the most a slash-command ack's payload may hold:
	// MaxAckBytes less room for the envelope id around it (slack-go refuses
	// frames of MaxAckBytes or more).
	MaxAckPayload = MaxAckBytes - 1024
	// MaxResponseURLPosts is how many posts one response_url accepts
	// (within its 30 minutes).
	MaxResponseURLPosts = 5
)

// ResponseURLLifetime is how long a response_url accepts posts (up to
// MaxResponseURLPosts of them), replace_original included.
const ResponseURLLifetime = 30 * time.Minute
