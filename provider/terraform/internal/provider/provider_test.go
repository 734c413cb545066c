package provider

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// Acceptance tests (TF_ACC=1) run against a real core: unless SECGROUPS_ENDPOINT
// and SECGROUPS_TOKEN are set, the first test starts `secgroups serve` from
// this repository on a free port with a temporary PGlite directory and
// `--sync-timeout 2s`, and mints a token for a fresh organization.

var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"secgroups": providerserver.NewProtocol6WithError(New("test")()),
}

var core struct {
	once     sync.Once
	err      error
	cmd      *exec.Cmd
	dataDir  string
	log      bytes.Buffer
	endpoint string
}

func TestMain(m *testing.M) {
	code := m.Run()
	stopCore()
	os.Exit(code)
}

func repoRoot() string {
	if r := os.Getenv("SECGROUPS_REPO"); r != "" {
		return r
	}
	r, _ := filepath.Abs(filepath.Join("..", "..", "..", ".."))
	return r
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startCore() error {
	root := repoRoot()
	if _, err := os.Stat(filepath.Join(root, "dist", "core", "cli", "main.js")); err != nil {
		build := exec.Command("npx", "tsc", "-p", "tsconfig.build.json")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("building the core (npx tsc -p tsconfig.build.json): %v\n%s", err, out)
		}
	}
	if os.Getenv("SECGROUPS_JWT_SECRET") == "" {
		os.Setenv("SECGROUPS_JWT_SECRET", "acceptance-test-secret-"+randomHex(8))
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	core.dataDir, err = os.MkdirTemp("", "secgroups-tfacc-")
	if err != nil {
		return err
	}
	cmd := exec.Command("node", "bin/secgroups.js", "serve", "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--data", core.dataDir, "--sync-timeout", "2s")
	cmd.Dir = root
	cmd.Stdout = &core.log
	cmd.Stderr = &core.log
	if err := cmd.Start(); err != nil {
		return err
	}
	core.cmd = cmd
	core.endpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(core.endpoint + "/vpc/reference/protocols")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("core did not listen on %s within 90s: %v\n%s", core.endpoint, err, core.log.String())
		}
		time.Sleep(300 * time.Millisecond)
	}
	token := exec.Command("node", "bin/secgroups.js", "token", "--org", "tfacc-"+randomHex(4))
	token.Dir = root
	out, err := token.Output()
	if err != nil {
		return fmt.Errorf("secgroups token: %v", err)
	}
	os.Setenv("SECGROUPS_ENDPOINT", core.endpoint)
	os.Setenv("SECGROUPS_TOKEN", strings.TrimSpace(string(out)))
	return nil
}

func stopCore() {
	if core.cmd != nil && core.cmd.Process != nil {
		_ = core.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = core.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = core.cmd.Process.Kill()
		}
	}
	if core.dataDir != "" {
		os.RemoveAll(core.dataDir)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// testAccPreCheck makes sure a core is reachable and terraform is found.
func testAccPreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		for _, name := range []string{"terraform", "tofu"} {
			if p, err := exec.LookPath(name); err == nil {
				os.Setenv("TF_ACC_TERRAFORM_PATH", p)
				break
			}
		}
	}
	if os.Getenv("SECGROUPS_ENDPOINT") != "" && os.Getenv("SECGROUPS_TOKEN") != "" && core.cmd == nil {
		return
	}
	core.once.Do(func() { core.err = startCore() })
	if core.err != nil {
		t.Fatalf("starting a secgroups core: %v", core.err)
	}
}

// testClient talks to the same core as the provider under test.
func testClient() *Client {
	return &Client{Endpoint: os.Getenv("SECGROUPS_ENDPOINT"), Token: os.Getenv("SECGROUPS_TOKEN"), SyncTimeout: 10 * time.Second}
}

func apiGone(path string) error {
	err := testClient().Do(context.Background(), "GET", path, nil, nil)
	if err == nil {
		return fmt.Errorf("%s still exists", path)
	}
	if !IsNotFound(err) {
		return err
	}
	return nil
}

func t0() context.Context { return context.Background() }
