/**
 * `secgroups import` and `secgroups export --terraform|--cdktf` as users run
 * them (bin/secgroups.js on dist/), against a real core: the report on stderr
 * and the exit status (0 all imported, 3 something left out, 2 bad input), stack
 * code in three languages, and `--apply` twice (the second run creates and
 * changes nothing).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ts from "typescript";
import { compilePolicy } from "../../core/platforms";
import { cli, ensureBuilt, ROOT, startServer, tempDir, userToken, type Proc } from "../support/secgroups";

jest.setTimeout(180_000);

const WEB01 = join(ROOT, "test", "fixtures", "import", "web-01.nft");

const transpiles = (code: string) =>
  ts.transpileModule(code, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.CommonJS } }).diagnostics ?? [];

let server: Proc;
let endpoint: string;
let token: string;

beforeAll(async () => {
  ensureBuilt();
  const port = 20000 + Math.floor(Math.random() * 20000);
  server = await startServer({ host: "127.0.0.1", port, data: tempDir("sg-import-cli-") });
  endpoint = `http://127.0.0.1:${port}`;
  token = userToken("org_import");
});

afterAll(async () => {
  await server?.kill();
});

describe("secgroups import", () => {
  it("prints the document, reports each left-out rule on stderr and exits 3", async () => {
    const r = await cli(["import", "--from", "nft", WEB01]);
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(doc.prefix_lists.map((l: { name: string }) => l.name)).toEqual(["blocklist", "office_v6"]);
    expect(doc.security_groups.map((g: { name: string }) => g.name)).toEqual(["web-01 inbound", "web-01 outbound"]);
    expect(r.stderr.trim().split("\n")).toEqual([
      `${WEB01}:34: not imported: a rate limit cannot be expressed: icmp type echo-request limit rate 5/second accept`,
      `${WEB01}:35: not imported: an interface match cannot be expressed: iifname "wg0" accept`,
      `${WEB01}:46: not imported: a packet mark cannot be expressed: meta mark 0x1 drop`,
      `${WEB01}:53: not imported: NAT cannot be expressed: tcp dport 8080 dnat to 10.0.0.5:80`,
      `${WEB01}:58: not imported: NAT cannot be expressed: oifname "eth0" masquerade`,
      "secgroups import: 5 input rule(s) not imported as written (listed above)",
    ]);
  });

  it("exits 0 when everything is imported (stdin), 2 for input of another format or usage errors", async () => {
    const compiled = compilePolicy(
      JSON.parse(readFileSync(join(ROOT, "core", "platforms", "testdata", "policy6.json"), "utf8")),
      "nftables",
    );
    const clean = await cli(["import", "--from", "nft", "-"], { input: compiled });
    expect({ code: clean.code, stderr: clean.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(clean.stdout).security_groups[0].name).toBe("imported inbound");

    const wrong = await cli(["import", "--from", "aws", WEB01]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/not JSON/);
    expect((await cli(["import", "--from", "pf", WEB01])).code).toBe(2);
    expect((await cli(["import", "--from", "nft"])).code).toBe(2);
    expect((await cli(["import", "--from", "nft", "--pulumi", "--terraform", WEB01])).code).toBe(2);
  });

  it("prints Pulumi, Terraform and CDKTF code that creates the imported objects", async () => {
    const pulumi = await cli(["import", "--from", "nft", WEB01, "--pulumi"]);
    expect(pulumi.code).toBe(3);
    expect(pulumi.stdout).toContain(`export const blocklist = new PrefixList("blocklist", {`);
    expect(pulumi.stdout).toMatch(/address: blocklist\.id, description: "imported from line 28", action: "drop"/);
    expect(pulumi.stdout).not.toContain("adopt:");
    expect(transpiles(pulumi.stdout)).toEqual([]);

    const cdktf = await cli(["import", "--from", "nft", WEB01, "--cdktf"]);
    expect(cdktf.stdout).toContain(`const web01Inbound = new SecurityGroup(this, "web01Inbound", {`);
    expect(cdktf.stdout).not.toContain("importFrom");
    expect(transpiles(cdktf.stdout)).toEqual([]);

    const terraform = await cli(["import", "--from", "nft", WEB01, "--terraform"]);
    expect(terraform.stdout).toContain(`resource "secgroups_prefix_list" "blocklist" {`);
    expect(terraform.stdout).toMatch(
      /address = secgroups_prefix_list\.blocklist\.id, description = "imported from line 28", action = "drop"/,
    );
    expect(terraform.stdout).not.toContain("import {");
  });

  it("--apply creates the objects; a second run creates and changes nothing", async () => {
    const auth = ["--endpoint", endpoint, "--token", token];
    const first = await cli(["import", "--from", "nft", WEB01, "--apply", ...auth]);
    expect(first.code).toBe(3); // applied, but the report still says what was left out
    expect(
      first.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(" ").slice(0, 3).join(" ")),
    ).toEqual(["created prefix list", "created prefix list", "created security group", "created security group"]);
    const second = await cli(["import", "--from", "nft", WEB01, "--apply", ...auth]);
    expect(
      second.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(" ")[0]),
    ).toEqual(["unchanged", "unchanged", "unchanged", "unchanged"]);
    // The ids are the ones the first run created.
    const ids = (out: string) =>
      out
        .trim()
        .split("\n")
        .map((l) => l.split(" ").pop());
    expect(ids(second.stdout)).toEqual(ids(first.stdout));

    const exported = await cli(["export", "--terraform", ...auth]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/import \{\n  to = secgroups_prefix_list\.blocklist\n  id = "prfx_lst_\w{27}"\n\}/);
    expect(exported.stdout).toMatch(/address = secgroups_prefix_list\.blocklist\.id/);
    const cdktf = await cli(["export", "--cdktf", ...auth]);
    expect(cdktf.stdout).toMatch(/blocklist\.importFrom\("prfx_lst_\w{27}"\);/);
    expect(transpiles(cdktf.stdout)).toEqual([]);
  });
});
