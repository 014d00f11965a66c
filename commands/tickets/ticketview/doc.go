// Package ticketview renders tickets for Slack, with no Syncro call and no
// state: the one-line summaries of a list, the ticket detail (fields,
// latest comments, time entries, billing) and the buttons under it, whose
// action ids and values the ticket feature routes. Keeping the rendering
// pure keeps it testable with golden files and out of the money paths.
package ticketview
