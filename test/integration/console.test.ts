/**
 * The web console in a real browser (Debian's chromium through playwright-core) against a
 * real core (`secgroups serve`) and a real agent enforcing nftables, all in one network
 * namespace: every page renders the API's data, another organization's token sees none of
 * it, and an agent's report changes the open page without a reload.
 *
 * The agent's nft is a wrapper that refuses a ruleset holding the marker address, as the
 * kernel would refuse a bad one (as in agent-e2e.test.ts), to make a group fail on demand.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { Netns, uniqueSuffix } from "../support/netns";
import { Api, Proc, ensureBuilt, eventually, startAgent, startRelay, startServer, tempDir, userToken } from "../support/secgroups";
import { ensureConsoleBuilt, launchBrowser } from "../support/browser";

jest.setTimeout(120_000);

// Browser globals, as the callbacks given to page.evaluate see them (this project has no DOM lib).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const window: any, document: any, location: any, sessionStorage: any, localStorage: any;

const HOST = "127.0.0.1";
const PORT = 8787;
const BASE = `http://${HOST}:${PORT}`;
const MARKER = "192.0.2.66";

const suffix = uniqueSuffix();
let ns: Netns;
let core: Proc | undefined;
let relay: Proc | undefined;
let agent: Proc | undefined;
let browser: Browser;
let api: Api;
let apiB: Api;
let tokenA: string;
let tokenB: string;
const ids: Record<string, string> = {};
let webToken: string;
let nftWrapper: string;
/** Errors the page reported (CSP violations, exceptions), per test. */
let pageProblems: string[] = [];

const rule = (order: number, port: string, address: string, description: string, direction = "inbound") => ({
  direction,
  order,
  protocol: 6,
  port,
  address,
  description,
});
const webRules = () => [rule(10, "80", "0.0.0.0/0", "http from anywhere"), rule(20, "22", ids.office, "ssh from the office")];

beforeAll(async () => {
  ensureBuilt();
  ensureConsoleBuilt();
  ns = Netns.create(`sg-con-${suffix}`);
  nftWrapper = join(tempDir("sg-con-bin-"), "nft");
  writeFileSync(
    nftWrapper,
    `#!/bin/sh
if [ "$1" = "-f" ] && [ "$2" != "-" ] && grep -q '${MARKER}' "$2"; then
  echo "$2:12:3-40: Error: Could not process rule: No space left on device (simulated)" >&2
  exit 1
fi
exec nft "$@"
`,
  );
  chmodSync(nftWrapper, 0o755);
  core = await startServer({ ns, host: HOST, port: PORT, data: join(tempDir("sg-con-data-"), "data"), syncTimeout: "30s" });
  const r = await startRelay(ns, HOST, PORT);
  relay = r.proc;
  tokenA = userToken("org_console_a");
  tokenB = userToken("org_console_b");
  api = new Api(BASE, tokenA, r.socketPath);
  apiB = new Api(BASE, tokenB, r.socketPath);

  ids.office = (
    await api.ok("POST", "/vpc/prefix-lists", { name: "office", prefixes: [{ cidr: "203.0.113.0/24", description: "HQ" }] })
  ).id;
  const web = await api.ok("POST", "/vpc/sites", { name: "web-1", platform: "nftables" });
  ids.web = web.id;
  webToken = web.token;
  ids.db = (await api.ok("POST", "/vpc/sites", { name: "db-1", platform: "nftables" })).id;
  ids.webGroup = (await api.ok("POST", "/vpc/security-groups", { name: "web", rules: webRules(), sites: [ids.web] })).id;
  ids.baseGroup = (
    await api.ok("POST", "/vpc/security-groups", {
      name: "base",
      rules: [rule(5, "53", "10.0.0.0/8", "dns out", "outbound")],
      sites: [ids.web, ids.db],
    })
  ).id;
  ids.dbGroup = (
    await api.ok("POST", "/vpc/security-groups", { name: "database", rules: [rule(30, "5432", "10.0.0.0/8", "postgres")], sites: [ids.db] })
  ).id;

  ids.other = (await apiB.ok("POST", "/vpc/sites", { name: "other-org-site", platform: "iptables" })).id;
  await apiB.ok("POST", "/vpc/security-groups", { name: "other-org-group", rules: [rule(1, "443", "0.0.0.0/0", "b")], sites: [ids.other] });

  browser = await launchBrowser(ns);
}, 240_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  for (const p of [agent, core, relay]) await p?.kill("SIGKILL").catch(() => undefined);
  ns?.delete();
});

function runAgent(): Proc {
  return startAgent(ns, [
    "--endpoint",
    BASE,
    "--site-token",
    webToken,
    "--state-dir",
    tempDir("sg-con-agent-"),
    "--poll-wait",
    "5",
    "--heartbeat",
    "1s",
    "--drift-check",
    "1s",
    "--backoff-max",
    "2s",
    "--nft-bin",
    nftWrapper,
  ]);
}

/** A signed-in page (fresh context: its own sessionStorage) at 1280 px wide. */
async function signedIn(token: string, width = 1280): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") pageProblems.push(m.text());
  });
  page.on("pageerror", (e) => pageProblems.push(e.message));
  await page.goto(`${BASE}/console`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  return { context, page };
}

async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => (location.hash = h), hash);
}

beforeEach(() => {
  pageProblems = [];
});
afterEach(() => {
  // No CSP violation, no exception, no failed request on any page.
  expect(pageProblems).toEqual([]);
});

test("the page is served with a strict Content-Security-Policy and other security headers", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(`${BASE}/console`);
  const headers = response!.headers();
  expect(headers["content-security-policy"]).toContain("default-src 'self'");
  expect(headers["content-security-policy"]).toContain("script-src 'self'");
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["content-security-policy"]).not.toMatch(/unsafe-inline|unsafe-eval/);
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("no-referrer");
  expect(headers["x-frame-options"]).toBe("DENY");
  // The policy is in force: an inline script does not run.
  const ran = await page.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "window.__inline = true";
    document.body.append(s);
    return window.__inline === true;
  });
  expect(ran).toBe(false);
  pageProblems = []; // the refusal above is reported as a CSP error, on purpose
  await context.close();
});

test("sign-in by keyboard keeps the token in this tab only; a wrong token is refused with the API's reason", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE}/console`);
  const field = page.getByLabel("API token");
  expect(await field.getAttribute("type")).toBe("password");
  // The field has the focus: type and press Enter.
  await page.keyboard.type("not-a-jwt");
  await page.keyboard.press("Enter");
  await expectText(page.getByRole("alert"), /refused this token/);
  pageProblems = []; // the 401 of the refused token is logged by the browser
  await field.fill(tokenA);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  const stored = await page.evaluate(() => ({
    session: Object.values(sessionStorage),
    local: localStorage.length,
    cookie: document.cookie,
    url: location.href,
  }));
  expect(stored.session).toEqual([tokenA]);
  expect(stored.local).toBe(0);
  expect(stored.cookie).toBe("");
  expect(stored.url).not.toContain(tokenA.slice(-20));
  expect((await context.cookies()).length).toBe(0);
  // Sign out forgets it.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("API token").waitFor();
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  await context.close();
});

test("the overview shows the API's counts, failing and syncing first", async () => {
  const { context, page } = await signedIn(tokenA);
  const counts = page.getByTestId("counts");
  await expectText(counts, /sites\s*2/);
  await expectText(counts, /groups\s*3/);
  await expectText(counts, /prefix lists\s*1/);
  // No agent has confirmed anything yet: every group is syncing, and listed.
  const attention = page.getByTestId("attention");
  for (const name of ["web", "base", "database"]) await expect(attention.getByRole("link", { name, exact: true }).count()).resolves.toBe(1);
  await expectText(page.getByTestId("troubled-sites"), /web-1/);
  await context.close();
});

test("an agent's report changes the open sites page live, without a reload", async () => {
  const { context, page } = await signedIn(tokenA);
  await go(page, "#/sites");
  const row = page.locator(`tr[data-site="${ids.web}"]`);
  await expectText(row.getByTestId("applied"), /^none$/);
  await page.evaluate(() => (window.__same = 42));
  agent = runAgent();
  const site = await eventually("web-1 applied", async () => {
    const s = await api.ok("GET", `/vpc/sites/${ids.web}`);
    return s.applied_revision === s.desired_revision ? s : undefined;
  });
  await expectText(row.getByTestId("applied"), new RegExp(`^${site.applied_revision}$`), 15_000);
  await expectText(row, /online/);
  expect(await page.evaluate(() => window.__same)).toBe(42);
  expect(await page.evaluate("performance.getEntriesByType('navigation').length")).toBe(1);
  await context.close();
});

test("the sites page shows each site's state, revisions and last error as the API does", async () => {
  const { context, page } = await signedIn(tokenA);
  await go(page, "#/sites");
  for (const id of [ids.web, ids.db]) {
    const s = await api.ok("GET", `/vpc/sites/${id}`);
    const row = page.locator(`tr[data-site="${id}"]`);
    await expectText(row, new RegExp(s.name));
    await expectText(row.getByTestId("applied"), new RegExp(`^${s.applied_revision ?? "none"}$`));
    await expectText(row, s.online ? /online/ : /offline/);
    // Effective addresses: declared when given, else what the agent reported.
    const shown = (s.addresses.length ? s.addresses : s.reported_addresses).join(", ") || "none";
    await expectText(row, new RegExp(shown.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  }
  await context.close();
});

test("a failing group shows live on its page with its sync errors, and first on the overview", async () => {
  const { context, page } = await signedIn(tokenA);
  await go(page, `#/groups/${ids.webGroup}`);
  await expectText(page.getByTestId("group-name"), /^web$/);
  await expectText(page.getByTestId("attached-sites"), /web-1/);
  const rows = page.getByRole("table").locator("tbody tr");
  await expectText(rows.nth(0), /http from anywhere/);
  await expectText(rows.nth(1), /ssh from the office/);
  await expectText(rows.nth(1), /office/);
  await api.ok("PUT", `/vpc/security-groups/${ids.webGroup}`, {
    name: "web",
    rules: [...webRules(), rule(30, "8082", `${MARKER}/32`, "refused by the wrapper")],
    sites: [ids.web],
  });
  await expectText(page.getByRole("heading", { level: 1 }), /failed/, 30_000);
  await expectText(page.getByRole("region", { name: "Sync errors" }), /simulated/);
  await expectText(rows.nth(2), /refused by the wrapper/);
  await go(page, "#/");
  const attention = page.getByTestId("attention").locator("li");
  await expectText(attention.nth(0), /failed\s*web/);
  await expectText(page.getByTestId("troubled-sites").locator("li").nth(0), /web-1.*simulated/);
  // Back to a good policy for the tests after this one.
  await api.ok("PUT", `/vpc/security-groups/${ids.webGroup}`, { name: "web", rules: webRules(), sites: [ids.web] });
  await eventually(
    "web active again",
    async () => (await api.ok("GET", `/vpc/security-groups/${ids.webGroup}`)).status === "active",
    30_000,
  );
  await context.close();
});

test("prefix lists: the list, its prefixes, the groups using it", async () => {
  const { context, page } = await signedIn(tokenA);
  await go(page, "#/prefix-lists");
  await page.getByRole("link", { name: "office" }).click();
  await expectText(page.getByTestId("list-name"), /^office$/);
  await expectText(page.getByRole("table"), /203\.0\.113\.0\/24\s*HQ/);
  await expectText(page.locator("ul", { has: page.getByRole("link", { name: "web" }) }), /web/);
  await go(page, "#/groups");
  const table = page.getByTestId("groups-table");
  for (const name of ["web", "base", "database"]) await expectText(table, new RegExp(name));
  await context.close();
});

test("a site's effective policy, compiled text per platform, and the diff of two revisions", async () => {
  const { context, page } = await signedIn(tokenA);
  await go(page, `#/sites/${ids.web}`);
  await expectText(page.getByTestId("site-name"), /^web-1$/);
  const policy = await api.ok("GET", `/vpc/sites/${ids.web}/policy`);
  const table = page.getByRole("table", { name: /Effective rules/ });
  const rows = table.locator("tbody tr");
  await expect(rows.count()).resolves.toBe(policy.rules.length);
  // Evaluation order across groups: base's 5, then web's 10 and 20.
  await expectText(rows.nth(0), /^5\s*base/);
  await expectText(rows.nth(1), /^10\s*web/);
  await expectText(rows.nth(2), /^20\s*web.*office/);
  await expectText(page.getByTestId("compiled"), /table inet secgroups/);
  await page.getByRole("tab", { name: "iptables" }).click();
  await expectText(page.getByTestId("compiled"), /\*filter/);
  await page.getByRole("tab", { name: "routeros" }).click();
  await expectText(page.getByTestId("compiled"), /\/ip firewall/);
  const revisions = await api.ok("GET", `/vpc/sites/${ids.web}/revisions`);
  expect(revisions.length).toBeGreaterThanOrEqual(3);
  await expect(page.getByTestId("revisions").locator("tbody tr").count()).resolves.toBe(revisions.length);
  // The failing change of the test before: base -> head opens tcp/8082 from the marker.
  const failing = revisions[1].revision;
  await page.getByLabel("from revision").selectOption(String(failing - 1));
  await page.getByLabel("to revision").selectOption(String(failing));
  await page.getByRole("button", { name: "Show the diff" }).click();
  const review = page.getByTestId("review");
  await expectText(review, /Newly allowed\s*tcp\/8082 from 192\.0\.2\.66/);
  await expectText(review, /added rule 30: refused by the wrapper/);
  await context.close();
});

test("a token of another organization sees none of it", async () => {
  const { context, page } = await signedIn(tokenB);
  await expectText(page.getByTestId("counts"), /sites\s*1/);
  await expectText(page.getByTestId("counts"), /groups\s*1/);
  await go(page, "#/sites");
  await expectText(page.getByTestId("sites-table"), /other-org-site/);
  expect(await page.getByTestId("sites-table").textContent()).not.toMatch(/web-1|db-1/);
  await go(page, "#/groups");
  expect(await page.getByTestId("groups-table").textContent()).not.toMatch(/\bweb\b|\bbase\b/);
  await go(page, `#/sites/${ids.web}`);
  await expectText(page.getByRole("alert"), /Not found/);
  await go(page, `#/groups/${ids.webGroup}`);
  await expectText(page.getByRole("alert"), /Not found/);
  pageProblems = pageProblems.filter((p) => !/404/.test(p)); // the two 404s above, logged by the browser
  await context.close();
});

test("at 390 px wide every page fits the width (tables scroll inside their region)", async () => {
  const { context, page } = await signedIn(tokenA, 390);
  for (const hash of [
    "#/",
    "#/sites",
    "#/groups",
    "#/prefix-lists",
    `#/sites/${ids.web}`,
    `#/groups/${ids.webGroup}`,
    `#/prefix-lists/${ids.office}`,
  ]) {
    await go(page, hash);
    await page.locator("main h1").waitFor();
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > 390) throw new Error(`${hash} is ${width} px wide at a 390 px viewport`);
  }
  await context.close();
});

async function expectText(locator: ReturnType<Page["locator"]>, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  let last = "";
  for (;;) {
    try {
      last = ((await locator.first().textContent({ timeout: 1000 })) ?? "").replace(/\s+/g, " ").trim();
      if (pattern.test(last)) return;
    } catch (err) {
      last = String(err);
    }
    if (Date.now() - start > timeoutMs) throw new Error(`expected ${pattern}, last saw: ${last.slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
