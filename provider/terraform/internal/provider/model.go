package provider

// Mirrors of core/model's normalization (core/model/validate.ts, ports.ts,
// cidr.ts), so `terraform plan` reports the same problems the API would, and
// state holds the same normalized port strings the API returns. The limits
// and enums are generated from the API's shape declarations: limits_gen.go.

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

func idPattern(prefix string) *regexp.Regexp {
	return regexp.MustCompile("^" + prefix + "[0-9a-zA-Z]{27}$")
}

var (
	PrefixListIDPattern    = idPattern("prfx_lst_")
	SiteIDPattern          = idPattern("site_")
	SecurityGroupIDPattern = idPattern("sec_grp_")
	portItem               = regexp.MustCompile(`^([0-9]{1,5})(?:-([0-9]{1,5}))?$`)
	whitespace             = regexp.MustCompile(`\s+`)
	octet                  = regexp.MustCompile(`^(0|[1-9][0-9]{0,2})$`)
	prefixLength           = regexp.MustCompile(`^(0|[1-9][0-9]?)$`)
)

func ProtocolTakesPorts(protocol int64) bool {
	return protocol == ProtocolTCP || protocol == ProtocolUDP
}

// ProtocolIsIcmp is true for ICMP (1, IPv4 only) and ICMPv6 (58, IPv6 only).
func ProtocolIsIcmp(protocol int64) bool {
	return protocol == ProtocolICMP || protocol == ProtocolICMPv6
}

type portRange struct{ from, to int }

// NormalizePorts parses a port expression exactly as core/model/ports.ts does:
// whitespace is stripped, items are sorted ascending, duplicates and overlaps
// are merged. It returns the normalized form or a message saying what to fix.
func NormalizePorts(text string) (string, error) {
	items := strings.Split(text, ",")
	if len(items) > MaxPortItems {
		return "", fmt.Errorf("has %d items; at most %d are allowed", len(items), MaxPortItems)
	}
	ranges := make([]portRange, 0, len(items))
	for _, raw := range items {
		item := whitespace.ReplaceAllString(raw, "")
		m := portItem.FindStringSubmatch(item)
		if m == nil {
			return "", fmt.Errorf("%q is not a port or port range; use forms like \"80\", \"1024-2048\" or \"53,5353\"", item)
		}
		from, _ := strconv.Atoi(m[1])
		to := from
		if m[2] != "" {
			to, _ = strconv.Atoi(m[2])
		}
		for _, p := range []int{from, to} {
			if p < 1 || p > 65535 {
				return "", fmt.Errorf("port %d is out of range; ports are 1-65535", p)
			}
		}
		if from > to {
			return "", fmt.Errorf("range %q is reversed; did you mean \"%d-%d\"?", item, to, from)
		}
		ranges = append(ranges, portRange{from, to})
	}
	sort.Slice(ranges, func(i, j int) bool {
		if ranges[i].from != ranges[j].from {
			return ranges[i].from < ranges[j].from
		}
		return ranges[i].to < ranges[j].to
	})
	var merged []portRange
	for _, r := range ranges {
		if n := len(merged); n > 0 && r.from <= merged[n-1].to {
			if r.to > merged[n-1].to {
				merged[n-1].to = r.to
			}
			continue
		}
		merged = append(merged, r)
	}
	parts := make([]string, len(merged))
	for i, r := range merged {
		if r.from == r.to {
			parts[i] = strconv.Itoa(r.from)
		} else {
			parts[i] = fmt.Sprintf("%d-%d", r.from, r.to)
		}
	}
	return strings.Join(parts, ","), nil
}

// PortsEquivalent reports whether two port expressions normalize to the same value.
func PortsEquivalent(a, b string) bool {
	if a == b {
		return true
	}
	if strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "" {
		return strings.TrimSpace(a) == strings.TrimSpace(b)
	}
	na, errA := NormalizePorts(a)
	nb, errB := NormalizePorts(b)
	return errA == nil && errB == nil && na == nb
}

func parseIPv4(text string) (uint32, bool) {
	parts := strings.Split(text, ".")
	if len(parts) != 4 {
		return 0, false
	}
	var v uint32
	for _, p := range parts {
		if !octet.MatchString(p) {
			return 0, false
		}
		n, _ := strconv.Atoi(p)
		if n > 255 {
			return 0, false
		}
		v = v<<8 | uint32(n)
	}
	return v, true
}

func formatIPv4(v uint32) string {
	return fmt.Sprintf("%d.%d.%d.%d", v>>24, (v>>16)&255, (v>>8)&255, v&255)
}

// SelfAddress is a rule address naming the rule's own group (core/model/self.ts):
// the API stores the group's id, and the resource's state shows it as `self`.
const SelfAddress = "self"

// CheckAddress accepts an IPv4 or IPv6 CIDR (address.go), a prefix list id,
// a security group id (its members' effective addresses; the API checks that
// the group exists in the organization) or `self`.
func CheckAddress(value string) error {
	if value == SelfAddress {
		return nil
	}
	if strings.HasPrefix(value, "prfx_lst_") {
		if !PrefixListIDPattern.MatchString(value) {
			return fmt.Errorf("%q is not a prefix list id (prfx_lst_ followed by 27 letters or digits)", value)
		}
		return nil
	}
	if strings.HasPrefix(value, "sec_grp_") {
		if !SecurityGroupIDPattern.MatchString(value) {
			return fmt.Errorf("%q is not a security group id (sec_grp_ followed by 27 letters or digits)", value)
		}
		return nil
	}
	return CheckCidr(value)
}

// RuleInput is a rule with its plan-time knowns; nil fields are unknown.
type RuleInput struct {
	Direction *string
	Order     *int64
	Protocol  *int64
	Port      *string
	Address   *string
	IcmpType  *int64
	IcmpCode  *int64
	// IcmpTypeNull/IcmpCodeNull are true when the attribute is known to be null.
	IcmpTypeNull, IcmpCodeNull bool
}

// Issue is one plan-time problem with the path of the attribute to change.
type Issue struct {
	Index   int // rule index, or -1 for the rules list itself
	Field   string
	Message string
}

// Path is the issue's attribute path as text. Rules are a set identified by
// `order`, so a rule's path names its order: rules[order=20].port.
func (i Issue) Path(rules []RuleInput) string {
	if i.Index < 0 {
		return "rules"
	}
	if order := rules[i.Index].Order; order != nil {
		return fmt.Sprintf("rules[order=%d].%s", *order, i.Field)
	}
	return "rules[order unknown]." + i.Field
}

// CheckRules applies the cross-field rules of core/model/validate.ts checkRule
// and validateSecurityGroupWrite that single-attribute validators cannot:
// ports only (and always) for TCP/UDP, ICMP fields only for ICMP and ICMPv6,
// ICMP (1) with IPv4 CIDRs only and ICMPv6 (58) with IPv6 ones, icmp_code
// needs icmp_type, orders unique, at most 250 rules.
func CheckRules(rules []RuleInput) []Issue {
	var issues []Issue
	if len(rules) > MaxRules {
		issues = append(issues, Issue{-1, "", fmt.Sprintf("has %d items; at most %d are allowed (split the rules over several groups)", len(rules), MaxRules)})
	}
	seen := map[int64]bool{}
	for i, r := range rules {
		if r.Order != nil {
			if seen[*r.Order] {
				issues = append(issues, Issue{i, "order", fmt.Sprintf("order %d is used by more than one rule; orders must be unique in a group", *r.Order)})
			}
			seen[*r.Order] = true
		}
		if r.Protocol != nil && r.Port != nil {
			port := *r.Port
			if ProtocolTakesPorts(*r.Protocol) {
				if strings.TrimSpace(port) == "" {
					issues = append(issues, Issue{i, "port", "is required for TCP and UDP; use \"1-65535\" for all ports"})
				} else if _, err := NormalizePorts(port); err != nil {
					issues = append(issues, Issue{i, "port", err.Error()})
				}
			} else if strings.TrimSpace(port) != "" {
				issues = append(issues, Issue{i, "port", fmt.Sprintf("must be \"\" for protocol %d; only TCP (6) and UDP (17) have ports", *r.Protocol)})
			}
		}
		if r.Protocol != nil && !ProtocolIsIcmp(*r.Protocol) {
			if r.IcmpType != nil {
				issues = append(issues, Issue{i, "icmp_type", fmt.Sprintf("only applies to ICMP rules (protocol 1, or 58 for IPv6), not protocol %d", *r.Protocol)})
			}
			if r.IcmpCode != nil {
				issues = append(issues, Issue{i, "icmp_code", fmt.Sprintf("only applies to ICMP rules (protocol 1, or 58 for IPv6), not protocol %d", *r.Protocol)})
			}
		}
		// ICMP exists in IPv4 only and ICMPv6 in IPv6 only: the CIDR's family must fit.
		if r.Protocol != nil && r.Address != nil {
			family := CidrFamily(*r.Address)
			if *r.Protocol == ProtocolICMP && family == 6 {
				issues = append(issues, Issue{i, "protocol", fmt.Sprintf("protocol 1 (icmp) is IPv4 only; use protocol 58 (ipv6-icmp) with the IPv6 address %s", canonicalAddress(*r.Address))})
			}
			if *r.Protocol == ProtocolICMPv6 && family == 4 {
				issues = append(issues, Issue{i, "protocol", fmt.Sprintf("protocol 58 (ipv6-icmp) is IPv6 only; use protocol 1 (icmp) with the IPv4 address %s", *r.Address)})
			}
		}
		if r.IcmpCode != nil && r.IcmpTypeNull {
			issues = append(issues, Issue{i, "icmp_code", "needs icmp_type as well"})
		}
	}
	return issues
}
