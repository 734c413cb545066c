// Pinned build of the Pulumi CLI from Go modules (see scripts/ensure-pulumi.sh).
module secgroups/tools/pulumi

go 1.25.11

// Non-local replace directives copied from upstream pulumi/pulumi
// pkg/go.mod and sdk/go.mod at the pinned release (the local
// `github.com/pulumi/pulumi/sdk/v3 => ../sdk` one is dropped).
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

replace golang.org/x/text => golang.org/x/text v0.39.0

require (
	github.com/pulumi/pulumi/pkg/v3 v3.259.0
	github.com/pulumi/pulumi/sdk/v3 v3.259.0
)
