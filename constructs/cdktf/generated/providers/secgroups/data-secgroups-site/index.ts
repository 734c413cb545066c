// https://registry.terraform.io/providers/secgroups/secgroups/0.1.0/docs/data-sources/site
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface DataSecgroupsSiteConfig extends cdktf.TerraformMetaArguments {
  /**
  * The site's id (`site_...`). Give exactly one of `id` and `name`.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/secgroups/secgroups/0.1.0/docs/data-sources/site#id DataSecgroupsSite#id}
  *
  * Please be aware that the id field is automatically added to all resources in Terraform providers using a Terraform provider SDK version below 2.
  * If you experience problems setting this value it might not be settable. Please take a look at the provider documentation to ensure it should be settable.
  */
  readonly id?: string;
  /**
  * The site's name, matched exactly; the look-up fails when no site or more than one has it. Give exactly one of `id` and `name`.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/secgroups/secgroups/0.1.0/docs/data-sources/site#name DataSecgroupsSite#name}
  */
  readonly name?: string;
}

/**
* Represents a {@link https://registry.terraform.io/providers/secgroups/secgroups/0.1.0/docs/data-sources/site secgroups_site}
*/
export class DataSecgroupsSite extends cdktf.TerraformDataSource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "secgroups_site";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a DataSecgroupsSite resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the DataSecgroupsSite to import
  * @param importFromId The id of the existing DataSecgroupsSite that should be imported. Refer to the {@link https://registry.terraform.io/providers/secgroups/secgroups/0.1.0/docs/data-sources/site#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the DataSecgroupsSite to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "secgroups_site", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/secgroups/secgroups/0.1.0/docs/data-sources/site secgroups_site} Data Source
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options DataSecgroupsSiteConfig = {}
  */
  public constructor(scope: Construct, id: string, config: DataSecgroupsSiteConfig = {}) {
    super(scope, id, {
      terraformResourceType: 'secgroups_site',
      terraformGeneratorMetadata: {
        providerName: 'secgroups',
        providerVersion: '0.1.0'
      },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach
    });
    this._id = config.id;
    this._name = config.name;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // addresses - computed: true, optional: false, required: false
  public get addresses() {
    return cdktf.Fn.tolist(this.getListAttribute('addresses'));
  }

  // applied_revision - computed: true, optional: false, required: false
  public get appliedRevision() {
    return this.getNumberAttribute('applied_revision');
  }

  // created_at - computed: true, optional: false, required: false
  public get createdAt() {
    return this.getStringAttribute('created_at');
  }

  // desired_revision - computed: true, optional: false, required: false
  public get desiredRevision() {
    return this.getNumberAttribute('desired_revision');
  }

  // drift - computed: true, optional: false, required: false
  public get drift() {
    return this.getBooleanAttribute('drift');
  }

  // id - computed: true, optional: true, required: false
  private _id?: string; 
  public get id() {
    return this.getStringAttribute('id');
  }
  public set id(value: string) {
    this._id = value;
  }
  public resetId() {
    this._id = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get idInput() {
    return this._id;
  }

  // last_error - computed: true, optional: false, required: false
  public get lastError() {
    return this.getStringAttribute('last_error');
  }

  // last_seen - computed: true, optional: false, required: false
  public get lastSeen() {
    return this.getStringAttribute('last_seen');
  }

  // mode - computed: true, optional: false, required: false
  public get mode() {
    return this.getStringAttribute('mode');
  }

  // name - computed: true, optional: true, required: false
  private _name?: string; 
  public get name() {
    return this.getStringAttribute('name');
  }
  public set name(value: string) {
    this._name = value;
  }
  public resetName() {
    this._name = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get nameInput() {
    return this._name;
  }

  // online - computed: true, optional: false, required: false
  public get online() {
    return this.getBooleanAttribute('online');
  }

  // platform - computed: true, optional: false, required: false
  public get platform() {
    return this.getStringAttribute('platform');
  }

  // reported_addresses - computed: true, optional: false, required: false
  public get reportedAddresses() {
    return cdktf.Fn.tolist(this.getListAttribute('reported_addresses'));
  }

  // =========
  // SYNTHESIS
  // =========

  protected override synthesizeAttributes(): { [name: string]: any } {
    return {
      id: cdktf.stringToTerraform(this._id),
      name: cdktf.stringToTerraform(this._name),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      id: {
        value: cdktf.stringToHclTerraform(this._id),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      name: {
        value: cdktf.stringToHclTerraform(this._name),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
