/**
 * The agent's .deb as an operator installs it (packaging/agent/README): built by
 * scripts/build-agent-deb.sh, installed with `dpkg --root DIR -i` into a temp root, configured
 * as documented (agent.env, site-token, a private CA), and run as its unit runs it against a
 * real `serve --tls` in another network namespace, until the group is enforced by nftables in
 * the site's.
 *
 * systemd is not PID 1 here, so `systemctl start` cannot run. The test does what systemd does
 * for this unit, read off the installed unit file: EnvironmentFile, LoadCredential (a private
 * credentials directory), StateDirectory, the capability set and NoNewPrivileges (setpriv:
 * bounding and ambient set CAP_NET_ADMIN only, noroot securebits), and the ExecStart line with
 * systemd's `${VAR}`/`$VAR` expansion. Absolute paths of the package (/usr/bin, /etc/secgroups,
 * /var/lib/secgroups) are mapped into the temp root; ProtectSystem= and the other sandboxing
 * directives are checked by `systemd-analyze security --offline`, not enforced.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Netns, connect, uniqueSuffix } from "../support/netns";
import { createPrivateCa, type PrivateCa } from "../support/private-ca";
import { JWT_SECRET, Proc, ROOT, ensureBuilt, eventually, tempDir, userToken } from "../support/secgroups";

jest.setTimeout(180_000);

const SERVER = "10.94.0.1";
const SITE = "10.94.0.2";
const ENDPOINT = `https://${SERVER}:8787`;
const UNIT = "lib/systemd/system/secgroups-agent.service";

let dir: string;
let root: string;
let deb: string;
let ca: PrivateCa;
/** The control plane's namespace (serve, and the API calls) and the site's (the agent, its nft table). */
let ns: Netns;
let site: Netns;
let core: Proc | undefined;
let agent: Proc | undefined;
let userJwt: string;

/** The API from inside the namespace (curl trusting the private CA). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function api(method: string, path: string, body?: unknown): any {
  const args = ["-sS", "--cacert", ca.caCert, "-X", method, "-H", `authorization: Bearer ${userJwt}`, "-w", "\n%{http_code}"];
  if (body !== undefined) args.push("-H", "content-type: application/json", "--data-binary", JSON.stringify(body));
  const out = ns.exec("curl", [...args, `${ENDPOINT}${path}`]);
  const status = Number(out.slice(out.lastIndexOf("\n") + 1));
  const text = out.slice(0, out.lastIndexOf("\n"));
  if (status < 200 || status >= 300) throw new Error(`${method} ${path}: HTTP ${status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** The [Service] section of a unit file: each directive's values, in order. */
function serviceDirectives(unit: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  let section = "";
  for (const line of unit.split("\n")) {
    const header = /^\[(\w+)\]$/.exec(line.trim());
    if (header) section = header[1];
    else if (section === "Service" && /^\w+=/.test(line)) {
      const at = line.indexOf("=");
      directives.set(line.slice(0, at), [...(directives.get(line.slice(0, at)) ?? []), line.slice(at + 1)]);
    }
  }
  return directives;
}

/** An EnvironmentFile: KEY=VALUE lines, comments and blank lines skipped. */
function environmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return env;
}

/** systemd's ExecStart expansion: `${VAR}` is one word, `$VAR` splits on whitespace. */
function expandExecStart(line: string, env: Record<string, string>): string[] {
  return line.split(/\s+/).flatMap((word) => {
    const whole = /^\$\{(\w+)\}$/.exec(word);
    if (whole) return [env[whole[1]] ?? ""];
    const split = /^\$(\w+)$/.exec(word);
    if (split) return (env[split[1]] ?? "").split(/\s+/).filter(Boolean);
    return [word.replace(/\$\{(\w+)\}/g, (_m, name: string) => env[name] ?? "")];
  });
}

/** The package's absolute paths, inside the temp root it was installed into. */
const inRoot = (path: string) => (/^\/(usr\/bin|etc\/secgroups|var\/lib\/secgroups)(\/|$)/.test(path) ? join(root, path) : path);

beforeAll(async () => {
  ensureBuilt();
  dir = tempDir("sg-agent-deb-");
  deb = execFileSync("bash", [join(ROOT, "scripts", "build-agent-deb.sh")], {
    encoding: "utf8",
    timeout: 570_000,
    stdio: ["ignore", "pipe", "inherit"],
  })
    .trim()
    .split("\n")
    .pop()!;
  root = join(dir, "root");
  mkdirSync(join(root, "var/lib/dpkg/info"), { recursive: true });
  mkdirSync(join(root, "var/lib/dpkg/updates"));
  writeFileSync(join(root, "var/lib/dpkg/status"), "");
  // The empty root has no nftables package (the host has nft); maintainer scripts run outside it.
  execFileSync("dpkg", ["--root", root, "--force-depends", "--force-script-chrootless", "--log", join(dir, "dpkg.log"), "-i", deb], {
    stdio: "pipe",
  });

  ca = createPrivateCa(dir, [SERVER]);
  const suffix = uniqueSuffix();
  ns = Netns.create(`sgdebcp${suffix}`);
  site = Netns.create(`sgdebsite${suffix}`);
  connect(ns, [`${SERVER}/24`], site, [`${SITE}/24`], `sgd${suffix}`);
  core = new Proc(
    ns.spawn(
      process.execPath,
      [
        join(ROOT, "bin", "secgroups.js"),
        "serve",
        "--host",
        SERVER,
        "--port",
        "8787",
        "--data",
        join(dir, "data"),
        "--tls-cert",
        ca.serverCert,
        "--tls-key",
        ca.serverKey,
        "--quiet",
      ],
      {
        env: { ...process.env, SECGROUPS_JWT_SECRET: JWT_SECRET },
        stdio: ["ignore", "pipe", "pipe"],
      },
    ),
    "serve",
  );
  await core.waitFor(/secgroups listening on/, 120_000);
  userJwt = userToken();
}, 700_000);

afterAll(async () => {
  await agent?.kill();
  await core?.kill();
  ns?.delete();
  site?.delete();
});

describe("the secgroups-agent .deb", () => {
  it("installs one executable, the unit, and the operator's config files", () => {
    const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
    expect(execFileSync(join(root, "usr/bin/secgroups-agent"), ["--version"], { encoding: "utf8" }).trim()).toBe(version);
    // A single executable: it needs no node on PATH and loads no file of this checkout.
    expect(
      execFileSync(join(root, "usr/bin/secgroups-agent"), ["--help"], { encoding: "utf8", env: { PATH: "/nonexistent" }, cwd: "/" }),
    ).toMatch(/--site-token-file PATH/);
    // The nftables read-back's kernel dump, where the agent looks for it (beside its executable).
    const elements = spawnSync(join(root, "usr/lib/secgroups-agent/secgroups-nft-elements"), [], { encoding: "utf8" });
    expect({ status: elements.status, stderr: elements.stderr }).toEqual({
      status: 2,
      stderr: expect.stringMatching(/^usage: secgroups-nft-elements/),
    });
    const status = execFileSync("dpkg", ["--root", root, "-s", "secgroups-agent"], { encoding: "utf8" });
    expect(status).toMatch(/^Status: install ok installed$/m);
    expect(status).toMatch(/^ \/etc\/secgroups\/agent\.env [0-9a-f]{32}$/m); // a conffile: upgrades keep the operator's edits
    expect(statSync(join(root, "etc/secgroups")).mode & 0o777).toBe(0o700);
  });

  it("has a hardened unit: only CAP_NET_ADMIN, a read-only system, state in /var/lib/secgroups, the token as a credential", () => {
    const unit = serviceDirectives(readFileSync(join(root, UNIT), "utf8"));
    expect(unit.get("CapabilityBoundingSet")).toEqual(["CAP_NET_ADMIN"]);
    expect(unit.get("AmbientCapabilities")).toEqual(["CAP_NET_ADMIN"]);
    expect(unit.get("NoNewPrivileges")).toEqual(["yes"]);
    expect(unit.get("ProtectSystem")).toEqual(["strict"]);
    expect(unit.get("StateDirectory")).toEqual(["secgroups"]);
    expect(unit.get("LoadCredential")).toEqual(["site-token:/etc/secgroups/site-token"]);
    expect(unit.get("ExecStart")![0]).not.toMatch(/token/);
    // systemd's own exposure score (0 safest, 10 unsafe); above 3.0 fails.
    const report = execFileSync(
      "systemd-analyze",
      ["security", "--offline=yes", `--root=${root}`, "--threshold=30", "secgroups-agent.service"],
      { encoding: "utf8", cwd: join(root, "lib/systemd/system") },
    );
    expect(report).toMatch(/Overall exposure level for secgroups-agent\.service: [0-2]\.\d/);
  });

  it("runs as its unit runs it and enforces the site's group with nftables", async () => {
    const created = api("POST", "/vpc/sites", { name: "deb-1", platform: "nftables" });
    const group = api("POST", "/vpc/security-groups", {
      name: "deb-web",
      description: "web from anywhere",
      rules: [
        { direction: "inbound", order: 10, protocol: 6, port: "8443", address: "0.0.0.0/0", description: "web" },
        { direction: "outbound", order: 100, protocol: 0, port: "", address: "0.0.0.0/0", description: "all outbound" },
      ],
      sites: [created.id],
    });

    // The operator's steps, as documented: endpoint and CA in agent.env, the token in site-token.
    copyFileSync(ca.caCert, join(root, "etc/secgroups/ca.pem"));
    writeFileSync(
      join(root, "etc/secgroups/agent.env"),
      `SECGROUPS_ENDPOINT=${ENDPOINT}\nSECGROUPS_AGENT_OPTIONS=--ca-file /etc/secgroups/ca.pem --log-format text\n`,
    );
    writeFileSync(join(root, "etc/secgroups/site-token"), `${created.token}\n`, { mode: 0o600 });

    // What systemd does for this unit.
    const unit = serviceDirectives(readFileSync(join(root, UNIT), "utf8"));
    const env = environmentFile(readFileSync(inRoot(unit.get("EnvironmentFile")![0]), "utf8"));
    const credentials = join(dir, "credentials");
    mkdirSync(credentials, { mode: 0o700 });
    for (const entry of unit.get("LoadCredential")!) {
      const [name, source] = entry.split(":");
      copyFileSync(inRoot(source), join(credentials, name));
      chmodSync(join(credentials, name), 0o400);
    }
    const stateDirectory = inRoot(`/var/lib/${unit.get("StateDirectory")![0]}`);
    mkdirSync(stateDirectory, { recursive: true, mode: 0o700 });
    const processEnv = {
      PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
      CREDENTIALS_DIRECTORY: credentials,
      STATE_DIRECTORY: "/var/lib/secgroups",
      ...env,
    };
    const argv = expandExecStart(unit.get("ExecStart")![0], processEnv).map(inRoot);
    const caps = unit.get("CapabilityBoundingSet")![0].toLowerCase().replace(/^cap_/, "");
    agent = new Proc(
      site.spawn(
        "setpriv",
        [
          `--bounding-set=-all,+${caps}`,
          `--inh-caps=-all,+${caps}`,
          `--ambient-caps=-all,+${caps}`,
          "--securebits=+noroot,+noroot_locked",
          "--no-new-privs",
          "--",
          ...argv,
        ],
        { env: { ...processEnv, STATE_DIRECTORY: stateDirectory }, stdio: ["ignore", "pipe", "pipe"] },
      ),
      "secgroups-agent",
    );

    await eventually("the group active", async () => api("GET", `/vpc/security-groups/${group.id}`).status === "active", 60_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}\nagent output:\n${agent?.text.slice(-4000)}`);
      },
    );
    const table = site.exec("nft", ["list", "table", "inet", "secgroups"]);
    expect(table).toMatch(/tcp dport 8443/);
    // The agent holds CAP_NET_ADMIN (bit 12) and nothing else; its command line holds no token.
    const pid = agent.child.pid!;
    expect(/^CapEff:\s+([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]).toBe(
      (1n << 12n).toString(16).padStart(16, "0"),
    );
    expect(readFileSync(`/proc/${pid}/cmdline`, "utf8")).not.toContain(created.token);
    // The state it re-applies after a restart is under StateDirectory=.
    expect(JSON.parse(readFileSync(join(stateDirectory, "applied.json"), "utf8"))).toMatchObject({ revision: expect.any(Number) });

    // Stopping the service leaves the policy in force; purging the package removes its state only.
    await agent.kill();
    expect(site.exec("nft", ["list", "table", "inet", "secgroups"])).toMatch(/tcp dport 8443/);
    execFileSync("dpkg", ["--root", root, "--force-script-chrootless", "--log", join(dir, "dpkg.log"), "--purge", "secgroups-agent"], {
      stdio: "pipe",
    });
    expect(() => statSync(stateDirectory)).toThrow(/ENOENT/);
    expect(() => statSync(join(root, "usr/bin/secgroups-agent"))).toThrow(/ENOENT/);
    expect(() => statSync(join(root, "usr/lib/secgroups-agent"))).toThrow(/ENOENT/);
    expect(site.exec("nft", ["list", "table", "inet", "secgroups"])).toMatch(/tcp dport 8443/);
  });
});
