package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Client is a thin HTTP client of the secgroups API. It holds no business
// rules: the API validates; the provider only mirrors its limits at plan time.
type Client struct {
	Endpoint     string
	Token        string
	HTTP         *http.Client
	SyncTimeout  time.Duration
	PollInterval time.Duration
	UserAgent    string
	// PageSize is the `limit` of each page List reads (DefaultPageSize when 0).
	PageSize int
}

// APIError is the API's ErrorResponse plus the HTTP status.
type APIError struct {
	Status  int          `json:"-"`
	Type    string       `json:"type"`
	Code    string       `json:"code"`
	Message string       `json:"message"`
	DocURL  string       `json:"doc_url"`
	Errors  []FieldIssue `json:"errors,omitempty"`
}

type FieldIssue struct {
	Path    string `json:"path"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d %s: %s", e.Status, e.Code, e.Message)
	if len(e.Errors) > 1 {
		for _, i := range e.Errors {
			fmt.Fprintf(&b, "\n  - %s", i.Message)
		}
	}
	if e.DocURL != "" {
		fmt.Fprintf(&b, "\n(see %s)", e.DocURL)
	}
	return b.String()
}

// IsNotFound reports whether err is the API's 404.
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

type SyncError struct {
	Site    string `json:"site"`
	Message string `json:"message"`
}

// PendingSite is a site that has not applied a change yet: "applying" (online;
// waited for), "offline" or "never_connected" (its revision queues; not waited for).
type PendingSite struct {
	Site            string  `json:"site"`
	Reason          string  `json:"reason"`
	Revision        int64   `json:"revision"`
	AppliedRevision *int64  `json:"applied_revision"`
	LastSeen        *string `json:"last_seen"`
}

// SyncState is what a wait looks at: status, errors and who is pending.
type SyncState struct {
	Status  string
	Errors  []SyncError
	Pending []PendingSite
}

func describePending(pending []PendingSite) string {
	parts := make([]string, 0, len(pending))
	for _, p := range pending {
		why := strings.ReplaceAll(p.Reason, "_", " ")
		if p.LastSeen != nil {
			why += ", last seen " + *p.LastSeen
		}
		parts = append(parts, fmt.Sprintf("%s (revision %d, %s)", p.Site, p.Revision, why))
	}
	return strings.Join(parts, ", ")
}

func splitPending(pending []PendingSite) (applying, queued []PendingSite) {
	for _, p := range pending {
		if p.Reason == "applying" {
			applying = append(applying, p)
		} else {
			queued = append(queued, p)
		}
	}
	return applying, queued
}

type Rule struct {
	ID          string `json:"id,omitempty"`
	Direction   string `json:"direction"`
	Order       int64  `json:"order"`
	Protocol    int64  `json:"protocol"`
	Port        string `json:"port"`
	Address     string `json:"address"`
	Description string `json:"description"`
	Action      string `json:"action,omitempty"`
	IcmpType    *int64 `json:"icmp_type"`
	IcmpCode    *int64 `json:"icmp_code"`
	Log         bool   `json:"log"`
}

type SecurityGroupWrite struct {
	Name        string   `json:"name"`
	Description *string  `json:"description"`
	Rules       []Rule   `json:"rules"`
	Sites       []string `json:"sites"`
}

type SecurityGroup struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	Description  *string       `json:"description"`
	Status       string        `json:"status"`
	Sites        []string      `json:"sites"`
	Rules        []Rule        `json:"rules"`
	SyncErrors   []SyncError   `json:"sync_errors"`
	PendingSites []PendingSite `json:"pending_sites"`
	CreatedAt    string        `json:"created_at"`
	UpdatedAt    string        `json:"updated_at"`
}

type Prefix struct {
	ID          string  `json:"id,omitempty"`
	Cidr        string  `json:"cidr"`
	Description *string `json:"description"`
}

type PrefixListWrite struct {
	Name        string   `json:"name"`
	Description *string  `json:"description"`
	Prefixes    []Prefix `json:"prefixes"`
	Sites       []string `json:"sites"`
}

type PrefixList struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	Description  *string       `json:"description"`
	Status       string        `json:"status"`
	Prefixes     []Prefix      `json:"prefixes"`
	Sites        []string      `json:"sites"`
	SyncErrors   []SyncError   `json:"sync_errors"`
	PendingSites []PendingSite `json:"pending_sites"`
	CreatedAt    string        `json:"created_at"`
	UpdatedAt    string        `json:"updated_at"`
}

type SiteWrite struct {
	Name     string `json:"name"`
	Platform string `json:"platform"`
	Mode     string `json:"mode,omitempty"`
}

type Site struct {
	ID              string  `json:"id"`
	Name            string  `json:"name"`
	Platform        string  `json:"platform"`
	Mode            string  `json:"mode"`
	Token           *string `json:"token,omitempty"`
	DesiredRevision int64   `json:"desired_revision"`
	AppliedRevision *int64  `json:"applied_revision"`
	LastSeen        *string `json:"last_seen"`
	Online          bool    `json:"online"`
	Drift           bool    `json:"drift"`
	LastError       *string `json:"last_error"`
	CreatedAt       string  `json:"created_at"`
}

type Protocol struct {
	Number      int64  `json:"number"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Ports       bool   `json:"ports"`
}

type Service struct {
	Name        string `json:"name"`
	Protocol    int64  `json:"protocol"`
	Port        string `json:"port"`
	Description string `json:"description"`
	Sensitive   bool   `json:"sensitive"`
}

// Do sends one request and decodes a JSON response into out (if non-nil).
// A 409 carrying Retry-After (resource syncing) is retried until ctx or the
// sync timeout ends.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	_, err := c.send(ctx, method, path, body, out)
	return err
}

// DefaultPageSize is the page size of List: the API's maximum.
const DefaultPageSize = 100

// List reads every page of a list route, following X-Next-Cursor.
func List[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	limit := c.PageSize
	if limit <= 0 {
		limit = DefaultPageSize
	}
	var all []T
	cursor := ""
	for {
		query := url.Values{"limit": {strconv.Itoa(limit)}}
		if cursor != "" {
			query.Set("cursor", cursor)
		}
		var page []T
		header, err := c.send(ctx, "GET", path+"?"+query.Encode(), nil, &page)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if cursor = header.Get("X-Next-Cursor"); cursor == "" {
			return all, nil
		}
	}
}

func (c *Client) send(ctx context.Context, method, path string, body, out any) (http.Header, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	deadline := time.Now().Add(c.syncTimeout())
	for {
		req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.Endpoint, "/")+path, bytes.NewReader(payload))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+c.Token)
		req.Header.Set("Accept", "application/json")
		if c.UserAgent != "" {
			req.Header.Set("User-Agent", c.UserAgent)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.http().Do(req)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("%s %s: reading response: %w", method, path, err)
		}
		if resp.StatusCode == http.StatusConflict && resp.Header.Get("Retry-After") != "" && time.Now().Before(deadline) {
			wait := time.Second
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
				wait = time.Duration(s) * time.Second
			}
			if wait > 5*time.Second {
				wait = 5 * time.Second
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
			continue
		}
		if resp.StatusCode >= 400 {
			apiErr := &APIError{Status: resp.StatusCode}
			if json.Unmarshal(data, apiErr) != nil || apiErr.Message == "" {
				apiErr.Code = http.StatusText(resp.StatusCode)
				apiErr.Message = fmt.Sprintf("%s %s: %s", method, path, strings.TrimSpace(string(data)))
			}
			return nil, apiErr
		}
		if out != nil && len(data) > 0 {
			if err := json.Unmarshal(data, out); err != nil {
				return nil, fmt.Errorf("%s %s: decoding response: %w", method, path, err)
			}
		}
		return resp.Header, nil
	}
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 60 * time.Second}
}

func (c *Client) syncTimeout() time.Duration {
	if c.SyncTimeout > 0 {
		return c.SyncTimeout
	}
	return 5 * time.Minute
}

func (c *Client) pollInterval() time.Duration {
	if c.PollInterval > 0 {
		return c.PollInterval
	}
	return 500 * time.Millisecond
}

// WaitActive polls get until the status is "active" (done), "failed" (an
// error naming every site's sync error) or the sync timeout passes. It
// returns the last object read, also on error, so callers can save state.
//
// Only online sites are waited for: when every pending site is offline or has
// never connected (their revision queues), it stops at once with an error that
// names them, instead of waiting out the timeout in silence. While it waits it
// logs (TF_LOG=INFO) the sites it waits for, at most every 10 s.
func WaitActive[T any](ctx context.Context, c *Client, what string, get func(context.Context) (*T, error), status func(*T) SyncState) (*T, error) {
	deadline := time.Now().Add(c.syncTimeout())
	var lastLog time.Time
	for {
		obj, err := get(ctx)
		if err != nil {
			return nil, err
		}
		st := status(obj)
		switch st.Status {
		case "active":
			return obj, nil
		case "failed":
			return obj, &SyncFailedError{What: what, SyncErrors: st.Errors}
		}
		applying, queued := splitPending(st.Pending)
		if st.Pending != nil && len(applying) == 0 {
			return obj, fmt.Errorf("%s is saved, but its revision is only queued for sites that cannot confirm it now: %s; they apply it when their agents connect (start them with `secgroups agent --site-token ...`, then run apply again)", what, describePending(queued))
		}
		if time.Now().After(deadline) {
			return obj, fmt.Errorf("%s is still %q after %s; waiting for %s (raise the provider's sync_timeout, or check the site agents)", what, st.Status, c.syncTimeout(), describePending(applying))
		}
		if time.Since(lastLog) >= 10*time.Second {
			lastLog = time.Now()
			tflog.Info(ctx, fmt.Sprintf("%s: waiting for %d site(s) to apply: %s", what, len(applying), describePending(applying)))
		}
		select {
		case <-ctx.Done():
			return obj, ctx.Err()
		case <-time.After(c.pollInterval()):
		}
	}
}

// SyncFailedError reports status "failed" with the API's sync_errors.
type SyncFailedError struct {
	What       string
	SyncErrors []SyncError
}

func (e *SyncFailedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s failed to sync to its sites", e.What)
	if len(e.SyncErrors) == 0 {
		b.WriteString(" (no sync_errors reported)")
	}
	for _, s := range e.SyncErrors {
		fmt.Fprintf(&b, "\n  - %s: %s", s.Site, s.Message)
	}
	return b.String()
}
