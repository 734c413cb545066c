package provider

// CIDR checks mirroring core/model/address.ts (and cidr.ts, cidr6.ts): the
// same acceptance, the same canonical text (IPv6 in RFC 5952 form) and the
// same messages, so `terraform plan` says what the API would say. A CIDR's
// text decides its family: an IPv6 CIDR has a colon, an IPv4 one never does.

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

var (
	// `0` or `[1-9][0-9]*`: no leading zeros, as core/model reads a prefix length.
	prefixLengthText = regexp.MustCompile(`^(0|[1-9][0-9]{0,2})$`)
	looksIPv4        = regexp.MustCompile(`^[0-9./]+$`)
	// A zone as core/model/cidr6.ts recognizes one: 1-64 RFC 6874 unreserved characters, optionally a prefix length.
	zoneSuffix = regexp.MustCompile(`^%[0-9A-Za-z._~-]{1,64}(/[0-9]{1,3})?$`)
	hexGroups  = regexp.MustCompile(`^[0-9a-fA-F:.]+$`)
)

// quoteText is JSON.stringify of at most 40 UTF-16 units of text, as the core quotes a value.
func quoteText(text string) string {
	units := utf16.Encode([]rune(text))
	if len(units) > 40 {
		text = string(utf16.Decode(units[:40])) + "…"
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(text)
	return strings.TrimSuffix(b.String(), "\n")
}

// parseIPv6 reads an IPv6 address in any RFC 4291 text form (no zone id), as core/model/cidr6.ts does.
func parseIPv6(text string) (netip.Addr, bool) {
	// netip also takes zones and IPv4 text; the core takes hex groups and a dotted quad only.
	if !strings.Contains(text, ":") || !hexGroups.MatchString(text) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(text)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}

// formatIPv6 is RFC 5952 text (IPv4-mapped addresses as ::ffff:a.b.c.d, like the core).
func formatIPv6(a netip.Addr) string { return a.String() }

// CanonicalCidr returns the text the API stores for an accepted CIDR (RFC 5952
// for IPv6; IPv4 is accepted in its one form only) or address range (as
// core/model parseCidrOrRange: a range that is exactly one CIDR is that CIDR),
// or an error saying what to fix.
func CanonicalCidr(value string) (string, error) {
	if strings.Contains(value, "-") {
		if !strings.Contains(value, "%") {
			return canonicalRange(value)
		}
		// A zone id may hold a dash ("fe80::1%br-lan/64"): the CIDR check names that refusal best.
		if _, err := canonicalCidr6(value); err != nil && strings.Contains(err.Error(), "zone ids") {
			return "", err
		}
		return "", fmt.Errorf("%s: zone ids are not allowed in an address range", quoteText(value))
	}
	if strings.Contains(value, ":") {
		return canonicalCidr6(value)
	}
	if err := checkCidr4(value); err != nil {
		return "", err
	}
	return value, nil
}

// CheckCidr returns nil for an IPv4 or IPv6 CIDR with no host bits, or an
// error that says what was probably meant.
func CheckCidr(value string) error {
	_, err := CanonicalCidr(value)
	return err
}

func checkCidr4(value string) error {
	slash := strings.Index(value, "/")
	if slash >= 0 {
		addr, ok := parseIPv4(value[:slash])
		lengthText := value[slash+1:]
		if ok && prefixLength.MatchString(lengthText) {
			n, _ := strconv.Atoi(lengthText)
			if n <= 32 {
				var mask uint32
				if n > 0 {
					mask = ^uint32(0) << (32 - n)
				}
				if network := addr & mask; network != addr {
					return fmt.Errorf("%s has host bits set; did you mean %s/%d?", quoteText(value), formatIPv4(network), n)
				}
				return nil
			}
		}
	}
	if !looksIPv4.MatchString(value) || !strings.Contains(value, ".") {
		return fmt.Errorf("%s is not a CIDR like 10.0.0.0/24 or 2001:db8::/32", quoteText(value))
	}
	base := fmt.Sprintf("%s is not an IPv4 CIDR like 10.0.0.0/24", quoteText(value))
	addressText := value
	if slash >= 0 {
		addressText = value[:slash]
	}
	if _, ok := parseIPv4(addressText); !ok {
		return fmt.Errorf("%s", base)
	}
	if slash < 0 {
		return fmt.Errorf("%s; did you mean %s/32?", base, value)
	}
	return fmt.Errorf("%s: the prefix length must be 0-32 without leading zeros", base)
}

func canonicalCidr6(value string) (string, error) {
	slash := strings.Index(value, "/")
	addressText, lengthText := value, ""
	if slash >= 0 {
		addressText, lengthText = value[:slash], value[slash+1:]
	}
	if percent := strings.Index(addressText, "%"); percent >= 0 {
		if _, ok := parseIPv6(addressText[:percent]); ok && zoneSuffix.MatchString(value[percent:]) {
			return "", fmt.Errorf("%s: zone ids are not allowed in a CIDR", quoteText(value))
		}
		return "", syntaxError6(value)
	}
	addr, ok := parseIPv6(addressText)
	if !ok || slash < 0 || !prefixLengthText.MatchString(lengthText) {
		return "", syntaxError6(value)
	}
	n, _ := strconv.Atoi(lengthText)
	if n > 128 {
		return "", syntaxError6(value)
	}
	network := netip.PrefixFrom(addr, n).Masked()
	if n >= 96 && network.Addr().Is4In6() {
		v4 := network.Addr().Unmap()
		return "", fmt.Errorf("%s is an IPv4-mapped address; write the IPv4 CIDR %s/%d", quoteText(value), v4, n-96)
	}
	if network.Addr() != addr {
		return "", fmt.Errorf("%s has host bits set; did you mean %s/%d?", quoteText(value), formatIPv6(network.Addr()), n)
	}
	return formatIPv6(addr) + "/" + strconv.Itoa(n), nil
}

// syntaxError6 is the core's "… is not an IPv6 CIDR like …", with the likely fix when the address itself is valid.
func syntaxError6(value string) error {
	base := fmt.Sprintf("%s is not an IPv6 CIDR like 2001:db8::/32", quoteText(value))
	slash := strings.Index(value, "/")
	addressText := value
	if slash >= 0 {
		addressText = value[:slash]
	}
	addr, ok := parseIPv6(addressText)
	if !ok {
		return fmt.Errorf("%s", base)
	}
	if slash < 0 {
		return fmt.Errorf("%s; did you mean %s/128?", base, formatIPv6(addr))
	}
	return fmt.Errorf("%s: the prefix length must be 0-128 without leading zeros", base)
}

// CidrFamily is 4 or 6 for an accepted CIDR, 0 for anything else (a prefix list id, bad text).
func CidrFamily(value string) int {
	if CheckCidr(value) != nil {
		return 0
	}
	if strings.Contains(value, ":") {
		return 6
	}
	return 4
}

// canonicalRange mirrors core/model/address.ts parseCidrOrRange for text with a dash.
func canonicalRange(value string) (string, error) {
	dash := strings.Index(value, "-")
	firstText, lastText := value[:dash], value[dash+1:]
	v6 := strings.Contains(firstText, ":")
	if v6 != strings.Contains(lastText, ":") && firstText != "" && lastText != "" {
		return "", fmt.Errorf("%s mixes IPv4 and IPv6; both ends of a range must be of one family", quoteText(value))
	}
	example, family := "10.0.0.1-10.0.0.9", "4"
	if v6 {
		example, family = "2001:db8::1-2001:db8::9", "6"
	}
	for _, end := range []string{firstText, lastText} {
		ok := false
		if v6 {
			_, ok = parseIPv6(end)
		} else {
			_, ok = parseIPv4(end)
		}
		if ok {
			continue
		}
		base := fmt.Sprintf("%s is not a range like %s", quoteText(value), example)
		switch {
		case end == "":
			return "", fmt.Errorf("%s: it needs an address on both sides of the dash", base)
		case strings.TrimSpace(end) != end:
			return "", fmt.Errorf("%s: write it without spaces", base)
		case strings.Contains(end, "/"):
			return "", fmt.Errorf("%s: the ends of a range are addresses, without a prefix length", base)
		case strings.Contains(end, "-"):
			return "", fmt.Errorf("%s: it has more than one dash", base)
		}
		return "", fmt.Errorf("%s: %s is not an IPv%s address", base, quoteText(end), family)
	}
	backwards := func(suggestion string) error {
		return fmt.Errorf("%s runs backwards: its first address is above its last; did you mean %s?", quoteText(value), suggestion)
	}
	if !v6 {
		first, _ := parseIPv4(firstText)
		last, _ := parseIPv4(lastText)
		if first > last {
			return "", backwards(lastText + "-" + firstText)
		}
		size := uint64(last) - uint64(first) + 1
		if size&(size-1) == 0 && uint64(first)%size == 0 {
			bits := 0
			for s := size; s > 1; s >>= 1 {
				bits++
			}
			return fmt.Sprintf("%s/%d", formatIPv4(first), 32-bits), nil
		}
		return formatIPv4(first) + "-" + formatIPv4(last), nil
	}
	first, _ := parseIPv6(firstText)
	last, _ := parseIPv6(lastText)
	if first.Compare(last) > 0 {
		return "", backwards(formatIPv6(last) + "-" + formatIPv6(first))
	}
	if first.Is4In6() && last.Is4In6() {
		v4, err := canonicalRange(first.Unmap().String() + "-" + last.Unmap().String())
		what := "range"
		if err == nil && !strings.Contains(v4, "-") {
			what = "CIDR"
		}
		return "", fmt.Errorf("%s is a range of IPv4-mapped addresses; write the IPv4 %s %s", quoteText(value), what, v4)
	}
	for n := 0; n <= 128; n++ {
		p := netip.PrefixFrom(first, n)
		if p.Masked().Addr() == first && lastOf(p) == last {
			return formatIPv6(first) + "/" + strconv.Itoa(n), nil
		}
	}
	return formatIPv6(first) + "-" + formatIPv6(last), nil
}

// lastOf is the last address of an IPv6 prefix.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Addr().As16()
	for i := p.Bits(); i < 128; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom16(b)
}
