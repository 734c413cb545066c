/**
 * The dynamic provider objects that Pulumi serializes into state (`__provider`).
 *
 * Pulumi serializes a dynamic provider by capturing everything its methods
 * reference; a captured local module would be copied wholesale (with axios,
 * the validator and their sockets), and native objects do not serialize at
 * all. So the methods here capture only two strings and `require()` the real
 * implementation (handlers.js) at call time: first by the absolute path the
 * program ran with, then, when that path is gone (state moved to another
 * checkout or machine), through the `secgroups/pulumi` package resolved from
 * the provider's working directory.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ResourceKind } from "./handlers";

type Handlers = typeof import("./handlers");

export function dynamicProvider(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  const handlersPath = require.resolve("./handlers");
  const load = (): Handlers => {
    try {
      return require(handlersPath);
    } catch (err) {
      if ((err as { code?: string }).code !== "MODULE_NOT_FOUND") throw err;
      // Resolved as from a file in the working directory, which also finds the package from inside its own checkout.
      const path = require("node:path");
      const fromCwd = require("node:module").createRequire(path.join(process.cwd(), "index.js"));
      try {
        return fromCwd(path.join(path.dirname(fromCwd.resolve("secgroups/pulumi")), "handlers"));
      } catch {
        throw new Error(
          `secgroups: cannot load the provider: ${handlersPath} is gone and secgroups/pulumi cannot be resolved from ${process.cwd()}; install secgroups in the Pulumi project (npm install)`,
        );
      }
    }
  };
  return {
    async configure(req) {
      load().configure(req.config);
    },
    async check(_olds, news) {
      return load().check(kind, news);
    },
    async diff(id, olds, news) {
      return load().diff(kind, olds, news, id);
    },
    async create(inputs) {
      return load().create(kind, inputs);
    },
    async read(id, props) {
      return load().read(kind, id, props ?? {});
    },
    async update(id, olds, news) {
      return load().update(kind, id, olds, news);
    },
    async delete(id, props) {
      await load().remove(kind, id, props);
    },
  };
}
