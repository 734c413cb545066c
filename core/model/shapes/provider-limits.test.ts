import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LIMITS } from "./limits";
import { PROVIDER_LIMITS_FILE, renderProviderLimits } from "./provider-limits";

describe("the Go provider's limits file", () => {
  it("is what the generator renders from the shape declarations (else run scripts/generate-provider-limits.js)", () => {
    const file = readFileSync(join(__dirname, "../../..", PROVIDER_LIMITS_FILE), "utf8");
    expect(file).toBe(renderProviderLimits());
  });

  it("carries the declarations' limits and enums", () => {
    const go = renderProviderLimits();
    const constant = (name: string) => Number(new RegExp(`\\t${name} += (\\d+)\\n`).exec(go)?.[1]);
    expect(constant("GroupNameMin")).toBe(LIMITS.groupName.min);
    expect(constant("GroupDescriptionMax")).toBe(LIMITS.groupDescription);
    expect(constant("MaxRules")).toBe(LIMITS.rules);
    expect(constant("OrderMax")).toBe(LIMITS.order.max);
    expect(constant("RuleDescriptionMin")).toBe(LIMITS.ruleDescription.min);
    expect(constant("MaxPrefixes")).toBe(LIMITS.prefixes);
    expect(constant("PrefixDescriptionMax")).toBe(LIMITS.prefixDescription);
    expect(constant("SiteNameMax")).toBe(LIMITS.siteName.max);
    expect(go).toContain('\tPlatforms  = []string{"nftables", "iptables", "routeros"}\n');
    expect(go.startsWith("// Code generated ")).toBe(true);
    expect(go).toContain("DO NOT EDIT.");
  });
});
