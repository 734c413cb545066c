package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestSemanticEquality(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		a, b NormalizedString
		same bool
	}{
		{PortsValue("443, 80"), PortsValue("80,443"), true},
		{PortsValue("22,2222"), PortsValue("2222 , 22"), true},
		{PortsValue("1-10,5"), PortsValue("1-10"), true},
		{PortsValue("80"), PortsValue("81"), false},
		{PortsValue(""), PortsValue("80"), false},
		{PortsValue("http"), PortsValue("http"), true}, // equal text, whatever it means
		{AddressValue("10.0.0.0/8"), AddressValue("10.0.0.0/8"), true},
		{AddressValue("2001:DB8:0::/32"), AddressValue("2001:db8::/32"), true},
		{AddressValue("2001:0db8:0000:0000:0000:0000:0000:0000/32"), AddressValue("2001:db8::/32"), true},
		{AddressValue("10.0.0.0/8"), AddressValue("10.0.0.0/9"), false},
		{AddressValue("::ffff:10.0.0.0/104"), AddressValue("10.0.0.0/8"), false},
		{AddressValue("prfx_lst_2Nq8ZJbT0m3s4C1x2y3z4a5b6c7"), AddressValue("prfx_lst_2Nq8ZJbT0m3s4C1x2y3z4a5b6c8"), false},
		{PortsValue("80"), AddressValue("80"), false}, // different types never compare equal
	}
	for _, c := range cases {
		got, diags := c.a.StringSemanticEquals(ctx, c.b)
		if diags.HasError() || got != c.same {
			t.Errorf("%s %q vs %s %q: semantically equal = %v, want %v", c.a.Type(ctx), c.a.ValueString(), c.b.Type(ctx), c.b.ValueString(), got, c.same)
		}
	}
	if !PortsType.Equal(PortsValue("1").Type(ctx)) || PortsType.Equal(AddressType) || PortsType.Equal(types.StringType) {
		t.Error("type equality")
	}
}

func rule(order int64, port, address string) types.Object {
	return types.ObjectValueMust(ruleObjectType.AttrTypes, map[string]attr.Value{
		"direction": types.StringValue("inbound"), "order": types.Int64Value(order), "protocol": types.Int64Value(6),
		"port": PortsValue(port), "address": AddressValue(address), "description": types.StringValue("r"),
		"action": types.StringValue("accept"), "icmp_type": types.Int64Null(), "icmp_code": types.Int64Null(), "log": types.BoolValue(false),
	})
}

func TestKeyedSetPreferPrior(t *testing.T) {
	ctx := context.Background()
	prior := []attr.Value{rule(10, "443, 80", "0.0.0.0/0"), rule(20, "22", "192.0.2.0/24"), rule(30, "53", "10.0.0.0/8")}
	unknownPort := rule(30, "53", "10.0.0.0/8").Attributes()
	unknownPort["port"] = NormalizedString{StringValue: types.StringUnknown(), kind: kindPorts}
	proposed := []attr.Value{
		rule(20, "22", "192.0.2.0/24"),      // equal: stays as is
		rule(10, "80,443", "0.0.0.0/0"),     // respelled: becomes the prior object
		rule(30, "53", "10.0.0.0/8"),        // placeholder, replaced below by the unknown-port rule
		rule(40, "8080", "198.51.100.0/24"), // new: no prior
	}
	proposed[2] = types.ObjectValueMust(ruleObjectType.AttrTypes, unknownPort)
	got, replaced := rulesByOrder.preferPrior(ctx, proposed, prior)
	if !replaced {
		t.Fatal("nothing replaced")
	}
	if !got[1].Equal(prior[0]) {
		t.Errorf("respelled rule 10 not kept as in the state: %v", got[1])
	}
	if !got[0].Equal(proposed[0]) || !got[2].Equal(proposed[2]) || !got[3].Equal(proposed[3]) {
		t.Errorf("rules that are equal, unknown or new must stay as proposed: %v", got)
	}
	// A changed rule (same order, other ports) keeps its new value.
	changed, replaced := rulesByOrder.preferPrior(ctx, []attr.Value{rule(20, "2222", "192.0.2.0/24")}, prior)
	if replaced || !changed[0].Equal(rule(20, "2222", "192.0.2.0/24")) {
		t.Errorf("changed rule replaced by the prior one: %v", changed)
	}
	// An IPv6 CIDR spelled another way keys and compares as the same prefix.
	p := func(cidr string) attr.Value {
		return types.ObjectValueMust(prefixObjectType.AttrTypes, map[string]attr.Value{"cidr": AddressValue(cidr), "description": types.StringNull()})
	}
	kept, replaced := prefixesByCidr.preferPrior(ctx, []attr.Value{p("2001:DB8::/32")}, []attr.Value{p("2001:db8::/32")})
	if !replaced || !kept[0].Equal(p("2001:db8::/32")) {
		t.Errorf("IPv6 prefix not matched: %v", kept)
	}
}

func TestKeyedSetDefaults(t *testing.T) {
	ctx := context.Background()
	attrs := rule(10, "", "0.0.0.0/0").Attributes()
	attrs["port"] = NormalizedString{StringValue: types.StringNull(), kind: kindPorts}
	attrs["action"] = types.StringNull()
	attrs["log"] = types.BoolNull()
	config := types.SetValueMust(ruleObjectType, []attr.Value{types.ObjectValueMust(ruleObjectType.AttrTypes, attrs)})
	filled, ok := rulesByOrder.withDefaults(ctx, config)
	if !ok || !filled.Equal(types.SetValueMust(ruleObjectType, []attr.Value{rule(10, "", "0.0.0.0/0")})) {
		t.Fatalf("defaults: %v", filled)
	}
}
