package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
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
	ID                types.String `tfsdk:"id"`
	Name              types.String `tfsdk:"name"`
	Platform          types.String `tfsdk:"platform"`
	Mode              types.String `tfsdk:"mode"`
	Addresses         types.Set    `tfsdk:"addresses"`
	ReportedAddresses types.Set    `tfsdk:"reported_addresses"`
	Token             types.String `tfsdk:"token"`
	CreatedAt         types.String `tfsdk:"created_at"`
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
			"addresses": schema.SetAttribute{
				Description: "The site's addresses: IPv4 or IPv6 CIDRs with no host bits set (a host is `/32` or `/128`; IPv6 stored in RFC 5952 form). " +
					"Rules whose `address` is a group attached to this site match these; when empty (the default) they match what the site's agent reports (`reported_addresses`).",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{})),
				Validators:  []validator.Set{setvalidator.SizeAtMost(MaxSiteAddresses), siteAddressesValidator{}},
			},
			"reported_addresses": schema.SetAttribute{
				Description: "The host addresses the site's agent last reported (global unicast, `/32` or `/128`); in effect while `addresses` is empty. " +
					"Read-only and refreshed on read: a change here never makes a plan, and an update keeps the value of the last refresh.",
				ElementType: types.StringType,
				Computed:    true,
				// The agent may report between plan and apply: an update keeps the refreshed value (see Update), so plans never show it.
				PlanModifiers: []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
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
	m.Addresses = keepSpelling(m.Addresses, s.Addresses)
	m.ReportedAddresses = stringSet(s.ReportedAddresses)
	m.CreatedAt = types.StringValue(s.CreatedAt)
	if s.Token != nil {
		m.Token = types.StringValue(*s.Token)
	} else if m.Token.IsUnknown() {
		m.Token = types.StringNull()
	}
}

func (r *siteResource) body(m *siteModel) SiteWrite {
	addresses := []string{}
	for _, v := range m.Addresses.Elements() {
		if s, ok := v.(types.String); ok {
			addresses = append(addresses, s.ValueString())
		}
	}
	return SiteWrite{Name: m.Name.ValueString(), Platform: m.Platform.ValueString(), Mode: m.Mode.ValueString(), Addresses: addresses}
}

// keepSpelling keeps the configuration's text when it names the same CIDRs as
// the API's stored form (`2001:DB8::5/128` is `2001:db8::5/128`), so refresh and
// plan agree with the configuration; anything else is the API's.
func keepSpelling(configured types.Set, stored []string) types.Set {
	if configured.IsNull() || configured.IsUnknown() || len(configured.Elements()) != len(stored) {
		return stringSet(stored)
	}
	want := map[string]bool{}
	for _, s := range stored {
		want[s] = true
	}
	for _, v := range configured.Elements() {
		s, ok := v.(types.String)
		if !ok {
			return stringSet(stored)
		}
		canonical, err := CanonicalCidr(s.ValueString())
		if err != nil || !want[canonical] {
			return stringSet(stored)
		}
		delete(want, canonical)
	}
	return configured
}

// siteAddressesValidator checks each declared address as the API does
// (core/model validateSiteWrite): a CIDR with no host bits, each network once.
type siteAddressesValidator struct{}

func (siteAddressesValidator) Description(context.Context) string {
	return "IPv4 or IPv6 CIDRs with no host bits set, each network once"
}

func (v siteAddressesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (siteAddressesValidator) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := map[string]string{}
	for _, v := range req.ConfigValue.Elements() {
		s, ok := v.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		at := req.Path.AtSetValue(s)
		canonical, err := CanonicalCidr(s.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(at, "Invalid address", "addresses: "+err.Error())
			continue
		}
		if earlier, dup := seen[canonical]; dup {
			resp.Diagnostics.AddAttributeError(at, "Duplicate address",
				"addresses: "+canonical+" is already listed (as "+quoteText(earlier)+"); list each network once")
			continue
		}
		seen[canonical] = s.ValueString()
	}
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
	// As planned (the last refresh): what the agent reported since shows at the next refresh, never as a plan.
	plan.ReportedAddresses = state.ReportedAddresses
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
