package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
	// MaxAttempts bounds the tries of one request on network errors, 429 and
	// 5xx (DefaultMaxAttempts when 0); Backoff is the first wait, doubling per
	// attempt with jitter, each wait at most MaxBackoff (also caps Retry-After).
	MaxAttempts int
	Backoff     time.Duration
	MaxBackoff  time.Duration
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
	Name      string   `json:"name"`
	Platform  string   `json:"platform"`
	Mode      string   `json:"mode,omitempty"`
	Addresses []string `json:"addresses"`
}

type Site struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Platform  string   `json:"platform"`
	Mode      string   `json:"mode"`
	Addresses []string `json:"addresses"`
	// ReportedAddresses is what the site's agent reported; read-only.
	ReportedAddresses []string `json:"reported_addresses"`
	Token             *string  `json:"token,omitempty"`
	DesiredRevision   int64    `json:"desired_revision"`
	AppliedRevision   *int64   `json:"applied_revision"`
	LastSeen          *string  `json:"last_seen"`
	Online            bool     `json:"online"`
	Drift             bool     `json:"drift"`
	LastError         *string  `json:"last_error"`
	CreatedAt         string   `json:"created_at"`
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

// WaitActive polls get until the status is "active" (done), "failed" (an
// error naming every site's sync error) or the deadline passes: ctx's (the
// resource's `timeouts`), else the provider's sync timeout. It returns the
// last object read, also on error, so callers can save state.
//
// Only online sites are waited for: when every pending site is offline or has
// never connected (their revision queues), it stops at once with an error that
// names them, instead of waiting out the timeout in silence. While it waits it
// logs (TF_LOG=INFO) the sites it waits for, at most every 10 s.
func WaitActive[T any](ctx context.Context, c *Client, what string, get func(context.Context) (*T, error), status func(*T) SyncState) (*T, error) {
	deadline, limit := c.deadline(ctx)
	var lastLog time.Time
	var last *T
	var applying []PendingSite
	timedOut := func() error {
		return fmt.Errorf("%s is still syncing after %s; waiting for %s (raise the resource's `timeouts` or the provider's sync_timeout, or check the site agents)", what, limit, describePending(applying))
	}
	for {
		obj, err := get(ctx)
		if err != nil {
			if last != nil && (errors.Is(err, context.DeadlineExceeded) || !time.Now().Before(deadline)) {
				return last, timedOut()
			}
			return last, err
		}
		last = obj
		st := status(obj)
		switch st.Status {
		case "active":
			return obj, nil
		case "failed":
			return obj, &SyncFailedError{What: what, SyncErrors: st.Errors}
		}
		var queued []PendingSite
		applying, queued = splitPending(st.Pending)
		if st.Pending != nil && len(applying) == 0 {
			return obj, fmt.Errorf("%s is saved, but its revision is only queued for sites that cannot confirm it now: %s; they apply it when their agents connect (start them with `secgroups agent --site-token ...`, then run apply again)", what, describePending(queued))
		}
		if !time.Now().Before(deadline) {
			return obj, timedOut()
		}
		if time.Since(lastLog) >= 10*time.Second {
			lastLog = time.Now()
			tflog.Info(ctx, fmt.Sprintf("%s: waiting for %d site(s) to apply: %s", what, len(applying), describePending(applying)))
		}
		if err := sleep(ctx, min(c.pollInterval(), time.Until(deadline))); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return obj, timedOut()
			}
			return obj, err
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
