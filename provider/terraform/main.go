// Command terraform-provider-secgroups serves the secgroups Terraform provider.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/secgroups/terraform-provider-secgroups/internal/provider"
)

// Set with -ldflags "-X main.version=..." by scripts/build-terraform-provider.sh.
var version = "0.1.0"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run with support for debuggers like delve")
	flag.Parse()
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/secgroups/secgroups",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
