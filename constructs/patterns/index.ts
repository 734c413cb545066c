export * from "./group";
export * from "./patterns";
