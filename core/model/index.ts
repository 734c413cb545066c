export * from "./cidr";
export * from "./errors";
export * from "./ids";
export * from "./organization";
export * from "./ports";
export * from "./protocols";
export * from "./types";
export * from "./validate";
