import { Backoff } from "./backoff";

describe("Backoff", () => {
  it("doubles from the initial delay up to the cap", () => {
    const top = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 1 });
    expect(Array.from({ length: 6 }, () => top.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("jitters between half and all of each step", () => {
    const low = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    expect(Array.from({ length: 5 }, () => low.next())).toEqual([50, 100, 200, 400, 500]);
    const random = new Backoff({ initialMs: 1000, maxMs: 30_000 });
    for (let i = 0; i < 50; i++) {
      const d = random.next();
      expect(d).toBeGreaterThanOrEqual(250);
      expect(d).toBeLessThanOrEqual(30_000);
    }
  });

  it("starts over after reset", () => {
    const b = new Backoff({ initialMs: 100, random: () => 1 });
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(100);
  });
});
