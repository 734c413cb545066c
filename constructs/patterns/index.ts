export * from "./spec";
export * from "./group";
export * from "./patterns";
