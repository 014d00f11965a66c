package config

import (
	"bytes"
	"io"
	"text/template"

	"github.com/kelseyhightower/envconfig"
)

// usageFormat is the envconfig.Usaget template for Usage: one entry per
// Config field, in declaration order, from the same struct tags (and
// ownedDefaults) Load reads.
const usageFormat = `The bot is configured through these environment variables:
{{range .}}
  {{.Key}}{{with default_of .Key}}  (default {{.}}){{end}}
      {{.Tags.Get "desc"}}{{end}}

SYNCRO_API_KEY_SOPS_FILE is decrypted in-process; the age identity comes from
SOPS_AGE_KEY (one AGE-SECRET-KEY-1… per line) or SOPS_AGE_KEY_FILE, other key
types (PGP, AWS/GCP/Azure KMS, Vault) from the environment as the sops CLI
reads it.
`

// usageTemplate renders usageFormat with each variable's default as Load
// applies it.
var usageTemplate = template.Must(template.New("usage").Funcs(template.FuncMap{
	"default_of": func(env string) string {
		for _, f := range fields {
			if f.env == env {
				return f.def
			}
		}
		return ""
	},
}).Parse(usageFormat))

// Usage writes every variable with its default and meaning to w, for
// `bot -h`. Write errors are ignored, as flag.PrintDefaults does.
func Usage(w io.Writer) {
	var buf bytes.Buffer
	if err := envconfig.Usaget("", &Config{}, &buf, usageTemplate); err != nil {
		// Only a broken template or struct tag gets here; tests catch it.
		panic("config: usage: " + err.Error())
	}
	_, _ = w.Write(buf.Bytes())
}
