import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readReviewJson, renderJson, renderMarkdown, reviewSnapshots, sidesOf } from ".";

const FIXTURES = join(__dirname, "../../test/fixtures/review");
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function basePolicy(): Json {
  return JSON.parse(readFileSync(join(FIXTURES, "policies/base.json"), "utf8"));
}

function review(base: Json, head: Json) {
  return reviewSnapshots(readReviewJson(base, "base.json").after, readReviewJson(head, "head.json").after);
}

const web = (doc: Json) => doc.security_groups[0];
const rule = (doc: Json, order: number) => web(doc).rules.find((r: Json) => r.order === order);

describe("no effective change", () => {
  test("identical policies report no change at all", () => {
    const r = review(basePolicy(), basePolicy());
    expect(r.textChanged).toBe(false);
    expect(r.effectiveChange).toBe(false);
    expect(r.opened).toEqual([]);
    expect(r.closed).toEqual([]);
    expect(renderMarkdown(r)).toContain("**No change.**");
  });

  test("rules listed in another order, and disjoint rules renumbered, are no effective change", () => {
    const head = basePolicy();
    web(head).rules.reverse();
    rule(head, 10).order = 35; // web (80,443) and postgres (5432) match disjoint packets: order does not matter
    const r = review(basePolicy(), head);
    expect(r.textChanged).toBe(true);
    expect(r.effectiveChange).toBe(false);
    expect(r.groups[0].added.map((x) => x.order)).toEqual([35]);
    expect(r.groups[0].removed.map((x) => x.order)).toEqual([10]);
    expect(renderMarkdown(r)).toContain("**No effective change**");
  });

  test("a CIDR split into two rules, and a prefix split into halves, are no effective change", () => {
    const head = basePolicy();
    rule(head, 30).address = "10.0.0.0/9";
    web(head).rules.push({ ...rule(head, 30), order: 31, address: "10.128.0.0/9" });
    head.prefix_lists[0].prefixes = [{ cidr: "198.51.100.0/25" }, { cidr: "198.51.100.128/25" }];
    const r = review(basePolicy(), head);
    expect(r.textChanged).toBe(true);
    expect(r.prefixLists).toEqual([
      expect.objectContaining({ name: "office", cidrsAdded: ["198.51.100.0/25", "198.51.100.128/25"], cidrsRemoved: ["198.51.100.0/24"] }),
    ]);
    expect(r.effectiveChange).toBe(false);
    expect(renderMarkdown(r)).toContain("No effective change");
  });

  test("port lists written differently are not a change", () => {
    const head = basePolicy();
    rule(head, 10).port = "443, 80";
    expect(review(basePolicy(), head).textChanged).toBe(false);
  });
});

describe("semantic delta in words", () => {
  test("opening a port to the world names the port, the world and the sites", () => {
    const head = basePolicy();
    web(head).rules.push({ direction: "inbound", order: 40, protocol: 6, port: "2222", address: "0.0.0.0/0", description: "alt ssh" });
    const r = review(basePolicy(), head);
    const md = renderMarkdown(r);
    expect(md).toContain('- newly allowed: tcp/2222 from 0.0.0.0/0 (all IPv4) to sites web-1, web-2 — by "web" rule 40 (alt ssh)');
    expect(r.closed).toEqual([]);
  });

  test("opening SSH to the world is newly allowed where it was not, and a high lint finding on those sites", () => {
    const head = basePolicy();
    rule(head, 20).address = "0.0.0.0/0";
    const r = review(basePolicy(), head);
    const md = renderMarkdown(r);
    // The office could already connect: the rest of the world is what is new.
    expect(md).toContain("- newly allowed: tcp/22 from 0.0.0.0/0 except 198.51.100.0/24 to sites web-1, web-2");
    const finding = r.findings.find((f) => f.kind === "world-open-admin-port");
    expect(finding).toMatchObject({ severity: "high", sites: ["web-1", "web-2"], inBase: false });
    expect(finding!.message).toContain('"web" rule 20');
    expect(md).toMatch(/\| \*\*high\*\* \| Secure Shell \(tcp\/22\) is open to the world .*\| web-1, web-2 \| new \|/);
  });

  test("removing a rule is no longer allowed, on the sites of its group only", () => {
    const head = basePolicy();
    web(head).rules = web(head).rules.filter((x: Json) => x.order !== 30);
    const r = review(basePolicy(), head);
    expect(r.opened).toEqual([]);
    expect(renderMarkdown(r)).toContain("- no longer allowed: tcp/5432 from 10.0.0.0/8 to sites web-1, web-2");
    expect(r.groups[0].removed).toEqual([expect.objectContaining({ order: 30 })]);
  });

  test("attaching a group to another site opens its rules there", () => {
    const head = basePolicy();
    web(head).sites.push("site_2bV0QwM8YtqYbXkLqQm1aS7Yl3j");
    const r = review(basePolicy(), head);
    expect(r.groups[0].sitesAdded).toEqual(["db-1"]);
    expect(renderMarkdown(r)).toContain("- newly allowed: tcp/80,443 from 0.0.0.0/0 (all IPv4) to site db-1");
  });

  test("a changed rule shows before and after in the table", () => {
    const head = basePolicy();
    rule(head, 30).port = "5432-5433";
    const md = renderMarkdown(review(basePolicy(), head));
    expect(md).toContain("| changed | 30 | inbound | ~~tcp/5432~~ → tcp/5432-5433 | 10.0.0.0/8 | accept | postgres from the lan |");
    expect(md).toContain("- newly allowed: tcp/5433 from 10.0.0.0/8 to sites web-1, web-2");
  });

  test("JSON carries the same sentences and data", () => {
    const head = basePolicy();
    rule(head, 20).address = "0.0.0.0/0";
    const json = JSON.parse(renderJson(review(basePolicy(), head)));
    expect(json.effectiveChange).toBe(true);
    expect(json.newlyAllowed[0]).toMatchObject({
      text: "tcp/22 from 0.0.0.0/0 except 198.51.100.0/24 to sites web-1, web-2",
      direction: "inbound",
      sites: ["web-1", "web-2"],
    });
    expect(json.findings[0]).toMatchObject({ kind: "world-open-admin-port", severity: "high" });
  });
});

describe("engine inputs", () => {
  const load = (path: string) => readReviewJson(JSON.parse(readFileSync(join(FIXTURES, path), "utf8")), path);

  test("terraform plan: a new prefix list's unknown id is resolved through the configuration's references", () => {
    const input = load("terraform/update.plan.json");
    const { base, head } = sidesOf(input);
    const r = reviewSnapshots(base, head);
    const md = renderMarkdown(r);
    expect(md).toContain("- newly allowed: tcp/8080 from 203.0.113.0/24 to sites web-1, web-2");
    expect(md).toContain("- newly allowed: tcp/22 from 0.0.0.0/0 except 198.51.100.0/24 to sites web-1, web-2");
    expect(md).toContain("| added | 25 | inbound | tcp/8080 | prefix list partners (new) | accept | partners api |");
    expect(r.notes).toContain("web, rule 25: address is the id of new prefix list partners (its only new dependency)");
    expect(r.unevaluated).toEqual([]);
  });

  test("terraform plan: new sites' unknown ids are resolved to the sites the group references", () => {
    const { base, head } = sidesOf(load("terraform/create.plan.json"));
    expect(base.groups).toEqual([]);
    const md = renderMarkdown(reviewSnapshots(base, head));
    expect(md).toContain("- newly allowed: tcp/443 from 0.0.0.0/0 (all IPv4) to sites web-1 (new), web-2 (new)");
    expect(md).toContain("- newly allowed: tcp/22 from 198.51.100.0/24 to sites web-1 (new), web-2 (new)");
  });

  test("pulumi preview: one new prefix list among the rules' dependencies is the unknown address", () => {
    const { base, head } = sidesOf(load("pulumi/preview-head.json"));
    const r = reviewSnapshots(base, head);
    expect(renderMarkdown(r)).toContain("- newly allowed: tcp/8080 from 203.0.113.0/24 to site web-1");
    expect(r.unevaluated).toEqual([]);
  });

  test("pulumi preview: with two new prefix lists the addresses stay unknown until apply, and are said to be", () => {
    const { base, head } = sidesOf(load("pulumi/preview-head2.json"));
    const r = reviewSnapshots(base, head);
    expect(r.unevaluated).toEqual([
      { group: "web", order: 25, fields: ["address"], side: "head" },
      { group: "web", order: 26, fields: ["address"], side: "head" },
    ]);
    const md = renderMarkdown(r);
    expect(md).toContain("| added | 25 | inbound | tcp/8080 | (unknown until apply) | accept | partners |");
    expect(md).toContain("## Unknown until apply");
    expect(md).toContain("web, rule 25: address is (unknown until apply) (one of vendors, partners)");
    // The new site is known by its relation, and the rules that are known open there.
    expect(md).toContain("- newly allowed: tcp/443 from 0.0.0.0/0 (all IPv4) to site web-2 (new)");
    expect(md).not.toMatch(/tcp\/8080 from/);
  });

  test("cdktf synth: interpolations resolve to the resources they name", () => {
    const { loadReviewInput } = jest.requireActual("./inputs/load");
    const input = loadReviewInput(join(FIXTURES, "cdktf/cdktf.out"));
    expect(input.format).toBe("cdktf-synth");
    expect(input.before).toBeUndefined();
    expect(() => sidesOf(input)).toThrow(/holds one state/);
    const r = reviewSnapshots(readReviewJson({ security_groups: [] }, "empty.json").after, input.after);
    const md = renderMarkdown(r);
    expect(md).toContain("- newly allowed: tcp/22 from 198.51.100.0/24 to sites web-1 (new), web-2 (new)");
    expect(md).toContain("| added | 20 | inbound | tcp/22 | prefix list office (new) | accept | ssh from office |");
  });

  test("a file that is none of the formats is refused with the list of formats", () => {
    expect(() => readReviewJson({ hello: 1 }, "x.json")).toThrow(/x.json: not a format secgroups review reads; expected a policy file/);
  });
});

describe("incomplete inputs", () => {
  test("a preview without --show-sames is flagged: unchanged resources are not in it", () => {
    const json = JSON.parse(readFileSync(join(FIXTURES, "pulumi/preview-head.json"), "utf8"));
    // As `pulumi preview --json` prints it without --show-sames: the unchanged site is left out.
    json.steps = json.steps.filter((s: Json) => !s.urn.endsWith("Site::web-1"));
    json.changeSummary = { ...json.changeSummary, same: (json.changeSummary.same ?? 0) + 1 };
    const { base, head } = sidesOf(readReviewJson(json, "preview.json"));
    const md = renderMarkdown(reviewSnapshots(base, head));
    expect(md).toContain("preview.json leaves out 1 unchanged resource(s): produce it with `pulumi preview --json --show-sames`");
  });

  test("a rule on a prefix list the input does not define is left out of the comparison, and said to be", () => {
    const head = basePolicy();
    rule(head, 20).address = "prfx_lst_000000000000000000000000000";
    const r = review(basePolicy(), head);
    expect(r.unevaluated).toEqual([{ group: "web", order: 20, fields: ["address"], side: "head" }]);
    expect(r.notes).toContain(
      "web, rule 20: prefix list prfx_lst_000000000000000000000000000 is not defined in this input; its addresses are unknown here",
    );
  });
});

describe("secgroups review (command line)", () => {
  const { runReview } = jest.requireActual(
    "../../test/fixtures/review/run-review",
  ) as typeof import("../../test/fixtures/review/run-review");
  const policy = join(FIXTURES, "policies/base.json");
  beforeEach(() => jest.spyOn(console, "error").mockImplementation(() => {}));
  afterEach(() => jest.restoreAllMocks());

  test("usage errors exit 2", async () => {
    expect((await runReview([])).code).toBe(2);
    expect((await runReview([policy, policy, "--fail-on", "critical"])).code).toBe(2);
    expect((await runReview([policy, policy, "--format", "html"])).code).toBe(2);
  });

  test("one policy file is one state, not a change: exit 1 with the reason", async () => {
    expect((await runReview([policy])).code).toBe(1);
    expect(console.error).toHaveBeenCalledWith(expect.stringMatching(/holds one state \(policy\), not a change/));
  });

  test("--fail-on passes when no finding reaches the threshold", async () => {
    const result = await runReview([policy, policy, "--fail-on", "high"]);
    expect(result.code).toBe(0);
    expect(result.output).toContain("**No change.**");
  });
});

describe("IPv6 in the review", () => {
  test("regions and findings name the family: ::/0 is all IPv6, 0.0.0.0/0 all IPv4", () => {
    const head = basePolicy();
    web(head).rules.push(
      { direction: "inbound", order: 40, protocol: 6, port: "22", address: "::/0", description: "ssh over IPv6" },
      { direction: "inbound", order: 50, protocol: 6, port: "80,443", address: "2001:db8::/32", description: "web from v6 partners" },
      { direction: "inbound", order: 60, protocol: 58, port: "", icmp_type: 128, address: "::/0", description: "ping6" },
    );
    head.prefix_lists[0].prefixes.push({ cidr: "2001:db8:ff::/48", description: "HQ v6" });
    const r = review(basePolicy(), head);
    const md = renderMarkdown(r);
    expect(md).toContain(
      '- newly allowed: tcp/22 from 2001:db8:ff::/48 to sites web-1, web-2 — by "web" rule 20 (ssh from office, prefix list office)',
    );
    expect(md).toContain('- newly allowed: tcp/80,443 from 2001:db8::/32 to sites web-1, web-2 — by "web" rule 50 (web from v6 partners)');
    expect(md).toContain("- newly allowed: ipv6-icmp type 128 from ::/0 (all IPv6) to sites web-1, web-2");
    // Rule 40's /0 minus the office's /48 (rule 20 decides there first).
    expect(md).toContain('tcp/22 from ::/0 except 2001:db8:ff::/48 to sites web-1, web-2 — by "web" rule 40 (ssh over IPv6)');
    expect(md).not.toContain("IPv4");
    expect(r.opened.every((x) => x.family === 6)).toBe(true);
    const world = r.findings.filter((f) => f.kind === "world-open-admin-port");
    expect(world).toEqual([
      expect.objectContaining({ family: 6, message: expect.stringContaining("is open to the world over IPv6 (::/0)") }),
    ]);

    const json = JSON.parse(renderJson(r));
    expect(json.newlyAllowed.map((x: Json) => [x.family, x.addresses])).toEqual(
      expect.arrayContaining([
        [6, ["2001:db8::/32"]],
        [6, ["::/0"]],
      ]),
    );
    expect(json.findings.find((f: Json) => f.kind === "world-open-admin-port").family).toBe(6);
  });
});
