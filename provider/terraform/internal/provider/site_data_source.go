package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSourceWithConfigure      = (*siteDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*siteDataSource)(nil)
)

func NewSiteDataSource() datasource.DataSource { return &siteDataSource{} }

// siteDataSource looks up an existing site by id or name.
type siteDataSource struct{ client *Client }

type siteDataModel struct {
	ID              types.String `tfsdk:"id"`
	Name            types.String `tfsdk:"name"`
	Platform        types.String `tfsdk:"platform"`
	Mode            types.String `tfsdk:"mode"`
	Addresses       types.Set    `tfsdk:"addresses"`
	Reported        types.Set    `tfsdk:"reported_addresses"`
	DesiredRevision types.Int64  `tfsdk:"desired_revision"`
	AppliedRevision types.Int64  `tfsdk:"applied_revision"`
	Online          types.Bool   `tfsdk:"online"`
	LastSeen        types.String `tfsdk:"last_seen"`
	Drift           types.Bool   `tfsdk:"drift"`
	LastError       types.String `tfsdk:"last_error"`
	CreatedAt       types.String `tfsdk:"created_at"`
}

func (d *siteDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_site"
}

func (d *siteDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	id, name := siteLookup.idAndNameAttributes()
	resp.Schema = schema.Schema{
		Description: "Looks up an existing site of the organization by `id` or by `name`, e.g. to attach a group to it, and reports what its agent last said. " +
			"A name that no site has, or that several have, is an error naming their ids. The agent's token is never readable.",
		Attributes: map[string]schema.Attribute{
			"id":       id,
			"name":     name,
			"platform": schema.StringAttribute{Computed: true, Description: "`nftables`, `iptables` or `routeros`."},
			"mode":     schema.StringAttribute{Computed: true, Description: "`host` or `router`."},
			"addresses": schema.SetAttribute{Computed: true, ElementType: types.StringType,
				Description: "The site's declared addresses (CIDRs); when empty, rules naming its groups match `reported_addresses`."},
			"reported_addresses": schema.SetAttribute{Computed: true, ElementType: types.StringType,
				Description: "The host addresses the site's agent last reported (`/32`, `/128`)."},
			"desired_revision": schema.Int64Attribute{Computed: true, Description: "Revision of compiled configuration the control plane wants enforced."},
			"applied_revision": schema.Int64Attribute{Computed: true, Description: "Revision the agent last reported as enforced, or null."},
			"online":           schema.BoolAttribute{Computed: true, Description: "Whether the agent has been heard from recently."},
			"last_seen":        schema.StringAttribute{Computed: true, Description: "When the agent was last heard from (RFC 3339), or null."},
			"drift":            schema.BoolAttribute{Computed: true, Description: "Whether the agent last found the ruleset altered by hand (and restored it)."},
			"last_error":       schema.StringAttribute{Computed: true, Description: "The agent's last error, or null."},
			"created_at":       schema.StringAttribute{Computed: true, Description: "Creation time (RFC 3339)."},
		},
	}
}

func (d *siteDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *siteDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	siteLookup.validateIDOrName(ctx, req, resp)
}

func (d *siteDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	id, name := lookupArgs(ctx, req, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	s, err := lookup(ctx, d.client, siteLookup, id, name, func(s *Site) (string, string) { return s.ID, s.Name })
	if err != nil {
		resp.Diagnostics.AddError(siteLookup.lookupSummary(id, name), err.Error())
		return
	}
	m := siteDataModel{
		ID: types.StringValue(s.ID), Name: types.StringValue(s.Name), Platform: types.StringValue(s.Platform), Mode: types.StringValue(s.Mode),
		Addresses: stringSet(s.Addresses), Reported: stringSet(s.ReportedAddresses),
		DesiredRevision: types.Int64Value(s.DesiredRevision), AppliedRevision: types.Int64PointerValue(s.AppliedRevision),
		Online: types.BoolValue(s.Online), LastSeen: nullableString(s.LastSeen), Drift: types.BoolValue(s.Drift),
		LastError: nullableString(s.LastError), CreatedAt: types.StringValue(s.CreatedAt),
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
