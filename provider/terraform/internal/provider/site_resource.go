package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ resource.ResourceWithConfigure   = (*siteResource)(nil)
	_ resource.ResourceWithImportState = (*siteResource)(nil)
)

func NewSiteResource() resource.Resource { return &siteResource{} }

type siteResource struct{ client *Client }

type siteModel struct {
	ID        types.String `tfsdk:"id"`
	Name      types.String `tfsdk:"name"`
	Platform  types.String `tfsdk:"platform"`
	Mode      types.String `tfsdk:"mode"`
	Token     types.String `tfsdk:"token"`
	CreatedAt types.String `tfsdk:"created_at"`
}

func (r *siteResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_site"
}

func (r *siteResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A site: a Linux host (nftables, iptables) or a MikroTik router (routeros) whose agent enforces the groups attached to it. " +
			"Deleting a site that groups or prefix lists are still attached to fails (HTTP 409).",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("Site id (`site_...`)."),
			"name": schema.StringAttribute{
				Description: "Name, 1-255 characters.",
				Required:    true,
				Validators:  []validator.String{stringvalidator.UTF8LengthBetween(1, SiteNameMax)},
			},
			"platform": schema.StringAttribute{
				Description: "`nftables`, `iptables` or `routeros`.",
				Required:    true,
				Validators:  []validator.String{stringvalidator.OneOf(Platforms...)},
			},
			"mode": schema.StringAttribute{
				Description: "`host` (filter the host's own traffic, default) or `router` (filter forwarded traffic).",
				Optional:    true,
				Computed:    true,
				Default:     stringdefault.StaticString("host"),
				Validators:  []validator.String{stringvalidator.OneOf(SiteModes...)},
			},
			"token": schema.StringAttribute{
				Description:   "The site agent's token (`secgroups agent --site-token`). The API returns it only when the site is created, so it is null after import.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				Description:   "Creation time (RFC 3339).",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *siteResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *siteResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !SiteIDPattern.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import id", "expected a site id (site_ followed by 27 letters or digits), got "+req.ID)
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

func (r *siteResource) setState(m *siteModel, s *Site) {
	m.ID = types.StringValue(s.ID)
	m.Name = types.StringValue(s.Name)
	m.Platform = types.StringValue(s.Platform)
	m.Mode = types.StringValue(s.Mode)
	m.CreatedAt = types.StringValue(s.CreatedAt)
	if s.Token != nil {
		m.Token = types.StringValue(*s.Token)
	} else if m.Token.IsUnknown() {
		m.Token = types.StringNull()
	}
}

func (r *siteResource) body(m *siteModel) SiteWrite {
	return SiteWrite{Name: m.Name.ValueString(), Platform: m.Platform.ValueString(), Mode: m.Mode.ValueString()}
}

func (r *siteResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan siteModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var s Site
	if err := r.client.Create(ctx, "/vpc/sites", r.body(&plan), &s); err != nil {
		addAPIError(&resp.Diagnostics, "Creating site "+plan.Name.ValueString(), err)
		return
	}
	r.setState(&plan, &s)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *siteResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state siteModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var s Site
	if err := r.client.Do(ctx, "GET", "/vpc/sites/"+state.ID.ValueString(), nil, &s); err != nil {
		if IsNotFound(err) {
			resp.State.RemoveResource(ctx)
			return
		}
		addAPIError(&resp.Diagnostics, "Reading site "+state.ID.ValueString(), err)
		return
	}
	r.setState(&state, &s)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *siteResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state siteModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var s Site
	if err := r.client.Replace(ctx, "/vpc/sites/"+state.ID.ValueString(), r.body(&plan), &s); err != nil {
		addAPIError(&resp.Diagnostics, "Updating site "+state.ID.ValueString(), err)
		return
	}
	plan.Token = state.Token
	r.setState(&plan, &s)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *siteResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state siteModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.Do(ctx, "DELETE", "/vpc/sites/"+state.ID.ValueString(), nil, nil); err != nil && !IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "Deleting site "+state.ID.ValueString(), err)
	}
}
