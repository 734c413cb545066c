package provider

// A security group's rules: one schema for the resource and the data source,
// the conversions to and from the API, and the plan-time checks.

import (
	"context"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

type ruleModel struct {
	Direction   types.String     `tfsdk:"direction"`
	Order       types.Int64      `tfsdk:"order"`
	Protocol    types.Int64      `tfsdk:"protocol"`
	Port        NormalizedString `tfsdk:"port"`
	Address     NormalizedString `tfsdk:"address"`
	Description types.String     `tfsdk:"description"`
	Action      types.String     `tfsdk:"action"`
	IcmpType    types.Int64      `tfsdk:"icmp_type"`
	IcmpCode    types.Int64      `tfsdk:"icmp_code"`
	Log         types.Bool       `tfsdk:"log"`
}

var ruleObjectType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"direction": types.StringType, "order": types.Int64Type, "protocol": types.Int64Type, "port": PortsType,
	"address": AddressType, "description": types.StringType, "action": types.StringType,
	"icmp_type": types.Int64Type, "icmp_code": types.Int64Type, "log": types.BoolType,
}}

const rulesDescription = "Filter rules, at most 250, each with a unique `order` (1-250). Rules are evaluated in ascending `order` and the first match decides; " +
	"where a rule appears in the configuration does not matter. The rules are a set identified by `order`: a plan never shows a rule whose meaning is unchanged " +
	"(ports and CIDRs are compared as the API normalizes them, so `\"443, 80\"` equals `\"80,443\"` and `2001:DB8::/32` equals `2001:db8::/32`), and a changed rule shows as the old rule removed and the new one added, with the same `order`. " +
	"Two identical rules are one rule."

var ruleDescriptions = map[string]string{
	"direction":   "`inbound` or `outbound`.",
	"order":       "Evaluation order, 1-250, unique within the group; identifies the rule.",
	"protocol":    "IP protocol number: 0 all, 1 ICMP (IPv4 addresses only), 6 TCP, 17 UDP, 58 ICMPv6 (IPv6 addresses only) (see the `secgroups_protocols` data source). A rule with a CIDR applies to that CIDR's family; with a prefix list or a security group, to the members of the packet's family.",
	"port":        "Ports for TCP and UDP: `80`, `1024-2048` or comma lists of those. The API stores them normalized (whitespace removed, sorted, overlaps merged); state keeps your spelling when it means the same ports. Must be empty for other protocols. Defaults to `\"\"`.",
	"address":     "Peer: an IPv4 or IPv6 CIDR with no host bits set (`10.0.0.0/8`, `2001:db8::/32`), a prefix list id (`prfx_lst_...`), a security group id (`sec_grp_...`, e.g. `secgroups_security_group.web.id`), or `self` for this group itself (its members talking to each other, like `self = true` of `aws_security_group`; a group cannot name its own `id`, which would be a cycle): the effective addresses of every site that group is attached to (a site's `addresses`, else what its agent reports), kept up to date as sites join, leave or change address. The API stores `self` as the group's id; the resource's state shows the group's own id as `self` (also after `terraform import`), the data source as the id. `0.0.0.0/0` is all IPv4 and `::/0` all IPv6. The API stores IPv6 in RFC 5952 form (lower case, compressed); state keeps your spelling when it is the same network, so `2001:DB8::/32` shows no diff.",
	"description": "What the rule is for, 1-255 characters.",
	"action":      "`accept` (default) or `drop`.",
	"icmp_type":   "ICMP (1) and ICMPv6 (58) rules only: the type to match (0-255); all types when unset.",
	"icmp_code":   "ICMP (1) and ICMPv6 (58) rules only, with `icmp_type`: the code to match (0-255).",
	"log":         "Log packets this rule matches. Defaults to false.",
}

func rulesResourceAttribute() schema.SetNestedAttribute {
	d := ruleDescriptions
	return schema.SetNestedAttribute{
		Description:   rulesDescription,
		Required:      true,
		Validators:    []validator.Set{setvalidator.SizeAtMost(MaxRules)},
		PlanModifiers: []planmodifier.Set{rulesByOrder.planModifier()},
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"direction": schema.StringAttribute{Description: d["direction"], Required: true, Validators: []validator.String{stringvalidator.OneOf(Directions...)}},
			"order":     schema.Int64Attribute{Description: d["order"], Required: true, Validators: []validator.Int64{int64validator.Between(OrderMin, OrderMax)}},
			"protocol":  schema.Int64Attribute{Description: d["protocol"], Required: true, Validators: []validator.Int64{int64validator.Between(0, 255)}},
			// port, action and log default through rulesByOrder's plan modifier (see keyedSet.defaults).
			"port":    schema.StringAttribute{Description: d["port"], CustomType: PortsType, Optional: true, Computed: true},
			"address": schema.StringAttribute{Description: d["address"], CustomType: AddressType, Required: true, Validators: []validator.String{addressValidator{}}},
			"description": schema.StringAttribute{
				Description: d["description"], Required: true, Validators: []validator.String{stringvalidator.UTF8LengthBetween(1, RuleDescriptionMax)},
			},
			"action": schema.StringAttribute{
				Description: d["action"], Optional: true, Computed: true, Validators: []validator.String{stringvalidator.OneOf(Actions...)},
			},
			"icmp_type": schema.Int64Attribute{Description: d["icmp_type"], Optional: true, Validators: []validator.Int64{int64validator.Between(0, 255)}},
			"icmp_code": schema.Int64Attribute{Description: d["icmp_code"], Optional: true, Validators: []validator.Int64{int64validator.Between(0, 255)}},
			"log":       schema.BoolAttribute{Description: d["log"], Optional: true, Computed: true},
		}},
	}
}

func rulesDataSourceAttribute() dsschema.SetNestedAttribute {
	d := ruleDescriptions
	return dsschema.SetNestedAttribute{
		Description: "The group's rules, as a set identified by `order` (see the `secgroups_security_group` resource).",
		Computed:    true,
		NestedObject: dsschema.NestedAttributeObject{Attributes: map[string]dsschema.Attribute{
			"direction":   dsschema.StringAttribute{Description: d["direction"], Computed: true},
			"order":       dsschema.Int64Attribute{Description: d["order"], Computed: true},
			"protocol":    dsschema.Int64Attribute{Description: d["protocol"], Computed: true},
			"port":        dsschema.StringAttribute{Description: "Ports for TCP and UDP, as the API stores them (normalized); `\"\"` for other protocols.", CustomType: PortsType, Computed: true},
			"address":     dsschema.StringAttribute{Description: d["address"], CustomType: AddressType, Computed: true},
			"description": dsschema.StringAttribute{Description: d["description"], Computed: true},
			"action":      dsschema.StringAttribute{Description: "`accept` or `drop`.", Computed: true},
			"icmp_type":   dsschema.Int64Attribute{Description: "The ICMP (1) or ICMPv6 (58) type matched, or null for all.", Computed: true},
			"icmp_code":   dsschema.Int64Attribute{Description: "The ICMP (1) or ICMPv6 (58) code matched, or null for all.", Computed: true},
			"log":         dsschema.BoolAttribute{Description: "Whether packets this rule matches are logged.", Computed: true},
		}},
	}
}

// rulesBody is the API's form of the rules, sorted by order.
func rulesBody(ctx context.Context, rules types.Set, diags *diag.Diagnostics) []Rule {
	var models []ruleModel
	diags.Append(rules.ElementsAs(ctx, &models, false)...)
	out := make([]Rule, 0, len(models))
	for _, m := range models {
		out = append(out, Rule{
			Direction: m.Direction.ValueString(), Order: m.Order.ValueInt64(), Protocol: m.Protocol.ValueInt64(),
			Port: m.Port.ValueString(), Address: m.Address.ValueString(), Description: m.Description.ValueString(),
			Action: m.Action.ValueString(), Log: m.Log.ValueBool(),
			IcmpType: m.IcmpType.ValueInt64Pointer(), IcmpCode: m.IcmpCode.ValueInt64Pointer(),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out
}

// rulesValue is the state's form of the API's rules: each rule equivalent to
// the prior rule of the same order (the plan, or the previous state) keeps
// the prior spelling.
func rulesValue(ctx context.Context, rules []Rule, prior types.Set, diags *diag.Diagnostics) types.Set {
	values := make([]attr.Value, 0, len(rules))
	for _, rule := range rules {
		action := rule.Action
		if action == "" {
			action = "accept"
		}
		obj, d := types.ObjectValue(ruleObjectType.AttrTypes, map[string]attr.Value{
			"direction": types.StringValue(rule.Direction), "order": types.Int64Value(rule.Order), "protocol": types.Int64Value(rule.Protocol),
			"port": PortsValue(rule.Port), "address": AddressValue(rule.Address), "description": types.StringValue(rule.Description),
			"action": types.StringValue(action), "icmp_type": types.Int64PointerValue(rule.IcmpType), "icmp_code": types.Int64PointerValue(rule.IcmpCode),
			"log": types.BoolValue(rule.Log),
		})
		diags.Append(d...)
		values = append(values, obj)
	}
	set, d := types.SetValue(ruleObjectType, values)
	diags.Append(d...)
	return rulesByOrder.merge(ctx, set, prior)
}

// validateRules applies core/model's cross-field rule checks (CheckRules) to
// the configuration. Rules are a set, so problems are reported by `order`.
func validateRules(ctx context.Context, rules types.Set, diags *diag.Diagnostics) {
	if rules.IsNull() || rules.IsUnknown() {
		return
	}
	elements := rules.Elements()
	inputs := make([]RuleInput, len(elements))
	for i, e := range elements {
		var m ruleModel
		obj, ok := e.(types.Object)
		if !ok || obj.IsUnknown() {
			return // checked again at apply
		}
		if d := obj.As(ctx, &m, basetypes.ObjectAsOptions{}); d.HasError() {
			return
		}
		inputs[i] = RuleInput{
			Order: knownInt(m.Order), Protocol: knownInt(m.Protocol), IcmpType: knownInt(m.IcmpType), IcmpCode: knownInt(m.IcmpCode),
			IcmpTypeNull: m.IcmpType.IsNull(), IcmpCodeNull: m.IcmpCode.IsNull(),
		}
		if !m.Port.IsUnknown() {
			v := m.Port.ValueString() // null means the default ""
			inputs[i].Port = &v
		}
		if !m.Address.IsNull() && !m.Address.IsUnknown() {
			v := m.Address.ValueString()
			inputs[i].Address = &v
		}
	}
	for _, issue := range CheckRules(inputs) {
		p := path.Root("rules")
		if issue.Index >= 0 {
			p = p.AtSetValue(elements[issue.Index]).AtName(issue.Field)
		}
		diags.AddAttributeError(p, "Invalid security group rule", issue.Path(inputs)+": "+issue.Message)
	}
}

func knownInt(v types.Int64) *int64 {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	n := v.ValueInt64()
	return &n
}

// ownIDAsSelf is the API's rules with the group's own id as `self`, as the
// resource's configuration writes it (a group cannot name its own id without a
// cycle), except where the prior rule of the same order (the plan, or the
// previous state) spelled the id out: that spelling stays.
func ownIDAsSelf(ctx context.Context, rules []Rule, id string, prior types.Set, diags *diag.Diagnostics) []Rule {
	literal := map[int64]bool{}
	if !prior.IsNull() && !prior.IsUnknown() {
		var models []ruleModel
		diags.Append(prior.ElementsAs(ctx, &models, false)...)
		for _, m := range models {
			if m.Address.ValueString() == id {
				literal[m.Order.ValueInt64()] = true
			}
		}
	}
	out := make([]Rule, len(rules))
	for i, r := range rules {
		if r.Address == id && !literal[r.Order] {
			r.Address = SelfAddress
		}
		out[i] = r
	}
	return out
}
