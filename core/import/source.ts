/** What every import format gives back, and the error for input that is not of the format at all (exit status 2). */
import type { PolicyDocumentInput } from "../policy";
import type { Omission } from "./report";

export interface ImportResult {
  document: PolicyDocumentInput;
  /** Every input rule (or statement) left out or changed, in input order. */
  omissions: Omission[];
}

export interface ImportOptions {
  /** Names the groups ("<name> inbound") and scopes the derived ids; default "imported". */
  name?: string;
}

/** The input cannot be read as the format at all (not a rule of it that does not fit). */
export class ImportInputError extends Error {}

/** Runs a reader; any error it throws is bad input. */
export function readOrFail<T>(format: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ImportInputError) throw err;
    throw new ImportInputError(`not a readable ${format} input: ${(err as Error).message}`);
  }
}

export function sortOmissions(omissions: Omission[]): Omission[] {
  return [...omissions].sort((a, b) => (a.source.line ?? a.source.handle ?? 0) - (b.source.line ?? b.source.handle ?? 0));
}
