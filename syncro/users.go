package syncro

import (
	"context"
	"iter"
	"net/http"
)

// UsersService covers /users (technicians) and /me.
type UsersService service

// User is a technician as GET /users/{id} returns it.
type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	FullName  string    `json:"full_name"`
	Group     string    `json:"group"`
	Admin     FlexBool  `json:"admin"`
	Color     string    `json:"color"`
	CreatedAt Timestamp `json:"created_at"`
	UpdatedAt Timestamp `json:"updated_at"`
}

// Me is GET /me: who the API key belongs to (flat, unwrapped).
type Me struct {
	UserID    int64    `json:"user_id"`
	UserName  string   `json:"user_name"`
	UserEmail string   `json:"user_email"`
	Admin     FlexBool `json:"admin"`
	Subdomain string   `json:"subdomain"`
}

// List returns every technician as id/name pairs in one GET /users. It
// sends no parameters: Syncro's OpenAPI names none for it, and its answer
// has no meta to page by (docs/syncro-api.md), so a page size the server
// honoured would cut the list silently and a user past it would look
// deleted.
func (s *UsersService) List(ctx context.Context) ([]UserRef, *Response, error) {
	return listPage[UserRef](ctx, s.client, "users", "users", nil)
}

// All iterates every technician, as List reads them.
func (s *UsersService) All(ctx context.Context) iter.Seq2[UserRef, error] {
	return func(yield func(UserRef, error) bool) {
		us, _, err := s.List(ctx)
		if err != nil {
			yield(UserRef{}, err)
			return
		}
		for _, u := range us {
			if !yield(u, nil) {
				return
			}
		}
	}
}

// Get fetches one technician, with email (for mapping Slack users).
func (s *UsersService) Get(ctx context.Context, id int64) (*User, *Response, error) {
	var out struct {
		User *User `json:"user"`
	}
	resp, err := s.client.call(ctx, http.MethodGet, "users/"+itoa(id), nil, nil, &out)
	if err != nil {
		return nil, resp, err
	}
	return need(out.User, resp, "user")
}

// Me returns the key's own user; a cheap check that a key works.
func (s *UsersService) Me(ctx context.Context) (*Me, *Response, error) {
	var out Me
	resp, err := s.client.call(ctx, http.MethodGet, "me", nil, nil, &out)
	if err != nil {
		return nil, resp, err
	}
	return needID(&out, out.UserID, resp, "me")
}
