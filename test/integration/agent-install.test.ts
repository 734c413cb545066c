/**
 * The agent as operators run it: the site token from a file or a systemd credential (never on
 * the command line), and an https control plane whose certificate a private CA signed
 * (`serve --tls-cert/--tls-key`, the CA made with openssl here), trusted with `--ca-file`.
 * The agent runs `--dry-run` on loopback: enforcing in a namespace is agent-deb.test.ts's job.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { createPrivateCa, type PrivateCa } from "../support/private-ca";
import { JWT_SECRET, Proc, ROOT, ensureBuilt, tempDir, userToken } from "../support/secgroups";

jest.setTimeout(120_000);

const BIN = join(ROOT, "bin", "secgroups.js");
let dir: string;
let ca: PrivateCa;
let core: Proc;
let endpoint: string;
let siteId: string;
let tokenFile: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function httpsJson(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, endpoint),
      {
        method,
        ca: readFileSync(ca.caCert),
        headers: { authorization: `Bearer ${userToken()}`, ...(payload ? { "content-type": "application/json" } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || "null") }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

function agent(args: string[], env: Record<string, string> = {}): Proc {
  const clean = { ...process.env };
  delete clean.SECGROUPS_SITE_TOKEN;
  delete clean.CREDENTIALS_DIRECTORY;
  return new Proc(
    spawn(process.execPath, [BIN, "agent", ...args], { env: { ...clean, ...env }, stdio: ["ignore", "pipe", "pipe"] }),
    "agent",
  );
}

const stateDir = () => tempDir("sg-agent-state-");
const once = (extra: string[]) => [
  "--endpoint",
  endpoint,
  "--once",
  "--dry-run",
  "--log-format",
  "text",
  "--state-dir",
  stateDir(),
  ...extra,
];

beforeAll(async () => {
  ensureBuilt();
  dir = tempDir("sg-agent-install-");
  ca = createPrivateCa(dir, ["127.0.0.1"]);
  core = new Proc(
    spawn(
      process.execPath,
      [
        BIN,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--data",
        join(dir, "data"),
        "--tls-cert",
        ca.serverCert,
        "--tls-key",
        ca.serverKey,
      ],
      {
        env: { ...process.env, SECGROUPS_JWT_SECRET: JWT_SECRET },
        stdio: ["ignore", "pipe", "pipe"],
      },
    ),
    "serve",
  );
  await core.waitFor(/secgroups listening on https:\/\/127\.0\.0\.1:\d+/, 120_000);
  endpoint = /secgroups listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(core.text)![1];
  const site = await httpsJson("POST", "/vpc/sites", { name: "installed-1", platform: "nftables" });
  expect(site.status).toBe(201);
  siteId = site.body.id;
  tokenFile = join(dir, "site-token");
  writeFileSync(tokenFile, `${site.body.token}\n`, { mode: 0o600 });
});

afterAll(async () => {
  await core?.kill();
});

describe("secgroups agent against an https control plane with a private CA", () => {
  it("reads the token from --site-token-file and trusts --ca-file", async () => {
    const run = agent(once(["--site-token-file", tokenFile, "--ca-file", ca.caCert]));
    expect(await run.exited).toBe(0);
    expect(run.text).toMatch(/applied/);
    expect((await httpsJson("GET", `/vpc/sites/${siteId}`)).body.online).toBe(true);
  });

  it("reads the systemd credential $CREDENTIALS_DIRECTORY/site-token by default, and SECGROUPS_SITE_TOKEN_FILE", async () => {
    const credentials = join(dir, "credentials");
    mkdirSync(credentials, { recursive: true });
    writeFileSync(join(credentials, "site-token"), readFileSync(tokenFile), { mode: 0o400 });
    const viaCredential = agent(once(["--ca-file", ca.caCert]), { CREDENTIALS_DIRECTORY: credentials });
    expect(await viaCredential.exited).toBe(0);
    const viaEnv = agent(once(["--ca-file", ca.caCert]), { SECGROUPS_SITE_TOKEN_FILE: tokenFile });
    expect(await viaEnv.exited).toBe(0);
  });

  it("does not trust the private CA without --ca-file: it keeps retrying and says why", async () => {
    const run = agent([...once(["--site-token-file", tokenFile]), "--backoff-max", "200ms"]);
    try {
      await run.waitFor(/self-signed certificate in certificate chain|unable to (get local issuer|verify)/i, 30_000);
      expect(run.child.exitCode).toBeNull();
    } finally {
      await run.kill();
    }
  });

  it.each([
    [
      "--ca-file with an http endpoint",
      ["--endpoint", "http://127.0.0.1:1", "--site-token", "sgs_x", "--ca-file", "CA"],
      /--ca-file applies to an https endpoint, got http:\/\/127\.0\.0\.1:1/,
    ],
    [
      "a --ca-file without a certificate",
      ["--endpoint", "https://127.0.0.1:1", "--site-token", "sgs_x", "--ca-file", "TOKEN"],
      /--ca-file .* holds no PEM certificate/,
    ],
    [
      "a missing token file",
      ["--endpoint", "https://127.0.0.1:1", "--site-token-file", "/nonexistent/site-token"],
      /cannot read the site token file \/nonexistent\/site-token: ENOENT/,
    ],
    ["an empty token file", ["--endpoint", "https://127.0.0.1:1", "--site-token-file", "EMPTY"], /site token file .* must hold one token/],
    [
      "both token flags",
      ["--endpoint", "https://127.0.0.1:1", "--site-token", "sgs_x", "--site-token-file", "TOKEN"],
      /--site-token or --site-token-file, not both/,
    ],
    [
      "no token at all",
      ["--endpoint", "https://127.0.0.1:1"],
      /a site token is required: --site-token-file PATH, a systemd credential site-token/,
    ],
  ])("refuses %s with a usage error (exit 2)", async (_what, args, message) => {
    const empty = join(dir, "empty-token");
    writeFileSync(empty, "\n");
    const resolved = args.map((a) => (a === "CA" ? ca.caCert : a === "TOKEN" ? tokenFile : a === "EMPTY" ? empty : a));
    const run = agent([...resolved, "--state-dir", stateDir()]);
    expect(await run.exited).toBe(2);
    expect(run.text).toMatch(message);
  });
});
