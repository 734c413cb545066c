/** Address ranges in what lint and review print: overlaps name the range as written, regions read first-last. */
import { describeAddresses } from "../review/describe";
import { overlappingPrefixes } from "./prefix-overlaps";

describe("ranges in lint and review text", () => {
  it("finds entries overlapping a range in either family, naming the range as stored", () => {
    const findings = overlappingPrefixes({
      id: "prfx_lst_1",
      name: "office",
      prefixes: [{ cidr: "10.0.0.1-10.0.0.9" }, { cidr: "10.0.0.5/32" }, { cidr: "2001:db8::1-2001:db8::9" }, { cidr: "2001:db8::8/127" }],
    });
    expect(findings.map((f) => f.message)).toEqual([
      'prefix list "office": 10.0.0.5/32 overlaps 10.0.0.1-10.0.0.9',
      'prefix list "office": 2001:db8::8/127 overlaps 2001:db8::1-2001:db8::9',
    ]);
  });

  it("names a region that takes three CIDRs or more as a range, and short ones as their CIDRs", () => {
    expect(describeAddresses(["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/30", "10.0.0.8/31"])).toBe("10.0.0.1-10.0.0.9");
    expect(describeAddresses(["10.0.0.0/24", "10.0.1.0/25"])).toBe("10.0.0.0/24, 10.0.1.0/25");
    expect(describeAddresses(["2001:db8::1/128", "2001:db8::2/127", "2001:db8::4/126", "2001:db8::8/127"])).toBe("2001:db8::1-2001:db8::9");
  });
});
