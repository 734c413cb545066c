/**
 * One declaration of each shape the API and the agent protocol exchange
 * (TypeBox, so JSON Schema): the TS types are their `Static`s, validate.ts
 * checks structure with them, core/api serves them as OpenAPI and serializes
 * responses with them, and the Go provider's limits are generated from them.
 */
export * from "./limits";
export * from "./rule";
export * from "./security-group";
export * from "./prefix-list";
export * from "./site";
export * from "./error";
export * from "./reference";
export * from "./agent-protocol";
export type { Result, ValidateOptions } from "./check";
