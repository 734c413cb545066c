package provider

import (
	"context"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ resource.ResourceWithConfigure      = (*securityGroupResource)(nil)
	_ resource.ResourceWithImportState    = (*securityGroupResource)(nil)
	_ resource.ResourceWithValidateConfig = (*securityGroupResource)(nil)
)

func NewSecurityGroupResource() resource.Resource { return &securityGroupResource{} }

type securityGroupResource struct{ client *Client }

type securityGroupModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Sites       types.Set    `tfsdk:"sites"`
	Rules       types.List   `tfsdk:"rules"`
	Status      types.String `tfsdk:"status"`
	SyncErrors  types.List   `tfsdk:"sync_errors"`
	CreatedAt   types.String `tfsdk:"created_at"`
	UpdatedAt   types.String `tfsdk:"updated_at"`
}

type ruleModel struct {
	Direction   types.String `tfsdk:"direction"`
	Order       types.Int64  `tfsdk:"order"`
	Protocol    types.Int64  `tfsdk:"protocol"`
	Port        types.String `tfsdk:"port"`
	Address     types.String `tfsdk:"address"`
	Description types.String `tfsdk:"description"`
	Action      types.String `tfsdk:"action"`
	IcmpType    types.Int64  `tfsdk:"icmp_type"`
	IcmpCode    types.Int64  `tfsdk:"icmp_code"`
	Log         types.Bool   `tfsdk:"log"`
}

var ruleAttrTypes = map[string]attr.Type{
	"direction": types.StringType, "order": types.Int64Type, "protocol": types.Int64Type, "port": types.StringType,
	"address": types.StringType, "description": types.StringType, "action": types.StringType,
	"icmp_type": types.Int64Type, "icmp_code": types.Int64Type, "log": types.BoolType,
}

func (r *securityGroupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_security_group"
}

func (r *securityGroupResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A security group: an ordered list of stateful filter rules, deployed to the sites it is attached to. " +
			"Traffic not matched by a rule is dropped in each direction, so include an outbound rule. " +
			"Updates replace the whole rule list in place (`PUT`); with sites attached, apply waits until every site enforces the group (status `active`).",
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
			"rules": schema.ListNestedAttribute{
				Description: "Filter rules, at most 250. Each has a unique `order` (1-250); rules are evaluated in ascending order and the first match decides. " +
					"List them in any order: the provider keeps your order in state and compares rules by `order`.",
				Required:   true,
				Validators: []validator.List{listvalidator.SizeAtMost(MaxRules)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"direction": schema.StringAttribute{
						Description: "`inbound` or `outbound`.",
						Required:    true,
						Validators:  []validator.String{stringvalidator.OneOf(Directions...)},
					},
					"order": schema.Int64Attribute{
						Description: "Evaluation order, 1-250, unique within the group.",
						Required:    true,
						Validators:  []validator.Int64{int64validator.Between(OrderMin, OrderMax)},
					},
					"protocol": schema.Int64Attribute{
						Description: "IP protocol number: 0 all, 1 ICMP, 6 TCP, 17 UDP (see the `secgroups_protocols` data source).",
						Required:    true,
						Validators:  []validator.Int64{int64validator.Between(0, 255)},
					},
					"port": schema.StringAttribute{
						Description: "Ports for TCP and UDP: `80`, `1024-2048` or comma lists of those (normalized: whitespace removed, sorted, overlaps merged). Must be empty for other protocols. Defaults to `\"\"`.",
						Optional:    true,
						Computed:    true,
						Default:     stringdefault.StaticString(""),
					},
					"address": schema.StringAttribute{
						Description: "Peer: an IPv4 CIDR with no host bits set (`10.0.0.0/8`), or a prefix list id (`prfx_lst_...`).",
						Required:    true,
						Validators:  []validator.String{addressValidator{}},
					},
					"description": schema.StringAttribute{
						Description: "What the rule is for, 1-255 characters.",
						Required:    true,
						Validators:  []validator.String{stringvalidator.UTF8LengthBetween(1, RuleDescriptionMax)},
					},
					"action": schema.StringAttribute{
						Description: "`accept` (default) or `drop`.",
						Optional:    true,
						Computed:    true,
						Default:     stringdefault.StaticString("accept"),
						Validators:  []validator.String{stringvalidator.OneOf(Actions...)},
					},
					"icmp_type": schema.Int64Attribute{
						Description: "ICMP rules only: the ICMP type to match (0-255); all types when unset.",
						Optional:    true,
						Validators:  []validator.Int64{int64validator.Between(0, 255)},
					},
					"icmp_code": schema.Int64Attribute{
						Description: "ICMP rules only, with `icmp_type`: the ICMP code to match (0-255).",
						Optional:    true,
						Validators:  []validator.Int64{int64validator.Between(0, 255)},
					},
					"log": schema.BoolAttribute{
						Description: "Log packets this rule matches. Defaults to false.",
						Optional:    true,
						Computed:    true,
						Default:     booldefault.StaticBool(false),
					},
				}},
			},
			"status":      computedString("`active`, `syncing` or `failed`."),
			"sync_errors": syncErrorsAttribute(),
			"created_at":  computedString("Creation time (RFC 3339)."),
			"updated_at":  computedString("Last update time (RFC 3339)."),
		},
	}
}

func (r *securityGroupResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig applies the cross-field rules of core/model at plan time.
func (r *securityGroupResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var rules types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("rules"), &rules)...)
	if resp.Diagnostics.HasError() || rules.IsNull() || rules.IsUnknown() {
		return
	}
	var models []ruleModel
	if diags := rules.ElementsAs(ctx, &models, false); diags.HasError() {
		return // unknown elements: checked again at apply
	}
	inputs := make([]RuleInput, len(models))
	for i, m := range models {
		in := RuleInput{IcmpTypeNull: m.IcmpType.IsNull(), IcmpCodeNull: m.IcmpCode.IsNull()}
		if !m.Order.IsNull() && !m.Order.IsUnknown() {
			v := m.Order.ValueInt64()
			in.Order = &v
		}
		if !m.Protocol.IsNull() && !m.Protocol.IsUnknown() {
			v := m.Protocol.ValueInt64()
			in.Protocol = &v
		}
		if !m.Port.IsUnknown() {
			v := m.Port.ValueString() // null means the default ""
			in.Port = &v
		}
		if !m.IcmpType.IsNull() && !m.IcmpType.IsUnknown() {
			v := m.IcmpType.ValueInt64()
			in.IcmpType = &v
		}
		if !m.IcmpCode.IsNull() && !m.IcmpCode.IsUnknown() {
			v := m.IcmpCode.ValueInt64()
			in.IcmpCode = &v
		}
		inputs[i] = in
	}
	for _, issue := range CheckRules(inputs) {
		p := path.Root("rules")
		if issue.Index >= 0 {
			p = p.AtListIndex(issue.Index).AtName(issue.Field)
		}
		resp.Diagnostics.AddAttributeError(p, "Invalid security group rule", issue.Path()+": "+issue.Message)
	}
}

func (r *securityGroupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !SecurityGroupIDPattern.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import id", "expected a security group id (sec_grp_ followed by 27 letters or digits), got "+req.ID)
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

func (r *securityGroupResource) write(ctx context.Context, m *securityGroupModel, diags *diag.Diagnostics) (SecurityGroupWrite, []ruleModel) {
	var rules []ruleModel
	diags.Append(m.Rules.ElementsAs(ctx, &rules, false)...)
	body := SecurityGroupWrite{Name: m.Name.ValueString(), Description: stringPtr(m.Description), Sites: setStrings(ctx, m.Sites, diags), Rules: []Rule{}}
	for _, rm := range rules {
		rule := Rule{
			Direction: rm.Direction.ValueString(), Order: rm.Order.ValueInt64(), Protocol: rm.Protocol.ValueInt64(),
			Port: rm.Port.ValueString(), Address: rm.Address.ValueString(), Description: rm.Description.ValueString(),
			Action: rm.Action.ValueString(), Log: rm.Log.ValueBool(),
		}
		if !rm.IcmpType.IsNull() {
			v := rm.IcmpType.ValueInt64()
			rule.IcmpType = &v
		}
		if !rm.IcmpCode.IsNull() {
			v := rm.IcmpCode.ValueInt64()
			rule.IcmpCode = &v
		}
		body.Rules = append(body.Rules, rule)
	}
	return body, rules
}

// setState maps the API object onto the model. Rules keep the order of
// `prior` (matched by `order`), and a prior port text that normalizes to the
// API's value is kept, so equivalent configurations never show a diff.
func (r *securityGroupResource) setState(m *securityGroupModel, g *SecurityGroup, prior []ruleModel, diags *diag.Diagnostics) {
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

	position := map[int64]int{}
	priorByOrder := map[int64]ruleModel{}
	for i, p := range prior {
		position[p.Order.ValueInt64()] = i
		priorByOrder[p.Order.ValueInt64()] = p
	}
	rules := append([]Rule(nil), g.Rules...)
	sort.SliceStable(rules, func(i, j int) bool {
		pi, iok := position[rules[i].Order]
		pj, jok := position[rules[j].Order]
		switch {
		case iok && jok:
			return pi < pj
		case iok != jok:
			return iok
		default:
			return rules[i].Order < rules[j].Order
		}
	})
	values := make([]attr.Value, 0, len(rules))
	for _, rule := range rules {
		port := rule.Port
		if p, ok := priorByOrder[rule.Order]; ok && !p.Port.IsNull() && !p.Port.IsUnknown() && PortsEquivalent(p.Port.ValueString(), port) {
			port = p.Port.ValueString()
		}
		action := rule.Action
		if action == "" {
			action = "accept"
		}
		obj, d := types.ObjectValue(ruleAttrTypes, map[string]attr.Value{
			"direction": types.StringValue(rule.Direction), "order": types.Int64Value(rule.Order), "protocol": types.Int64Value(rule.Protocol),
			"port": types.StringValue(port), "address": types.StringValue(rule.Address), "description": types.StringValue(rule.Description),
			"action": types.StringValue(action), "icmp_type": types.Int64PointerValue(rule.IcmpType), "icmp_code": types.Int64PointerValue(rule.IcmpCode),
			"log": types.BoolValue(rule.Log),
		})
		diags.Append(d...)
		values = append(values, obj)
	}
	list, d := types.ListValue(types.ObjectType{AttrTypes: ruleAttrTypes}, values)
	diags.Append(d...)
	m.Rules = list
}

func (r *securityGroupResource) waitActive(ctx context.Context, id string) (*SecurityGroup, error) {
	return WaitActive(ctx, r.client, "security group "+id, func(ctx context.Context) (*SecurityGroup, error) {
		var g SecurityGroup
		err := r.client.Do(ctx, "GET", "/vpc/security-groups/"+id, nil, &g)
		return &g, err
	}, func(g *SecurityGroup) (string, []SyncError) { return g.Status, g.SyncErrors })
}

func (r *securityGroupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan securityGroupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	body, prior := r.write(ctx, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var created SecurityGroup
	if err := r.client.Do(ctx, "POST", "/vpc/security-groups", body, &created); err != nil {
		addAPIError(&resp.Diagnostics, "Creating security group "+body.Name, err)
		return
	}
	r.finish(ctx, &plan, &created, prior, &resp.State, &resp.Diagnostics)
}

func (r *securityGroupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state securityGroupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	body, prior := r.write(ctx, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var updated SecurityGroup
	if err := r.client.Do(ctx, "PUT", "/vpc/security-groups/"+state.ID.ValueString(), body, &updated); err != nil {
		addAPIError(&resp.Diagnostics, "Updating security group "+state.ID.ValueString(), err)
		return
	}
	r.finish(ctx, &plan, &updated, prior, &resp.State, &resp.Diagnostics)
}

// finish waits for `active` and saves state, also when the group failed to
// sync (so it is tracked, and tainted by the error).
func (r *securityGroupResource) finish(ctx context.Context, m *securityGroupModel, g *SecurityGroup, prior []ruleModel, state interface {
	Set(context.Context, any) diag.Diagnostics
}, diags *diag.Diagnostics) {
	final := g
	var waitErr error
	if g.Status != "active" {
		var got *SecurityGroup
		got, waitErr = r.waitActive(ctx, g.ID)
		if got != nil {
			final = got
		}
	}
	r.setState(m, final, prior, diags)
	diags.Append(state.Set(ctx, m)...)
	if waitErr != nil {
		diags.AddError("Security group "+g.ID+" is not active", waitErr.Error())
	}
}

func (r *securityGroupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state securityGroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var g SecurityGroup
	if err := r.client.Do(ctx, "GET", "/vpc/security-groups/"+state.ID.ValueString(), nil, &g); err != nil {
		if IsNotFound(err) {
			resp.State.RemoveResource(ctx)
			return
		}
		addAPIError(&resp.Diagnostics, "Reading security group "+state.ID.ValueString(), err)
		return
	}
	var prior []ruleModel
	if !state.Rules.IsNull() && !state.Rules.IsUnknown() {
		resp.Diagnostics.Append(state.Rules.ElementsAs(ctx, &prior, false)...)
	}
	r.setState(&state, &g, prior, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *securityGroupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state securityGroupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.Do(ctx, "DELETE", "/vpc/security-groups/"+state.ID.ValueString(), nil, nil); err != nil && !IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "Deleting security group "+state.ID.ValueString(), err)
	}
}
