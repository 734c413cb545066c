import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiError, ERROR_CODES, errorDocPath, isErrorCode, type ErrorCode } from "./errors";

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe("the error-code table", () => {
  it.each(codes)("%s has a status, a type that fits it, a title, an explanation and a fix", (code) => {
    const e = ERROR_CODES[code];
    expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
    expect(e.status).toBeGreaterThanOrEqual(400);
    expect(e.status).toBeLessThan(600);
    const expectedType =
      e.status >= 500
        ? "api_error"
        : e.status === 401
          ? "authentication_error"
          : e.status === 404
            ? "not_found_error"
            : e.status === 409 || e.status === 412
              ? "conflict_error"
              : "invalid_request_error";
    expect(e.type).toBe(expectedType);
    for (const text of [e.title, e.explanation, e.fix]) expect(text.trim().length).toBeGreaterThan(10);
  });

  it("ApiError takes status and type from the table and links the code's page under the given base", () => {
    const e = new ApiError("resource_syncing", "locked", undefined, { "Retry-After": "5" });
    expect([e.status, e.type]).toEqual([409, "conflict_error"]);
    expect(e.toResponse("https://sg.example.com")).toEqual({
      type: "conflict_error",
      code: "resource_syncing",
      message: "locked",
      doc_url: "https://sg.example.com/docs/errors/resource_syncing",
    });
    expect(errorDocPath("unauthorized")).toBe("/docs/errors/unauthorized");
    expect(isErrorCode("unauthorized")).toBe(true);
    expect(isErrorCode("toString")).toBe(false);
    expect(isErrorCode("__proto__")).toBe(false);
  });

  it("the README's Errors section lists exactly the table's codes, with their statuses", () => {
    const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("\n## Errors"), readme.indexOf("\n## ", readme.indexOf("\n## Errors") + 1));
    const listed = [...section.matchAll(/^\| (\d{3}) \| `([a-z_]+)` \|/gm)].map((m) => [m[2], Number(m[1])]);
    expect(listed).toEqual(codes.map((c) => [c, ERROR_CODES[c].status]));
  });
});
