import { DatabaseUnavailableError, isUnavailable, unavailableOr } from "./availability";

const withCode = (code: string, message = "x") => Object.assign(new Error(message), { code });

describe("isUnavailable", () => {
  it.each([
    ["refused", withCode("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432")],
    ["reset", withCode("ECONNRESET")],
    ["admin shutdown", withCode("57P01", "terminating connection due to administrator command")],
    ["starting up", withCode("57P03", "the database system is starting up")],
    ["connection exception class", withCode("08006")],
    ["pg: terminated", new Error("Connection terminated unexpectedly")],
    ["pg: not queryable", new Error("Client has encountered a connection error and is not queryable")],
    ["pg: connect timeout", new Error("timeout exceeded when trying to connect")],
    ["every address refused", Object.assign(new AggregateError([withCode("ECONNREFUSED"), withCode("ECONNREFUSED")]), {})],
    ["already mapped", new DatabaseUnavailableError("down")],
  ])("%s: unavailable", (_, err) => {
    expect(isUnavailable(err)).toBe(true);
    expect(unavailableOr(err)).toBeInstanceOf(DatabaseUnavailableError);
  });

  it.each([
    ["unique violation", withCode("23505", "duplicate key value violates unique constraint")],
    ["syntax error", withCode("42601")],
    ["serialization failure", withCode("40001")],
    ["a bug", new TypeError("cannot read properties of undefined")],
    ["not an error", "ECONNREFUSED"],
    ["empty aggregate", new AggregateError([])],
  ])("%s: not unavailable, rethrown as it is", (_, err) => {
    expect(isUnavailable(err)).toBe(false);
    expect(unavailableOr(err)).toBe(err);
  });

  it("keeps the cause", () => {
    const cause = withCode("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432");
    const mapped = unavailableOr(cause) as DatabaseUnavailableError;
    expect(mapped.cause).toBe(cause);
    expect(mapped.message).toContain("the database is unavailable");
  });
});
