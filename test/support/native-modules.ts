/**
 * Loads two dependencies with Node's own loader instead of jest's, for tests
 * that build the API server in-process. Import this before anything that
 * imports core/api or core/store.
 *
 * - @electric-sql/pglite does `await import("fs")` (and zlib, node:module) at
 *   runtime; inside jest's sandbox a dynamic import needs
 *   --experimental-vm-modules, otherwise "A dynamic import callback was invoked
 *   without --experimental-vm-modules".
 * - content-disposition 3 (required by @fastify/static, under
 *   @fastify/swagger-ui) and cookie 2 (required by light-my-request, which
 *   serves app.inject) are ESM-only; Node 20.19+ can require() it, jest's
 *   CommonJS loader cannot ("SyntaxError: Unexpected token 'export'").
 *
 * Both are plain libraries without shared state with the code under test, so
 * running them outside the sandbox changes nothing we assert (PGlite's rows
 * carry Dates of the outer realm; core only calls methods on them). The clean
 * fix belongs in jest.config.js (transformIgnorePatterns / NODE_OPTIONS);
 * until then this keeps the tests runnable with a plain `npx jest`.
 */

// jest hands out its own `module` builtin whose createRequire is jest's
// require; process.getBuiltinModule (Node >= 20.16) reaches Node's.
// (Inside the factories because ts-jest hoists jest.mock above other statements.)
jest.mock("@electric-sql/pglite", () => nodeRequire()("@electric-sql/pglite"));
jest.mock("content-disposition", () => nodeRequire()("content-disposition"));
jest.mock("cookie", () => nodeRequire()("cookie"));

function nodeRequire(): NodeJS.Require {
  const mod = process.getBuiltinModule("node:module") as typeof import("node:module");
  return mod.createRequire(__filename);
}

export {};
