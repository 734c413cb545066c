//go:build tools

// Package tools pins the Go programs that scripts/ensure-terraform.sh builds,
// so that `go mod tidy` keeps them (and their dependencies) in go.mod/go.sum.
package tools

import (
	_ "github.com/opentofu/opentofu/cmd/tofu"
)
