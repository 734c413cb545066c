import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpAgentApi } from "./client";

/** A loopback control plane that answers every config poll with `body`. */
async function serving(body: unknown): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json", etag: '"r1"' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const CONFIG = {
  site_id: "site_0ujsswThIGTUYm2K8FjOOfxcYpw",
  revision: 3,
  digest: "a".repeat(64),
  managed: true,
  platform: "nftables",
  mode: "host",
  config: "table inet secgroups {}",
};

describe("HttpAgentApi checks config polls against the shared protocol declaration", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it("takes a well-formed configuration, ignoring fields it does not know", async () => {
    const up = await serving({ ...CONFIG, added_later: true });
    server = up.server;
    expect(await new HttpAgentApi(up.endpoint, "sgs_x").poll(undefined, 0)).toEqual({ changed: true, etag: '"r1"', body: CONFIG });
  });

  it("refuses a malformed one (a retryable error, not a rejection), naming the field", async () => {
    const up = await serving({ ...CONFIG, revision: "3", platform: "pf" });
    server = up.server;
    const poll = new HttpAgentApi(up.endpoint, "sgs_x").poll(undefined, 0);
    await expect(poll).rejects.toThrow(/malformed configuration: revision: must be an integer/);
    await expect(poll).rejects.not.toHaveProperty("status");
  });
});
