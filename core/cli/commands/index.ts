/**
 * Every sub-command, in the order `secgroups --help` lists them. A command's
 * module is loaded only when it runs (or prints its --help), so each command
 * loads only what it needs: `secgroups agent` does not load the API server
 * (Fastify, PGlite, pg). test/integration/cli.test.ts checks that it stays so.
 */
import type { Command } from "../command";

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

export const commands: readonly CommandEntry[] = [
  {
    name: "serve",
    summary: "Serve the API (PGlite in --data DIR, or PostgreSQL with --database-url)",
    load: () => import("./serve").then((m) => m.serve),
  },
  {
    name: "token",
    summary: "Print a JWT for an organization, signed with SECGROUPS_JWT_SECRET",
    load: () => import("./token").then((m) => m.token),
  },
  {
    name: "agent",
    summary: "Enforce a site's policy on this host (nftables or iptables), in this network namespace",
    load: () => import("./agent-command").then((m) => m.agent),
  },
  {
    name: "compile",
    summary: "Compile a policy file to nftables, iptables or RouterOS configuration",
    load: () => import("./compile").then((m) => m.compile),
  },
  {
    name: "review",
    summary: "Review a policy change: rule diff, effective change, lint (Markdown or JSON)",
    load: () => import("./review").then((m) => m.review),
  },
  {
    name: "export",
    summary: "Print stack code (--pulumi, --terraform, --cdktf) for the groups, prefix lists and sites of an organization",
    load: () => import("./export").then((m) => m.exportCommand),
  },
  {
    name: "import",
    summary: "Import rules that already run (nft, iptables-save, RouterOS, AWS, CF ASG, Genesis) as a policy document",
    load: () => import("./import").then((m) => m.importCommand),
  },
];
