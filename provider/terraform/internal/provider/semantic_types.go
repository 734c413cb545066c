package provider

// Custom string types for the values the API normalizes: port expressions
// (whitespace removed, sorted, overlaps merged) and addresses (CIDRs; IPv6 in
// RFC 5952 form). Their semantic equality is the one definition of "the same
// value": the framework applies it to Read and Apply results, and keyedSet
// (keyed_set.go) applies it to plans, so import, refresh, plan and apply all
// agree with a configuration that writes "443, 80" where the API says "80,443".

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

type normalizedKind int

const (
	kindPorts   normalizedKind = iota // a rule's `port`
	kindAddress                       // a rule's `address`, a prefix's `cidr`
)

var normalizedTypeNames = map[normalizedKind]string{kindPorts: "PortsType", kindAddress: "AddressType"}

var (
	// PortsType is the type of a rule's `port`.
	PortsType = NormalizedStringType{kind: kindPorts}
	// AddressType is the type of a rule's `address` and a prefix's `cidr`.
	AddressType = NormalizedStringType{kind: kindAddress}
)

// NormalizedStringType is a string type whose values compare by meaning.
type NormalizedStringType struct {
	basetypes.StringType
	kind normalizedKind
}

var _ basetypes.StringTypable = NormalizedStringType{}

func (t NormalizedStringType) Equal(o attr.Type) bool {
	other, ok := o.(NormalizedStringType)
	return ok && other.kind == t.kind
}

func (t NormalizedStringType) String() string { return normalizedTypeNames[t.kind] }

func (t NormalizedStringType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return NormalizedString{StringValue: in, kind: t.kind}, nil
}

func (t NormalizedStringType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return NormalizedString{StringValue: s, kind: t.kind}, nil
}

func (t NormalizedStringType) ValueType(context.Context) attr.Value {
	return NormalizedString{kind: t.kind}
}

// NormalizedString is a value of a NormalizedStringType.
type NormalizedString struct {
	basetypes.StringValue
	kind normalizedKind
}

var _ basetypes.StringValuableWithSemanticEquals = NormalizedString{}

// PortsValue and AddressValue make known values of the two types.
func PortsValue(s string) NormalizedString {
	return NormalizedString{StringValue: basetypes.NewStringValue(s), kind: kindPorts}
}

func AddressValue(s string) NormalizedString {
	return NormalizedString{StringValue: basetypes.NewStringValue(s), kind: kindAddress}
}

func (v NormalizedString) Type(context.Context) attr.Type { return NormalizedStringType{kind: v.kind} }

func (v NormalizedString) Equal(o attr.Value) bool {
	other, ok := o.(NormalizedString)
	return ok && other.kind == v.kind && v.StringValue.Equal(other.StringValue)
}

// StringSemanticEquals reports whether both spell the same ports or the same network.
func (v NormalizedString) StringSemanticEquals(_ context.Context, o basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := o.(NormalizedString)
	if !ok || other.kind != v.kind {
		return false, nil
	}
	if v.kind == kindPorts {
		return PortsEquivalent(v.ValueString(), other.ValueString()), nil
	}
	return AddressesEquivalent(v.ValueString(), other.ValueString()), nil
}

// AddressesEquivalent reports whether two addresses are the same prefix list id
// or the same network however spelled (IPv6 case, zero compression, leading zeros).
func AddressesEquivalent(a, b string) bool {
	if a == b {
		return true
	}
	ca, errA := CanonicalCidr(a)
	cb, errB := CanonicalCidr(b)
	return errA == nil && errB == nil && ca == cb
}

// canonicalAddress is the text the API stores for a CIDR (RFC 5952 for IPv6), or the text itself.
func canonicalAddress(s string) string {
	if c, err := CanonicalCidr(s); err == nil {
		return c
	}
	return s
}
