package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSourceWithConfigure      = (*securityGroupDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*securityGroupDataSource)(nil)
)

func NewSecurityGroupDataSource() datasource.DataSource { return &securityGroupDataSource{} }

// securityGroupDataSource looks up an existing security group by id or name.
type securityGroupDataSource struct{ client *Client }

func (d *securityGroupDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_security_group"
}

func (d *securityGroupDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	id, name := securityGroupLookup.idAndNameAttributes()
	resp.Schema = schema.Schema{
		Description: "Looks up an existing security group of the organization by `id` or by `name`: its rules (usable as another group's `rules`), sites and status. " +
			"A name that no group has, or that several have, is an error naming their ids.",
		Attributes: map[string]schema.Attribute{
			"id":          id,
			"name":        name,
			"description": schema.StringAttribute{Computed: true, Description: "Description, or null."},
			"rules":       rulesDataSourceAttribute(),
			"sites":       schema.SetAttribute{Computed: true, ElementType: types.StringType, Description: "Ids of the sites the group is enforced on."},
			"status":      schema.StringAttribute{Computed: true, Description: "`active`, `syncing` or `failed`."},
			"sync_errors": syncErrorsDataSourceAttribute(),
			"created_at":  schema.StringAttribute{Computed: true, Description: "Creation time (RFC 3339)."},
			"updated_at":  schema.StringAttribute{Computed: true, Description: "Last update time (RFC 3339)."},
		},
	}
}

func (d *securityGroupDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *securityGroupDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	securityGroupLookup.validateIDOrName(ctx, req, resp)
}

func (d *securityGroupDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	id, name := lookupArgs(ctx, req, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	found, err := lookup(ctx, d.client, securityGroupLookup, id, name, func(g *SecurityGroup) (string, string) { return g.ID, g.Name })
	if err != nil {
		resp.Diagnostics.AddError(securityGroupLookup.lookupSummary(id, name), err.Error())
		return
	}
	var m securityGroupModel
	securityGroupState(ctx, &m, found, types.SetNull(ruleObjectType), &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
