package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// timeoutsBlock is the `timeouts` block of the resources that wait for their
// sites (security groups, prefix lists), in the shape of
// terraform-plugin-framework-timeouts; each bound defaults to the provider's
// `sync_timeout`.
func timeoutsBlock(ctx context.Context, noun string) schema.Block {
	const duration = "as a duration such as `\"90s\"` or `\"10m\"` (units `s`, `m`, `h`). Defaults to the provider's `sync_timeout` (`5m` unless set)."
	return timeouts.Block(ctx, timeouts.Opts{
		Create: true, Update: true, Delete: true,
		CreateDescription: "How long creating the " + noun + " may take, retries included, until every attached site enforces it (`status` `active`), " + duration,
		UpdateDescription: "How long updating the " + noun + " may take, retries included: waiting while it is locked by a previous change (HTTP 409 `resource_syncing`) " +
			"and until every attached site enforces it, " + duration,
		DeleteDescription: "How long deleting the " + noun + " may take, retries included, waiting while it is locked by a previous change, " + duration,
	})
}

// timeoutOf reads one bound of a resource's `timeouts` (the provider's sync
// timeout when unset).
type timeoutOf func(context.Context, time.Duration) (time.Duration, diag.Diagnostics)

// bounded is ctx limited to the resource's timeout for this operation: every
// request, retry and wait of the operation ends by then.
func bounded(ctx context.Context, c *Client, timeout timeoutOf, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	d, problems := timeout(ctx, c.syncTimeout())
	diags.Append(problems...)
	if d <= 0 {
		diags.AddError("Invalid timeouts", fmt.Sprintf("a timeout must be positive, got %s", d))
	}
	return context.WithTimeout(context.WithValue(ctx, operationTimeout{}, d), d)
}

// operationTimeout is the context key of the whole bound, for messages.
type operationTimeout struct{}
