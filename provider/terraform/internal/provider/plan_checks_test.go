package provider

// Plan checks that say what a plan shows a reviewer: which attributes of a
// resource change, which are unknown until apply, and which elements of a set
// are removed and added.

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

func resourceChange(plan *tfjson.Plan, address string) (*tfjson.ResourceChange, error) {
	for _, rc := range plan.ResourceChanges {
		if rc.Address == address {
			return rc, nil
		}
	}
	return nil, fmt.Errorf("%s is not in the plan", address)
}

type attributesCheck struct {
	address          string
	changed, unknown []string
}

// expectAttributeChanges checks the exact sets of top-level attributes the
// plan changes (a known new value, or one unknown until apply) and of those
// it leaves unknown.
func expectAttributeChanges(address string, changed, unknown []string) plancheck.PlanCheck {
	return attributesCheck{address, changed, unknown}
}

func (c attributesCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	rc, err := resourceChange(req.Plan, c.address)
	if err != nil {
		resp.Error = err
		return
	}
	before, _ := rc.Change.Before.(map[string]any)
	after, _ := rc.Change.After.(map[string]any)
	afterUnknown, _ := rc.Change.AfterUnknown.(map[string]any)
	var changed, unknown []string
	for name := range union(before, after, afterUnknown) {
		isUnknown := afterUnknown[name] == true
		if isUnknown {
			unknown = append(unknown, name)
		}
		if isUnknown || !reflect.DeepEqual(before[name], after[name]) {
			changed = append(changed, name)
		}
	}
	sort.Strings(changed)
	sort.Strings(unknown)
	want := append([]string(nil), c.changed...)
	wantUnknown := append([]string(nil), c.unknown...)
	sort.Strings(want)
	sort.Strings(wantUnknown)
	if strings.Join(changed, ",") != strings.Join(want, ",") || strings.Join(unknown, ",") != strings.Join(wantUnknown, ",") {
		resp.Error = fmt.Errorf("%s: plan changes %v (unknown until apply: %v); want changes %v (unknown: %v)", c.address, changed, unknown, want, wantUnknown)
	}
}

func union(maps ...map[string]any) map[string]bool {
	out := map[string]bool{}
	for _, m := range maps {
		for k := range m {
			out[k] = true
		}
	}
	return out
}

// elementChange names a set element by its key and lists attribute values it must have.
type elementChange map[string]map[string]string

type setCheck struct {
	address, attribute, key string
	removed, added          elementChange
}

// expectSetChanges checks the elements of a set attribute that the plan
// removes and adds, by key (e.g. a rule's order), with attribute values
// each must have; every other element is unchanged.
func expectSetChanges(address, attribute, key string, removed, added elementChange) plancheck.PlanCheck {
	return setCheck{address, attribute, key, removed, added}
}

func (c setCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	rc, err := resourceChange(req.Plan, c.address)
	if err != nil {
		resp.Error = err
		return
	}
	before, _ := rc.Change.Before.(map[string]any)
	after, _ := rc.Change.After.(map[string]any)
	oldElements, _ := before[c.attribute].([]any)
	newElements, _ := after[c.attribute].([]any)
	var errs []string
	check := func(what string, elements []any, others []any, want elementChange) {
		got := map[string]bool{}
		for _, e := range elements {
			if containsDeep(others, e) {
				continue
			}
			obj, _ := e.(map[string]any)
			key := fmt.Sprint(obj[c.key])
			got[key] = true
			wantAttrs, ok := want[key]
			if !ok {
				errs = append(errs, fmt.Sprintf("%s %s[%s=%s] unexpectedly: %v", what, c.attribute, c.key, key, obj))
				continue
			}
			for name, value := range wantAttrs {
				if fmt.Sprint(obj[name]) != value {
					errs = append(errs, fmt.Sprintf("%s %s[%s=%s] has %s = %v, want %q", what, c.attribute, c.key, key, name, obj[name], value))
				}
			}
		}
		for key := range want {
			if !got[key] {
				errs = append(errs, fmt.Sprintf("plan does not show %s[%s=%s] %s", c.attribute, c.key, key, what))
			}
		}
	}
	check("removed", oldElements, newElements, c.removed)
	check("added", newElements, oldElements, c.added)
	if len(errs) > 0 {
		resp.Error = fmt.Errorf("%s: %s", c.address, strings.Join(errs, "; "))
	}
}

func containsDeep(list []any, v any) bool {
	for _, e := range list {
		if reflect.DeepEqual(e, v) {
			return true
		}
	}
	return false
}
