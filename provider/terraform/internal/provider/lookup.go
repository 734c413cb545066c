package provider

// Look-ups of one existing object by id or by name, for the data sources
// secgroups_prefix_list, secgroups_security_group and secgroups_site.

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// lookupKind says where objects of one kind live and how to name them.
type lookupKind struct {
	path     string // list route, e.g. /vpc/prefix-lists
	noun     string // "prefix list"
	plural   string // "prefix lists"
	idPrefix string // "prfx_lst_"
}

var (
	prefixListLookup    = lookupKind{"/vpc/prefix-lists", "prefix list", "prefix lists", "prfx_lst_"}
	securityGroupLookup = lookupKind{"/vpc/security-groups", "security group", "security groups", "sec_grp_"}
	siteLookup          = lookupKind{"/vpc/sites", "site", "sites", "site_"}
)

// idAndNameAttributes are the arguments of a look-up: exactly one of them.
func (k lookupKind) idAndNameAttributes() (schema.StringAttribute, schema.StringAttribute) {
	id := schema.StringAttribute{
		Description: fmt.Sprintf("The %s's id (`%s...`). Give exactly one of `id` and `name`.", k.noun, k.idPrefix),
		Optional:    true,
		Computed:    true,
		Validators:  []validator.String{idValidator{k.noun, k.idPrefix}},
	}
	name := schema.StringAttribute{
		Description: fmt.Sprintf("The %s's name, matched exactly; the look-up fails when no %s or more than one has it. Give exactly one of `id` and `name`.", k.noun, k.noun),
		Optional:    true,
		Computed:    true,
		Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	return id, name
}

// ValidateConfig of the data sources: exactly one of id and name.
func (k lookupKind) validateIDOrName(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var id, name types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("id"), &id)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("name"), &name)...)
	if resp.Diagnostics.HasError() || id.IsUnknown() || name.IsUnknown() {
		return
	}
	if id.IsNull() == name.IsNull() {
		resp.Diagnostics.AddError(fmt.Sprintf("Look up a %s by id or by name", k.noun),
			fmt.Sprintf("Give exactly one of id (%s...) and name to find the %s by, not %s.", k.idPrefix, k.noun, map[bool]string{true: "neither", false: "both"}[id.IsNull()]))
	}
}

// lookupArgs reads the configured id and name (one of them is "").
func lookupArgs(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) (id, name string) {
	var idValue, nameValue types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("id"), &idValue)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("name"), &nameValue)...)
	return idValue.ValueString(), nameValue.ValueString()
}

// lookup returns the object with this id, or the one object with this name
// among every page of the kind's list.
func lookup[T any](ctx context.Context, c *Client, k lookupKind, id, name string, identify func(*T) (id, name string)) (*T, error) {
	if id != "" {
		var obj T
		if err := c.Do(ctx, "GET", k.path+"/"+id, nil, &obj); err != nil {
			if IsNotFound(err) {
				return nil, fmt.Errorf("no %s with id %s in this organization", k.noun, id)
			}
			return nil, err
		}
		return &obj, nil
	}
	all, err := List[T](ctx, c, k.path)
	if err != nil {
		return nil, err
	}
	var matches []*T
	var ids []string
	for i := range all {
		if objID, objName := identify(&all[i]); objName == name {
			matches = append(matches, &all[i])
			ids = append(ids, objID)
		}
	}
	switch len(matches) {
	case 0:
		return nil, fmt.Errorf("no %s named %q in this organization", k.noun, name)
	case 1:
		return matches[0], nil
	default:
		return nil, fmt.Errorf("%d %s are named %q: %s; look it up by id", len(matches), k.plural, name, strings.Join(ids, ", "))
	}
}

// lookupSummary is the diagnostic summary of a failed look-up.
func (k lookupKind) lookupSummary(id, name string) string {
	if id != "" {
		return fmt.Sprintf("Looking up %s %s", k.noun, id)
	}
	return fmt.Sprintf("Looking up %s %q", k.noun, name)
}
