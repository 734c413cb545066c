import type { FastifyInstance } from "fastify";
import { PROTOCOLS, ProtocolInfo, SERVICES, ServiceInfo } from "../../model";
import { ref, responses } from "../schemas";

/** Static reference data: protocols and well-known services. */
export async function referenceRoutes(app: FastifyInstance): Promise<void> {
  const security = [{ bearerAuth: [] }];
  app.get(
    "/vpc/reference/protocols",
    {
      schema: {
        tags: ["Reference Data"],
        summary: "List IP protocols",
        security,
        response: responses({ 200: { type: "array", items: ref(ProtocolInfo), description: "The protocols rules can name." } }, [401]),
      },
    },
    async () => PROTOCOLS,
  );
  app.get(
    "/vpc/reference/services",
    {
      schema: {
        tags: ["Reference Data"],
        summary: "List well-known services",
        security,
        response: responses({ 200: { type: "array", items: ref(ServiceInfo), description: "Services and their ports." } }, [401]),
      },
    },
    async () => SERVICES,
  );
}
