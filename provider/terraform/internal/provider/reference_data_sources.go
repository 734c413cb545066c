package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// secgroups_protocols and secgroups_services: the API's reference data.

func NewProtocolsDataSource() datasource.DataSource { return &protocolsDataSource{} }
func NewServicesDataSource() datasource.DataSource  { return &servicesDataSource{} }

type protocolsDataSource struct{ client *Client }
type servicesDataSource struct{ client *Client }

type protocolModel struct {
	Number      types.Int64  `tfsdk:"number"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Ports       types.Bool   `tfsdk:"ports"`
}

type protocolsModel struct {
	ID        types.String    `tfsdk:"id"`
	Protocols []protocolModel `tfsdk:"protocols"`
}

type serviceModel struct {
	Name        types.String `tfsdk:"name"`
	Protocol    types.Int64  `tfsdk:"protocol"`
	Port        types.String `tfsdk:"port"`
	Description types.String `tfsdk:"description"`
	Sensitive   types.Bool   `tfsdk:"sensitive"`
}

type servicesModel struct {
	ID       types.String   `tfsdk:"id"`
	Services []serviceModel `tfsdk:"services"`
}

func (d *protocolsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_protocols"
}

func (d *protocolsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "IP protocols the API knows by name, for `protocol` in security group rules.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, Description: "Always `protocols`."},
			"protocols": schema.ListNestedAttribute{
				Computed:    true,
				Description: "Known protocols.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"number":      schema.Int64Attribute{Computed: true, Description: "IP protocol number (0 = all)."},
					"name":        schema.StringAttribute{Computed: true, Description: "Short name, e.g. `tcp`."},
					"description": schema.StringAttribute{Computed: true, Description: "What it is."},
					"ports":       schema.BoolAttribute{Computed: true, Description: "Whether rules of this protocol take a `port`."},
				}},
			},
		},
	}
}

func (d *protocolsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *protocolsDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	var list []Protocol
	if err := d.client.Do(ctx, "GET", "/vpc/reference/protocols", nil, &list); err != nil {
		addAPIError(&resp.Diagnostics, "Reading protocols", err)
		return
	}
	m := protocolsModel{ID: types.StringValue("protocols"), Protocols: []protocolModel{}}
	for _, p := range list {
		m.Protocols = append(m.Protocols, protocolModel{types.Int64Value(p.Number), types.StringValue(p.Name), types.StringValue(p.Description), types.BoolValue(p.Ports)})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (d *servicesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_services"
}

func (d *servicesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Well-known services (protocol and port), e.g. to build rules with `for` expressions; `sensitive` marks services that should never be open to the world.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, Description: "Always `services`."},
			"services": schema.ListNestedAttribute{
				Computed:    true,
				Description: "Known services.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":        schema.StringAttribute{Computed: true, Description: "Service name, e.g. `https`."},
					"protocol":    schema.Int64Attribute{Computed: true, Description: "IP protocol number."},
					"port":        schema.StringAttribute{Computed: true, Description: "Port expression."},
					"description": schema.StringAttribute{Computed: true, Description: "What it is."},
					"sensitive":   schema.BoolAttribute{Computed: true, Description: "Administrative or data service that should not be open to the world."},
				}},
			},
		},
	}
}

func (d *servicesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *servicesDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	var list []Service
	if err := d.client.Do(ctx, "GET", "/vpc/reference/services", nil, &list); err != nil {
		addAPIError(&resp.Diagnostics, "Reading services", err)
		return
	}
	m := servicesModel{ID: types.StringValue("services"), Services: []serviceModel{}}
	for _, s := range list {
		m.Services = append(m.Services, serviceModel{types.StringValue(s.Name), types.Int64Value(s.Protocol), types.StringValue(s.Port), types.StringValue(s.Description), types.BoolValue(s.Sensitive)})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
