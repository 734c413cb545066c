package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSourceWithConfigure      = (*prefixListDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*prefixListDataSource)(nil)
)

func NewPrefixListDataSource() datasource.DataSource { return &prefixListDataSource{} }

// prefixListDataSource looks up an existing prefix list by id or name.
type prefixListDataSource struct{ client *Client }

func (d *prefixListDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_prefix_list"
}

func (d *prefixListDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	id, name := prefixListLookup.idAndNameAttributes()
	resp.Schema = schema.Schema{
		Description: "Looks up an existing prefix list of the organization by `id` or by `name`, e.g. to use its id in a rule's `address`. " +
			"A name that no prefix list has, or that several have, is an error naming their ids.",
		Attributes: map[string]schema.Attribute{
			"id":          id,
			"name":        name,
			"description": schema.StringAttribute{Computed: true, Description: "Description, or null."},
			"prefixes":    prefixesDataSourceAttribute(),
			"sites":       schema.SetAttribute{Computed: true, ElementType: types.StringType, Description: "Ids of the sites the list is deployed to on its own."},
			"status":      schema.StringAttribute{Computed: true, Description: "`active`, `syncing` or `failed`."},
			"sync_errors": syncErrorsDataSourceAttribute(),
			"created_at":  schema.StringAttribute{Computed: true, Description: "Creation time (RFC 3339)."},
			"updated_at":  schema.StringAttribute{Computed: true, Description: "Last update time (RFC 3339)."},
		},
	}
}

func (d *prefixListDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *prefixListDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	prefixListLookup.validateIDOrName(ctx, req, resp)
}

func (d *prefixListDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	id, name := lookupArgs(ctx, req, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	found, err := lookup(ctx, d.client, prefixListLookup, id, name, func(l *PrefixList) (string, string) { return l.ID, l.Name })
	if err != nil {
		resp.Diagnostics.AddError(prefixListLookup.lookupSummary(id, name), err.Error())
		return
	}
	var m prefixListModel
	prefixListState(ctx, &m, found, types.SetNull(prefixObjectType), &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
