/**
 * The Terraform provider as users install it. Release artefacts the registry expects, built by
 * scripts/release-terraform-provider.sh (what provider/terraform/.goreleaser.yml describes): a
 * zip per OS/arch, SHA256SUMS, the registry manifest (protocol 6.0), checked here byte by byte and
 * then consumed by the real terraform CLI from a packed filesystem mirror. And the one command
 * for offline use without a checkout: the npm package's copy of scripts/build-terraform-provider.sh
 * building the provider from the Go sources the package ships.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT, tempDir } from "../support/secgroups";

// Cross builds of three targets: minutes on a cold Go cache.
jest.setTimeout(1_500_000);

const NAME = "terraform-provider-secgroups";
const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;
const TARGETS = ["linux_amd64", "linux_arm64", "darwin_arm64"];
const CACHE = process.env.SECGROUPS_CACHE ?? join(homedir(), ".cache", "secgroups");
// Go's own caches are shared; binaries and mirrors go to the test's directories.
const GO_ENV = { GOCACHE: join(CACHE, "go-build"), GOMODCACHE: join(CACHE, "go-mod") };

let dir: string;
let out: string;

function terraformBinary(): string {
  const bin = execFileSync(join(ROOT, "scripts/ensure-terraform.sh"), { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
    .trim()
    .split("\n")
    .pop()!;
  return ["terraform", "tofu"].map((n) => join(bin, n)).find(existsSync) ?? "terraform";
}

/** `terraform init` and `validate` of a configuration that uses the provider, with only `cliConfig` to find it. */
function terraformUses(cliConfig: string): string {
  const project = tempDir("sg-tf-use-");
  writeFileSync(
    join(project, "main.tf"),
    `terraform {\n  required_providers {\n    secgroups = { source = "secgroups/secgroups", version = "${VERSION}" }\n  }\n}\nprovider "secgroups" {\n  endpoint = "http://127.0.0.1:1"\n  token    = "unused"\n}\nresource "secgroups_prefix_list" "office" {\n  name     = "office"\n  prefixes = [{ cidr = "198.51.100.0/24", description = "HQ" }]\n}\n`,
  );
  const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_PLUGIN_CACHE_DIR: "" };
  const terraform = terraformBinary();
  const init = execFileSync(terraform, ["init", "-input=false", "-no-color"], { cwd: project, env, encoding: "utf8" });
  // validate starts the provider: the plugin protocol and the schema of the zipped binary.
  return init + execFileSync(terraform, ["validate", "-no-color"], { cwd: project, env, encoding: "utf8" });
}

beforeAll(() => {
  dir = tempDir("sg-tf-release-");
  out = execFileSync(
    "bash",
    [join(ROOT, "scripts/release-terraform-provider.sh"), "--targets", TARGETS.join(","), "--out", join(dir, "release")],
    {
      encoding: "utf8",
      env: { ...process.env, ...GO_ENV },
      stdio: ["ignore", "pipe", "inherit"],
    },
  )
    .trim()
    .split("\n")
    .pop()!;
}, 1_500_000);

describe("terraform provider release artefacts", () => {
  it("lists every zip and the manifest in SHA256SUMS with their real digests", () => {
    const sums = readFileSync(join(out, `${NAME}_${VERSION}_SHA256SUMS`), "utf8")
      .trim()
      .split("\n");
    const listed = new Map(sums.map((line) => line.split(/\s+/).reverse() as [string, string]));
    expect([...listed.keys()].sort()).toEqual(
      [...TARGETS.map((t) => `${NAME}_${VERSION}_${t}.zip`), `${NAME}_${VERSION}_manifest.json`].sort(),
    );
    for (const [file, digest] of listed)
      expect(
        createHash("sha256")
          .update(readFileSync(join(out, file)))
          .digest("hex"),
      ).toBe(digest);
  });

  it("declares plugin protocol 6.0 in the registry manifest", () => {
    expect(JSON.parse(readFileSync(join(out, `${NAME}_${VERSION}_manifest.json`), "utf8"))).toEqual({
      version: 1,
      metadata: { protocol_versions: ["6.0"] },
    });
  });

  it.each(TARGETS)("zips one %s binary named as the registry expects", (target) => {
    const zip = join(out, `${NAME}_${VERSION}_${target}.zip`);
    expect(execFileSync("unzip", ["-Z1", zip], { encoding: "utf8" }).trim()).toBe(`${NAME}_v${VERSION}`);
    const head = execFileSync("unzip", ["-p", zip], { maxBuffer: 256 * 1024 * 1024 }).subarray(0, 64);
    const [os, arch] = target.split("_");
    if (os === "linux") {
      expect(head.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
      expect(head.readUInt16LE(18)).toBe(arch === "amd64" ? 0x3e : 0xb7); // e_machine: x86-64 or AArch64
    } else {
      expect(head.readUInt32LE(0)).toBe(0xfeedfacf); // 64-bit Mach-O
      expect(head.readUInt32LE(4)).toBe(arch === "arm64" ? 0x0100000c : 0x01000007); // cputype
    }
  });

  it("is what .goreleaser.yml describes (names, targets, checksum file)", () => {
    const config = readFileSync(join(ROOT, "provider/terraform/.goreleaser.yml"), "utf8");
    expect(config).toMatch(/goos: \[linux, darwin, windows\]/);
    expect(config).toMatch(/goarch: \[amd64, arm64\]/);
    expect(config).toContain('binary: "{{ .ProjectName }}_v{{ .Version }}"');
    expect(config).toContain('name_template: "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}"');
    expect(config).toContain('name_template: "{{ .ProjectName }}_{{ .Version }}_SHA256SUMS"');
    expect(config).toContain('name_template: "{{ .ProjectName }}_{{ .Version }}_manifest.json"');
  });

  it("installs from a packed filesystem mirror: terraform init and validate use the linux_amd64 zip", () => {
    const mirror = join(dir, "packed-mirror");
    const host = join(mirror, "registry.terraform.io/secgroups/secgroups");
    mkdirSync(host, { recursive: true });
    copyFileSync(join(out, `${NAME}_${VERSION}_linux_amd64.zip`), join(host, `${NAME}_${VERSION}_linux_amd64.zip`));
    mkdirSync(join(mirror, "registry.opentofu.org/secgroups"), { recursive: true });
    execFileSync("cp", ["-r", host, join(mirror, "registry.opentofu.org/secgroups/")]);
    const cliConfig = join(dir, "packed.tfrc");
    writeFileSync(cliConfig, `provider_installation {\n  filesystem_mirror {\n    path = "${mirror}"\n  }\n}\n`);
    const output = terraformUses(cliConfig);
    expect(output).toMatch(new RegExp(`Installing secgroups/secgroups v${VERSION.replace(/\./g, "\\.")}`));
    expect(output).toMatch(/The configuration is valid/);
  });
});

describe("the provider from the npm package, without a checkout", () => {
  it("builds into a filesystem mirror with the packaged script and sources, and terraform uses it", () => {
    // Exactly the files `npm pack` would put in the package (no build: they are sources).
    const pack = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8" }),
    )[0] as { files: { path: string }[] };
    const installed = join(dir, "project", "node_modules", "secgroups");
    const shipped = pack.files
      .map((f) => f.path)
      .filter(
        (p) =>
          p.startsWith("provider/terraform/") ||
          p === "scripts/build-terraform-provider.sh" ||
          p === "scripts/go-env.sh" ||
          p === "package.json",
      );
    expect(shipped).toContain("provider/terraform/main.go");
    expect(shipped).toContain("scripts/go-env.sh");
    expect(shipped.filter((p) => p.endsWith("_test.go"))).toEqual([]);
    for (const file of shipped) {
      mkdirSync(dirname(join(installed, file)), { recursive: true });
      copyFileSync(join(ROOT, file), join(installed, file));
    }
    // The documented command, run from the install.
    const cliConfig = execFileSync("bash", ["node_modules/secgroups/scripts/build-terraform-provider.sh"], {
      cwd: join(dir, "project"),
      encoding: "utf8",
      env: { ...process.env, ...GO_ENV, SECGROUPS_CACHE: join(dir, "user-cache") },
      stdio: ["ignore", "pipe", "inherit"],
    })
      .trim()
      .split("\n")
      .pop()!;
    expect(cliConfig).toBe(join(dir, "user-cache", "terraform-cli.tfrc"));
    expect(terraformUses(cliConfig)).toMatch(/The configuration is valid/);
  });
});
