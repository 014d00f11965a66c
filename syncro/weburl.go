package syncro

import (
	"regexp"
	"strconv"
	"strings"
)

// hostSuffix follows the account subdomain in every Syncro host: the web
// app at https://acme.syncromsp.com and its API under /api/v1/ there.
const hostSuffix = ".syncromsp.com"

// subdomainRE is a DNS label: what Syncro subdomains are. Anything else
// (dots, slashes, "@", ports) could point the key at another host.
var subdomainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// IsSubdomain reports whether s is a Syncro account subdomain: a lower-case
// DNS label such as "acme", so the hosts built from it stay Syncro's.
func IsSubdomain(s string) bool { return subdomainRE.MatchString(s) }

// WebURL is the Syncro web app of the account subdomain (one that
// IsSubdomain accepts), without a trailing slash: https://acme.syncromsp.com.
func WebURL(subdomain string) string { return "https://" + subdomain + hostSuffix }

// APIBaseURL is the REST API base of the account subdomain, ending in /:
// https://acme.syncromsp.com/api/v1/.
func APIBaseURL(subdomain string) string { return WebURL(subdomain) + "/api/v1/" }

// TicketURL is ticket id's page in the Syncro web app at webURL (as WebURL
// spells it); "" when webURL is empty, so a caller without one shows no link.
func TicketURL(webURL string, id int64) string { return webPage(webURL, "tickets", id) }

// CustomerURL is customer id's page in the Syncro web app at webURL; ""
// when webURL is empty.
func CustomerURL(webURL string, id int64) string { return webPage(webURL, "customers", id) }

// webPage is the web app's page for one record of a collection.
func webPage(webURL, collection string, id int64) string {
	if webURL == "" {
		return ""
	}
	return strings.TrimRight(webURL, "/") + "/" + collection + "/" + strconv.FormatInt(id, 10)
}
