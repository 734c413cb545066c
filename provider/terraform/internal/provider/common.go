package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// addressValidator checks an IPv4 CIDR (no host bits) or a prefix list id.
type addressValidator struct{ cidrOnly bool }

func (v addressValidator) Description(context.Context) string {
	if v.cidrOnly {
		return "an IPv4 CIDR with no host bits set"
	}
	return "an IPv4 CIDR with no host bits set, or a prefix list id"
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

func computedString(desc string) schema.StringAttribute {
	return schema.StringAttribute{Computed: true, Description: desc}
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
