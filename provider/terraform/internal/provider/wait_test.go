package provider

import (
	"context"
	"strings"
	"testing"
	"time"
)

func waitOn(t *testing.T, states ...SyncState) (int, error) {
	t.Helper()
	c := &Client{SyncTimeout: 50 * time.Millisecond, PollInterval: 5 * time.Millisecond}
	reads := 0
	get := func(context.Context) (*SyncState, error) {
		s := states[min(reads, len(states)-1)]
		reads++
		return &s, nil
	}
	_, err := WaitActive(context.Background(), c, "security group sec_grp_x", get, func(s *SyncState) SyncState { return *s })
	return reads, err
}

func TestWaitActiveDoesNotWaitForQueuedSites(t *testing.T) {
	seen := "2026-01-01T00:00:00Z"
	reads, err := waitOn(t, SyncState{Status: "syncing", Pending: []PendingSite{
		{Site: "site_new", Reason: "never_connected", Revision: 3},
		{Site: "site_away", Reason: "offline", Revision: 4, LastSeen: &seen},
	}})
	if reads != 1 || err == nil {
		t.Fatalf("want one read and an error, got %d reads, err %v", reads, err)
	}
	for _, want := range []string{"site_new (revision 3, never connected)", "site_away (revision 4, offline, last seen " + seen + ")", "queued"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestWaitActiveWaitsForOnlineSitesAndNamesThemOnTimeout(t *testing.T) {
	reads, err := waitOn(t, SyncState{Status: "syncing", Pending: []PendingSite{{Site: "site_slow", Reason: "applying", Revision: 7}}})
	if reads < 2 || err == nil || !strings.Contains(err.Error(), "waiting for site_slow (revision 7, applying)") {
		t.Fatalf("want several reads and a timeout naming site_slow, got %d reads, err %v", reads, err)
	}
}

func TestWaitActiveReturnsOnceActive(t *testing.T) {
	reads, err := waitOn(t,
		SyncState{Status: "syncing", Pending: []PendingSite{{Site: "site_a", Reason: "applying", Revision: 1}}},
		SyncState{Status: "active", Pending: []PendingSite{}},
	)
	if err != nil || reads != 2 {
		t.Fatalf("want active after 2 reads, got %d reads, err %v", reads, err)
	}
}
