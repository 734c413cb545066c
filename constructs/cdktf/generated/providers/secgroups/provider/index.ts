// https://registry.terraform.io/providers/secgroups/secgroups/0.1.0/docs
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface SecgroupsProviderConfig {
  /**
  * Base URL of the secgroups API, e.g. `http://127.0.0.1:8787`. Defaults to the `SECGROUPS_ENDPOINT` environment variable. Requests go through the proxy named by `HTTPS_PROXY` (an `https` endpoint, tunnelled with CONNECT) or `HTTP_PROXY` (an `http` endpoint), except for hosts in `NO_PROXY` and loopback endpoints (`localhost`, `127.0.0.0/8`, `::1`).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/secgroups/secgroups/0.1.0/docs#endpoint SecgroupsProvider#endpoint}
  */
  readonly endpoint?: string;
  /**
  * How long a create, update or delete of a security group or prefix list may take, retries included, as a Go duration (`90s`, `5m`): waiting while it is locked by a previous change and until its sites make it `active`. Defaults to `5m`; a resource's `timeouts` block overrides it.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/secgroups/secgroups/0.1.0/docs#sync_timeout SecgroupsProvider#sync_timeout}
  */
  readonly syncTimeout?: string;
  /**
  * Bearer token (JWT) for the API, as printed by `secgroups token --org ORG`. Defaults to the `SECGROUPS_TOKEN` environment variable.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/secgroups/secgroups/0.1.0/docs#token SecgroupsProvider#token}
  */
  readonly token?: string;
  /**
  * Alias name
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/secgroups/secgroups/0.1.0/docs#alias SecgroupsProvider#alias}
  */
  readonly alias?: string;
}

/**
* Represents a {@link https://registry.terraform.io/providers/secgroups/secgroups/0.1.0/docs secgroups}
*/
export class SecgroupsProvider extends cdktf.TerraformProvider {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "secgroups";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a SecgroupsProvider resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the SecgroupsProvider to import
  * @param importFromId The id of the existing SecgroupsProvider that should be imported. Refer to the {@link https://registry.terraform.io/providers/secgroups/secgroups/0.1.0/docs#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the SecgroupsProvider to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "secgroups", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/secgroups/secgroups/0.1.0/docs secgroups} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options SecgroupsProviderConfig = {}
  */
  public constructor(scope: Construct, id: string, config: SecgroupsProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: 'secgroups',
      terraformGeneratorMetadata: {
        providerName: 'secgroups',
        providerVersion: '0.1.0'
      },
      terraformProviderSource: 'registry.terraform.io/secgroups/secgroups'
    });
    this._endpoint = config.endpoint;
    this._syncTimeout = config.syncTimeout;
    this._token = config.token;
    this._alias = config.alias;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // endpoint - computed: false, optional: true, required: false
  private _endpoint?: string; 
  public get endpoint() {
    return this._endpoint;
  }
  public set endpoint(value: string | undefined) {
    this._endpoint = value;
  }
  public resetEndpoint() {
    this._endpoint = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get endpointInput() {
    return this._endpoint;
  }

  // sync_timeout - computed: false, optional: true, required: false
  private _syncTimeout?: string; 
  public get syncTimeout() {
    return this._syncTimeout;
  }
  public set syncTimeout(value: string | undefined) {
    this._syncTimeout = value;
  }
  public resetSyncTimeout() {
    this._syncTimeout = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get syncTimeoutInput() {
    return this._syncTimeout;
  }

  // token - computed: false, optional: true, required: false
  private _token?: string; 
  public get token() {
    return this._token;
  }
  public set token(value: string | undefined) {
    this._token = value;
  }
  public resetToken() {
    this._token = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get tokenInput() {
    return this._token;
  }

  // alias - computed: false, optional: true, required: false
  private _alias?: string; 
  public override get alias() {
    return this._alias;
  }
  public override set alias(value: string | undefined) {
    this._alias = value;
  }
  public resetAlias() {
    this._alias = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get aliasInput() {
    return this._alias;
  }

  // =========
  // SYNTHESIS
  // =========

  protected override synthesizeAttributes(): { [name: string]: any } {
    return {
      endpoint: cdktf.stringToTerraform(this._endpoint),
      sync_timeout: cdktf.stringToTerraform(this._syncTimeout),
      token: cdktf.stringToTerraform(this._token),
      alias: cdktf.stringToTerraform(this._alias),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      endpoint: {
        value: cdktf.stringToHclTerraform(this._endpoint),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      sync_timeout: {
        value: cdktf.stringToHclTerraform(this._syncTimeout),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      token: {
        value: cdktf.stringToHclTerraform(this._token),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      alias: {
        value: cdktf.stringToHclTerraform(this._alias),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
