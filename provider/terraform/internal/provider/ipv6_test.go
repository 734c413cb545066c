package provider

// IPv6 through the provider against a real core: a dual-stack prefix list and
// group written in non-canonical IPv6 text apply, refresh and plan empty (the
// API stores RFC 5952 text), and the provider's CIDR messages are the API's.
// API only: no site is attached, so nothing is compiled (renderers of IPv6
// rules land separately).

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

const dualStackGroup = "secgroups_security_group.dual"
const dualStackList = "secgroups_prefix_list.dual"

// Upper case, leading zeros and an uncompressed run: none of it RFC 5952.
func dualStackConfig(extraRule string) string {
	return `
resource "secgroups_prefix_list" "dual" {
  name     = "acc-dual-stack"
  prefixes = [
    { cidr = "203.0.113.0/24", description = "office v4" },
    { cidr = "2001:DB8:0:0:AB::/80", description = "office v6" },
    { cidr = "2001:0db8:ffff::/48" },
  ]
}
resource "secgroups_security_group" "dual" {
  name  = "acc-dual-stack"
  rules = [
    { direction = "inbound", order = 10, protocol = 6, port = "443", address = "0.0.0.0/0", description = "https v4" },
    { direction = "inbound", order = 11, protocol = 6, port = "443", address = "::/0", description = "https v6" },
    { direction = "inbound", order = 20, protocol = 6, port = "22", address = secgroups_prefix_list.dual.id, description = "ssh from the office" },
    { direction = "inbound", order = 30, protocol = 1, icmp_type = 8, address = "10.0.0.0/8", description = "ping" },
    { direction = "inbound", order = 31, protocol = 58, icmp_type = 128, icmp_code = 0, address = "2001:DB8::/32", description = "ping6" },
    { direction = "outbound", order = 100, protocol = 0, address = "0.0.0.0/0", description = "all out v4" },
    { direction = "outbound", order = 101, protocol = 0, address = "::/0", description = "all out v6" },` + extraRule + `
  ]
}`
}

func TestAccIPv6_dualStackGroupAndPrefixList(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeTestCheckFunc(
			checkDestroyed("secgroups_security_group", "/vpc/security-groups/"),
			checkDestroyed("secgroups_prefix_list", "/vpc/prefix-lists/"),
		),
		Steps: []resource.TestStep{
			{
				Config: dualStackConfig(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// State keeps the configuration's spelling; the API's RFC 5952 text is the same network.
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(dualStackGroup, "status", "active"),
					resource.TestCheckResourceAttr(dualStackGroup, "rules.#", "7"),
					resource.TestCheckTypeSetElemNestedAttrs(dualStackGroup, "rules.*", map[string]string{
						"order": "31", "protocol": "58", "icmp_type": "128", "icmp_code": "0", "address": "2001:DB8::/32",
					}),
					resource.TestCheckResourceAttr(dualStackList, "prefixes.#", "3"),
					resource.TestCheckTypeSetElemNestedAttrs(dualStackList, "prefixes.*", map[string]string{"cidr": "2001:DB8:0:0:AB::/80", "description": "office v6"}),
					checkAPIStoredCanonical(t),
				),
			},
			{
				// A respelled IPv6 CIDR is the same network: no change planned.
				Config:   strings.Replace(dualStackConfig(""), `"2001:DB8::/32"`, `"2001:db8:0::/32"`, 1),
				PlanOnly: true,
			},
		},
	})
}

// A dual-stack list made elsewhere, imported (the API's RFC 5952 text) under a
// configuration that spells IPv6 otherwise: the plan is empty.
func TestAccIPv6_importThenEmptyPlan(t *testing.T) {
	var id string
	config := `
resource "secgroups_prefix_list" "dual" {
  name     = "acc-imported-dual"
  prefixes = [{ cidr = "2001:DB8:0:0:AB::/80" }, { cidr = "198.51.100.0/24" }, { cidr = "2001:0DB8:FFFF:0000::/64" }]
}`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_prefix_list", "/vpc/prefix-lists/"),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					var l PrefixList
					err := testClient().Do(t0(), "POST", "/vpc/prefix-lists", PrefixListWrite{Name: "acc-imported-dual", Sites: []string{}, Prefixes: []Prefix{
						{Cidr: "2001:db8:ffff::/64"}, {Cidr: "198.51.100.0/24"}, {Cidr: "2001:db8:0:0:ab::/80"},
					}}, &l)
					if err != nil {
						t.Fatal(err)
					}
					id = l.ID
				},
				Config:             config,
				ResourceName:       dualStackList,
				ImportState:        true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return id, nil },
				ImportStatePersist: true,
			},
			{Config: config, PlanOnly: true},
		},
	})
}

// checkAPIStoredCanonical reads the group and the list back from the API: IPv6 is stored in RFC 5952 text.
func checkAPIStoredCanonical(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		group := s.RootModule().Resources[dualStackGroup].Primary.ID
		list := s.RootModule().Resources[dualStackList].Primary.ID
		var g SecurityGroup
		if err := testClient().Do(t0(), "GET", "/vpc/security-groups/"+group, nil, &g); err != nil {
			return err
		}
		var l PrefixList
		if err := testClient().Do(t0(), "GET", "/vpc/prefix-lists/"+list, nil, &l); err != nil {
			return err
		}
		addresses := map[string]bool{}
		for _, r := range g.Rules {
			addresses[r.Address] = true
		}
		for _, p := range l.Prefixes {
			addresses[p.Cidr] = true
		}
		for _, want := range []string{"2001:db8::/32", "::/0", "2001:db8:0:0:ab::/80", "2001:db8:ffff::/48"} {
			if !addresses[want] {
				return errors.New("the API does not hold " + want + " (RFC 5952); it holds " + strings.Join(keys(addresses), ", "))
			}
		}
		return nil
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Refused at plan time with the API's words: nothing is created.
func TestAccIPv6_planTimeValidation(t *testing.T) {
	steps := []resource.TestStep{}
	for extra, want := range map[string]string{
		`{ direction = "inbound", order = 40, protocol = 1, address = "2001:db8::/32", description = "wrong icmp" },`:   `protocol\s+1\s+\(icmp\)\s+is\s+IPv4\s+only;\s+use\s+protocol\s+58\s+\(ipv6-icmp\)\s+with\s+the\s+IPv6\s+address\s+2001:db8::/32`,
		`{ direction = "inbound", order = 40, protocol = 58, address = "192.0.2.0/24", description = "wrong icmp" },`:   `protocol\s+58\s+\(ipv6-icmp\)\s+is\s+IPv6\s+only;\s+use\s+protocol\s+1\s+\(icmp\)`,
		`{ direction = "inbound", order = 40, protocol = 0, address = "2001:db8::1/64", description = "host bits" },`:   `did\s+you\s+mean\s+2001:db8::/64\?`,
		`{ direction = "inbound", order = 40, protocol = 0, address = "fe80::1%eth0/64", description = "zone" },`:       `zone\s+ids\s+are\s+not\s+allowed`,
		`{ direction = "inbound", order = 40, protocol = 0, address = "::ffff:10.0.0.0/104", description = "mapped" },`: `IPv4-mapped\s+address;\s+write\s+the\s+IPv4\s+CIDR\s+10\.0\.0\.0/8`,
	} {
		steps = append(steps, resource.TestStep{Config: dualStackConfig("\n    " + extra), PlanOnly: true, ExpectError: regexp.MustCompile(want)})
	}
	// Two spellings of one network are one prefix listed twice.
	steps = append(steps, resource.TestStep{
		Config:      prefixListConfig(`{ cidr = "2001:db8::/32" }, { cidr = "2001:DB8:0::/32", description = "again" }`),
		PlanOnly:    true,
		ExpectError: regexp.MustCompile(`2001:db8::/32\s+is\s+listed\s+more\s+than\s+once`),
	})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

// The provider's CIDR messages are the API's, word for word (one definition, checked against the core).
func TestAccIPv6_cidrMessagesAreTheAPIs(t *testing.T) {
	// An acceptance test like the others (resource.Test runs them only with TF_ACC set): it needs a core.
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	testAccPreCheck(t)
	texts := []string{
		"2001:db8::1/64", "2001:DB8::1", "fe80::1%eth0", "fe80::1%eth0/64", "::ffff:10.0.0.0/104", "::ffff:0:0/96",
		"2001:db8::/129", "2001:db8::/032", "2001:db8:::/32", "1:2:3:4:5:6:7:8:9/128", "::01.2.3.4/128", "fe80::1%eth 0/64",
		"10.0.0.5/24", "10.0.0.1", "10.0.0.0/33", "10.0.0/24", "any", "10.0.0.1%eth0", "a\tb", strings.Repeat("x", 45),
		"::ffff:1.2.3.4/128", "2001:db8::g/64", ":::/0", "::1/1280", "[2001:db8::]/32", "2001:db8::/-1",
	}
	for _, text := range texts {
		local := CheckCidr(text)
		err := testClient().Do(t0(), "POST", "/vpc/prefix-lists", PrefixListWrite{Name: "acc-cidr-message", Sites: []string{}, Prefixes: []Prefix{{Cidr: text}}}, nil)
		if local == nil || err == nil {
			t.Errorf("%q: provider says %v, API says %v; both must refuse", text, local, err)
			continue
		}
		if want := "prefixes[0].cidr: " + local.Error(); !strings.Contains(err.Error(), want) {
			t.Errorf("%q: the API says %q; the provider says %q", text, err.Error(), want)
		}
	}
	for _, text := range []string{"2001:DB8:0:0:AB::/80", "::102:304/128", "::1.2.3.4/128", "FE80::/10", "::/0"} {
		canonical, err := CanonicalCidr(text)
		if err != nil {
			t.Errorf("%q: %v", text, err)
			continue
		}
		var l PrefixList
		if err := testClient().Do(t0(), "POST", "/vpc/prefix-lists", PrefixListWrite{Name: "acc-cidr-canonical", Sites: []string{}, Prefixes: []Prefix{{Cidr: text}}}, &l); err != nil {
			t.Errorf("%q: the API refuses what the provider accepts: %v", text, err)
			continue
		}
		if len(l.Prefixes) != 1 || l.Prefixes[0].Cidr != canonical {
			t.Errorf("%q: the API stores %v; the provider's canonical form is %q", text, l.Prefixes, canonical)
		}
		if err := testClient().Do(t0(), "DELETE", "/vpc/prefix-lists/"+l.ID, nil, nil); err != nil {
			t.Errorf("cleanup %s: %v", l.ID, err)
		}
	}
}

// Random CIDR-like text (fixed seed), IPv6 mostly: the provider accepts exactly
// what the API accepts, stores the same canonical text and refuses with the same words.
func TestAccIPv6_randomCidrTextAgreesWithTheAPI(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	testAccPreCheck(t)
	rng := rand.New(rand.NewPCG(14, 6))
	pieces := []string{"0", "1", "a", "F", "db8", "2001", "ffff", "00ab", "0000", ":", "::", ".", "1.2.3.4", "255", "/", "%", "eth0", "128", "64", "0"}
	seen := map[string]bool{}
	var texts []string
	add := func(s string) {
		if !seen[s] && len(s) <= PrefixCidrMax {
			seen[s] = true
			texts = append(texts, s)
		}
	}
	// Addresses in every text form: zero runs compressed anywhere, leading zeros, upper case, IPv4-mapped, host bits.
	for len(texts) < 300 {
		var g [8]uint16
		for i := range g {
			if rng.IntN(2) == 0 {
				g[i] = uint16(rng.IntN(0x10000))
			}
		}
		if rng.IntN(8) == 0 {
			g = [8]uint16{0, 0, 0, 0, 0, 0xffff, g[6], g[7]}
		}
		length := rng.IntN(129)
		if rng.IntN(3) > 0 {
			for i := range g {
				keep := min(max(length-16*i, 0), 16)
				g[i] &= ^uint16(0) << (16 - keep)
			}
		}
		parts := make([]string, 8)
		for i, v := range g {
			parts[i] = fmt.Sprintf([]string{"%x", "%04x", "%X"}[rng.IntN(3)], v)
		}
		text := strings.Join(parts, ":")
		if from := rng.IntN(8); rng.IntN(4) > 0 {
			to := from
			for to < 8 && g[to] == 0 {
				to++
			}
			if to > from {
				text = strings.Join(parts[:from], ":") + "::" + strings.Join(parts[to:], ":")
			}
		}
		add(fmt.Sprintf("%s/%d", text, length))
	}
	for len(texts) < 600 {
		var b strings.Builder
		for n := 1 + rng.IntN(8); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&b, "/%d", rng.IntN(140))
		}
		add(b.String())
	}
	accepted := map[string]string{} // canonical -> text
	refused := 0
	for _, text := range texts {
		canonical, local := CanonicalCidr(text)
		if local == nil {
			if _, dup := accepted[canonical]; !dup {
				accepted[canonical] = text
			}
			continue
		}
		refused++
		err := testClient().Do(t0(), "POST", "/vpc/prefix-lists", PrefixListWrite{Name: "acc-random-cidr", Sites: []string{}, Prefixes: []Prefix{{Cidr: text}}}, nil)
		if err == nil {
			t.Errorf("%q: the provider refuses (%v), the API accepts", text, local)
		} else if want := "prefixes[0].cidr: " + local.Error(); !strings.Contains(err.Error(), want) {
			t.Errorf("%q: the API says %q; the provider says %q", text, err.Error(), want)
		}
	}
	// Everything the provider accepts, in one list: the API must take it and store the provider's canonical text.
	var prefixes []Prefix
	for _, text := range accepted {
		prefixes = append(prefixes, Prefix{Cidr: text})
	}
	if len(prefixes) < 20 || refused < 100 {
		t.Fatalf("the generator is off: %d accepted, %d refused", len(prefixes), refused)
	}
	var l PrefixList
	if err := testClient().Do(t0(), "POST", "/vpc/prefix-lists", PrefixListWrite{Name: "acc-random-accepted", Sites: []string{}, Prefixes: prefixes}, &l); err != nil {
		t.Fatalf("the API refuses what the provider accepts: %v", err)
	}
	defer func() { _ = testClient().Do(t0(), "DELETE", "/vpc/prefix-lists/"+l.ID, nil, nil) }()
	for i, p := range l.Prefixes {
		if want, _ := CanonicalCidr(prefixes[i].Cidr); p.Cidr != want {
			t.Errorf("%q: the API stores %q; the provider's canonical form is %q", prefixes[i].Cidr, p.Cidr, want)
		}
	}
	t.Logf("%d texts: %d networks accepted, %d refused, all as the API does", len(texts), len(prefixes), refused)
}
