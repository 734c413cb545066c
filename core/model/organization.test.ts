import fc from "fast-check";
import { ORGANIZATION_MAX_LENGTH, organizationProblem } from "./organization";

describe("organizationProblem", () => {
  it("accepts identifiers an identity provider may send", () => {
    for (const org of ["acme", "org_2abcDEF", "Acme Inc.", "tenant:eu-1/team@acme", "東京", "café", "🚀", "x".repeat(128), "a b"]) {
      expect(organizationProblem(org)).toBeUndefined();
    }
  });

  it("whatever it accepts is NFC, well-formed, 1-128 characters, without control characters, and fits in PostgreSQL text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.string({ unit: "grapheme", maxLength: 140 })), (org) => {
        if (organizationProblem(org) !== undefined) return;
        const chars = [...org];
        expect(chars.length).toBeGreaterThanOrEqual(1);
        expect(chars.length).toBeLessThanOrEqual(ORGANIZATION_MAX_LENGTH);
        expect(org.normalize("NFC")).toBe(org);
        expect(org.isWellFormed()).toBe(true);
        expect(/[\u0000-\u001f\u007f-\u009f]/.test(org)).toBe(false);
        expect(org).toBe(org.trim());
      }),
      { numRuns: 3000 },
    );
  });

  it("counts characters, not UTF-16 units", () => {
    expect(organizationProblem("🚀".repeat(128))).toBeUndefined();
    expect(organizationProblem("🚀".repeat(129))).toMatch(/at most 128 characters, got 129/);
  });
});
