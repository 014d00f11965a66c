package commands

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"

	"github.com/slack-go/slack"

	"github.com/syncrobot/syncrobot/commands/cmdline"
	"github.com/syncrobot/syncrobot/slackfmt"
)

// Callback ids of the write-side modals. bot routes a view_submission to
// Validate and Submit by these; they are part of the contract with bot, so
// they are exported and never change meaning.
const (
	// CallbackCreate is the "New ticket" modal (/syncro create).
	CallbackCreate = "syncro_create"
	// CallbackUpdate is the "Update #N" modal (/syncro update N, no flags).
	CallbackUpdate = "syncro_update"
	// CallbackClose is the "Close #N" modal (/syncro close N, Close button).
	CallbackClose = "syncro_close"
	// CallbackBill is the "Bill #N" modal (/syncro bill N, Bill button).
	CallbackBill = "syncro_bill"
	// CallbackLogTime is the "Log time on #N" modal (Log time button).
	CallbackLogTime = "syncro_log_time"
)

// Input block ids of the write-side modals. Validate keys its FieldErrors
// by them (Slack shows an error only under an input block whose block_id it
// names). Each block holds one element whose action id equals the block id.
const (
	BlockCustomer     = "customer"      // create: external select of customers
	BlockContact      = "contact"       // create: contact name (optional text)
	BlockSubject      = "subject"       // create: subject
	BlockProblemType  = "problem_type"  // create: static select
	BlockPriority     = "priority"      // create, update: static select
	BlockDue          = "due"           // create, update: date picker
	BlockTech         = "tech"          // create, update: static select of techs
	BlockIssue        = "issue"         // create: initial issue (multiline)
	BlockStatus       = "status"        // update: static select of statuses
	BlockResolution   = "resolution"    // close: resolution note (required)
	BlockMinutes      = "minutes"       // close, bill, log time: time spent
	BlockLabor        = "labor"         // close, bill, log time: labor kind
	BlockNotes        = "notes"         // bill, log time: work notes
	BlockCloseOptions = "close_options" // close: checkboxes below
)

// Values of the close modal's checkboxes (BlockCloseOptions).
const (
	CloseOptionNotify     = "notify"      // post a notice to NOTIFY_CHANNEL
	CloseOptionSessionLog = "session_log" // write a session log
	CloseOptionEmail      = "email"       // email the resolution to the customer
)

// ActionCustomerSearch is the action id of the create modal's customer
// external select; its block_suggestion goes to Suggest.
const ActionCustomerSearch = BlockCustomer

// CustomerMinQuery is the customer search's min_query_length: two letters
// already narrow Syncro's autocomplete enough, and Slack's default of three
// makes short names like "HP" unreachable.
const CustomerMinQuery = 2

// ModalMeta is a modal's private_metadata: what Submit needs so it never
// looks a ticket up twice. Keys are short because Slack caps the whole
// string at slackfmt.MaxPrivateMetadata characters.
type ModalMeta struct {
	TicketID   int64  `json:"t,omitempty"`
	Number     int64  `json:"n,omitempty"`
	CustomerID int64  `json:"c,omitempty"`
	Channel    string `json:"ch,omitempty"`
	// Status is the ticket's status when the modal opened (update: the
	// value to diff against; bill: whether Invoiced must still be set).
	Status   string `json:"st,omitempty"`
	Priority string `json:"pr,omitempty"`
	UserID   int64  `json:"u,omitempty"`
	UserName string `json:"un,omitempty"`
	Due      string `json:"due,omitempty"` // YYYY-MM-DD
	// TargetStatus is the status the submit sets: the account's closed
	// status for close, its Invoiced status for bill ("" = none exists).
	TargetStatus string `json:"ts,omitempty"`
	// TimeZone is the account's zone, for session logs.
	TimeZone string `json:"tz,omitempty"`
	// Uncharged is the minutes already logged on the ticket but not yet
	// charged; -1 when there are none but charges wait to be invoiced.
	// Non-zero lets the bill form's minutes be left empty.
	Uncharged int `json:"uc,omitempty"`
	// Shown fingerprints the uncharged time the bill form showed, so the
	// bill invoices only that (commands/tickets/billshown.go).
	Shown string `json:"sh,omitempty"`
	// Msg is the Slack message a form was opened from (a message
	// shortcut); nil otherwise.
	Msg *MessageMeta `json:"m,omitempty"`
}

// Encode renders m as compact JSON, shortening free-text fields if the
// result would pass Slack's limit.
func (m ModalMeta) Encode() string {
	for range 3 {
		b, err := json.Marshal(m)
		if err != nil {
			panic("commands: encode modal metadata: " + err.Error()) // plain struct; cannot fail
		}
		if cmdline.RuneLen(string(b)) <= slackfmt.MaxPrivateMetadata {
			return string(b)
		}
		m.UserName = slackfmt.Truncate(m.UserName, 60)
		m.Status = slackfmt.Truncate(m.Status, 200)
		m.Priority = slackfmt.Truncate(m.Priority, 200)
		m.TargetStatus = slackfmt.Truncate(m.TargetStatus, 200)
	}
	panic("commands: modal metadata too long")
}

// DecodeMeta reads private_metadata written by encode.
func DecodeMeta(s string) (ModalMeta, error) {
	var m ModalMeta
	if strings.TrimSpace(s) == "" {
		return m, fmt.Errorf("modal metadata is empty")
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return m, fmt.Errorf("decode modal metadata: %w", err)
	}
	return m, nil
}

// Plain is a plain_text object; emoji on so typed :shortcodes: render.
func Plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

// Mrkdwn is a mrkdwn text object; callers escape what they put in.
func Mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

// Option is a select option; text and value are cut to Slack's limits.
func Option(value, text string) *slack.OptionBlockObject {
	t := slackfmt.PlainText(text, slackfmt.MaxOptionText)
	if t == "" {
		t = "(none)"
	}
	return slack.NewOptionBlockObject(slackfmt.Truncate(value, slackfmt.MaxOptionValue), Plain(t), nil)
}

// NewModal builds a modal with Slack's 24-character title/submit limits
// applied. A modal without input blocks gets no submit button.
func NewModal(callbackID, title, submit string, meta ModalMeta, blocks ...slack.Block) *slack.ModalViewRequest {
	v := &slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callbackID,
		Title:           Plain(slackfmt.PlainText(title, slackfmt.MaxModalTitle)),
		Close:           Plain("Cancel"),
		Blocks:          slack.Blocks{BlockSet: blocks},
		PrivateMetadata: meta.Encode(),
	}
	if submit != "" {
		v.Submit = Plain(slackfmt.PlainText(submit, slackfmt.MaxModalTitle))
	}
	return v
}

// noticeModal is a view with one message and no inputs: what a modal-opening
// command shows when it cannot build its form (bot has already opened a
// "Loading…" view that must be replaced by something).
func noticeModal(title, text string) *slack.ModalViewRequest {
	return &slack.ModalViewRequest{
		Type:   slack.VTModal,
		Title:  Plain(slackfmt.PlainText(title, slackfmt.MaxModalTitle)),
		Close:  Plain("Close"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(Mrkdwn(slackfmt.Truncate(text, slackfmt.MaxSectionText)), nil, nil)}},
	}
}

// AsModal turns a text reply of a modal-opening command into a notice
// modal too, so bot can replace its "Loading…" view whichever it shows.
func AsModal(r Reply, title string) Reply {
	if r.Modal == nil {
		r.Modal = noticeModal(title, r.Text)
	}
	return r
}

// InputBlock is an input block whose element's action id equals blockID.
func InputBlock(blockID, label, hint string, el slack.BlockElement, optional bool) *slack.InputBlock {
	var h *slack.TextBlockObject
	if hint != "" {
		h = Plain(hint)
	}
	b := slack.NewInputBlock(blockID, Plain(label), h, el)
	b.Optional = optional
	return b
}

// TextInput is a plain-text input; initial is cut to maxLen.
func TextInput(actionID, placeholder, initial string, multiline bool, maxLen int) *slack.PlainTextInputBlockElement {
	var ph *slack.TextBlockObject
	if placeholder != "" {
		ph = Plain(placeholder)
	}
	el := slack.NewPlainTextInputBlockElement(ph, actionID)
	el.Multiline = multiline
	if maxLen > 0 {
		el.MaxLength = maxLen
		initial = slackfmt.Truncate(initial, maxLen)
	}
	el.InitialValue = initial
	return el
}

// StaticSelect is a static select of options (at most slackfmt.MaxSelectOptions),
// preselecting the option whose value is initial.
func StaticSelect(actionID, placeholder string, opts []*slack.OptionBlockObject, initial string) *slack.SelectBlockElement {
	if len(opts) > slackfmt.MaxSelectOptions {
		opts = opts[:slackfmt.MaxSelectOptions]
	}
	el := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, Plain(placeholder), actionID, opts...)
	for _, o := range opts {
		if initial != "" && o.Value == initial {
			el.InitialOption = o
		}
	}
	return el
}

// SubmissionValue returns the state of the input block blockID (element
// action id == block id; any single element is accepted).
func SubmissionValue(s Submission, blockID string) (slack.BlockAction, bool) {
	els, ok := s.Values[blockID]
	if !ok {
		return slack.BlockAction{}, false
	}
	if v, ok := els[blockID]; ok {
		return v, true
	}
	for _, v := range els {
		return v, true
	}
	return slack.BlockAction{}, false
}

// InputText is the trimmed typed value of a text or number input.
func InputText(s Submission, blockID string) string {
	v, _ := SubmissionValue(s, blockID)
	return strings.TrimSpace(v.Value)
}

// SelectedValue is the value of the option picked in a select.
func SelectedValue(s Submission, blockID string) string {
	v, _ := SubmissionValue(s, blockID)
	return v.SelectedOption.Value
}

// SelectedText is the text of the option picked in a select.
func SelectedText(s Submission, blockID string) string {
	v, _ := SubmissionValue(s, blockID)
	if v.SelectedOption.Text == nil {
		return ""
	}
	return v.SelectedOption.Text.Text
}

// CheckedOptions is the set of ticked checkbox values in blockID.
func CheckedOptions(s Submission, blockID string) map[string]bool {
	v, _ := SubmissionValue(s, blockID)
	out := map[string]bool{}
	for _, o := range v.SelectedOptions {
		out[o.Value] = true
	}
	return out
}

// FieldMessage turns a mrkdwn usage message into the plain text Slack shows
// under a field (no backticks, no HTML entities).
func FieldMessage(msg string) string {
	return html.UnescapeString(strings.ReplaceAll(msg, "`", ""))
}
