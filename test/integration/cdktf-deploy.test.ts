/**
 * A real `cdktf deploy` and `cdktf destroy` of examples/cdktf-web against a core
 * started here, with the secgroups provider installed from the local
 * filesystem mirror (scripts/build-terraform-provider.sh): no registry.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const EXAMPLE = path.join(ROOT, "examples/cdktf-web");
jest.setTimeout(15 * 60_000);

let core: ChildProcess | undefined;
let dataDir = "";
let endpoint = "";
let token = "";
let env: NodeJS.ProcessEnv = {};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

async function api<T>(p: string): Promise<T> {
  const get = () => fetch(endpoint + p, { headers: { authorization: `Bearer ${token}` } });
  // A kept-alive socket may have been closed by the server during a long cdktf run: retry once.
  const res = await get().catch(get);
  if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function apiWrite<T>(method: string, p: string, body: unknown): Promise<T> {
  const res = await fetch(endpoint + p, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function terraformBinary(): string {
  const ensure = path.join(ROOT, "scripts/ensure-terraform.sh");
  if (fs.existsSync(ensure)) {
    const dir = execFileSync(ensure, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
      .trim()
      .split("\n")
      .pop()!;
    for (const name of ["terraform", "tofu"]) if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return "terraform";
}

function cdktf(...args: string[]): string {
  try {
    return execFileSync(path.join(ROOT, "node_modules/.bin/cdktf"), args, {
      cwd: EXAMPLE,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`cdktf ${args.join(" ")} failed: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
  }
}

beforeAll(async () => {
  // The example imports "secgroups/cdktf" from dist/.
  try {
    execFileSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
      cwd: ROOT,
      stdio: "pipe",
    });
  } catch {
    // Type errors elsewhere in the tree still emit JavaScript; what we need is checked next.
  }
  for (const f of ["dist/constructs/cdktf/index.js", "dist/core/cli/main.js"]) {
    if (!fs.existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing; run npm run build`);
  }
  const cliConfig = execFileSync(path.join(ROOT, "scripts/build-terraform-provider.sh"), {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  })
    .trim()
    .split("\n")
    .pop()!;

  const secret = "cdktf-it-" + Math.random().toString(36).slice(2);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-cdktf-"));
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  core = spawn(process.execPath, ["bin/secgroups.js", "serve", "--host", "127.0.0.1", "--port", String(port), "--data", dataDir], {
    cwd: ROOT,
    env: { ...process.env, SECGROUPS_JWT_SECRET: secret },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let coreLog = "";
  core.stdout?.on("data", (d: Buffer) => (coreLog += d.toString()));
  core.stderr?.on("data", (d: Buffer) => (coreLog += d.toString()));
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      await fetch(endpoint + "/vpc/reference/protocols");
      break;
    } catch {
      if (Date.now() > deadline || core.exitCode !== null) throw new Error(`core did not start:\n${coreLog}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  token = execFileSync(process.execPath, ["bin/secgroups.js", "token", "--org", "cdktf-it"], {
    cwd: ROOT,
    env: { ...process.env, SECGROUPS_JWT_SECRET: secret },
    encoding: "utf8",
  }).trim();
  env = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    TERRAFORM_BINARY_NAME: terraformBinary(),
    SECGROUPS_ENDPOINT: endpoint,
    SECGROUPS_TOKEN: token,
    CHECKPOINT_DISABLE: "1",
    CDKTF_DISABLE_TELEMETRY: "true",
    DISABLE_VERSION_CHECK: "true",
    CI: "1",
    FORCE_COLOR: "0",
  };
  for (const d of ["cdktf.out", "out"]) fs.rmSync(path.join(EXAMPLE, d), { recursive: true, force: true });
  for (const f of fs.readdirSync(EXAMPLE)) if (f.includes(".tfstate")) fs.rmSync(path.join(EXAMPLE, f));
});

afterAll(() => {
  core?.kill("SIGTERM");
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  // The synthesized app, its compiled program and the state (git-ignored; out/ is not prettier-clean).
  for (const d of ["cdktf.out", "out"]) fs.rmSync(path.join(EXAMPLE, d), { recursive: true, force: true });
  for (const f of fs.readdirSync(EXAMPLE)) if (f.includes(".tfstate")) fs.rmSync(path.join(EXAMPLE, f));
});

interface Group {
  id: string;
  name: string;
  status: string;
  rules: { order: number; protocol: number; port: string; address: string; description: string }[];
}

it("cdktf deploy creates the example's groups and prefix list, using one looked up by name; cdktf destroy removes them", async () => {
  // A prefix list the stack does not manage: the example looks it up by name (MONITORING_PREFIX_LIST).
  const monitoring = await apiWrite<{ id: string }>("POST", "/vpc/prefix-lists", {
    name: "monitoring",
    prefixes: [{ cidr: "198.51.100.0/28" }],
  });
  env = { ...env, MONITORING_PREFIX_LIST: "monitoring" };
  cdktf("deploy", "--auto-approve", "--skip-provider-lock");

  const lists = await api<{ id: string; name: string; prefixes: { cidr: string }[] }[]>("/vpc/prefix-lists");
  const office = lists.find((l) => l.name === "office")!;
  expect(office.prefixes.map((p) => p.cidr)).toEqual(["203.0.113.0/24"]);
  expect(lists.map((l) => l.name).sort()).toEqual(["monitoring", "office"]);

  const groups = await api<Group[]>("/vpc/security-groups");
  const byName = Object.fromEntries(groups.map((g) => [g.name, g]));
  expect(Object.keys(byName).sort()).toEqual(["orders-db", "web"]);
  expect(byName.web.status).toBe("active");
  expect(byName.web.rules.map((r) => [r.order, r.protocol, r.port, r.address])).toEqual([
    [10, 6, "80", "0.0.0.0/0"],
    [20, 6, "443", "0.0.0.0/0"],
    [30, 6, "80", "::/0"],
    [40, 6, "443", "::/0"],
    [50, 6, "22", office.id],
    [60, 6, "8443", "0.0.0.0/0"],
    [70, 6, "8443", "::/0"],
    [80, 1, "", monitoring.id],
    [90, 58, "", monitoring.id],
    [100, 0, "", "0.0.0.0/0"],
    [110, 0, "", "::/0"],
  ]);
  expect(byName["orders-db"].rules.map((r) => [r.protocol, r.port, r.address])).toEqual([
    // From the members of the web group: the reference, not a subnet.
    [6, "5432", byName.web.id],
    [0, "", "0.0.0.0/0"],
    [0, "", "::/0"],
  ]);

  // A second deploy finds nothing to change.
  const again = cdktf("diff", "--skip-provider-lock");
  expect(again).toMatch(/No changes/);

  cdktf("destroy", "--auto-approve", "--skip-provider-lock");
  expect(await api<Group[]>("/vpc/security-groups")).toEqual([]);
  // The looked-up list is not the stack's: it stays.
  expect((await api<{ id: string }[]>("/vpc/prefix-lists")).map((l) => l.id)).toEqual([monitoring.id]);
});
