package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

var (
	_ resource.ResourceWithConfigure      = (*prefixListResource)(nil)
	_ resource.ResourceWithImportState    = (*prefixListResource)(nil)
	_ resource.ResourceWithValidateConfig = (*prefixListResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*prefixListResource)(nil)
)

func NewPrefixListResource() resource.Resource { return &prefixListResource{} }

type prefixListResource struct{ client *Client }

// prefixListResourceModel is the resource's state: the data source's plus `timeouts`.
type prefixListResourceModel struct {
	prefixListModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

// prefixListModel is the state of the data source, and of the resource without `timeouts`.
type prefixListModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Prefixes    types.Set    `tfsdk:"prefixes"`
	Sites       types.Set    `tfsdk:"sites"`
	Status      types.String `tfsdk:"status"`
	SyncErrors  types.List   `tfsdk:"sync_errors"`
	CreatedAt   types.String `tfsdk:"created_at"`
	UpdatedAt   types.String `tfsdk:"updated_at"`
}

// sameContent is whether a write of m would send what o holds (so none is needed).
func (m *prefixListModel) sameContent(o *prefixListModel) bool {
	return m.Name.Equal(o.Name) && m.Description.Equal(o.Description) && m.Sites.Equal(o.Sites) && m.Prefixes.Equal(o.Prefixes)
}

type prefixModel struct {
	Cidr        NormalizedString `tfsdk:"cidr"`
	Description types.String     `tfsdk:"description"`
}

var prefixObjectType = types.ObjectType{AttrTypes: map[string]attr.Type{"cidr": AddressType, "description": types.StringType}}

const (
	prefixesDescription = "The CIDRs, at most 500, each listed once: a set identified by `cidr`, so their order in the configuration does not matter; " +
		"a plan shows an added, removed or changed prefix only (a changed description shows as the old prefix removed and the new one added)."
	prefixCidrDescription = "IPv4 or IPv6 CIDR with no host bits set, e.g. `203.0.113.0/24` or `2001:db8:1::/48` (a single host is `/32` or `/128`); identifies the prefix. " +
		"The API stores IPv6 in RFC 5952 form; state keeps your spelling when it is the same network."
	prefixDescriptionDescription = "What the prefix is, at most 255 characters."
)

func (r *prefixListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_prefix_list"
}

func (r *prefixListResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A named set of IPv4 and IPv6 CIDRs that security group rules refer to by id in `address`; a rule that refers to it matches the members of the packet's family. " +
			"Deleting a prefix list that a group still refers to fails (HTTP 409): remove the references first.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("Prefix list id (`prfx_lst_...`)."),
			"name": schema.StringAttribute{
				Description: "Name, 1-255 characters.",
				Required:    true,
				Validators:  []validator.String{stringvalidator.UTF8LengthBetween(1, PrefixListNameMax)},
			},
			"description": schema.StringAttribute{
				Description: "Description, at most 1000 characters.",
				Optional:    true,
				Validators:  []validator.String{stringvalidator.UTF8LengthAtMost(PrefixListDescMax)},
			},
			"prefixes": schema.SetNestedAttribute{
				Description:   prefixesDescription,
				Required:      true,
				Validators:    []validator.Set{setvalidator.SizeAtMost(MaxPrefixes)},
				PlanModifiers: []planmodifier.Set{prefixesByCidr.planModifier()},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"cidr": schema.StringAttribute{
						Description: prefixCidrDescription,
						CustomType:  AddressType,
						Required:    true,
						Validators:  []validator.String{addressValidator{cidrOnly: true}},
					},
					"description": schema.StringAttribute{
						Description: prefixDescriptionDescription,
						Optional:    true,
						Validators:  []validator.String{stringvalidator.UTF8LengthAtMost(PrefixDescriptionMax)},
					},
				}},
			},
			"sites": schema.SetAttribute{
				Description: "Ids of the sites (`site_...`) the list is deployed to on its own. Defaults to none.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{})),
				Validators:  []validator.Set{setvalidator.SizeAtMost(1000), setvalidator.ValueStringsAre(idValidator{"site", "site_"})},
			},
			"status":      statusAttribute(),
			"sync_errors": syncErrorsAttribute(),
			"created_at":  createdAtAttribute(),
			"updated_at":  updatedAtAttribute(),
		},
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(ctx, "prefix list")},
	}
}

func prefixesDataSourceAttribute() dsschema.SetNestedAttribute {
	return dsschema.SetNestedAttribute{
		Description: "The CIDRs, as a set identified by `cidr`.",
		Computed:    true,
		NestedObject: dsschema.NestedAttributeObject{Attributes: map[string]dsschema.Attribute{
			"cidr":        dsschema.StringAttribute{Description: prefixCidrDescription, CustomType: AddressType, Computed: true},
			"description": dsschema.StringAttribute{Description: prefixDescriptionDescription, Computed: true},
		}},
	}
}

func (r *prefixListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig refuses a CIDR listed twice (with different descriptions:
// identical prefixes are one element of the set).
func (r *prefixListResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var prefixes types.Set
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("prefixes"), &prefixes)...)
	if resp.Diagnostics.HasError() || prefixes.IsNull() || prefixes.IsUnknown() {
		return
	}
	seen := map[string]bool{}
	for _, e := range prefixes.Elements() {
		key, ok := prefixesByCidr.keyOf(e)
		if !ok {
			continue
		}
		if seen[key] {
			resp.Diagnostics.AddAttributeError(path.Root("prefixes").AtSetValue(e).AtName("cidr"), "Duplicate prefix",
				fmt.Sprintf("prefixes[cidr=%s]: %s is listed more than once; list each CIDR once", key, key))
		}
		seen[key] = true
	}
}

// ModifyPlan plans the server-set attributes (see planServerFields).
func (r *prefixListResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	unchanged := false
	if !req.State.Raw.IsNull() {
		var plan, state prefixListResourceModel
		resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
		unchanged = plan.sameContent(&state.prefixListModel)
	}
	planServerFields(ctx, req.State, &resp.Plan, unchanged, &resp.Diagnostics)
}

func (r *prefixListResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !PrefixListIDPattern.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import id", "expected a prefix list id (prfx_lst_ followed by 27 letters or digits), got "+req.ID)
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

func (r *prefixListResource) write(ctx context.Context, m *prefixListModel, diags *diag.Diagnostics) PrefixListWrite {
	body := PrefixListWrite{Name: m.Name.ValueString(), Description: stringPtr(m.Description), Sites: setStrings(ctx, m.Sites, diags), Prefixes: []Prefix{}}
	for _, e := range m.Prefixes.Elements() {
		var p prefixModel
		if obj, ok := e.(types.Object); ok {
			diags.Append(obj.As(ctx, &p, basetypes.ObjectAsOptions{})...)
		}
		body.Prefixes = append(body.Prefixes, Prefix{Cidr: p.Cidr.ValueString(), Description: stringPtr(p.Description)})
	}
	return body
}

// prefixListState maps the API object onto the model. prior (the plan or the
// previous state, or null) keeps its spelling of prefixes that mean the same.
func prefixListState(ctx context.Context, m *prefixListModel, l *PrefixList, prior types.Set, diags *diag.Diagnostics) {
	m.ID = types.StringValue(l.ID)
	m.Name = types.StringValue(l.Name)
	m.Description = nullableString(l.Description)
	m.Sites = stringSet(l.Sites)
	m.Status = types.StringValue(l.Status)
	m.CreatedAt = types.StringValue(l.CreatedAt)
	m.UpdatedAt = types.StringValue(l.UpdatedAt)
	se, d := syncErrorsValue(l.SyncErrors)
	diags.Append(d...)
	m.SyncErrors = se
	values := make([]attr.Value, 0, len(l.Prefixes))
	for _, p := range l.Prefixes {
		values = append(values, types.ObjectValueMust(prefixObjectType.AttrTypes, map[string]attr.Value{
			"cidr": AddressValue(p.Cidr), "description": nullableString(p.Description),
		}))
	}
	set, d := types.SetValue(prefixObjectType, values)
	diags.Append(d...)
	m.Prefixes = prefixesByCidr.merge(ctx, set, prior)
}

func (r *prefixListResource) getter(id string) func(context.Context) (*PrefixList, error) {
	return func(ctx context.Context) (*PrefixList, error) {
		var l PrefixList
		err := r.client.Do(ctx, "GET", "/vpc/prefix-lists/"+id, nil, &l)
		return &l, err
	}
}

func (r *prefixListResource) finish(ctx context.Context, plan *prefixListResourceModel, l *PrefixList, state stateSetter, diags *diag.Diagnostics) {
	final, waitErr := settle(ctx, r.client, "prefix list "+l.ID, l, l.Status, r.getter(l.ID), func(p *PrefixList) SyncState { return SyncState{p.Status, p.SyncErrors, p.PendingSites} })
	prefixListState(ctx, &plan.prefixListModel, final, plan.Prefixes, diags)
	diags.Append(state.Set(ctx, plan)...)
	if waitErr != nil {
		diags.AddError("Prefix list "+l.ID+" is not active", waitErr.Error())
	}
}

func (r *prefixListResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan prefixListResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	body := r.write(ctx, &plan.prefixListModel, &resp.Diagnostics)
	ctx, cancel := bounded(ctx, r.client, plan.Timeouts.Create, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	var created PrefixList
	if err := r.client.Create(ctx, "/vpc/prefix-lists", body, &created); err != nil {
		addAPIError(&resp.Diagnostics, "Creating prefix list "+body.Name, err)
		return
	}
	r.finish(ctx, &plan, &created, &resp.State, &resp.Diagnostics)
}

func (r *prefixListResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state prefixListResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.sameContent(&state.prefixListModel) {
		// Only `timeouts` changed: nothing to send (ModifyPlan kept the server fields).
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	body := r.write(ctx, &plan.prefixListModel, &resp.Diagnostics)
	ctx, cancel := bounded(ctx, r.client, plan.Timeouts.Update, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	var updated PrefixList
	if err := r.client.Replace(ctx, "/vpc/prefix-lists/"+state.ID.ValueString(), body, &updated); err != nil {
		addAPIError(&resp.Diagnostics, "Updating prefix list "+state.ID.ValueString(), err)
		return
	}
	r.finish(ctx, &plan, &updated, &resp.State, &resp.Diagnostics)
}

func (r *prefixListResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state prefixListResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	l, err := r.getter(state.ID.ValueString())(ctx)
	if err != nil {
		if IsNotFound(err) {
			resp.State.RemoveResource(ctx)
			return
		}
		addAPIError(&resp.Diagnostics, "Reading prefix list "+state.ID.ValueString(), err)
		return
	}
	prefixListState(ctx, &state.prefixListModel, l, state.Prefixes, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *prefixListResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state prefixListResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := bounded(ctx, r.client, state.Timeouts.Delete, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.Do(ctx, "DELETE", "/vpc/prefix-lists/"+state.ID.ValueString(), nil, nil); err != nil && !IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "Deleting prefix list "+state.ID.ValueString(), err)
	}
}
