package demo

import (
	"encoding/json"
	"html"
	"strconv"
	"strings"

	"github.com/syncrobot/syncrobot/slackfmt"
)

// renderer turns Block Kit JSON into HTML for the page. Every string that
// came from the bot (and so possibly from Syncro) goes through mrkdwn, plain
// or attr, which escape it; the renderer writes no other dynamic text.
type renderer struct {
	users    map[string]string // Slack user id → display name, for <@U…>
	channels map[string]string // channel id → name, for <#C…>
}

// obj is one decoded JSON object of a block or element.
type obj = map[string]any

func str(o obj, key string) string {
	s, _ := o[key].(string)
	return s
}

func sub(o obj, key string) obj {
	m, _ := o[key].(map[string]any)
	return m
}

func list(o obj, key string) []obj {
	raw, _ := o[key].([]any)
	out := make([]obj, 0, len(raw))
	for _, e := range raw {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// attr escapes a value for a double-quoted HTML attribute.
func attr(s string) string { return html.EscapeString(s) }

// text renders a composition text object (plain_text or mrkdwn).
func (r *renderer) text(t obj) string {
	if t == nil {
		return ""
	}
	if str(t, "type") == "mrkdwn" {
		return r.mrkdwn(str(t, "text"))
	}
	return r.plain(str(t, "text"))
}

// textOf returns the raw text of a composition object, for attributes.
func textOf(t obj) string { return str(t, "text") }

// Message renders a message: its blocks, or its fallback text when it has
// none (chat.postMessage with text only is still shown as mrkdwn).
func (r *renderer) Message(text string, blocks json.RawMessage) string {
	var bs []obj
	if len(blocks) > 0 && string(blocks) != "null" {
		if err := json.Unmarshal(blocks, &bs); err != nil {
			return `<div class="bk-invalid">blocks could not be read: ` + html.EscapeString(err.Error()) + `</div>`
		}
	}
	if len(bs) == 0 {
		return `<div class="bk-section"><div class="bk-text">` + r.mrkdwn(text) + `</div></div>`
	}
	return r.Blocks(bs)
}

// Blocks renders a list of blocks.
func (r *renderer) Blocks(bs []obj) string {
	var b strings.Builder
	for _, blk := range bs {
		b.WriteString(r.block(blk))
	}
	return b.String()
}

func (r *renderer) block(blk obj) string {
	id := attr(str(blk, "block_id"))
	switch t := str(blk, "type"); t {
	case "section":
		var b strings.Builder
		b.WriteString(`<div class="bk-section" data-block-id="` + id + `"><div class="bk-section-main">`)
		if tx := sub(blk, "text"); tx != nil {
			b.WriteString(`<div class="bk-text">` + r.text(tx) + `</div>`)
		}
		if fs := list(blk, "fields"); len(fs) > 0 {
			b.WriteString(`<div class="bk-fields">`)
			for _, f := range fs {
				b.WriteString(`<div class="bk-field">` + r.text(f) + `</div>`)
			}
			b.WriteString(`</div>`)
		}
		b.WriteString(`</div>`)
		if acc := sub(blk, "accessory"); acc != nil {
			b.WriteString(`<div class="bk-accessory">` + r.element(acc, str(blk, "block_id")) + `</div>`)
		}
		b.WriteString(`</div>`)
		return b.String()
	case "header":
		return `<h3 class="bk-header" data-block-id="` + id + `">` + r.text(sub(blk, "text")) + `</h3>`
	case "divider":
		return `<hr class="bk-divider">`
	case "context":
		var b strings.Builder
		b.WriteString(`<div class="bk-context" data-block-id="` + id + `">`)
		for _, e := range list(blk, "elements") {
			if str(e, "type") == "image" {
				b.WriteString(`<span class="bk-image-alt">[` + r.plain(str(e, "alt_text")) + `]</span>`)
				continue
			}
			b.WriteString(`<span>` + r.text(e) + `</span>`)
		}
		b.WriteString(`</div>`)
		return b.String()
	case "actions":
		var b strings.Builder
		b.WriteString(`<div class="bk-actions" data-block-id="` + id + `">`)
		for _, e := range list(blk, "elements") {
			b.WriteString(r.element(e, str(blk, "block_id")))
		}
		b.WriteString(`</div>`)
		return b.String()
	case "image":
		// The demo is offline: show what the image is, not a remote fetch.
		return `<div class="bk-image" data-block-id="` + id + `">🖼 ` + r.plain(str(blk, "alt_text")) + `</div>`
	case "input":
		return r.input(blk)
	case "markdown":
		return `<div class="bk-markdown" data-block-id="` + id + `">` + r.mrkdwn(str(blk, "text")) + `</div>`
	case "rich_text":
		return `<div class="bk-rich" data-block-id="` + id + `">` + r.plain(richText(blk)) + `</div>`
	default:
		return `<div class="bk-unsupported">[unsupported block: ` + html.EscapeString(t) + `]</div>`
	}
}

// richText flattens a rich_text block to its text, which is enough for a
// demo: the bot sends rich_text only when echoing user input.
func richText(blk obj) string {
	var b strings.Builder
	var walk func(o obj)
	walk = func(o obj) {
		if s := str(o, "text"); s != "" && str(o, "type") == "text" {
			b.WriteString(s)
		}
		for _, e := range list(o, "elements") {
			walk(e)
		}
	}
	walk(blk)
	return b.String()
}

// interactive returns the data attributes the page's script reads to turn
// a click or choice into a block_actions payload.
func interactive(e obj, blockID string) string {
	return ` data-action-id="` + attr(str(e, "action_id")) + `" data-block-id="` + attr(blockID) + `" data-type="` + attr(str(e, "type")) + `"`
}

// element renders an interactive element in a section accessory or an
// actions block.
func (r *renderer) element(e obj, blockID string) string {
	switch str(e, "type") {
	case "button":
		cls := "bk-button"
		if s := str(e, "style"); s == "primary" || s == "danger" {
			cls += " bk-" + s
		}
		extra := ""
		if c := sub(e, "confirm"); c != nil {
			extra = ` data-confirm="` + attr(textOf(sub(c, "title"))+"\n\n"+slackfmt.UnescapeMrkdwn(textOf(sub(c, "text")))) + `"`
		}
		if u := str(e, "url"); u != "" {
			extra += ` data-url="` + attr(u) + `"`
		}
		return `<button type="button" class="` + cls + `"` + interactive(e, blockID) + ` data-value="` + attr(str(e, "value")) + `"` + extra + `>` + r.text(sub(e, "text")) + `</button>`
	case "static_select", "external_select", "users_select", "conversations_select", "channels_select":
		return `<label class="bk-select-wrap"><span class="sr-only">` + r.plain(textOf(sub(e, "placeholder"))) + `</span><select class="bk-select"` + interactive(e, blockID) + `>` + r.options(e, true) + `</select></label>`
	case "overflow":
		return `<select class="bk-select bk-overflow" aria-label="More actions"` + interactive(e, blockID) + `><option value="">⋯</option>` + r.optionTags(list(e, "options"), "") + `</select>`
	case "datepicker":
		return `<input type="date" class="bk-date"` + interactive(e, blockID) + ` value="` + attr(str(e, "initial_date")) + `" aria-label="` + attr(textOf(sub(e, "placeholder"))) + `">`
	case "image":
		return `<span class="bk-image-alt">[` + r.plain(str(e, "alt_text")) + `]</span>`
	default:
		return `<span class="bk-unsupported">[unsupported element: ` + html.EscapeString(str(e, "type")) + `]</span>`
	}
}

// options renders a select's option tags, with the placeholder first.
func (r *renderer) options(e obj, placeholder bool) string {
	selected := str(sub(e, "initial_option"), "value")
	if selected == "" {
		selected = str(e, "initial_user")
	}
	var b strings.Builder
	if placeholder {
		b.WriteString(`<option value="">` + r.plain(textOf(sub(e, "placeholder"))) + `</option>`)
	}
	b.WriteString(r.optionTags(list(e, "options"), selected))
	for _, g := range list(e, "option_groups") {
		b.WriteString(`<optgroup label="` + attr(textOf(sub(g, "label"))) + `">` + r.optionTags(list(g, "options"), selected) + `</optgroup>`)
	}
	if str(e, "type") == "users_select" {
		var us []option
		for id, name := range r.users {
			us = append(us, option{id, name})
		}
		sortOptions(us)
		for _, u := range us {
			sel := ""
			if u.value == selected {
				sel = " selected"
			}
			b.WriteString(`<option value="` + attr(u.value) + `"` + sel + `>` + r.plain(u.text) + `</option>`)
		}
	}
	if str(e, "type") == "external_select" && selected != "" {
		b.WriteString(`<option value="` + attr(selected) + `" selected>` + r.plain(textOf(sub(sub(e, "initial_option"), "text"))) + `</option>`)
	}
	return b.String()
}

func (r *renderer) optionTags(opts []obj, selected string) string {
	var b strings.Builder
	for _, o := range opts {
		v := str(o, "value")
		sel := ""
		if v == selected && v != "" {
			sel = " selected"
		}
		b.WriteString(`<option value="` + attr(v) + `"` + sel + `>` + r.plain(textOf(sub(o, "text"))) + `</option>`)
	}
	return b.String()
}

// option is a value and its label, for sorting users.
type option struct{ value, text string }

func sortOptions(os []option) {
	for i := 1; i < len(os); i++ {
		for j := i; j > 0 && os[j].text < os[j-1].text; j-- {
			os[j], os[j-1] = os[j-1], os[j]
		}
	}
}

// input renders an input block of a modal. The element carries
// data-kind (its Slack type) so the page's script can build
// view.state.values the way Slack does; errors from response_action
// "errors" are shown in the .bk-error slot.
func (r *renderer) input(blk obj) string {
	blockID := str(blk, "block_id")
	e := sub(blk, "element")
	actionID := str(e, "action_id")
	fid := "f-" + strconv.Itoa(len(blockID)) + "-" + blockID + "-" + actionID
	var b strings.Builder
	optional, isOptional := "", false
	if o, _ := blk["optional"].(bool); o {
		optional, isOptional = ` <span class="bk-optional">(optional)</span>`, true
	}
	b.WriteString(`<div class="bk-input" data-block-id="` + attr(blockID) + `" data-optional="` + strconv.FormatBool(isOptional) + `">`)
	b.WriteString(`<label class="bk-label" for="` + attr(fid) + `">` + r.text(sub(blk, "label")) + optional + `</label>`)
	data := ` id="` + attr(fid) + `" data-kind="` + attr(str(e, "type")) + `" data-block-id="` + attr(blockID) + `" data-action-id="` + attr(actionID) + `"`
	ph := attr(textOf(sub(e, "placeholder")))
	switch str(e, "type") {
	case "plain_text_input":
		maxLen := ""
		if n, ok := e["max_length"].(float64); ok && n > 0 {
			maxLen = ` maxlength="` + strconv.Itoa(int(n)) + `"`
		}
		if m, _ := e["multiline"].(bool); m {
			b.WriteString(`<textarea class="bk-field-input" rows="4"` + data + maxLen + ` placeholder="` + ph + `">` + html.EscapeString(str(e, "initial_value")) + `</textarea>`)
		} else {
			b.WriteString(`<input type="text" class="bk-field-input"` + data + maxLen + ` placeholder="` + ph + `" value="` + attr(str(e, "initial_value")) + `">`)
		}
	case "number_input":
		mode := "numeric"
		if d, _ := e["is_decimal_allowed"].(bool); d {
			mode = "decimal"
		}
		b.WriteString(`<input type="text" inputmode="` + mode + `" class="bk-field-input"` + data + ` placeholder="` + ph + `" value="` + attr(str(e, "initial_value")) + `">`)
	case "email_text_input", "url_text_input":
		typ := "email"
		if str(e, "type") == "url_text_input" {
			typ = "url"
		}
		b.WriteString(`<input type="` + typ + `" class="bk-field-input"` + data + ` placeholder="` + ph + `" value="` + attr(str(e, "initial_value")) + `">`)
	case "static_select", "users_select", "conversations_select", "channels_select":
		b.WriteString(`<select class="bk-field-input"` + data + `>` + r.options(e, true) + `</select>`)
	case "multi_static_select":
		b.WriteString(`<select multiple class="bk-field-input"` + data + `>` + r.options(e, false) + `</select>`)
	case "external_select":
		minQ := 3
		if n, ok := e["min_query_length"].(float64); ok {
			minQ = int(n)
		}
		init := sub(e, "initial_option")
		b.WriteString(`<div class="bk-combo"><input type="text" role="combobox" aria-autocomplete="list" aria-expanded="false" autocomplete="off" class="bk-field-input"` + data +
			` data-min-query="` + strconv.Itoa(minQ) + `" placeholder="` + ph + `" value="` + attr(textOf(sub(init, "text"))) + `" data-selected-value="` + attr(str(init, "value")) + `" data-selected-text="` + attr(textOf(sub(init, "text"))) + `">` +
			`<ul class="bk-listbox" role="listbox" hidden></ul></div>`)
	case "datepicker":
		b.WriteString(`<input type="date" class="bk-field-input"` + data + ` value="` + attr(str(e, "initial_date")) + `">`)
	case "timepicker":
		b.WriteString(`<input type="time" class="bk-field-input"` + data + ` value="` + attr(str(e, "initial_time")) + `">`)
	case "checkboxes", "radio_buttons":
		typ := "checkbox"
		if str(e, "type") == "radio_buttons" {
			typ = "radio"
		}
		initial := map[string]bool{}
		for _, o := range list(e, "initial_options") {
			initial[str(o, "value")] = true
		}
		if o := sub(e, "initial_option"); o != nil {
			initial[str(o, "value")] = true
		}
		b.WriteString(`<fieldset class="bk-choices"` + data + `>`)
		for i, o := range list(e, "options") {
			v := str(o, "value")
			checked := ""
			if initial[v] {
				checked = " checked"
			}
			desc := ""
			if d := sub(o, "description"); d != nil {
				desc = ` <span class="bk-hint">` + r.text(d) + `</span>`
			}
			b.WriteString(`<label><input type="` + typ + `" name="` + attr(fid) + `" id="` + attr(fid+"-"+strconv.Itoa(i)) + `" value="` + attr(v) + `" data-text="` + attr(textOf(sub(o, "text"))) + `"` + checked + `> ` + r.text(sub(o, "text")) + desc + `</label>`)
		}
		b.WriteString(`</fieldset>`)
	default:
		b.WriteString(`<span class="bk-unsupported">[unsupported input: ` + html.EscapeString(str(e, "type")) + `]</span>`)
	}
	if h := sub(blk, "hint"); h != nil {
		b.WriteString(`<div class="bk-hint">` + r.text(h) + `</div>`)
	}
	b.WriteString(`<div class="bk-error" role="alert"></div></div>`)
	return b.String()
}

// View renders a modal's body (its blocks); the title and buttons are
// returned separately so the page can lay them out.
func (r *renderer) View(raw json.RawMessage) (title, submit, closeLabel, body string) {
	var v obj
	if err := json.Unmarshal(raw, &v); err != nil {
		return "Invalid view", "", "Close", `<div class="bk-invalid">view could not be read</div>`
	}
	closeLabel = textOf(sub(v, "close"))
	if closeLabel == "" {
		closeLabel = "Cancel"
	}
	return textOf(sub(v, "title")), textOf(sub(v, "submit")), closeLabel, r.Blocks(list(v, "blocks"))
}
