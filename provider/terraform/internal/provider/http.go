package provider

// The request side of Client, with the same behaviour as the Pulumi
// provider's client (provider/pulumi/client.ts): transient failures (network
// errors, 429, 5xx) are retried with exponential backoff and Retry-After; a
// create carries one Idempotency-Key across its retries; a replace sends
// If-Match with the ETag of a fresh read and reads again on 412; a 409 while
// the resource is syncing is waited out until the deadline. Proxies come from
// HTTPS_PROXY, HTTP_PROXY and NO_PROXY, read when the provider is configured.

import (
	"bytes"
	"context"
	cryptorand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"golang.org/x/net/http/httpproxy"
)

const (
	DefaultMaxAttempts = 5
	defaultBackoff     = 250 * time.Millisecond
	defaultMaxBackoff  = 5 * time.Second
	// DefaultPageSize is the page size of List: the API's maximum.
	DefaultPageSize = 100
)

// NewHTTPClient is the provider's HTTP client: the default transport with the
// proxy settings of the environment as they are now (HTTPS_PROXY for https
// endpoints, HTTP_PROXY for http ones, NO_PROXY; loopback endpoints are never
// proxied, as in the Pulumi provider).
func NewHTTPClient() *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = ProxyFromEnvironment()
	return &http.Client{Timeout: 60 * time.Second, Transport: transport}
}

// ProxyFromEnvironment reads the proxy variables once, when called (unlike
// http.ProxyFromEnvironment, which reads them once per process).
func ProxyFromEnvironment() func(*http.Request) (*url.URL, error) {
	proxyFor := httpproxy.FromEnvironment().ProxyFunc()
	return func(r *http.Request) (*url.URL, error) { return proxyFor(r.URL) }
}

// Do sends one request and decodes a JSON response into out (if non-nil).
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	_, err := c.send(ctx, method, path, body, out, nil)
	return err
}

// Create POSTs body with one Idempotency-Key for every attempt, so a retry
// after a lost response creates nothing twice.
func (c *Client) Create(ctx context.Context, path string, body, out any) error {
	_, err := c.send(ctx, "POST", path, body, out, http.Header{"Idempotency-Key": {newIdempotencyKey()}})
	return err
}

// Replace PUTs body with If-Match set to the ETag of a fresh GET. A 412 (the
// resource changed between that GET and the PUT) reads again and retries, up
// to MaxAttempts times.
func (c *Client) Replace(ctx context.Context, path string, body, out any) error {
	for attempt := 1; ; attempt++ {
		header, err := c.send(ctx, "GET", path, nil, nil, nil)
		if err != nil {
			return err
		}
		var ifMatch http.Header
		if etag := header.Get("ETag"); etag != "" {
			ifMatch = http.Header{"If-Match": {etag}}
		}
		_, err = c.send(ctx, "PUT", path, body, out, ifMatch)
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusPreconditionFailed && attempt < c.maxAttempts() {
			tflog.Debug(ctx, fmt.Sprintf("PUT %s: changed since read (412), reading again", path))
			continue
		}
		return err
	}
}

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
		header, err := c.send(ctx, "GET", path+"?"+query.Encode(), nil, &page, nil)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if cursor = header.Get("X-Next-Cursor"); cursor == "" {
			return all, nil
		}
	}
}

// send is one request: retried on network errors, 429 and 5xx (at most
// MaxAttempts tries), and on a 409 while the resource is syncing until the
// deadline.
func (c *Client) send(ctx context.Context, method, path string, body, out any, extra http.Header) (http.Header, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	deadline, _ := c.deadline(ctx)
	request := method + " " + path
	var lastLockLog time.Time
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.Endpoint, "/")+path, bytes.NewReader(payload))
		if err != nil {
			return nil, err
		}
		for name, values := range extra {
			req.Header[name] = values
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
		var data []byte
		if err == nil {
			data, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err != nil {
			if ctx.Err() != nil || attempt >= c.maxAttempts() {
				return nil, fmt.Errorf("%s failed after %d attempt(s): %w; is the provider's endpoint (or SECGROUPS_ENDPOINT) right and the API reachable?", request, attempt, err)
			}
			wait := c.backoff(attempt)
			tflog.Debug(ctx, fmt.Sprintf("%s: %v; retrying in %s", request, err, wait))
			if err := sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		retryAfter, hasRetryAfter := retryAfterOf(resp.Header.Get("Retry-After"))
		if transientStatus(resp.StatusCode) && attempt < c.maxAttempts() {
			wait := c.backoff(attempt)
			if hasRetryAfter {
				wait = min(retryAfter, c.maxBackoff())
			}
			tflog.Debug(ctx, fmt.Sprintf("%s: HTTP %d; retrying in %s", request, resp.StatusCode, wait))
			if err := sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		if resp.StatusCode >= 400 {
			apiErr := &APIError{Status: resp.StatusCode}
			if json.Unmarshal(data, apiErr) != nil || apiErr.Message == "" {
				apiErr.Code = http.StatusText(resp.StatusCode)
				apiErr.Message = fmt.Sprintf("%s: %s", request, strings.TrimSpace(string(data)))
			}
			if resp.StatusCode == http.StatusConflict && (apiErr.Code == "resource_syncing" || hasRetryAfter) {
				wait := c.backoff(1)
				if hasRetryAfter {
					wait = retryAfter
				}
				wait = min(wait, c.maxBackoff())
				if time.Now().Add(wait).Before(deadline) {
					if time.Since(lastLockLog) >= 10*time.Second { // as often as the wait for sites logs
						lastLockLog = time.Now()
						tflog.Info(ctx, fmt.Sprintf("%s: locked, retrying: %s", request, apiErr.Message))
					}
					if err := sleep(ctx, wait); err != nil {
						return nil, err
					}
					attempt = 0 // a lock is not a failure of the request
					continue
				}
			}
			return nil, apiErr
		}
		if out != nil && len(data) > 0 {
			if err := json.Unmarshal(data, out); err != nil {
				return nil, fmt.Errorf("%s: decoding response: %w", request, err)
			}
		}
		return resp.Header, nil
	}
}

func transientStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryAfterOf parses Retry-After: seconds or an HTTP date.
func retryAfterOf(value string) (time.Duration, bool) {
	if value == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(value, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	if at, err := http.ParseTime(value); err == nil {
		return max(0, time.Until(at)), true
	}
	return 0, false
}

// backoff is the wait before try attempt+1: Backoff doubled per attempt, at
// most MaxBackoff, with jitter in its upper half.
func (c *Client) backoff(attempt int) time.Duration {
	base := c.Backoff
	if base <= 0 {
		base = defaultBackoff
	}
	base = min(base<<(attempt-1), c.maxBackoff())
	return base/2 + rand.N(base/2+1)
}

func (c *Client) maxBackoff() time.Duration {
	if c.MaxBackoff > 0 {
		return c.MaxBackoff
	}
	return defaultMaxBackoff
}

func (c *Client) maxAttempts() int {
	if c.MaxAttempts > 0 {
		return c.MaxAttempts
	}
	return DefaultMaxAttempts
}

// deadline is ctx's deadline (a resource's `timeouts`), else now plus the
// provider's sync timeout; limit is the timeout configured, for messages.
func (c *Client) deadline(ctx context.Context) (deadline time.Time, limit time.Duration) {
	if d, ok := ctx.Deadline(); ok {
		if whole, ok := ctx.Value(operationTimeout{}).(time.Duration); ok {
			return d, whole
		}
		return d, time.Until(d).Round(time.Millisecond)
	}
	return time.Now().Add(c.syncTimeout()), c.syncTimeout()
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// newIdempotencyKey is a random UUID (version 4).
func newIdempotencyKey() string {
	var b [16]byte
	_, _ = cryptorand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return NewHTTPClient()
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
