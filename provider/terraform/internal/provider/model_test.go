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
	for _, ok := range []string{"10.0.0.0/8", "0.0.0.0/0", "192.0.2.7/32", "::/0", "2001:db8::/32", "prfx_lst_2Nq8ZJbT0m3s4C1x2y3z4a5b6c7", "self"} {
		if err := CheckAddress(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	bad := map[string]string{
		"192.168.1.5/24": "did you mean 192.168.1.0/24?",
		"010.0.0.0/8":    `"010.0.0.0/8" is not an IPv4 CIDR like 10.0.0.0/24`,
		"prfx_lst_short": "is not a prefix list id",
		"Self":           `"Self" is not a CIDR like 10.0.0.0/24`,
	}
	for in, want := range bad {
		if err := CheckAddress(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckAddress(%q) = %v; want %q", in, err, want)
		}
	}
}

// The vectors of core/model/address.test.ts: the same acceptance, canonical text and messages.
func TestCanonicalCidr(t *testing.T) {
	accepted := map[string]string{
		"10.0.0.0/8":    "10.0.0.0/8",
		"0.0.0.0/0":     "0.0.0.0/0",
		"::/0":          "::/0",
		"2001:DB8::/32": "2001:db8::/32",
		"2001:0db8:0000:0000:0000:0000:0000:0000/48": "2001:db8::/48",
		"2001:db8:0:0:1:0:0:0/80":                    "2001:db8:0:0:1::/80", // RFC 5952 4.2.3: the first of equal runs
		"::1.2.3.4/128":                              "::102:304/128",       // a dotted quad that is not IPv4-mapped
		"fe80::/10":                                  "fe80::/10",
	}
	for in, want := range accepted {
		got, err := CanonicalCidr(in)
		if err != nil || got != want {
			t.Errorf("CanonicalCidr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	refused := map[string]string{
		"10.0.0.5/24":           `"10.0.0.5/24" has host bits set; did you mean 10.0.0.0/24?`,
		"2001:db8::1/64":        `"2001:db8::1/64" has host bits set; did you mean 2001:db8::/64?`,
		"2001:DB8::1/64":        `"2001:DB8::1/64" has host bits set; did you mean 2001:db8::/64?`,
		"fe80::1%eth0":          `"fe80::1%eth0": zone ids are not allowed in a CIDR`,
		"fe80::1%eth0/64":       `"fe80::1%eth0/64": zone ids are not allowed in a CIDR`,
		"::ffff:10.0.0.0/104":   `"::ffff:10.0.0.0/104" is an IPv4-mapped address; write the IPv4 CIDR 10.0.0.0/8`,
		"::ffff:10.0.0.1/104":   `"::ffff:10.0.0.1/104" is an IPv4-mapped address; write the IPv4 CIDR 10.0.0.0/8`,
		"::ffff:0:0/96":         `"::ffff:0:0/96" is an IPv4-mapped address; write the IPv4 CIDR 0.0.0.0/0`,
		"10.0.0.1":              `"10.0.0.1" is not an IPv4 CIDR like 10.0.0.0/24; did you mean 10.0.0.1/32?`,
		"10.0.0.0/33":           `"10.0.0.0/33" is not an IPv4 CIDR like 10.0.0.0/24: the prefix length must be 0-32 without leading zeros`,
		"10.0.0/24":             `"10.0.0/24" is not an IPv4 CIDR like 10.0.0.0/24`,
		"2001:DB8::1":           `"2001:DB8::1" is not an IPv6 CIDR like 2001:db8::/32; did you mean 2001:db8::1/128?`,
		"2001:db8::/129":        `"2001:db8::/129" is not an IPv6 CIDR like 2001:db8::/32: the prefix length must be 0-128 without leading zeros`,
		"2001:db8::/032":        `"2001:db8::/032" is not an IPv6 CIDR like 2001:db8::/32: the prefix length must be 0-128 without leading zeros`,
		"2001:db8:::/32":        `"2001:db8:::/32" is not an IPv6 CIDR like 2001:db8::/32`,
		"1:2:3:4:5:6:7:8:9/128": `"1:2:3:4:5:6:7:8:9/128" is not an IPv6 CIDR like 2001:db8::/32`,
		"::01.2.3.4/128":        `"::01.2.3.4/128" is not an IPv6 CIDR like 2001:db8::/32`,
		"fe80::1%eth 0/64":      `"fe80::1%eth 0/64" is not an IPv6 CIDR like 2001:db8::/32`,
		"":                      `"" is not a CIDR like 10.0.0.0/24 or 2001:db8::/32`,
		"any":                   `"any" is not a CIDR like 10.0.0.0/24 or 2001:db8::/32`,
		"10.0.0.1%eth0":         `"10.0.0.1%eth0" is not a CIDR like 10.0.0.0/24 or 2001:db8::/32`,
		strings.Repeat("x", 60): `"` + strings.Repeat("x", 40) + `…" is not a CIDR like 10.0.0.0/24 or 2001:db8::/32`,
		"a\tb":                  `"a\tb" is not a CIDR like 10.0.0.0/24 or 2001:db8::/32`,
	}
	for in, want := range refused {
		got, err := CanonicalCidr(in)
		if err == nil || err.Error() != want {
			t.Errorf("CanonicalCidr(%q) = %q, %v; want error %s", in, got, err, want)
		}
		if CidrFamily(in) != 0 {
			t.Errorf("CidrFamily(%q) = %d for refused text", in, CidrFamily(in))
		}
	}
	if CidrFamily("2001:DB8::/32") != 6 || CidrFamily("10.0.0.0/8") != 4 || CidrFamily("prfx_lst_2Nq8ZJbT0m3s4C1x2y3z4a5b6c7") != 0 {
		t.Error("CidrFamily")
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
		"rules[order=30].icmp_type: only applies to ICMP rules (protocol 1, or 58 for IPv6), not protocol 17",
		`rules[order unknown].port: is required for TCP and UDP; use "1-65535" for all ports`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	family := []RuleInput{
		{Order: i64(1), Protocol: i64(1), Port: str(""), Address: str("2001:DB8::/32"), IcmpType: i64(128), IcmpCodeNull: true},
		{Order: i64(2), Protocol: i64(58), Port: str(""), Address: str("10.0.0.0/8"), IcmpType: i64(128), IcmpCodeNull: true},
		{Order: i64(3), Protocol: i64(58), Port: str(""), Address: str("2001:db8::/32"), IcmpType: i64(128), IcmpCode: i64(0)},
		{Order: i64(4), Protocol: i64(58), Port: str(""), Address: str("prfx_lst_2Nq8ZJbT0m3s4C1x2y3z4a5b6c7"), IcmpTypeNull: true, IcmpCodeNull: true},
		{Order: i64(5), Protocol: i64(1), Port: str(""), Address: str("0.0.0.0/0"), IcmpType: i64(8), IcmpCodeNull: true},
		{Order: i64(6), Protocol: i64(6), Port: str("443"), Address: str("::/0"), IcmpTypeNull: true, IcmpCodeNull: true},
		{Order: i64(7), Protocol: i64(58), Port: str("80"), Address: str("2001:db8::1/64"), IcmpTypeNull: true, IcmpCodeNull: true},
	}
	got = nil
	for _, i := range CheckRules(family) {
		got = append(got, i.Path(family)+": "+i.Message)
	}
	want = []string{
		"rules[order=1].protocol: protocol 1 (icmp) is IPv4 only; use protocol 58 (ipv6-icmp) with the IPv6 address 2001:db8::/32",
		"rules[order=2].protocol: protocol 58 (ipv6-icmp) is IPv6 only; use protocol 1 (icmp) with the IPv4 address 10.0.0.0/8",
		`rules[order=7].port: must be "" for protocol 58; only TCP (6) and UDP (17) have ports`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("families: got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	many := make([]RuleInput, 251)
	if is := CheckRules(many); len(is) == 0 || is[0].Path(many) != "rules" {
		t.Fatalf("251 rules: %v", is)
	}
}
