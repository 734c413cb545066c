package provider

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestTimeoutsBlockOnWaitingResources(t *testing.T) {
	for name, r := range map[string]resource.Resource{"security group": NewSecurityGroupResource(), "prefix list": NewPrefixListResource()} {
		var resp resource.SchemaResponse
		r.Schema(context.Background(), resource.SchemaRequest{}, &resp)
		block, ok := resp.Schema.Blocks["timeouts"]
		if !ok {
			t.Fatalf("%s: no timeouts block", name)
		}
		attrs := block.GetNestedObject().GetAttributes()
		for _, op := range []string{"create", "update", "delete"} {
			if _, ok := attrs[op]; !ok {
				t.Errorf("%s: timeouts has no %s", name, op)
			}
		}
		if _, ok := attrs["read"]; ok || len(attrs) != 3 {
			t.Errorf("%s: timeouts should be create, update, delete; got %d attributes", name, len(attrs))
		}
	}
}

func timeoutsValue(create string) timeouts.Value {
	attrTypes := map[string]attr.Type{"create": types.StringType, "update": types.StringType, "delete": types.StringType}
	values := map[string]attr.Value{"create": types.StringNull(), "update": types.StringNull(), "delete": types.StringNull()}
	if create != "" {
		values["create"] = types.StringValue(create)
	}
	return timeouts.Value{Object: types.ObjectValueMust(attrTypes, values)}
}

func TestBoundedUsesTheResourceTimeoutElseSyncTimeout(t *testing.T) {
	c := &Client{SyncTimeout: 7 * time.Minute}
	var refused diag.Diagnostics
	_, cancel := bounded(context.Background(), c, timeoutsValue("-1m").Create, &refused)
	cancel()
	if !refused.HasError() {
		t.Errorf("a negative timeout was accepted")
	}
	for create, want := range map[string]time.Duration{"90s": 90 * time.Second, "": 7 * time.Minute} {
		var diags diag.Diagnostics
		ctx, cancel := bounded(context.Background(), c, timeoutsValue(create).Create, &diags)
		deadline, ok := ctx.Deadline()
		cancel()
		if diags.HasError() || !ok {
			t.Fatalf("create=%q: %v", create, diags)
		}
		if got := time.Until(deadline); got > want || got < want-5*time.Second {
			t.Errorf("create=%q: deadline in %s, want %s", create, got, want)
		}
		if _, limit := c.deadline(ctx); limit != want {
			t.Errorf("create=%q: messages would name %s, want %s", create, limit, want)
		}
	}
}

func sgWithTimeouts(block string) string {
	return `
resource "secgroups_security_group" "web" {
  name  = "acc-timeouts"
  rules = [{ direction = "outbound", order = 100, protocol = 0, address = "0.0.0.0/0", description = "all out" }]
  ` + block + `
}`
}

// A timeouts block is accepted, kept in state, validated at plan time, and a
// change of timeouts alone is saved without a write to the API.
func TestAccSecurityGroup_timeouts(t *testing.T) {
	sameUpdatedAt := statecheck.CompareValue(compare.ValuesSame())
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_security_group", "/vpc/security-groups/"),
		Steps: []tfresource.TestStep{
			{
				Config:      sgWithTimeouts(`timeouts { create = "10 minutes" }`),
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Time Duration.*timeouts.*"10 minutes" must be a string containing`),
			},
			{
				Config: sgWithTimeouts(`timeouts { create = "2m" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(webGroup, tfjsonpath.New("timeouts").AtMapKey("create"), knownvalue.StringExact("2m")),
					statecheck.ExpectKnownValue(webGroup, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					sameUpdatedAt.AddStateValue(webGroup, tfjsonpath.New("updated_at")),
				},
			},
			{
				Config: sgWithTimeouts(`timeouts {
    create = "2m"
    update = "45s"
    delete = "30s"
  }`),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(webGroup, plancheck.ResourceActionUpdate),
						expectAttributeChanges(webGroup, []string{"timeouts"}, nil),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(webGroup, tfjsonpath.New("timeouts").AtMapKey("update"), knownvalue.StringExact("45s")),
					// Nothing was sent: the API's updated_at is the one of the create.
					sameUpdatedAt.AddStateValue(webGroup, tfjsonpath.New("updated_at")),
				},
			},
		},
	})
}

func plWithTimeouts(update string) string {
	return `
resource "secgroups_prefix_list" "office" {
  name     = "acc-timeouts"
  prefixes = [{ cidr = "192.0.2.0/24" }, { cidr = "2001:db8::/48" }]
  timeouts { update = "` + update + `" }
}`
}

func TestAccPrefixList_timeoutsOnlyChangeSendsNothing(t *testing.T) {
	const office = "secgroups_prefix_list.office"
	sameUpdatedAt := statecheck.CompareValue(compare.ValuesSame())
	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_prefix_list", "/vpc/prefix-lists/"),
		Steps: []tfresource.TestStep{
			{
				Config:            plWithTimeouts("1m"),
				ConfigStateChecks: []statecheck.StateCheck{sameUpdatedAt.AddStateValue(office, tfjsonpath.New("updated_at"))},
			},
			{
				Config: plWithTimeouts("3m"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectAttributeChanges(office, []string{"timeouts"}, nil)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(office, tfjsonpath.New("timeouts").AtMapKey("update"), knownvalue.StringExact("3m")),
					sameUpdatedAt.AddStateValue(office, tfjsonpath.New("updated_at")),
				},
			},
		},
	})
}
