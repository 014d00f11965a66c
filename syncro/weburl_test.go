package syncro

import "testing"

func TestIsSubdomain(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"acme": true, "acme-2": true, "a": true, "0day": true,
		"": false, "Acme": false, "-acme": false, "acme-": false, "acme_": false,
		"acme.syncromsp.com": false, "acme/../x": false, "user@evil": false, "acme:443": false,
	} {
		if got := IsSubdomain(s); got != want {
			t.Errorf("IsSubdomain(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestWebURLs(t *testing.T) {
	t.Parallel()
	web := WebURL("acme")
	for _, tt := range []struct{ got, want string }{
		{web, "https://acme.syncromsp.com"},
		{APIBaseURL("acme"), "https://acme.syncromsp.com/api/v1/"},
		{TicketURL(web, 4021), "https://acme.syncromsp.com/tickets/4021"},
		{TicketURL(web+"/", 4021), "https://acme.syncromsp.com/tickets/4021"},
		{CustomerURL(web, 77), "https://acme.syncromsp.com/customers/77"},
		{TicketURL("", 4021), ""},
		{CustomerURL("", 77), ""},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestNewClient_SubdomainUsesTheAPIBase(t *testing.T) {
	t.Parallel()
	c, err := NewClient(Config{Subdomain: " Acme ", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.BaseURL(); got != APIBaseURL("acme") {
		t.Errorf("BaseURL() = %q, want %q", got, APIBaseURL("acme"))
	}
}
