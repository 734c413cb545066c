/**
 * Stack code for a set of sites, prefix lists and security groups, in three
 * languages: a Pulumi TypeScript program (secgroups/pulumi), a Terraform
 * configuration (secgroups_* resources) and a CDKTF TypeScript program
 * (secgroups/cdktf). `secgroups export` writes what an organization has
 * (adopting each existing object: Pulumi `adopt`, Terraform `import` blocks,
 * CDKTF `importFrom`); `secgroups import` writes what a firewall held, as new
 * objects. References between objects (a rule's prefix list, a list's sites)
 * become references in the code, so the engine orders creation: groups come in
 * an order where each names only groups before it, since Terraform refuses a
 * cycle and a TypeScript variable is used after its declaration. A group's
 * rule naming the group itself is written `self` (the API stores the id).
 * Where groups refer to each other, no order exists: export names the later
 * (existing) group by its id; import refuses (StackCodeError).
 */
import { SELF, type FilterRule, type Site } from "../model";

export type StackFormat = "pulumi" | "terraform" | "cdktf";
export const STACK_FORMATS: readonly StackFormat[] = ["pulumi", "terraform", "cdktf"];

type RuleFields = Pick<
  FilterRule,
  "direction" | "order" | "protocol" | "port" | "address" | "description" | "action" | "icmp_type" | "icmp_code" | "log"
>;

export interface Inventory {
  sites: Pick<Site, "id" | "name" | "platform" | "mode" | "addresses">[];
  prefixLists: {
    id: string;
    name: string;
    description: string | null;
    prefixes: { cidr: string; description: string | null }[];
    sites: string[];
  }[];
  securityGroups: { id: string; name: string; description: string | null; rules: RuleFields[]; sites: string[] }[];
}

export interface StackOptions {
  /** The objects exist already: the code adopts them instead of creating copies. */
  adopt: boolean;
  /** The command that wrote the code, for its opening comment ("secgroups export --pulumi from URL"). */
  generatedBy: string;
}

/** Stack code cannot say what the inventory holds (groups that refer to each other, as new objects). */
export class StackCodeError extends Error {}

export function renderStack(format: StackFormat, inventory: Inventory, options: StackOptions): string {
  const names = nameResources(inventory, format === "terraform");
  const ordered = { ...inventory, securityGroups: referencesFirst(inventory.securityGroups) };
  if (format === "terraform") return renderTerraform(ordered, names, options);
  return renderTypeScript(format, ordered, names, options);
}

type Group = Inventory["securityGroups"][number];

const byOrder = (rules: readonly RuleFields[]) => [...rules].sort((a, b) => a.order - b.order);

/** The groups, each after the groups its rules name where that is possible (stable otherwise). */
function referencesFirst(groups: readonly Group[]): Group[] {
  const byId = new Map(groups.map((g) => [g.id, g]));
  const seen = new Set<string>();
  const out: Group[] = [];
  const visit = (g: Group) => {
    if (seen.has(g.id)) return;
    seen.add(g.id);
    for (const r of byOrder(g.rules)) {
      const named = byId.get(r.address);
      if (named) visit(named);
    }
    out.push(g);
  };
  groups.forEach(visit);
  return out;
}

/**
 * How a rule of `group` names the group `target` of a cycle, not declared yet:
 * by id when it exists (export); import cannot.
 */
function undeclaredGroup(format: StackFormat, group: Group, rule: RuleFields, target: string, options: StackOptions): string {
  if (options.adopt) return str(target);
  throw new StackCodeError(
    `security group ${str(group.name)}, rule ${rule.order}, names a group that refers back to it: --${format} code cannot create groups that refer to ` +
      `each other in one run. Run \`secgroups import --apply\` instead; \`secgroups export --${format}\` then writes code that adopts them.`,
  );
}

interface Names {
  /** Code name (variable or Terraform resource name) and logical name, by object id. */
  byId: Map<string, { variable: string; logical: string }>;
}

function nameResources(inventory: Inventory, terraform: boolean): Names {
  const byId = new Map<string, { variable: string; logical: string }>();
  // The TypeScript programs' own identifiers and keywords; a Terraform name only has to be unique.
  const taken = new Set<string>(
    terraform
      ? []
      : [
          "pulumi",
          "PrefixList",
          "SecurityGroup",
          "Site",
          "SecgroupsProvider",
          "SecgroupsStack",
          "App",
          "TerraformStack",
          "Construct",
        ].concat(["app", "stack", "secgroups", ...KEYWORDS]),
  );
  const logicalNames = new Set<string>();
  const add = (id: string, apiName: string, kind: [camel: string, snake: string]) => {
    const variable = terraform ? unique(snake(apiName) || kind[1], taken, "_") : unique(camel(apiName) || kind[0], taken);
    byId.set(id, { variable, logical: unique(apiName.trim() || kind[0], logicalNames, "-") });
  };
  for (const s of inventory.sites) add(s.id, s.name, ["site", "site"]);
  for (const l of inventory.prefixLists) add(l.id, l.name, ["prefixList", "prefix_list"]);
  for (const g of inventory.securityGroups) add(g.id, g.name, ["securityGroup", "security_group"]);
  return { byId };
}

const str = JSON.stringify;

/** Rule fields that differ from the defaults, so the code reads like hand-written code. */
function ruleEntries(rule: RuleFields, address: string, camelCase: boolean, quote: (text: string) => string): [string, string][] {
  const fields: [string, string][] = [
    ["direction", str(rule.direction)],
    ["order", String(rule.order)],
    ["protocol", String(rule.protocol)],
    ["port", str(rule.port)],
    ["address", address],
    ["description", quote(rule.description)],
  ];
  if (rule.action !== "accept") fields.push(["action", str(rule.action)]);
  if (rule.icmp_type !== null) fields.push([camelCase ? "icmpType" : "icmp_type", String(rule.icmp_type)]);
  if (rule.icmp_code !== null) fields.push([camelCase ? "icmpCode" : "icmp_code", String(rule.icmp_code)]);
  if (rule.log) fields.push(["log", "true"]);
  return fields;
}

function renderTypeScript(format: "pulumi" | "cdktf", inventory: Inventory, names: Names, options: StackOptions): string {
  const cdktf = format === "cdktf";
  const declared = new Set<string>();
  const ref = (id: string) => (declared.has(id) ? `${names.byId.get(id)!.variable}.id` : str(id));
  const list = (ids: string[]) => `[${ids.map(ref).join(", ")}]`;
  // CDKTF hands strings to Terraform as they are, where `${` and `%{` start templates.
  const text = (value: string) => (cdktf ? noTemplates(str(value)) : str(value));
  const pad = cdktf ? "    " : "";
  const out: string[] = [];
  const adoption = cdktf
    ? "Each resource is imported (`importFrom`): the first `cdktf deploy` adopts it instead of creating a copy."
    : "Each resource adopts the existing one (`adopt`): the first `pulumi up` updates it in\n * place instead of creating a copy. The option can stay; it is ignored once adopted.";
  out.push(
    "/**",
    ` * Generated by \`${options.generatedBy}\`:`,
    ` * ${inventory.sites.length} site(s), ${inventory.prefixLists.length} prefix list(s), ${inventory.securityGroups.length} security group(s).`,
    ...(options.adopt ? [" *", ` * ${adoption}`] : []),
    ...(options.adopt && !cdktf ? [" * An adopted site has no `token` output: its agent keeps the token it was installed with."] : []),
    " */",
  );
  const imports = out.length;
  if (cdktf) {
    out.push(
      "",
      "class SecgroupsStack extends TerraformStack {",
      "  constructor(scope: Construct, id: string) {",
      "    super(scope, id);",
      "    // endpoint and token come from SECGROUPS_ENDPOINT / SECGROUPS_TOKEN.",
      `    new SecgroupsProvider(this, "secgroups", {});`,
      "",
    );
  } else out.push("");

  const open = (id: string, cls: string) => {
    const { variable, logical } = names.byId.get(id)!;
    // A construct id is the resource's Terraform name (less what Terraform refuses): the variable's, which is unique and valid.
    out.push(
      cdktf ? `${pad}const ${variable} = new ${cls}(this, ${str(variable)}, {` : `export const ${variable} = new ${cls}(${str(logical)}, {`,
    );
  };
  const close = (id: string) => {
    if (options.adopt && !cdktf) out.push(`  adopt: ${str(id)},`);
    out.push(`${pad}});`);
    if (options.adopt && cdktf) out.push(`${pad}${names.byId.get(id)!.variable}.importFrom(${str(id)});`);
    declared.add(id);
    out.push("");
  };
  const field = (key: string, value: string) => out.push(`${pad}  ${key}: ${value},`);

  for (const site of inventory.sites) {
    open(site.id, "Site");
    field("name", text(site.name));
    field("platform", str(site.platform));
    field("mode", str(site.mode));
    if (site.addresses.length) field("addresses", `[${site.addresses.map((a) => str(a)).join(", ")}]`);
    close(site.id);
  }
  for (const pl of inventory.prefixLists) {
    open(pl.id, "PrefixList");
    field("name", text(pl.name));
    if (pl.description !== null) field("description", text(pl.description));
    out.push(`${pad}  prefixes: [`);
    for (const p of pl.prefixes)
      out.push(`${pad}    { cidr: ${str(p.cidr)}${p.description !== null ? `, description: ${text(p.description)}` : ""} },`);
    out.push(`${pad}  ],`);
    if (pl.sites.length || !cdktf) field("sites", list(pl.sites));
    close(pl.id);
  }
  const groupIds = new Set(inventory.securityGroups.map((g) => g.id));
  for (const group of inventory.securityGroups) {
    open(group.id, "SecurityGroup");
    field("name", text(group.name));
    if (group.description !== null) field("description", text(group.description));
    out.push(`${pad}  rules: [`);
    for (const rule of byOrder(group.rules)) {
      const address =
        rule.address === group.id
          ? str(SELF)
          : groupIds.has(rule.address) && !declared.has(rule.address)
            ? undeclaredGroup(format, group, rule, rule.address, options)
            : /^(prfx_lst_|sec_grp_)/.test(rule.address)
              ? ref(rule.address)
              : str(rule.address);
      const fields = ruleEntries(rule, address, cdktf, text);
      out.push(`${pad}    { ${fields.map(([k, v]) => `${k}: ${v}`).join(", ")} },`);
    }
    out.push(`${pad}  ],`);
    if (group.sites.length || !cdktf) field("sites", list(group.sites));
    close(group.id);
  }
  out.splice(
    imports,
    0,
    ...(cdktf
      ? [
          `import { App, TerraformStack } from "cdktf";`,
          `import type { Construct } from "constructs";`,
          `import { PrefixList, SecgroupsProvider, SecurityGroup, Site } from "secgroups/cdktf";`,
        ]
      : [`import { PrefixList, SecurityGroup, Site } from "secgroups/pulumi";`]),
  );
  if (cdktf) out.push("  }", "}", "", "const app = new App();", `new SecgroupsStack(app, "secgroups");`, "app.synth();", "");
  return out.join("\n");
}

function renderTerraform(inventory: Inventory, names: Names, options: StackOptions): string {
  const type = new Map<string, string>();
  for (const s of inventory.sites) type.set(s.id, "secgroups_site");
  for (const l of inventory.prefixLists) type.set(l.id, "secgroups_prefix_list");
  for (const g of inventory.securityGroups) type.set(g.id, "secgroups_security_group");
  const declared = new Set<string>();
  const address = (id: string) => `${type.get(id)}.${names.byId.get(id)!.variable}`;
  const ref = (id: string) => (type.has(id) ? `${address(id)}.id` : hcl(id));
  const list = (ids: string[]) => `[${ids.map(ref).join(", ")}]`;
  /** A list of one-line objects, one a line (`[]` when empty). */
  const objects = (items: string[]): string | string[] => (items.length ? ["[", ...items.map((i) => `  ${i},`), "]"] : "[]");
  const out: string[] = [
    `# Generated by \`${options.generatedBy}\`:`,
    `# ${inventory.sites.length} site(s), ${inventory.prefixLists.length} prefix list(s), ${inventory.securityGroups.length} security group(s).`,
    ...(options.adopt
      ? ["#", "# The import blocks adopt the existing objects: the first `terraform apply` imports them instead of creating copies."]
      : []),
    "",
    "terraform {",
    "  required_providers {",
    '    secgroups = { source = "registry.terraform.io/secgroups/secgroups" }',
    "  }",
    "}",
    "",
    "# endpoint and token come from SECGROUPS_ENDPOINT / SECGROUPS_TOKEN.",
    'provider "secgroups" {}',
    "",
  ];
  const block = (id: string, attributes: HclAttribute[]) => {
    if (options.adopt)
      out.push(
        "import {",
        ...hclBody([
          ["to", address(id)],
          ["id", hcl(id)],
        ]),
        "}",
        "",
      );
    out.push(`resource "${type.get(id)}" "${names.byId.get(id)!.variable}" {`, ...hclBody(attributes), "}", "");
    declared.add(id);
  };
  for (const s of inventory.sites)
    block(s.id, [
      ["name", hcl(s.name)],
      ["platform", hcl(s.platform)],
      ["mode", hcl(s.mode)],
      ...(s.addresses.length ? [["addresses", `[${s.addresses.map((a) => hcl(a)).join(", ")}]`] as HclAttribute] : []),
    ]);
  for (const pl of inventory.prefixLists) {
    block(pl.id, [
      ["name", hcl(pl.name)],
      ...(pl.description !== null ? [["description", hcl(pl.description)] as HclAttribute] : []),
      [
        "prefixes",
        objects(
          pl.prefixes.map((p) => `{ cidr = ${hcl(p.cidr)}${p.description !== null ? `, description = ${hcl(p.description)}` : ""} }`),
        ),
      ],
      ...(pl.sites.length ? [["sites", list(pl.sites)] as HclAttribute] : []),
    ]);
  }
  for (const g of inventory.securityGroups) {
    const rules = byOrder(g.rules).map((r) => {
      const peer =
        r.address === g.id
          ? hcl(SELF)
          : type.get(r.address) === "secgroups_security_group" && !declared.has(r.address)
            ? undeclaredGroup("terraform", g, r, r.address, options)
            : /^(prfx_lst_|sec_grp_)/.test(r.address)
              ? ref(r.address)
              : hcl(r.address);
      return `{ ${ruleEntries(r, peer, false, hcl)
        .map(([k, v]) => `${k} = ${v}`)
        .join(", ")} }`;
    });
    block(g.id, [
      ["name", hcl(g.name)],
      ...(g.description !== null ? [["description", hcl(g.description)] as HclAttribute] : []),
      ...(g.sites.length ? [["sites", list(g.sites)] as HclAttribute] : []),
      ["rules", objects(rules)],
    ]);
  }
  return out.join("\n");
}

/** An attribute: a one-line value, or the lines of a multi-line one. */
type HclAttribute = [key: string, value: string | string[]];

/** Attribute lines as `terraform fmt` writes them: the `=` of consecutive one-line attributes aligned. */
function hclBody(attributes: HclAttribute[], indent = "  "): string[] {
  const out: string[] = [];
  let run: [string, string][] = [];
  const flush = () => {
    const width = Math.max(0, ...run.map(([key]) => key.length));
    for (const [key, value] of run) out.push(`${indent}${key.padEnd(width)} = ${value}`);
    run = [];
  };
  for (const [key, value] of attributes) {
    if (typeof value === "string") {
      run.push([key, value]);
      continue;
    }
    flush();
    out.push(`${indent}${key} = ${value[0]}`, ...value.slice(1).map((line) => indent + line));
  }
  flush();
  return out;
}

/**
 * An HCL string literal. JSON's escapes are HCL's but for \b and \f (written
 * \uNNNN), and `${` and `%{` start templates in HCL: doubled, they are text.
 */
function hcl(text: string): string {
  return noTemplates(
    JSON.stringify(text).replace(/\\(u[0-9a-fA-F]{4}|.)/g, (escape, what: string) =>
      what === "b" ? "\\u0008" : what === "f" ? "\\u000c" : escape,
    ),
  );
}

/** Terraform's template sequences `${` and `%{` doubled, so they are text. */
const noTemplates = (literal: string) => literal.replace(/([$%])\{/g, "$1$1{");

/** A TypeScript identifier from a resource name: "web-1 servers" -> "web1Servers". */
function camel(text: string): string {
  const words = text
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9]+/g, " ")
    .trim()
    .split(" ")
    .filter(Boolean);
  const joined = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join("");
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

/** A Terraform resource name: "web-1 servers" -> "web_1_servers". */
function snake(text: string): string {
  const s = text
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toLowerCase();
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

function unique(base: string, taken: Set<string>, separator = ""): string {
  let candidate = base;
  for (let n = 2; taken.has(candidate); n++) candidate = `${base}${separator}${n}`;
  taken.add(candidate);
  return candidate;
}

const KEYWORDS =
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with let static yield await".split(
    " ",
  );
