export * from "./spec";
export * from "./peer";
export * from "./port";
export * from "./group";
export * from "./patterns";
