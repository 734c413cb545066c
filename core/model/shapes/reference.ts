/** Reference data: the protocols and well-known services listed under /vpc/reference. */
import { Type, type Static } from "@sinclair/typebox";
import { LIMITS } from "./limits";

export const ProtocolInfo = Type.Object(
  {
    number: Type.Integer({ minimum: LIMITS.protocol.min, maximum: LIMITS.protocol.max, description: "The IP protocol number." }),
    name: Type.String(),
    description: Type.String(),
    ports: Type.Boolean({ description: "Whether rules of this protocol take a `port` expression." }),
  },
  { $id: "ProtocolInfo" },
);
export type ProtocolInfo = Readonly<Static<typeof ProtocolInfo>>;

export const ServiceInfo = Type.Object(
  {
    name: Type.String(),
    protocol: Type.Integer({ minimum: LIMITS.protocol.min, maximum: LIMITS.protocol.max }),
    port: Type.String(),
    description: Type.String(),
    sensitive: Type.Boolean({ description: "Administrative or data services that should never be open to the world." }),
  },
  { $id: "ServiceInfo" },
);
export type ServiceInfo = Readonly<Static<typeof ServiceInfo>>;
