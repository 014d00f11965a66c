package demo

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/syncrobot/syncrobot/slackfmt"
)

func testRenderer() *renderer {
	return &renderer{
		users:    map[string]string{UserID: UserReal},
		channels: map[string]string{SupportChannel: SupportChannelName},
	}
}

func TestMrkdwn_FormatsAndEscapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"bold", "*Own cloud thing*", "<b>Own cloud thing</b>"},
		{"italics", "_waiting on customer_", "<i>waiting on customer</i>"},
		{"strike", "~old~", "<s>old</s>"},
		{"code span", "`/syncro ticket 32150`", "<code>/syncro ticket 32150</code>"},
		{"code is not formatted", "`*x*`", "<code>*x*</code>"},
		{"code block", "```a < b```", "<pre>a &lt; b</pre>"},
		{"snake case stays", "labor_remote_business", "labor_remote_business"},
		{"multiplication stays", "2*3*4", "2*3*4"},
		{"link with label", "<https://acme.syncromsp.com/tickets/1|#32150>", `<a href="https://acme.syncromsp.com/tickets/1" target="_blank" rel="noopener noreferrer">#32150</a>`},
		{"bold link", "*<https://x.example/|Ticket>*", `<b><a href="https://x.example/" target="_blank" rel="noopener noreferrer">Ticket</a></b>`},
		{"bare link", "<https://x.example/a_b_c>", `<a href="https://x.example/a_b_c" target="_blank" rel="noopener noreferrer">https://x.example/a_b_c</a>`},
		{"escaped entities shown literally", "&lt;b&gt; &amp; co", "&lt;b&gt; &amp; co"},
		{"escaped channel mention is text", "&lt;!channel&gt; Pingers", "&lt;!channel&gt; Pingers"},
		{"channel mention", "<!channel> ping", `<span class="mention">@channel</span> ping`},
		{"user mention", "<@U0DEMO> took it", `<span class="mention">@Dana Whitfield</span> took it`},
		{"channel link", "<#C0SUPPORT>", `<span class="mention">#support</span>`},
		{"javascript link is text", "<javascript:alert(1)|click>", "&lt;javascript:alert(1)|click&gt;"},
		{"raw tag is text", "<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"},
		{"escaped tag is text", "&lt;img src=x onerror=alert(1)&gt;", "&lt;img src=x onerror=alert(1)&gt;"},
		{"quotes in text", `say "hi" & 'bye'`, "say &#34;hi&#34; &amp; &#39;bye&#39;"},
		{"newline", "a\nb", "a<br>b"},
		{"emoji", ":white_check_mark: done :nope:", "✅ done :nope:"},
		{"quote", "&gt; quoted", `<blockquote class="quote">quoted</blockquote>`},
		// One quote with an unbroken bar, as Slack draws it; the quote ends
		// its line, so no empty line follows it.
		{"quoted lines are one quote", "Update\n&gt; a\n&gt;\n&gt; - b\nafter", `Update<br><blockquote class="quote">a<br><br>- b</blockquote>after`},
		{"raw quote marker", "> a\n>b", `<blockquote class="quote">a<br>b</blockquote>`},
		{"blank line after a quote stays", "&gt; a\n\nb", `<blockquote class="quote">a</blockquote><br>b`},
		{"unterminated", "*not bold", "*not bold"},
		// Two links around a digit: each shown where it stands.
		{"links around a digit", "<https://a.example/|a>1<https://b.example/|b>", `<a href="https://a.example/" target="_blank" rel="noopener noreferrer">a</a>1<a href="https://b.example/" target="_blank" rel="noopener noreferrer">b</a>`},
		{"control characters dropped", "a\x00b\x01c", "abc"},
	}
	r := testRenderer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := r.mrkdwn(tt.in); got != tt.want {
				t.Errorf("mrkdwn(%q)\n got %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestRenderBlocks_Table(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		blocks string
		want   []string // substrings, in order
		reject []string
	}{
		{
			name:   "section with text and fields",
			blocks: `[{"type":"section","block_id":"t","text":{"type":"mrkdwn","text":"*#32150* Own cloud"},"fields":[{"type":"mrkdwn","text":"*Status*\nIn Progress"},{"type":"plain_text","text":"*not bold*"}]}]`,
			want:   []string{`<div class="bk-section" data-block-id="t">`, `<b>#32150</b> Own cloud`, `<div class="bk-field"><b>Status</b><br>In Progress</div>`, `<div class="bk-field">*not bold*</div>`},
		},
		{
			name:   "header, context, divider",
			blocks: `[{"type":"header","text":{"type":"plain_text","text":"Open tickets <3>"}},{"type":"context","elements":[{"type":"mrkdwn","text":"_page 1_"}]},{"type":"divider"}]`,
			want:   []string{`<h3 class="bk-header" data-block-id="">Open tickets &lt;3&gt;</h3>`, `<span><i>page 1</i></span>`, `<hr class="bk-divider">`},
		},
		{
			name:   "actions with buttons and a select",
			blocks: `[{"type":"actions","block_id":"a","elements":[{"type":"button","action_id":"make_invoice","value":"32150","style":"primary","text":{"type":"plain_text","text":"Make invoice"}},{"type":"static_select","action_id":"status","placeholder":{"type":"plain_text","text":"Status"},"options":[{"text":{"type":"plain_text","text":"Resolved"},"value":"Resolved"}]}]}]`,
			want: []string{`<button type="button" class="bk-button bk-primary" data-action-id="make_invoice" data-block-id="a" data-type="button" data-value="32150">Make invoice</button>`,
				`<select class="bk-select" data-action-id="status" data-block-id="a" data-type="static_select"><option value="">Status</option><option value="Resolved">Resolved</option></select>`},
		},
		{
			name:   "button value with quotes cannot break out of its attribute",
			blocks: `[{"type":"actions","block_id":"a","elements":[{"type":"button","action_id":"x","value":"\"><script>alert(1)</script>","text":{"type":"plain_text","text":"<b>hi</b>"}}]}]`,
			want:   []string{`data-value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`, `&lt;b&gt;hi&lt;/b&gt;</button>`},
			reject: []string{"<script>", "<b>hi"},
		},
		{
			name:   "Syncro subject with markup renders inert",
			blocks: `[{"type":"section","text":{"type":"mrkdwn","text":"&lt;img src=x onerror=alert(1)&gt; <!channel> &lt;!channel&gt;"}}]`,
			want:   []string{`&lt;img src=x onerror=alert(1)&gt; <span class="mention">@channel</span> &lt;!channel&gt;`},
			reject: []string{"<img"},
		},
		{
			name:   "modal inputs",
			blocks: `[{"type":"input","block_id":"minutes_b","label":{"type":"plain_text","text":"Minutes"},"element":{"type":"plain_text_input","action_id":"minutes","initial_value":"45"}},{"type":"input","block_id":"note_b","optional":true,"label":{"type":"plain_text","text":"Note"},"element":{"type":"plain_text_input","action_id":"note","multiline":true}},{"type":"input","block_id":"c","label":{"type":"plain_text","text":"Customer"},"element":{"type":"external_select","action_id":"customer","min_query_length":2}},{"type":"input","block_id":"d","label":{"type":"plain_text","text":"Date"},"element":{"type":"datepicker","action_id":"date","initial_date":"2026-11-20"}},{"type":"input","block_id":"k","label":{"type":"plain_text","text":"Options"},"element":{"type":"checkboxes","action_id":"opts","options":[{"text":{"type":"plain_text","text":"Bill now"},"value":"bill"}],"initial_options":[{"text":{"type":"plain_text","text":"Bill now"},"value":"bill"}]}},{"type":"input","block_id":"n","label":{"type":"plain_text","text":"Qty"},"element":{"type":"number_input","action_id":"qty","is_decimal_allowed":false}}]`,
			want: []string{`data-block-id="minutes_b" data-optional="false"`, `data-kind="plain_text_input" data-block-id="minutes_b" data-action-id="minutes"`, `value="45"`,
				`<span class="bk-optional">(optional)</span>`, `<textarea`,
				`role="combobox"`, `data-min-query="2"`,
				`<input type="date" class="bk-field-input"`, `value="2026-11-20"`,
				`value="bill" data-text="Bill now" checked>`,
				`inputmode="numeric"`, `<div class="bk-error" role="alert"></div>`},
		},
		{
			name:   "unknown block says so",
			blocks: `[{"type":"video","title":{"type":"plain_text","text":"x"}}]`,
			want:   []string{`[unsupported block: video]`},
		},
	}
	r := testRenderer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := r.Message("fallback", json.RawMessage(tt.blocks))
			rest := got
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("rendered HTML lacks (in order) %s\nHTML: %s", w, got)
				}
				rest = rest[i+len(w):]
			}
			for _, bad := range tt.reject {
				if strings.Contains(got, bad) {
					t.Errorf("rendered HTML contains %q\nHTML: %s", bad, got)
				}
			}
		})
	}
}

func TestRenderMessage_TextOnlyUsesFallbackText(t *testing.T) {
	t.Parallel()
	got := testRenderer().Message("*Closed* #32150", nil)
	if !strings.Contains(got, "<b>Closed</b> #32150") {
		t.Errorf("got %s", got)
	}
}

func TestRenderView_TitleAndButtons(t *testing.T) {
	t.Parallel()
	title, submit, cl, body := testRenderer().View(json.RawMessage(`{"type":"modal","title":{"type":"plain_text","text":"Make invoice"},"submit":{"type":"plain_text","text":"Invoice"},"blocks":[{"type":"divider"}]}`))
	if title != "Make invoice" || submit != "Invoice" || cl != "Cancel" || body != `<hr class="bk-divider">` {
		t.Errorf("View = %q %q %q %q", title, submit, cl, body)
	}
}

// ownTagRE matches the only markup the mrkdwn renderer writes itself; a
// link's address is one a page may follow.
var ownTagRE = regexp.MustCompile(`^<(?:/?(?:b|i|s|code|pre|blockquote|span|a)|br|blockquote class="quote"|span class="mention"|a href="(?:https?|mailto):[^"<>]*" target="_blank" rel="noopener noreferrer")>`)

// FuzzMrkdwn_NeverEmitsTagsFromInput checks that whatever text the bot sends (and
// so whatever Syncro holds) the page gets no markup but the renderer's
// own, every quote it opens is closed, and nothing is left of the
// placeholders that keep code and links out of the formatting pass.
func FuzzMrkdwn_NeverEmitsTagsFromInput(f *testing.F) {
	for _, s := range []string{
		"<img onerror=x>", "*<https://a|b>*", "`<x>`", "```<y>```", "<javascript:x|y>", "<!date^1|<b>>",
		"*bold* _it_ ~s~ `code` ```pre```", "&gt; a\n&gt;\n&gt; b\nafter", "> q\n\nx", "<https://x.example/?a=1&b=2|link>",
		"<javascript:alert(1)|x>", "<img src=x onerror=alert(1)>", "&lt;script&gt;", "<@U0DEMO> <#C0SUPPORT> <!channel>",
		"`a\n> b`", "*a\n&gt; b*", "&gt; *a* `b` <https://x.example>", "\"'<>&", ":white_check_mark: :x:",
	} {
		f.Add(s)
	}
	r := testRenderer()
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > slackfmt.MaxSectionText {
			return // the longest mrkdwn text the bot sends; emphasis is quadratic in a line's length
		}
		out := r.mrkdwn(s)
		for i := 0; i < len(out); i++ {
			switch out[i] {
			case '<':
				m := ownTagRE.FindString(out[i:])
				if m == "" {
					t.Fatalf("mrkdwn(%q) wrote markup of its input at %d:\n%s", s, i, out)
				}
				i += len(m) - 1
			case '>', 0, 1:
				t.Fatalf("mrkdwn(%q) left %q unescaped at %d:\n%s", s, out[i], i, out)
			}
		}
		if open, closed := strings.Count(out, `<blockquote class="quote">`), strings.Count(out, "</blockquote>"); open != closed {
			t.Fatalf("mrkdwn(%q) opens %d quotes and closes %d:\n%s", s, open, closed, out)
		}
	})
}
