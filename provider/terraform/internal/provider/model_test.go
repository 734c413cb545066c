package provider

import (
	"strings"
	"testing"
)

// Vectors mirror core/model/ports.ts and cidr.ts behaviour.
func TestNormalizePorts(t *testing.T) {
	cases := map[string]string{
		"80":                   "80",
		" 443 , 80 ":           "80,443",
		"1024-2048, 1500-3000": "1024-3000",
		"53,53,5353":           "53,5353",
		"1 - 10, 5":            "1-10",
		"10-20,21":             "10-20,21",
		"1-65535":              "1-65535",
	}
	for in, want := range cases {
		got, err := NormalizePorts(in)
		if err != nil || got != want {
			t.Errorf("NormalizePorts(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"0":     "port 0 is out of range; ports are 1-65535",
		"70000": "port 70000 is out of range; ports are 1-65535",
		"20-10": `range "20-10" is reversed; did you mean "10-20"?`,
		"http":  `"http" is not a port or port range; use forms like "80", "1024-2048" or "53,5353"`,
		"80,":   `"" is not a port or port range`,
	}
	for in, want := range bad {
		_, err := NormalizePorts(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NormalizePorts(%q) error = %v; want %q", in, err, want)
		}
	}
	if _, err := NormalizePorts(strings.Repeat("1,", 50) + "1"); err == nil || !strings.Contains(err.Error(), "at most 50") {
		t.Errorf("51 items: %v", err)
	}
}

func TestPortsEquivalent(t *testing.T) {
	if !PortsEquivalent("443, 80", "80,443") || PortsEquivalent("80", "81") || !PortsEquivalent("", "") || PortsEquivalent("", "80") {
		t.Fatal("PortsEquivalent")
	}
}

func TestCheckAddress(t *testing.T) {
	for _, ok := range []string{"10.0.0.0/8", "0.0.0.0/0", "192.0.2.7/32", "prfx_lst_2Nq8ZJbT0m3s4C1x2y3z4a5b6c7"} {
		if err := CheckAddress(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	bad := map[string]string{
		"10.0.0.1/8":     `"10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?`,
		"192.168.1.5/24": "did you mean 192.168.1.0/24?",
		"10.1.2.3":       `"10.1.2.3" is not an IPv4 CIDR like 10.0.0.0/24; did you mean 10.1.2.3/32?`,
		"10.0.0.0/33":    "is not an IPv4 CIDR",
		"010.0.0.0/8":    "is not an IPv4 CIDR",
		"prfx_lst_short": "is not a prefix list id",
	}
	for in, want := range bad {
		if err := CheckAddress(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckAddress(%q) = %v; want %q", in, err, want)
		}
	}
}

func i64(v int64) *int64   { return &v }
func str(v string) *string { return &v }

func TestCheckRules(t *testing.T) {
	rules := []RuleInput{
		{Order: i64(10), Protocol: i64(6), Port: str("443"), IcmpTypeNull: true, IcmpCodeNull: true},
		{Order: i64(10), Protocol: i64(6), Port: str(""), IcmpTypeNull: true, IcmpCodeNull: true},
		{Order: i64(20), Protocol: i64(1), Port: str("80"), IcmpCode: i64(0), IcmpTypeNull: true},
		{Order: i64(30), Protocol: i64(17), Port: str("53"), IcmpType: i64(8), IcmpCodeNull: true},
		{Order: nil, Protocol: nil, Port: nil}, // unknown at plan time: nothing to say
		{Order: nil, Protocol: i64(6), Port: str(""), IcmpTypeNull: true, IcmpCodeNull: true},
	}
	got := []string{}
	for _, i := range CheckRules(rules) {
		got = append(got, i.Path(rules)+": "+i.Message)
	}
	want := []string{
		"rules[order=10].order: order 10 is used by more than one rule; orders must be unique in a group",
		`rules[order=10].port: is required for TCP and UDP; use "1-65535" for all ports`,
		`rules[order=20].port: must be "" for protocol 1; only TCP (6) and UDP (17) have ports`,
		"rules[order=20].icmp_code: needs icmp_type as well",
		"rules[order=30].icmp_type: only applies to ICMP rules (protocol 1), not protocol 17",
		`rules[order unknown].port: is required for TCP and UDP; use "1-65535" for all ports`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	many := make([]RuleInput, 251)
	if is := CheckRules(many); len(is) == 0 || is[0].Path(many) != "rules" {
		t.Fatalf("251 rules: %v", is)
	}
}
