package provider

import "testing"

// The same acceptance and canonical text as core/model/address-range.test.ts.
func TestCanonicalRange(t *testing.T) {
	accepted := map[string]string{
		"10.0.0.1-10.0.0.9":                          "10.0.0.1-10.0.0.9",
		"10.0.0.0-10.0.0.255":                        "10.0.0.0/24",
		"10.0.0.7-10.0.0.7":                          "10.0.0.7/32",
		"0.0.0.0-255.255.255.255":                    "0.0.0.0/0",
		"2001:DB8::1-2001:0db8:0:0:0:0:0:9":          "2001:db8::1-2001:db8::9",
		"2001:db8::-2001:db8::ffff":                  "2001:db8::/112",
		"::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff": "::/0",
	}
	for in, want := range accepted {
		got, err := CanonicalCidr(in)
		if err != nil || got != want {
			t.Errorf("CanonicalCidr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	refused := map[string]string{
		"10.0.0.9-10.0.0.1":               `"10.0.0.9-10.0.0.1" runs backwards: its first address is above its last; did you mean 10.0.0.1-10.0.0.9?`,
		"10.0.0.1-2001:db8::1":            `"10.0.0.1-2001:db8::1" mixes IPv4 and IPv6; both ends of a range must be of one family`,
		"10.0.0.1 - 10.0.0.9":             `"10.0.0.1 - 10.0.0.9" is not a range like 10.0.0.1-10.0.0.9: write it without spaces`,
		"10.0.0.1-":                       `"10.0.0.1-" is not a range like 10.0.0.1-10.0.0.9: it needs an address on both sides of the dash`,
		"10.0.0.1-10.0.0.256":             `"10.0.0.1-10.0.0.256" is not a range like 10.0.0.1-10.0.0.9: "10.0.0.256" is not an IPv4 address`,
		"fe80::1%eth0-fe80::9":            `"fe80::1%eth0-fe80::9": zone ids are not allowed in an address range`,
		"fe80::1%br-lan/64":               `"fe80::1%br-lan/64": zone ids are not allowed in a CIDR`,
		"::ffff:10.0.0.1-::ffff:10.0.0.9": `"::ffff:10.0.0.1-::ffff:10.0.0.9" is a range of IPv4-mapped addresses; write the IPv4 range 10.0.0.1-10.0.0.9`,
	}
	for in, want := range refused {
		if _, err := CanonicalCidr(in); err == nil || err.Error() != want {
			t.Errorf("CanonicalCidr(%q) error = %v; want %s", in, err, want)
		}
	}
	if CidrFamily("2001:db8::1-2001:db8::9") != 6 || CidrFamily("10.0.0.1-10.0.0.9") != 4 {
		t.Errorf("CidrFamily of ranges")
	}
}
