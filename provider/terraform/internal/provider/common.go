package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// addressValidator checks an IPv4 or IPv6 CIDR (no host bits), a prefix list id, a security group id or self.
type addressValidator struct{ cidrOnly bool }

func (v addressValidator) Description(context.Context) string {
	if v.cidrOnly {
		return "an IPv4 or IPv6 CIDR with no host bits set"
	}
	return "an IPv4 or IPv6 CIDR with no host bits set, a prefix list id, a security group id or self"
}

func (v addressValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v addressValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	check := CheckAddress
	if v.cidrOnly {
		check = CheckCidr
	}
	if err := check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid address", req.Path.String()+": "+err.Error())
	}
}

// idValidator checks an id pattern such as site_ + 27 alphanumerics.
type idValidator struct{ kind, prefix string }

func (v idValidator) Description(context.Context) string {
	return fmt.Sprintf("a %s id (%s followed by %d letters or digits)", v.kind, v.prefix, idBodyLength)
}
func (v idValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v idValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if !idPattern(v.prefix).MatchString(req.ConfigValue.ValueString()) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid id",
			fmt.Sprintf("%s: must be %s, got %q", req.Path, v.Description(ctx), req.ConfigValue.ValueString()))
	}
}

var syncErrorType = types.ObjectType{AttrTypes: map[string]attr.Type{"site": types.StringType, "message": types.StringType}}

func syncErrorsAttribute() schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Description: "Why the last deployment failed, per site; empty unless `status` is `failed`.",
		Computed:    true,
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"site":    schema.StringAttribute{Computed: true, Description: "Site id."},
			"message": schema.StringAttribute{Computed: true, Description: "What went wrong."},
		}},
	}
}

func syncErrorsDataSourceAttribute() dsschema.ListNestedAttribute {
	return dsschema.ListNestedAttribute{
		Description: "Why the last deployment failed, per site; empty unless `status` is `failed`.",
		Computed:    true,
		NestedObject: dsschema.NestedAttributeObject{Attributes: map[string]dsschema.Attribute{
			"site":    dsschema.StringAttribute{Computed: true, Description: "Site id."},
			"message": dsschema.StringAttribute{Computed: true, Description: "What went wrong."},
		}},
	}
}

func syncErrorsValue(list []SyncError) (types.List, diag.Diagnostics) {
	values := make([]attr.Value, 0, len(list))
	for _, s := range list {
		values = append(values, types.ObjectValueMust(syncErrorType.AttrTypes, map[string]attr.Value{
			"site": types.StringValue(s.Site), "message": types.StringValue(s.Message),
		}))
	}
	return types.ListValue(syncErrorType, values)
}

func stringSet(values []string) types.Set {
	out := make([]attr.Value, len(values))
	for i, v := range values {
		out[i] = types.StringValue(v)
	}
	return types.SetValueMust(types.StringType, out)
}

func setStrings(ctx context.Context, s types.Set, diags *diag.Diagnostics) []string {
	out := []string{}
	if s.IsNull() || s.IsUnknown() {
		return out
	}
	diags.Append(s.ElementsAs(ctx, &out, false)...)
	return out
}

func nullableString(s *string) types.String {
	if s == nil {
		return types.StringNull()
	}
	return types.StringValue(*s)
}

func stringPtr(v types.String) *string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	s := v.ValueString()
	return &s
}

// Server-set attributes of groups and prefix lists. A plan leaves them as
// they are unless it sends a write; a write ends `active` with no sync errors
// (apply waits for that and fails otherwise), so only `updated_at` (and, on
// create, `id` and `created_at`) is unknown until apply.

func statusAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Computed: true,
		Description: "`active`, `syncing` or `failed`. Every create and update is planned as `active`: apply waits until every attached site enforces the change " +
			"(the resource's `timeouts`, else the provider's `sync_timeout`) and fails, saving the real status, if one does not.",
	}
}

func createdAtAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Computed:      true,
		Description:   "Creation time (RFC 3339).",
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

func updatedAtAttribute() schema.StringAttribute {
	return schema.StringAttribute{Computed: true, Description: "Last update time (RFC 3339); unknown in a plan only when the plan sends a change."}
}

// stateSetter is resp.State of Create and Update.
type stateSetter interface {
	Set(context.Context, any) diag.Diagnostics
}

// planServerFields sets the server-set attributes of a create or update
// plan: the state's values when nothing will be sent (unchanged), else
// `active` with no sync errors and an unknown `updated_at`.
func planServerFields(ctx context.Context, state tfsdk.State, plan *tfsdk.Plan, unchanged bool, diags *diag.Diagnostics) {
	if !unchanged {
		diags.Append(plan.SetAttribute(ctx, path.Root("status"), types.StringValue("active"))...)
		diags.Append(plan.SetAttribute(ctx, path.Root("sync_errors"), types.ListValueMust(syncErrorType, []attr.Value{}))...)
		return
	}
	var status, updatedAt types.String
	var syncErrors types.List
	diags.Append(state.GetAttribute(ctx, path.Root("status"), &status)...)
	diags.Append(state.GetAttribute(ctx, path.Root("updated_at"), &updatedAt)...)
	diags.Append(state.GetAttribute(ctx, path.Root("sync_errors"), &syncErrors)...)
	diags.Append(plan.SetAttribute(ctx, path.Root("status"), status)...)
	diags.Append(plan.SetAttribute(ctx, path.Root("updated_at"), updatedAt)...)
	diags.Append(plan.SetAttribute(ctx, path.Root("sync_errors"), syncErrors)...)
}

// settle waits for `active` unless obj already is; it returns the last
// object read (obj itself on a failed read) and why it is not active.
func settle[T any](ctx context.Context, c *Client, what string, obj *T, status string, get func(context.Context) (*T, error), statusOf func(*T) SyncState) (*T, error) {
	if status == "active" {
		return obj, nil
	}
	got, err := WaitActive(ctx, c, what, get, statusOf)
	if got == nil {
		return obj, err
	}
	return got, err
}

func idAttribute(desc string) schema.StringAttribute {
	return schema.StringAttribute{
		Computed:      true,
		Description:   desc,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

// addAPIError reports an API failure; validation errors list every field.
func addAPIError(diags *diag.Diagnostics, summary string, err error) {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == 422 {
		diags.AddError(summary+": the API refused the configuration", apiErr.Error())
		return
	}
	diags.AddError(summary, err.Error())
}
