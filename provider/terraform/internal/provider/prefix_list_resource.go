package provider

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
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
	_ resource.ResourceWithConfigure      = (*prefixListResource)(nil)
	_ resource.ResourceWithImportState    = (*prefixListResource)(nil)
	_ resource.ResourceWithValidateConfig = (*prefixListResource)(nil)
)

func NewPrefixListResource() resource.Resource { return &prefixListResource{} }

type prefixListResource struct{ client *Client }

type prefixListModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Prefixes    types.List   `tfsdk:"prefixes"`
	Sites       types.Set    `tfsdk:"sites"`
	Status      types.String `tfsdk:"status"`
	SyncErrors  types.List   `tfsdk:"sync_errors"`
	CreatedAt   types.String `tfsdk:"created_at"`
	UpdatedAt   types.String `tfsdk:"updated_at"`
}

type prefixModel struct {
	Cidr        types.String `tfsdk:"cidr"`
	Description types.String `tfsdk:"description"`
}

var prefixAttrTypes = map[string]attr.Type{"cidr": types.StringType, "description": types.StringType}

func (r *prefixListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_prefix_list"
}

func (r *prefixListResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A named list of IPv4 CIDRs that security group rules refer to by id in `address`. " +
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
			"prefixes": schema.ListNestedAttribute{
				Description: "The CIDRs, at most 500, each listed once.",
				Required:    true,
				Validators:  []validator.List{listvalidator.SizeAtMost(MaxPrefixes)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"cidr": schema.StringAttribute{
						Description: "IPv4 CIDR with no host bits set, e.g. `203.0.113.0/24` (a single host is `/32`).",
						Required:    true,
						Validators:  []validator.String{addressValidator{cidrOnly: true}},
					},
					"description": schema.StringAttribute{
						Description: "What the prefix is, at most 255 characters.",
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
			"status":      computedString("`active`, `syncing` or `failed`."),
			"sync_errors": syncErrorsAttribute(),
			"created_at":  computedString("Creation time (RFC 3339)."),
			"updated_at":  computedString("Last update time (RFC 3339)."),
		},
	}
}

func (r *prefixListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *prefixListResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var prefixes types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("prefixes"), &prefixes)...)
	if resp.Diagnostics.HasError() || prefixes.IsNull() || prefixes.IsUnknown() {
		return
	}
	var models []prefixModel
	if diags := prefixes.ElementsAs(ctx, &models, false); diags.HasError() {
		return
	}
	seen := map[string]int{}
	for i, p := range models {
		if p.Cidr.IsNull() || p.Cidr.IsUnknown() {
			continue
		}
		cidr := p.Cidr.ValueString()
		if earlier, ok := seen[cidr]; ok {
			resp.Diagnostics.AddAttributeError(path.Root("prefixes").AtListIndex(i).AtName("cidr"), "Duplicate prefix",
				fmt.Sprintf("prefixes[%d].cidr: %s is already listed at prefixes[%d]", i, cidr, earlier))
			continue
		}
		seen[cidr] = i
	}
}

func (r *prefixListResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !PrefixListIDPattern.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import id", "expected a prefix list id (prfx_lst_ followed by 27 letters or digits), got "+req.ID)
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

func (r *prefixListResource) write(ctx context.Context, m *prefixListModel, diags *diag.Diagnostics) (PrefixListWrite, []prefixModel) {
	var prefixes []prefixModel
	diags.Append(m.Prefixes.ElementsAs(ctx, &prefixes, false)...)
	body := PrefixListWrite{Name: m.Name.ValueString(), Description: stringPtr(m.Description), Sites: setStrings(ctx, m.Sites, diags), Prefixes: []Prefix{}}
	for _, p := range prefixes {
		body.Prefixes = append(body.Prefixes, Prefix{Cidr: p.Cidr.ValueString(), Description: stringPtr(p.Description)})
	}
	return body, prefixes
}

// setState keeps the prior order of prefixes (matched by CIDR).
func (r *prefixListResource) setState(m *prefixListModel, l *PrefixList, prior []prefixModel, diags *diag.Diagnostics) {
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
	position := map[string]int{}
	for i, p := range prior {
		position[p.Cidr.ValueString()] = i
	}
	prefixes := append([]Prefix(nil), l.Prefixes...)
	sort.SliceStable(prefixes, func(i, j int) bool {
		pi, iok := position[prefixes[i].Cidr]
		pj, jok := position[prefixes[j].Cidr]
		if iok && jok {
			return pi < pj
		}
		return iok && !jok
	})
	values := make([]attr.Value, 0, len(prefixes))
	for _, p := range prefixes {
		values = append(values, types.ObjectValueMust(prefixAttrTypes, map[string]attr.Value{
			"cidr": types.StringValue(p.Cidr), "description": nullableString(p.Description),
		}))
	}
	list, d := types.ListValue(types.ObjectType{AttrTypes: prefixAttrTypes}, values)
	diags.Append(d...)
	m.Prefixes = list
}

func (r *prefixListResource) finish(ctx context.Context, m *prefixListModel, l *PrefixList, prior []prefixModel, state interface {
	Set(context.Context, any) diag.Diagnostics
}, diags *diag.Diagnostics) {
	final := l
	var waitErr error
	if l.Status != "active" {
		var got *PrefixList
		got, waitErr = WaitActive(ctx, r.client, "prefix list "+l.ID, func(ctx context.Context) (*PrefixList, error) {
			var p PrefixList
			err := r.client.Do(ctx, "GET", "/vpc/prefix-lists/"+l.ID, nil, &p)
			return &p, err
		}, func(p *PrefixList) (string, []SyncError) { return p.Status, p.SyncErrors })
		if got != nil {
			final = got
		}
	}
	r.setState(m, final, prior, diags)
	diags.Append(state.Set(ctx, m)...)
	if waitErr != nil {
		diags.AddError("Prefix list "+l.ID+" is not active", waitErr.Error())
	}
}

func (r *prefixListResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan prefixListModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	body, prior := r.write(ctx, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var created PrefixList
	if err := r.client.Do(ctx, "POST", "/vpc/prefix-lists", body, &created); err != nil {
		addAPIError(&resp.Diagnostics, "Creating prefix list "+body.Name, err)
		return
	}
	r.finish(ctx, &plan, &created, prior, &resp.State, &resp.Diagnostics)
}

func (r *prefixListResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state prefixListModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	body, prior := r.write(ctx, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var updated PrefixList
	if err := r.client.Do(ctx, "PUT", "/vpc/prefix-lists/"+state.ID.ValueString(), body, &updated); err != nil {
		addAPIError(&resp.Diagnostics, "Updating prefix list "+state.ID.ValueString(), err)
		return
	}
	r.finish(ctx, &plan, &updated, prior, &resp.State, &resp.Diagnostics)
}

func (r *prefixListResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state prefixListModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var l PrefixList
	if err := r.client.Do(ctx, "GET", "/vpc/prefix-lists/"+state.ID.ValueString(), nil, &l); err != nil {
		if IsNotFound(err) {
			resp.State.RemoveResource(ctx)
			return
		}
		addAPIError(&resp.Diagnostics, "Reading prefix list "+state.ID.ValueString(), err)
		return
	}
	var prior []prefixModel
	if !state.Prefixes.IsNull() && !state.Prefixes.IsUnknown() {
		resp.Diagnostics.Append(state.Prefixes.ElementsAs(ctx, &prior, false)...)
	}
	r.setState(&state, &l, prior, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *prefixListResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state prefixListModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.Do(ctx, "DELETE", "/vpc/prefix-lists/"+state.ID.ValueString(), nil, nil); err != nil && !IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "Deleting prefix list "+state.ID.ValueString(), err)
	}
}
