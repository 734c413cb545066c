package provider

import (
	"context"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// testProxy is a small real proxy: CONNECT tunnels (HTTPS_PROXY) and absolute-URI
// forwarding (HTTP_PROXY). It sends every request to 127.0.0.1 on the requested
// port, whatever the host name, and keeps each request line it saw.
type testProxy struct {
	mu   sync.Mutex
	seen []string
}

func (p *testProxy) lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

func (p *testProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.seen = append(p.seen, r.Method+" "+r.RequestURI)
	p.mu.Unlock()
	_, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.Method == http.MethodConnect {
		upstream, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer upstream.Close()
		conn, buffered, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
		go func() { _, _ = io.Copy(upstream, buffered) }()
		_, _ = io.Copy(conn, upstream)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Host = "127.0.0.1:" + port
	resp, err := (&http.Transport{}).RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// proxied starts the proxy and sets the proxy variables (only those given).
func proxied(t *testing.T, env map[string]string) *testProxy {
	t.Helper()
	p := &testProxy{}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	for _, name := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"} {
		t.Setenv(name, "")
	}
	for name, value := range env {
		t.Setenv(name, strings.ReplaceAll(value, "PROXY", srv.URL))
	}
	return p
}

// clientFor is the provider's own HTTP client (NewHTTPClient, so its proxy
// comes from the environment) that trusts api's test certificate and, for a
// direct connection, reaches every host name at 127.0.0.1: no name is ever
// looked up, so the only way to another host is through the proxy.
func clientFor(t *testing.T, api *httptest.Server, endpoint string) *Client {
	t.Helper()
	hc := NewHTTPClient()
	transport := hc.Transport.(*http.Transport)
	if api.TLS != nil {
		pool := x509.NewCertPool()
		pool.AddCert(api.Certificate())
		transport.TLSClientConfig.RootCAs = pool
	}
	dialer := &net.Dialer{}
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		return dialer.DialContext(ctx, network, "127.0.0.1:"+port)
	}
	return &Client{Endpoint: endpoint, Token: "t", HTTP: hc, MaxAttempts: 1}
}

func siteAPI(tlsServer bool) *httptest.Server {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, map[string]string{"id": "site_1", "name": r.Host})
	})
	if tlsServer {
		return httptest.NewTLSServer(h)
	}
	return httptest.NewServer(h)
}

func portOf(t *testing.T, srv *httptest.Server) string {
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

func getSite(t *testing.T, c *Client) (*Site, error) {
	var s Site
	err := c.Do(context.Background(), "GET", "/vpc/sites/site_1", nil, &s)
	return &s, err
}

func TestHTTPSProxyTunnelsToTheEndpoint(t *testing.T) {
	api := siteAPI(true)
	defer api.Close()
	proxy := proxied(t, map[string]string{"HTTPS_PROXY": "PROXY"})
	// httptest's certificate names example.com; the proxy (and clientFor) map it to loopback.
	endpoint := "https://example.com:" + portOf(t, api)
	s, err := getSite(t, clientFor(t, api, endpoint))
	if err != nil || s.ID != "site_1" {
		t.Fatalf("want site_1 through the proxy, got %+v, %v", s, err)
	}
	if got := proxy.lines(); len(got) != 1 || got[0] != "CONNECT example.com:"+portOf(t, api) {
		t.Fatalf("want one CONNECT to example.com, the proxy saw %q", got)
	}
}

func TestHTTPProxyForwardsAnHTTPEndpoint(t *testing.T) {
	api := siteAPI(false)
	defer api.Close()
	proxy := proxied(t, map[string]string{"HTTP_PROXY": "PROXY", "HTTPS_PROXY": "http://127.0.0.1:9"})
	endpoint := "http://api.secgroups.test:" + portOf(t, api)
	s, err := getSite(t, clientFor(t, api, endpoint))
	if err != nil || s.Name != "api.secgroups.test:"+portOf(t, api) {
		t.Fatalf("want the site with the endpoint's Host, got %+v, %v", s, err)
	}
	if got := proxy.lines(); len(got) != 1 || got[0] != "GET "+endpoint+"/vpc/sites/site_1" {
		t.Fatalf("want one absolute-URI GET, the proxy saw %q", got)
	}
}

func TestNoProxyAndLoopbackGoDirect(t *testing.T) {
	api := siteAPI(true)
	defer api.Close()
	for name, tc := range map[string]struct{ endpoint, noProxy string }{
		"NO_PROXY names the host": {"https://example.com:" + portOf(t, api), "internal.example,example.com"},
		"NO_PROXY domain suffix":  {"https://api.example.com:" + portOf(t, api), ".example.com"},
		"loopback endpoint":       {api.URL, ""},
	} {
		t.Run(name, func(t *testing.T) {
			proxy := proxied(t, map[string]string{"HTTPS_PROXY": "PROXY", "NO_PROXY": tc.noProxy})
			c := clientFor(t, api, tc.endpoint)
			if strings.Contains(tc.endpoint, "api.example.com") {
				// The certificate names example.com only; the point here is the route, not the name.
				c.HTTP.Transport.(*http.Transport).TLSClientConfig.ServerName = "example.com"
			}
			if s, err := getSite(t, c); err != nil || s.ID != "site_1" {
				t.Fatalf("want site_1 directly, got %+v, %v", s, err)
			}
			if got := proxy.lines(); len(got) != 0 {
				t.Fatalf("want no proxy use, the proxy saw %q", got)
			}
		})
	}
}
