package provider

// Rules and prefixes are sets of nested objects, each identified by a key
// attribute (a rule's `order`, a prefix's `cidr`). A set, not a list, because
// Terraform compares nested lists position by position: inserting a rule in
// the middle, or reordering the configuration, would show every later rule
// as changed. In a set an unchanged object is never shown, whatever its place,
// and a changed one shows as the old object removed and the new one added.
//
// Sets compare objects by exact value, so keyedSet adds the API's meaning:
// an object equivalent to the prior object with the same key (ports or CIDRs
// spelled differently) is replaced by that prior object, in plans (so nothing
// is planned) and in results of Read and Apply (so state keeps what the
// configuration says).

import (
	"context"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

type keyedSet struct {
	key  string // attribute that identifies an object
	noun string // "rule", "prefix"
	// defaults of optional attributes, applied by the plan modifier (the
	// framework's Default applies defaults inside a set element only when the
	// element equals its configuration, which Terraform's proposed value for an
	// element with optional+computed attributes does not once there is a state).
	defaults map[string]attr.Value
}

var (
	rulesByOrder = keyedSet{key: "order", noun: "rule", defaults: map[string]attr.Value{
		"port": PortsValue(""), "action": types.StringValue("accept"), "log": types.BoolValue(false),
	}}
	prefixesByCidr = keyedSet{key: "cidr", noun: "prefix"}
)

// keyOf is the object's key in canonical form; false while it is unknown.
func (k keyedSet) keyOf(v attr.Value) (string, bool) {
	obj, ok := v.(types.Object)
	if !ok || obj.IsNull() || obj.IsUnknown() {
		return "", false
	}
	switch key := obj.Attributes()[k.key].(type) {
	case types.Int64:
		if key.IsNull() || key.IsUnknown() {
			return "", false
		}
		return strconv.FormatInt(key.ValueInt64(), 10), true
	case NormalizedString:
		if key.IsNull() || key.IsUnknown() {
			return "", false
		}
		return canonicalAddress(key.ValueString()), true
	}
	return "", false
}

// equivalent reports whether two objects have equal attributes, or
// semantically equal ones for the normalized string types. An unknown value
// is equivalent to nothing: it is not known yet what will be sent.
func equivalent(ctx context.Context, a, b attr.Value) bool {
	oa, okA := a.(types.Object)
	ob, okB := b.(types.Object)
	if !okA || !okB || oa.IsUnknown() || ob.IsUnknown() || oa.IsNull() != ob.IsNull() {
		return false
	}
	attrsB := ob.Attributes()
	for name, va := range oa.Attributes() {
		vb, ok := attrsB[name]
		if !ok || va.IsUnknown() || vb.IsUnknown() {
			return false
		}
		if va.Equal(vb) {
			continue
		}
		sa, okA := va.(basetypes.StringValuableWithSemanticEquals)
		sb, okB := vb.(basetypes.StringValuable)
		if !okA || !okB || va.IsNull() || vb.IsNull() {
			return false
		}
		if same, diags := sa.StringSemanticEquals(ctx, sb); diags.HasError() || !same {
			return false
		}
	}
	return len(attrsB) == len(oa.Attributes())
}

// preferPrior returns proposed with every object that is equivalent to the
// prior object of the same key replaced by that prior object, and whether
// anything was replaced.
func (k keyedSet) preferPrior(ctx context.Context, proposed, prior []attr.Value) ([]attr.Value, bool) {
	byKey := make(map[string]attr.Value, len(prior))
	for _, p := range prior {
		if key, ok := k.keyOf(p); ok {
			byKey[key] = p
		}
	}
	out := make([]attr.Value, len(proposed))
	replaced := false
	for i, v := range proposed {
		out[i] = v
		key, ok := k.keyOf(v)
		if !ok {
			continue
		}
		if p, found := byKey[key]; found && !p.Equal(v) && equivalent(ctx, v, p) {
			out[i] = p
			replaced = true
			delete(byKey, key) // each prior object stands in for one proposed object
		}
	}
	return out, replaced
}

// merge applies preferPrior to two sets; prior may be null or unknown.
func (k keyedSet) merge(ctx context.Context, proposed, prior types.Set) types.Set {
	if proposed.IsNull() || proposed.IsUnknown() || prior.IsNull() || prior.IsUnknown() {
		return proposed
	}
	elements, replaced := k.preferPrior(ctx, proposed.Elements(), prior.Elements())
	if !replaced {
		return proposed
	}
	merged, diags := types.SetValue(proposed.ElementType(ctx), elements)
	if diags.HasError() {
		return proposed
	}
	return merged
}

// withDefaults is the configured set with the defaults of unset attributes.
func (k keyedSet) withDefaults(ctx context.Context, config types.Set) (types.Set, bool) {
	if config.IsNull() || config.IsUnknown() {
		return config, false
	}
	elements := make([]attr.Value, 0, len(config.Elements()))
	for _, e := range config.Elements() {
		obj, ok := e.(types.Object)
		if !ok || obj.IsNull() || obj.IsUnknown() {
			elements = append(elements, e)
			continue
		}
		attrs := make(map[string]attr.Value, len(obj.Attributes()))
		for name, v := range obj.Attributes() {
			if d, has := k.defaults[name]; has && v.IsNull() {
				v = d
			}
			attrs[name] = v
		}
		filled, diags := types.ObjectValue(obj.AttributeTypes(ctx), attrs)
		if diags.HasError() {
			return config, false
		}
		elements = append(elements, filled)
	}
	set, diags := types.SetValue(config.ElementType(ctx), elements)
	return set, !diags.HasError()
}

// planModifier plans the configured objects (defaults filled), keeping the
// prior objects that the configuration only respells, so a configuration
// equivalent to the state plans no change.
func (k keyedSet) planModifier() planmodifier.Set { return keyedSetPlanModifier{k} }

type keyedSetPlanModifier struct{ set keyedSet }

func (m keyedSetPlanModifier) Description(context.Context) string {
	return "Plans the configured " + m.set.noun + "s, keeping each " + m.set.noun + " of the state whose `" + m.set.key + "` and meaning are unchanged, however the configuration spells it."
}

func (m keyedSetPlanModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (m keyedSetPlanModifier) PlanModifySet(ctx context.Context, req planmodifier.SetRequest, resp *planmodifier.SetResponse) {
	planned, ok := m.set.withDefaults(ctx, req.ConfigValue)
	if !ok {
		return
	}
	resp.PlanValue = m.set.merge(ctx, planned, req.StateValue)
}
