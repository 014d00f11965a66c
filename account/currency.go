package account

import (
	"strconv"

	"github.com/syncrobot/syncrobot/slackfmt"
	"github.com/syncrobot/syncrobot/syncro"
)

// Currency is an account's currency symbol as Syncro's settings give it
// ("$", "€", "R"); "" when it is not known.
type Currency string

// Text shows m as the account does, to the cent: "$337.50", "-$5.00";
// without a symbol ("" Currency) just the number, "337.50", claiming no
// currency the account may not use. It is raw text, for renderers that
// escape (notices); Mrkdwn is for mrkdwn.
func (c Currency) Text(m syncro.Money) string {
	cents := m.Cents()
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	frac := strconv.FormatInt(cents%100, 10)
	if len(frac) < 2 {
		frac = "0" + frac
	}
	return sign + string(c) + strconv.FormatInt(cents/100, 10) + "." + frac
}

// Mrkdwn is Text escaped for mrkdwn: the symbol is Syncro's text.
func (c Currency) Mrkdwn(m syncro.Money) string {
	return slackfmt.MrkdwnLiteral(c.Text(m))
}
