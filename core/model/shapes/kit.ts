/**
 * Building blocks of the shape declarations: TypeBox types that stay inside
 * OpenAPI 3.0 (string enums, nullable values) plus the hints the checker
 * (check.ts) words its messages with. Hints live under a symbol key, so they
 * never reach the served OpenAPI document.
 */
import { Type, type SchemaOptions, type TSchema, type TUnsafe, type TString, type TUnion, type TNull } from "@sinclair/typebox";
import { ID_BODY_LENGTH, ID_PREFIX, idPattern, type IdKind } from "../ids";

export const HINT = Symbol.for("secgroups.shape-hint");

export interface FieldHint {
  /** What the value must be, for type and pattern failures: `must be ${expected}, got …`. */
  expected?: string;
  /** The message when a required field is missing (default "is required"). */
  missing?: string;
  /**
   * Content checks of a string: "text" (the default) refuses NUL and lone
   * surrogates (PostgreSQL text cannot hold them); "parsed" leaves the content
   * to a semantic check that parses it; "any" takes whatever was sent (the
   * receiver sanitizes it).
   */
  content?: "text" | "parsed" | "any";
  /** Noun of a unique array item, for duplicates: "site X is listed twice". */
  noun?: string;
}

export function hinted<T extends TSchema>(schema: T, hint: FieldHint): T {
  (schema as unknown as Record<symbol, FieldHint>)[HINT] = hint;
  return schema;
}

export function hintOf(schema: TSchema): FieldHint {
  return (schema as unknown as Record<symbol, FieldHint | undefined>)[HINT] ?? {};
}

/** A string enum as OpenAPI 3.0 has it (`enum`, not `anyOf` of `const`s). */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: "string", enum: [...values] });
}

/** `T | null`; served as `nullable: true` (core/api/schemas.ts converts it). */
export function Nullable<T extends TSchema>(schema: T, options: SchemaOptions = {}): TUnion<[T, TNull]> {
  return Type.Union([schema, Type.Null()], options);
}

/** Free text of `min` to `max` characters (code points). */
export function Text(limits: { min?: number; max: number }, options: SchemaOptions = {}): TString {
  return Type.String({ ...(limits.min !== undefined ? { minLength: limits.min } : {}), maxLength: limits.max, ...options });
}

const ID_NOUN: Record<IdKind, string> = {
  securityGroup: "security group",
  rule: "rule",
  prefixList: "prefix list",
  prefix: "prefix",
  site: "site",
};

/** An id of `kind` (`site_` followed by 27 letters or digits ...). */
export function IdOf(kind: IdKind, options: SchemaOptions = {}): TString {
  const noun = ID_NOUN[kind];
  return hinted(Type.String({ pattern: idPattern(kind), ...options }), {
    expected: `a ${noun} id (${ID_PREFIX[kind]} followed by ${ID_BODY_LENGTH} letters or digits)`,
    noun,
  });
}

export function Timestamp(options: SchemaOptions = {}): TString {
  return Type.String({ format: "date-time", ...options });
}

/**
 * A server-set field that a write body may carry because the client echoed a
 * GET back: accepted with any value and ignored.
 */
export function Echoed(description: string) {
  return Type.Optional(
    Type.Unsafe<EchoedValue>({ readOnly: true, description: `Server-set (${description}); accepted and ignored in a write.` }),
  );
}

declare const ECHOED: unique symbol;
/** The static type of an echoed field; `Writable` removes such fields from the write types. */
export interface EchoedValue {
  readonly [ECHOED]: true;
}

/** A write shape's static type without its echoed read-only fields, at every depth. */
export type Writable<T> = T extends readonly (infer U)[]
  ? Writable<U>[]
  : T extends object
    ? { [K in keyof T as Exclude<T[K], undefined> extends EchoedValue ? never : K]: Writable<T[K]> }
    : T;
