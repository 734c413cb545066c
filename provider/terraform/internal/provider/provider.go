// Package provider is the secgroups Terraform provider: a thin client of the
// secgroups API built on terraform-plugin-framework.
package provider

import (
	"context"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ provider.Provider = (*secgroupsProvider)(nil)

type secgroupsProvider struct {
	version string
}

type providerModel struct {
	Endpoint    types.String `tfsdk:"endpoint"`
	Token       types.String `tfsdk:"token"`
	SyncTimeout types.String `tfsdk:"sync_timeout"`
}

// New returns the provider factory for providerserver.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &secgroupsProvider{version: version} }
}

func (p *secgroupsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "secgroups"
	resp.Version = p.version
}

func (p *secgroupsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Manages security groups, prefix lists and sites of a secgroups control plane (firewall policy as code).",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				Description: "Base URL of the secgroups API, e.g. `http://127.0.0.1:8787`. Defaults to the `SECGROUPS_ENDPOINT` environment variable. " +
					"Requests go through the proxy named by `HTTPS_PROXY` (an `https` endpoint, tunnelled with CONNECT) or `HTTP_PROXY` (an `http` endpoint), except for hosts in `NO_PROXY` and loopback endpoints (`localhost`, `127.0.0.0/8`, `::1`).",
				Optional: true,
			},
			"token": schema.StringAttribute{
				Description: "Bearer token (JWT) for the API, as printed by `secgroups token --org ORG`. Defaults to the `SECGROUPS_TOKEN` environment variable.",
				Optional:    true,
				Sensitive:   true,
			},
			"sync_timeout": schema.StringAttribute{
				Description: "How long a create, update or delete of a security group or prefix list may take, retries included, as a Go duration (`90s`, `5m`): " +
					"waiting while it is locked by a previous change and until its sites make it `active`. Defaults to `5m`; a resource's `timeouts` block overrides it.",
				Optional: true,
			},
		},
	}
}

func (p *secgroupsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if cfg.Endpoint.IsUnknown() || cfg.Token.IsUnknown() {
		// Known only after another resource applies; resources configure later.
		return
	}
	endpoint := os.Getenv("SECGROUPS_ENDPOINT")
	if !cfg.Endpoint.IsNull() {
		endpoint = cfg.Endpoint.ValueString()
	}
	token := os.Getenv("SECGROUPS_TOKEN")
	if !cfg.Token.IsNull() {
		token = cfg.Token.ValueString()
	}
	if endpoint == "" {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Missing secgroups API endpoint",
			"Set `endpoint` in the provider block or the SECGROUPS_ENDPOINT environment variable, e.g. http://127.0.0.1:8787.")
	}
	if token == "" {
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Missing secgroups API token",
			"Set `token` in the provider block or the SECGROUPS_TOKEN environment variable; mint one with `SECGROUPS_JWT_SECRET=... secgroups token --org ORG`.")
	}
	timeout := 5 * time.Minute
	if !cfg.SyncTimeout.IsNull() {
		d, err := time.ParseDuration(cfg.SyncTimeout.ValueString())
		if err != nil || d <= 0 {
			resp.Diagnostics.AddAttributeError(path.Root("sync_timeout"), "Invalid sync_timeout",
				"sync_timeout must be a positive Go duration such as \"90s\" or \"5m\", got "+cfg.SyncTimeout.String())
		}
		timeout = d
	}
	if resp.Diagnostics.HasError() {
		return
	}
	client := &Client{
		Endpoint:    endpoint,
		Token:       token,
		HTTP:        NewHTTPClient(),
		SyncTimeout: timeout,
		UserAgent:   "terraform-provider-secgroups/" + p.version,
	}
	resp.ResourceData = client
	resp.DataSourceData = client
}

func (p *secgroupsProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewSecurityGroupResource, NewPrefixListResource, NewSiteResource}
}

func (p *secgroupsProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewProtocolsDataSource, NewServicesDataSource,
		NewPrefixListDataSource, NewSecurityGroupDataSource, NewSiteDataSource,
	}
}

// clientFrom extracts the configured client (nil before Configure).
func clientFrom(data any, diags interface{ AddError(string, string) }) *Client {
	if data == nil {
		return nil
	}
	c, ok := data.(*Client)
	if !ok {
		diags.AddError("Unexpected provider data", "expected *provider.Client; this is a bug in the provider")
		return nil
	}
	return c
}
