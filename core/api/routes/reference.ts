import type { FastifyInstance } from "fastify";
import { PROTOCOLS, SERVICES } from "../../model";

/** Static reference data: protocols and well-known services. */
export async function referenceRoutes(app: FastifyInstance): Promise<void> {
  const security = [{ bearerAuth: [] }];
  app.get(
    "/vpc/reference/protocols",
    { schema: { tags: ["Reference Data"], summary: "List IP protocols", security } },
    async () => PROTOCOLS,
  );
  app.get(
    "/vpc/reference/services",
    { schema: { tags: ["Reference Data"], summary: "List well-known services", security } },
    async () => SERVICES,
  );
}
