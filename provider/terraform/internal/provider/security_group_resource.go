package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ resource.ResourceWithConfigure      = (*securityGroupResource)(nil)
	_ resource.ResourceWithImportState    = (*securityGroupResource)(nil)
	_ resource.ResourceWithValidateConfig = (*securityGroupResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*securityGroupResource)(nil)
)

func NewSecurityGroupResource() resource.Resource { return &securityGroupResource{} }

type securityGroupResource struct{ client *Client }

// securityGroupResourceModel is the resource's state: the data source's plus `timeouts`.
type securityGroupResourceModel struct {
	securityGroupModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

// securityGroupModel is the state of the data source, and of the resource without `timeouts`.
type securityGroupModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Sites       types.Set    `tfsdk:"sites"`
	Rules       types.Set    `tfsdk:"rules"`
	Status      types.String `tfsdk:"status"`
	SyncErrors  types.List   `tfsdk:"sync_errors"`
	CreatedAt   types.String `tfsdk:"created_at"`
	UpdatedAt   types.String `tfsdk:"updated_at"`
}

// sameContent is whether a write of m would send what o holds (so none is needed).
func (m *securityGroupModel) sameContent(o *securityGroupModel) bool {
	return m.Name.Equal(o.Name) && m.Description.Equal(o.Description) && m.Sites.Equal(o.Sites) && m.Rules.Equal(o.Rules)
}

func (r *securityGroupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_security_group"
}

func (r *securityGroupResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A security group: stateful filter rules evaluated in ascending `order`, deployed to the sites it is attached to. " +
			"Traffic not matched by a rule is dropped in each direction, so include an outbound rule. " +
			"Updates replace the whole group in place (`PUT`); with sites attached, apply waits until every site enforces the group (status `active`). " +
			"A plan shows only what the API would store differently: after `terraform import`, a refresh, or a reordering of the configuration, an equivalent configuration plans no change.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("Security group id (`sec_grp_...`)."),
			"name": schema.StringAttribute{
				Description: "Name, 3-255 characters.",
				Required:    true,
				Validators:  []validator.String{stringvalidator.UTF8LengthBetween(GroupNameMin, GroupNameMax)},
			},
			"description": schema.StringAttribute{
				Description: "Description, at most 1024 characters.",
				Optional:    true,
				Validators:  []validator.String{stringvalidator.UTF8LengthAtMost(GroupDescriptionMax)},
			},
			"sites": schema.SetAttribute{
				Description: "Ids of the sites (`site_...`) the group is enforced on. Defaults to none.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{})),
				Validators:  []validator.Set{setvalidator.SizeAtMost(1000), setvalidator.ValueStringsAre(idValidator{"site", "site_"})},
			},
			"rules":       rulesResourceAttribute(),
			"status":      statusAttribute(),
			"sync_errors": syncErrorsAttribute(),
			"created_at":  createdAtAttribute(),
			"updated_at":  updatedAtAttribute(),
		},
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(ctx, "security group")},
	}
}

func (r *securityGroupResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig applies the cross-field rules of core/model at plan time.
func (r *securityGroupResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var rules types.Set
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("rules"), &rules)...)
	if !resp.Diagnostics.HasError() {
		validateRules(ctx, rules, &resp.Diagnostics)
	}
}

// ModifyPlan plans the server-set attributes (see planServerFields).
func (r *securityGroupResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	unchanged := false
	if !req.State.Raw.IsNull() {
		var plan, state securityGroupResourceModel
		resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
		unchanged = plan.sameContent(&state.securityGroupModel)
	}
	planServerFields(ctx, req.State, &resp.Plan, unchanged, &resp.Diagnostics)
}

func (r *securityGroupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !SecurityGroupIDPattern.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import id", "expected a security group id (sec_grp_ followed by 27 letters or digits), got "+req.ID)
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

func (r *securityGroupResource) write(ctx context.Context, m *securityGroupModel, diags *diag.Diagnostics) SecurityGroupWrite {
	return SecurityGroupWrite{
		Name: m.Name.ValueString(), Description: stringPtr(m.Description),
		Sites: setStrings(ctx, m.Sites, diags), Rules: rulesBody(ctx, m.Rules, diags),
	}
}

// resourceState is securityGroupState for the resource, whose rules name the
// group's own id as `self` (see ownIDAsSelf).
func resourceState(ctx context.Context, m *securityGroupModel, g *SecurityGroup, prior types.Set, diags *diag.Diagnostics) {
	own := *g
	own.Rules = ownIDAsSelf(ctx, g.Rules, g.ID, prior, diags)
	securityGroupState(ctx, m, &own, prior, diags)
}

// securityGroupState maps the API object onto the model. prior (the plan or
// the previous state, or null) keeps its spelling of rules that mean the same.
func securityGroupState(ctx context.Context, m *securityGroupModel, g *SecurityGroup, prior types.Set, diags *diag.Diagnostics) {
	m.ID = types.StringValue(g.ID)
	m.Name = types.StringValue(g.Name)
	m.Description = nullableString(g.Description)
	m.Sites = stringSet(g.Sites)
	m.Status = types.StringValue(g.Status)
	m.CreatedAt = types.StringValue(g.CreatedAt)
	m.UpdatedAt = types.StringValue(g.UpdatedAt)
	se, d := syncErrorsValue(g.SyncErrors)
	diags.Append(d...)
	m.SyncErrors = se
	m.Rules = rulesValue(ctx, g.Rules, prior, diags)
}

func (r *securityGroupResource) getter(id string) func(context.Context) (*SecurityGroup, error) {
	return func(ctx context.Context) (*SecurityGroup, error) {
		var g SecurityGroup
		err := r.client.Do(ctx, "GET", "/vpc/security-groups/"+id, nil, &g)
		return &g, err
	}
}

func (r *securityGroupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan securityGroupResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	body := r.write(ctx, &plan.securityGroupModel, &resp.Diagnostics)
	ctx, cancel := bounded(ctx, r.client, plan.Timeouts.Create, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	var created SecurityGroup
	if err := r.client.Create(ctx, "/vpc/security-groups", body, &created); err != nil {
		addAPIError(&resp.Diagnostics, "Creating security group "+body.Name, err)
		return
	}
	r.finish(ctx, &plan, &created, &resp.State, &resp.Diagnostics)
}

func (r *securityGroupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state securityGroupResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.sameContent(&state.securityGroupModel) {
		// Only `timeouts` changed: nothing to send (ModifyPlan kept the server fields).
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	body := r.write(ctx, &plan.securityGroupModel, &resp.Diagnostics)
	ctx, cancel := bounded(ctx, r.client, plan.Timeouts.Update, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	var updated SecurityGroup
	if err := r.client.Replace(ctx, "/vpc/security-groups/"+state.ID.ValueString(), body, &updated); err != nil {
		addAPIError(&resp.Diagnostics, "Updating security group "+state.ID.ValueString(), err)
		return
	}
	r.finish(ctx, &plan, &updated, &resp.State, &resp.Diagnostics)
}

// finish waits for `active` and saves state, also when the group failed to
// sync (so it is tracked, and the apply reports the error).
func (r *securityGroupResource) finish(ctx context.Context, plan *securityGroupResourceModel, g *SecurityGroup, state stateSetter, diags *diag.Diagnostics) {
	final, waitErr := settle(ctx, r.client, "security group "+g.ID, g, g.Status, r.getter(g.ID), func(g *SecurityGroup) SyncState { return SyncState{g.Status, g.SyncErrors, g.PendingSites} })
	resourceState(ctx, &plan.securityGroupModel, final, plan.Rules, diags)
	diags.Append(state.Set(ctx, plan)...)
	if waitErr != nil {
		diags.AddError("Security group "+g.ID+" is not active", waitErr.Error())
	}
}

func (r *securityGroupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state securityGroupResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	g, err := r.getter(state.ID.ValueString())(ctx)
	if err != nil {
		if IsNotFound(err) {
			resp.State.RemoveResource(ctx)
			return
		}
		addAPIError(&resp.Diagnostics, "Reading security group "+state.ID.ValueString(), err)
		return
	}
	resourceState(ctx, &state.securityGroupModel, g, state.Rules, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *securityGroupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state securityGroupResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := bounded(ctx, r.client, state.Timeouts.Delete, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.Do(ctx, "DELETE", "/vpc/security-groups/"+state.ID.ValueString(), nil, nil); err != nil && !IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "Deleting security group "+state.ID.ValueString(), err)
	}
}
