package provider

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is an API stand-in: answer decides each response; every request is kept.
type recorder struct {
	mu       sync.Mutex
	requests []*http.Request
	answer   func(n int, r *http.Request, w http.ResponseWriter)
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.requests = append(rec.requests, r.Clone(context.Background()))
	n := len(rec.requests)
	rec.mu.Unlock()
	rec.answer(n, r, w)
}

func (rec *recorder) seen() []*http.Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]*http.Request(nil), rec.requests...)
}

func fakeAPI(t *testing.T, answer func(n int, r *http.Request, w http.ResponseWriter)) (*Client, *recorder) {
	t.Helper()
	rec := &recorder{answer: answer}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return &Client{Endpoint: srv.URL, Token: "t", HTTP: srv.Client(), Backoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, SyncTimeout: 5 * time.Second}, rec
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func apiError(code, message string) map[string]string {
	return map[string]string{"type": "about:blank", "code": code, "message": message, "doc_url": "https://docs.example/" + code}
}

func TestCreateRetries503And429WithOneIdempotencyKey(t *testing.T) {
	c, rec := fakeAPI(t, func(n int, r *http.Request, w http.ResponseWriter) {
		switch n {
		case 1:
			w.Header().Set("Retry-After", "0")
			reply(w, 503, apiError("unavailable", "starting"))
		case 2:
			// Retry-After above MaxBackoff is capped, so this waits 20 ms, not 30 s.
			w.Header().Set("Retry-After", "30")
			reply(w, 429, apiError("rate_limited", "slow down"))
		default:
			reply(w, 201, map[string]string{"id": "sec_grp_1", "status": "active"})
		}
	})
	start := time.Now()
	var got SecurityGroup
	if err := c.Create(context.Background(), "/vpc/security-groups", SecurityGroupWrite{Name: "web"}, &got); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Retry-After was not capped by MaxBackoff: took %s", elapsed)
	}
	seen := rec.seen()
	if len(seen) != 3 || got.ID != "sec_grp_1" {
		t.Fatalf("want 3 attempts ending in sec_grp_1, got %d attempts, %+v", len(seen), got)
	}
	key := seen[0].Header.Get("Idempotency-Key")
	if len(key) != 36 {
		t.Fatalf("want a UUID Idempotency-Key, got %q", key)
	}
	for i, r := range seen {
		if r.Method != "POST" || r.Header.Get("Idempotency-Key") != key {
			t.Errorf("attempt %d: %s with Idempotency-Key %q, want POST with %q", i+1, r.Method, r.Header.Get("Idempotency-Key"), key)
		}
	}
	// A second create is another request: another key.
	if err := c.Create(context.Background(), "/vpc/security-groups", SecurityGroupWrite{Name: "db"}, &got); err != nil {
		t.Fatal(err)
	}
	if again := rec.seen()[3].Header.Get("Idempotency-Key"); again == key || again == "" {
		t.Errorf("a new create reused key %q (got %q)", key, again)
	}
}

func TestNoRetryOn4xx(t *testing.T) {
	for _, status := range []int{400, 401, 404, 422} {
		c, rec := fakeAPI(t, func(n int, r *http.Request, w http.ResponseWriter) {
			reply(w, status, apiError("bad", "refused"))
		})
		err := c.Create(context.Background(), "/vpc/prefix-lists", PrefixListWrite{Name: "x"}, nil)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Status != status || apiErr.Code != "bad" {
			t.Errorf("HTTP %d: want the APIError, got %v", status, err)
		}
		if n := len(rec.seen()); n != 1 {
			t.Errorf("HTTP %d: want 1 attempt, got %d", status, n)
		}
	}
}

func TestTransientFailuresStopAfterMaxAttempts(t *testing.T) {
	c, rec := fakeAPI(t, func(n int, r *http.Request, w http.ResponseWriter) {
		reply(w, 502, apiError("bad_gateway", "upstream down"))
	})
	c.MaxAttempts = 3
	err := c.Do(context.Background(), "GET", "/vpc/sites/site_1", nil, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 502 || len(rec.seen()) != 3 {
		t.Fatalf("want 3 attempts and the 502, got %d attempts, %v", len(rec.seen()), err)
	}
}

func TestNetworkErrorsAreRetried(t *testing.T) {
	c, rec := fakeAPI(t, func(n int, r *http.Request, w http.ResponseWriter) {
		if n == 1 {
			// The connection drops before any response (a restarting API or a proxy hiccup).
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		reply(w, 200, map[string]string{"id": "site_1"})
	})
	var s Site
	if err := c.Do(context.Background(), "GET", "/vpc/sites/site_1", nil, &s); err != nil || s.ID != "site_1" || len(rec.seen()) != 2 {
		t.Fatalf("want success on the 2nd attempt, got %d attempts, %+v, %v", len(rec.seen()), s, err)
	}
}

func TestReplaceSendsIfMatchAndRereadsOn412(t *testing.T) {
	version := 3
	c, rec := fakeAPI(t, func(n int, r *http.Request, w http.ResponseWriter) {
		etag := `"v` + string(rune('0'+version)) + `"`
		switch r.Method {
		case "GET":
			w.Header().Set("ETag", etag)
			reply(w, 200, map[string]string{"id": "sec_grp_1"})
		case "PUT":
			if r.Header.Get("If-Match") != etag {
				reply(w, 412, apiError("precondition_failed", "changed"))
				return
			}
			if version == 3 {
				// Someone else writes between our GET and PUT, once.
				version = 4
				reply(w, 412, apiError("precondition_failed", "changed"))
				return
			}
			w.Header().Set("ETag", `"v5"`)
			reply(w, 200, map[string]string{"id": "sec_grp_1", "status": "active"})
		}
	})
	var g SecurityGroup
	if err := c.Replace(context.Background(), "/vpc/security-groups/sec_grp_1", SecurityGroupWrite{Name: "web"}, &g); err != nil {
		t.Fatal(err)
	}
	var trace []string
	for _, r := range rec.seen() {
		trace = append(trace, r.Method+" "+r.Header.Get("If-Match"))
	}
	want := []string{"GET ", `PUT "v3"`, "GET ", `PUT "v4"`}
	if strings.Join(trace, "|") != strings.Join(want, "|") || g.Status != "active" {
		t.Fatalf("want %q, got %q (%+v)", want, trace, g)
	}
}

func TestReplaceGivesUpOnRepeated412(t *testing.T) {
	c, rec := fakeAPI(t, func(n int, r *http.Request, w http.ResponseWriter) {
		if r.Method == "GET" {
			w.Header().Set("ETag", `"v1"`)
			reply(w, 200, map[string]string{"id": "prfx_lst_1"})
			return
		}
		reply(w, 412, apiError("precondition_failed", "prefix list prfx_lst_1 has changed"))
	})
	c.MaxAttempts = 2
	err := c.Replace(context.Background(), "/vpc/prefix-lists/prfx_lst_1", PrefixListWrite{Name: "x"}, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 412 || len(rec.seen()) != 4 {
		t.Fatalf("want 2 GET+PUT rounds and the 412, got %d requests, %v", len(rec.seen()), err)
	}
}

func lockedThenOK(locks int) func(n int, r *http.Request, w http.ResponseWriter) {
	return func(n int, r *http.Request, w http.ResponseWriter) {
		if n <= locks {
			w.Header().Set("Retry-After", "5")
			reply(w, 409, apiError("resource_syncing", "security group sec_grp_1 is syncing; waiting for site_a (revision 2)"))
			return
		}
		w.WriteHeader(204)
	}
}

func TestSyncingLockIsWaitedOutWithinTheDeadline(t *testing.T) {
	c, rec := fakeAPI(t, lockedThenOK(7)) // more locks than MaxAttempts: a lock is not a failed attempt
	if err := c.Do(context.Background(), "DELETE", "/vpc/security-groups/sec_grp_1", nil, nil); err != nil || len(rec.seen()) != 8 {
		t.Fatalf("want the delete through after 7 locks, got %d requests, %v", len(rec.seen()), err)
	}
}

func TestSyncingLockFailsAtTheTimeout(t *testing.T) {
	c, rec := fakeAPI(t, lockedThenOK(1000))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Do(ctx, "DELETE", "/vpc/security-groups/sec_grp_1", nil, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "resource_syncing" || !strings.Contains(err.Error(), "site_a") {
		t.Fatalf("want the 409 naming site_a, got %v", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second || len(rec.seen()) < 2 {
		t.Errorf("want several tries within the 100 ms timeout, got %d in %s", len(rec.seen()), elapsed)
	}
}

func TestWaitActiveEndsAtTheContextDeadline(t *testing.T) {
	c := &Client{SyncTimeout: time.Hour, PollInterval: 5 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Millisecond)
	defer cancel()
	reads := 0
	get := func(context.Context) (*SyncState, error) {
		reads++
		return &SyncState{Status: "syncing", Pending: []PendingSite{{Site: "site_slow", Reason: "applying", Revision: 2}}}, nil
	}
	start := time.Now()
	last, err := WaitActive(ctx, c, "prefix list prfx_lst_1", get, func(s *SyncState) SyncState { return *s })
	if err == nil || !strings.Contains(err.Error(), "timeouts") || !strings.Contains(err.Error(), "site_slow") || last == nil {
		t.Fatalf("want a timeout naming site_slow and `timeouts`, and the last read, got %v, %v", last, err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second || reads < 2 {
		t.Errorf("want several reads ending near 60 ms, got %d reads in %s", reads, elapsed)
	}
}
