export * from "./database";
export * as groupsStore from "./security-groups";
export * as prefixListsStore from "./prefix-lists";
export * as sitesStore from "./sites";
export * as revisionsStore from "./revisions";
export * as idempotencyStore from "./idempotency";
