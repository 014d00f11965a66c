package htmltext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestToText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain text untouched", "  keep   spacing\n\n\n\nand blanks  ", "  keep   spacing\n\n\n\nand blanks  "},
		{"plain CRLF normalised", "a\r\nb\rc", "a\nb\nc"},
		{"plain less-than is not a tag", "if a < b and x<y then", "if a < b and x<y then"},
		{"plain entity is left alone", "AT&amp;T", "AT&amp;T"},
		{"unknown tag-like word is plain", "<foo> bar", "<foo> bar"},
		{"paragraphs", "<p>one</p><p>two</p>", "one\n\ntwo"},
		{"br", "a<br>b<br/>c", "a\nb\nc"},
		{"double br keeps one blank line", "a<br><br><br><br>b", "a\n\nb"},
		{"divs are lines", "<div>one</div><div>two</div>", "one\ntwo"},
		{"whitespace collapses", "<p>  lots   of\n\tspace  </p>", "lots of space"},
		{"nbsp becomes space", "<p>a&nbsp;&nbsp;b</p>", "a b"},
		{"entities decoded", "<p>Tom &amp; Jerry &lt;3 &quot;x&quot; &#169;</p>", "Tom & Jerry <3 \"x\" ©"},
		{"unordered list", "<ul><li>one</li><li>two</li></ul>", "- one\n- two"},
		{"ordered list", "<ol><li>one</li><li>two</li></ol>", "1. one\n2. two"},
		{"ordered list start", `<ol start="3"><li>c</li><li>d</li></ol>`, "3. c\n4. d"},
		{"nested list", "<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>", "- a\n  - b\n- c"},
		{"list item with paragraphs", "<ol><li><p>first</p><p>more</p></li></ol>", "1. first\n\n   more"},
		{"list between paragraphs", "<p>before</p><ul><li>x</li></ul><p>after</p>", "before\n\n- x\n\nafter"},
		{"link", `see <a href="https://example.com/kb">the KB</a> now`, "see the KB (https://example.com/kb) now"},
		{"link text is url", `<a href="https://example.com">https://example.com</a>`, "https://example.com"},
		{"link text is url without slash", `<a href="https://example.com/">https://example.com</a>`, "https://example.com"},
		{"mailto link", `<a href="mailto:bob@example.com">bob@example.com</a>`, "bob@example.com"},
		{"empty link text", `<p>x <a href="https://e.x/"></a> y</p>`, "x https://e.x/ y"},
		{"javascript link dropped", `<a href="javascript:alert(1)">click</a>`, "click"},
		{"anchor link dropped", `<a href="#top">top</a>`, "top"},
		{"script dropped", "<p>hi</p><script>alert('x')</script><p>bye</p>", "hi\n\nbye"},
		{"style dropped", "<style>p{color:red}</style><p>text</p>", "text"},
		{"head dropped", "<html><head><title>T</title></head><body>body</body></html>", "body"},
		{"comments dropped", "a<!-- secret -->b", "ab"},
		{"other tags stripped", "<p><b>bold</b> and <span class=x>span</span></p>", "bold and span"},
		{"headings", "<h1>Title</h1>text", "Title\n\ntext"},
		{"table cells", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", "a b\nc d"},
		{"pre keeps spacing", "<pre>  x  y\n    z</pre>", "  x  y\n    z"},
		{"escaped script is defused", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", "&lt;script>alert(1)</script>"},
		{"plain script spelling defused", "<SCRIPTX", "&lt;SCRIPTX"},
		{"CRLF in HTML", "<p>a\r\nb</p>", "a b"},
		{"too deep for the parser", strings.Repeat("<div>", 600) + "deep &amp; <b>bold</b><script>x</script><ul><li>i</li></ul>", "deep & bold\n\n- i"},
		{"Outlook-ish", `<div class="WordSection1"><p class="MsoNormal">Hi team,<o:p></o:p></p><p class="MsoNormal">Printer is down.<o:p></o:p></p></div>`, "Hi team,\n\nPrinter is down."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ToText(tt.in); got != tt.want {
				t.Errorf("ToText(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLooksLikeHTML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"plain", false},
		{"a < b", false},
		{"x<y", false},
		{"<p>", true},
		{"</div>", true},
		{"<br/>", true},
		{"<BR>", true},
		{"<!-- c -->", true},
		{"<!DOCTYPE html>", true},
		{"<notatag>", false},
		{"<p", true},
		{"<3", false},
	}
	for _, tt := range tests {
		if got := looksLikeHTML(tt.in); got != tt.want {
			t.Errorf("looksLikeHTML(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func FuzzToText(f *testing.F) {
	for _, s := range []string{
		"", "plain", "<p>a</p>", "<script>x</script>", "&lt;script", "<ul><li>a<ol><li>b",
		`<a href="javascript:x">y</a>`, "<pre>\r\n x</pre>", "\xff<p>\xfe</p>", "<table><td>a<td>b",
		"<svg><script>x</script></svg>", "<noscript><script>x</script></noscript>",
		"<textarea><script></textarea>", "<p>&lt;SCRIPT</p>", "<<script>script>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := ToText(in)
		if strings.Contains(strings.ToLower(out), "<script") {
			t.Fatalf("ToText(%q) = %q contains <script", in, out)
		}
		if !utf8.ValidString(out) {
			t.Fatalf("ToText(%q) = %q is not valid UTF-8", in, out)
		}
		if strings.Contains(out, "\r") && looksLikeHTML(in) {
			t.Fatalf("ToText(%q) = %q keeps a carriage return", in, out)
		}
	})
}
