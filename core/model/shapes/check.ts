/**
 * The structural half of validation, read off the shape declarations: types,
 * required and unknown fields, lengths (in code points, as JSON Schema counts
 * them), ranges, enums, array sizes, unique items, id patterns and defaults,
 * worded with the field path and the fix. The semantic half (CIDR host bits,
 * ports against protocols, references) is validate.ts, hooked in per object
 * shape through `refine`.
 *
 * It reads the subset of JSON Schema the declarations use and refuses any
 * other, so a declaration cannot say more than the checker enforces.
 * About 400 lines, kept in one file: the schema reader, the generated field
 * checks and the walk share one node type and are read together.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import type { ErrorCode, ValidationIssue } from "../errors";
import { hintOf, type FieldHint } from "./kit";

export type Result<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

export interface ValidateOptions {
  /**
   * Policy documents (files, API listings) carry fields the write schema lacks:
   * ignore unknown fields instead of refusing them. The API refuses them.
   */
  ignoreUnknownFields?: boolean;
}

/**
 * A field path built only when a message needs it. Valid during the call it is
 * given to (an array's items share one, its key moving on): a message takes its
 * text at once (Checker.fail), nothing keeps a path.
 */
export type Path = string | { readonly parent: Path; readonly key: string | number };

/** The array index a path ends in (rules[3] -> 3), or -1. */
export function indexOf(path: Path): number {
  return typeof path === "object" && typeof path.key === "number" ? path.key : -1;
}

export function pathText(path: Path): string {
  if (typeof path === "string") return path;
  const parent = pathText(path.parent);
  if (typeof path.key === "number") return `${parent}[${path.key}]`;
  return parent ? `${parent}.${path.key}` : path.key;
}

/** What a check returns: the declared fields that passed (with defaults), failed ones left out. */
export type Checked<T> = T extends readonly (infer U)[]
  ? (Checked<U> | undefined)[]
  : T extends object
    ? { [K in keyof T]?: Checked<T[K]> }
    : T;

/**
 * Semantic checks of one object shape, run on what passed its structural checks; undefined when it fails.
 * In a check-only walk (Checker.validate) it gets an object reused for the next one of its shape (keep
 * nothing of it) whose object and array fields hold `true` when they passed (they are not built).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each refinement knows its own shape
export type Refine = (value: any, path: Path, checker: Checker) => unknown;
export type Refinements = ReadonlyMap<TSchema, Refine>;

const FAILED = Symbol("failed");
/** What a check-only walk returns for an object or array that passed (it builds neither). */
const CHECKED = true;
type Out = unknown | typeof FAILED;
type Key = string | number | undefined;

/** The JSON Schema keywords the declarations use. */
interface Schema {
  type?: string;
  enum?: readonly string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: readonly string[];
  additionalProperties?: boolean;
  items?: Schema;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  readOnly?: boolean;
}

export class Checker {
  readonly issues: ValidationIssue[] = [];

  constructor(readonly options: ValidateOptions = {}) {}

  fail(path: Path, code: ErrorCode, message: string): undefined {
    const text = pathText(path);
    this.issues.push({ path: text, code, message: `${text || "body"}: ${message}` });
    return undefined;
  }

  /**
   * Checks `value` against `schema`; returns it with defaults filled in and
   * echoed read-only fields dropped, or undefined when it is not even of the
   * right type. Issues collect in `issues`.
   */
  check<T extends TSchema>(schema: T, value: unknown, path: Path = "", refine?: Refinements): Checked<Static<T>> | undefined {
    const out = new Walk(this, refine, true).value(nodeOf(schema as Schema), value, path, undefined);
    return out === FAILED ? undefined : (out as Checked<Static<T>>);
  }

  /**
   * The same checks and refinements as check(), issues alike, without building
   * the checked value: for a caller that needs only the issues and what its
   * refinements gather (normalization reads a prefix list's CIDRs, not its
   * 100,000 entry objects). See Refine for what a refinement gets.
   */
  validate(schema: TSchema, value: unknown, path: Path = "", refine?: Refinements): void {
    new Walk(this, refine, false).value(nodeOf(schema as Schema), value, path, undefined);
  }

  result<T>(value: T): Result<T> {
    return this.issues.length ? { ok: false, issues: this.issues } : { ok: true, value };
  }
}

/** A schema prepared for checking (once per schema object): hot loops must not re-read keywords. */
type Node =
  | {
      kind: "object";
      schema: Schema;
      fields: Field[];
      known: Set<string>;
      knownText: string;
      closed: boolean;
      checkFields?: FieldsCheck;
      /** checkFields of a check-only walk: into `scratch` (each field set, undefined when absent or failed). */
      checkInto?: FieldsCheck;
      /** The object a check-only walk checks this shape's fields into; taken while in use. */
      scratch?: Record<string, unknown>;
    }
  | { kind: "array"; items: Node; maxItems?: number; unique: boolean; noun?: string }
  | { kind: "string"; min?: number; max?: number; pattern?: RegExp; patternText?: string; text: boolean; expected?: string }
  | { kind: "integer"; min: number; max: number }
  | { kind: "boolean" }
  | { kind: "enum"; allowed: readonly string[]; allowedText: string }
  | { kind: "nullable"; inner: Node }
  /** An integer or one of some names (a protocol number or name): the refinement maps a name to its number. */
  | { kind: "integerOrName"; integer: Extract<Node, { kind: "integer" }>; names: Extract<Node, { kind: "enum" }> }
  | { kind: "any" };

interface Field {
  key: string;
  node: Node;
  required: boolean;
  default: unknown;
  missing: string;
}

const nodes = new WeakMap<Schema, Node>();

// Every node gets every property, in one order (one hidden class), so the walk's reads stay monomorphic.
// prettier-ignore
const NODE_KEYS = ["kind", "schema", "fields", "known", "knownText", "closed", "checkFields", "checkInto", "scratch", "items", "maxItems",
  "unique", "noun", "min", "max", "pattern", "patternText", "text", "expected", "allowed", "allowedText", "inner", "integer", "names"] as const;

function uniform<N extends Node>(node: N): N {
  const missing = Object.keys(node).find((key) => !(NODE_KEYS as readonly string[]).includes(key));
  if (missing) throw new Error(`check: NODE_KEYS lacks ${missing}`);
  const out: Record<string, unknown> = {};
  for (const key of NODE_KEYS) out[key] = (node as Record<string, unknown>)[key];
  return out as N;
}

function nodeOf(schema: Schema): Node {
  let node = nodes.get(schema);
  if (!node) nodes.set(schema, (node = uniform(prepare(schema))));
  return node;
}

/** The keywords the checker reads or may ignore (annotations); a schema with any other is refused. */
const KEYWORDS = new Set([
  ...["type", "enum", "anyOf", "oneOf", "properties", "required", "additionalProperties", "items", "maxItems", "uniqueItems"],
  ...["minLength", "maxLength", "pattern", "minimum", "maximum", "default", "readOnly"],
  ...["$id", "title", "description", "example", "examples"],
]);

function prepare(schema: Schema): Node {
  const unsupported = (why: string) => new Error(`check: ${why} in ${JSON.stringify(schema)}`);
  const unknown = Object.keys(schema).find((k) => !KEYWORDS.has(k));
  if (unknown) throw unsupported(`the keyword ${unknown} is not supported`);
  if (schema.anyOf) {
    const inner = schema.anyOf.filter((m) => m.type !== "null");
    if (inner.length !== 1 || schema.anyOf.length !== 2) throw unsupported("anyOf is supported only as T | null");
    return { kind: "nullable", inner: nodeOf(inner[0]) };
  }
  if (schema.oneOf) {
    const integer = schema.oneOf.map(nodeOf).find((n) => n.kind === "integer");
    const names = schema.oneOf.map(nodeOf).find((n) => n.kind === "enum");
    if (schema.oneOf.length !== 2 || !integer || !names) throw unsupported("oneOf is supported only as an integer or a string enum");
    return { kind: "integerOrName", integer, names } as Node;
  }
  if (schema.enum) return { kind: "enum", allowed: schema.enum, allowedText: schema.enum.map((a) => `"${a}"`).join(", ") };
  switch (schema.type) {
    case "object": {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      // Echoed read-only fields are known (accepted) but not checked or returned.
      const fields = Object.keys(properties)
        .filter((key) => properties[key].readOnly !== true)
        .map((key) => ({
          key,
          node: nodeOf(properties[key]),
          required: required.has(key),
          default: properties[key].default,
          missing: fieldHint(properties[key]).missing ?? "is required",
        }));
      const knownText = fields.map((f) => f.key).join(", ");
      return {
        kind: "object",
        schema,
        fields,
        known: new Set(Object.keys(properties)),
        knownText,
        closed: schema.additionalProperties === false,
      };
    }
    case "array": {
      if (!schema.items) throw unsupported("arrays need items");
      const items = nodeOf(schema.items);
      const unique = schema.uniqueItems === true;
      if (unique && !["string", "integer", "enum"].includes(items.kind)) throw unsupported("uniqueItems applies to primitive items only");
      return { kind: "array", items, maxItems: schema.maxItems, unique, noun: fieldHint(schema.items).noun };
    }
    case "string": {
      const hint = hintOf(schema as TSchema);
      return {
        kind: "string",
        min: schema.minLength,
        max: schema.maxLength,
        pattern: schema.pattern === undefined ? undefined : new RegExp(schema.pattern, "u"),
        patternText: schema.pattern,
        // A pattern says what the content may be; "parsed" content is a semantic check's.
        text: (hint.content ?? "text") === "text" && schema.pattern === undefined,
        expected: hint.expected,
      };
    }
    case "integer":
      if (schema.minimum === undefined || schema.maximum === undefined) throw unsupported("integers need minimum and maximum");
      return { kind: "integer", min: schema.minimum, max: schema.maximum };
    case "boolean":
      return { kind: "boolean" };
    case undefined:
      if (!schema.properties && !schema.items) return { kind: "any" }; // unconstrained: echoed fields
  }
  throw unsupported("an unsupported type");
}

/** A field's hint, looking through `T | null`. */
function fieldHint(schema: Schema): FieldHint {
  const own = hintOf(schema as TSchema);
  if (!schema.anyOf || Object.keys(own).length) return own;
  const inner = schema.anyOf.find((m) => m.type !== "null");
  return inner ? hintOf(inner as TSchema) : own;
}

type FieldsCheck = (
  given: Record<string, unknown>,
  path: Path,
  walk: Walk,
  refuseUnknown: boolean,
  scratch?: Record<string, unknown>,
) => Record<string, unknown>;

/**
 * The field checks of one object shape as straight-line code: a 100,000-entry
 * policy walks the prefix shape 100,000 times, and property reads by constant
 * name are several times cheaper than by a key from a loop. Keys come from the
 * declarations, never from input.
 */
function fieldsOf(node: Extract<Node, { kind: "object" }>, into: boolean): FieldsCheck {
  // (No closure in here: the fields function is looked up once per object checked.)
  return (into ? node.checkInto : node.checkFields) ?? compileFields(node, into);
}

/** fieldsOf's function, made once per shape and variant. */
function compileFields(node: Extract<Node, { kind: "object" }>, into: boolean): FieldsCheck {
  const lit = (key: string) => JSON.stringify(key);
  const known = [...node.known].map((k) => `case ${lit(k)}:`).join(" ");
  const body = [
    node.closed
      ? `if (refuseUnknown) for (const name in given) { switch (name) { ${known} break; default: if (hasOwn(given, name)) walk.unknown(node, path, name); } }`
      : "",
    into ? "const out = scratch;" : "const out = {};",
    "let v, c;",
    ...node.fields.map((field, i) => {
      const k = lit(field.key);
      // A reused object gets every field, so that nothing of the previous one stays.
      const unset = into ? `out[${k}] = undefined;` : "";
      const absent = field.required
        ? `walk.missing(path, fields[${i}]); ${unset}`
        : field.default !== undefined
          ? `out[${k}] = Array.isArray(fields[${i}].default) ? [...fields[${i}].default] : fields[${i}].default;`
          : unset;
      return `v = given[${k}]; if (v !== undefined && !hasOwn(given, ${k})) v = undefined;
if (v === undefined) { ${absent} } else if ((c = walk.field(fields[${i}], v, path)) !== FAILED) out[${k}] = c;${into ? ` else ${unset}` : ""}`;
    }),
    "return out;",
  ].join("\n");
  const check = new Function(
    "node",
    "fields",
    "hasOwn",
    "FAILED",
    `return function checkFields(given, path, walk, refuseUnknown, scratch) {\n${body}\n};`,
  )(node, node.fields, Object.hasOwn, FAILED) as FieldsCheck;
  if (into) node.checkInto = check;
  else node.checkFields = check;
  return check;
}

const at = (parent: Path, key: Key): Path => (key === undefined ? parent : { parent, key });

/** Walks a value; paths are (parent, key) so a field that passes costs no path object. */
class Walk {
  constructor(
    private readonly c: Checker,
    private readonly refinements: Refinements | undefined,
    /** False in a check-only walk (Checker.validate). */
    private readonly build: boolean,
  ) {}

  private failed(parent: Path, key: Key, code: ErrorCode, message: string): typeof FAILED {
    this.c.fail(at(parent, key), code, message);
    return FAILED;
  }

  value(node: Node, value: unknown, parent: Path, key: Key): Out {
    switch (node.kind) {
      case "object":
        return this.object(node, value, parent, key);
      case "array":
        return this.array(node, value, parent, key);
      case "string":
        return this.string(node, value, parent, key);
      case "integer":
        if (typeof value !== "number" || !Number.isInteger(value)) {
          return this.failed(
            parent,
            key,
            "parameter_invalid",
            `must be an integer from ${node.min} to ${node.max}, got ${describe(value)}`,
          );
        }
        if (value < node.min || value > node.max) {
          return this.failed(parent, key, "value_out_of_range", `must be from ${node.min} to ${node.max}, got ${value}`);
        }
        return value;
      case "boolean":
        return typeof value === "boolean"
          ? value
          : this.failed(parent, key, "parameter_invalid", `must be true or false, got ${describe(value)}`);
      case "enum":
        if (typeof value === "string" && node.allowed.includes(value)) return value;
        return this.failed(parent, key, "parameter_invalid", `must be one of ${node.allowedText}, got ${describe(value)}`);
      case "nullable":
        return value === null ? null : this.value(node.inner, value, parent, key);
      case "integerOrName": {
        if (typeof value === "number") return this.value(node.integer, value, parent, key);
        if (typeof value === "string" && node.names.allowed.includes(value)) return value;
        const lower = typeof value === "string" ? value.trim().toLowerCase() : "";
        const hint = node.names.allowed.includes(lower) ? `; did you mean "${lower}"?` : "";
        const { min, max } = node.integer;
        const allowed = `an integer from ${min} to ${max} or one of ${node.names.allowedText}`;
        return this.failed(parent, key, "parameter_invalid", `must be ${allowed}, got ${describe(value)}${hint}`);
      }
      case "any":
        return value;
    }
  }

  private object(node: Extract<Node, { kind: "object" }>, value: unknown, parent: Path, key: Key): Out {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return this.failed(parent, key, "parameter_invalid", `must be an object, got ${describe(value)}`);
    }
    const path = at(parent, key);
    const refuseUnknown = !this.c.options.ignoreUnknownFields;
    const refine = this.refinements?.get(node.schema as TSchema);
    if (!this.build) {
      const scratch = node.scratch ?? {};
      node.scratch = undefined; // a refinement that checks this shape again gets an object of its own
      const out = fieldsOf(node, true)(value as Record<string, unknown>, path, this, refuseUnknown, scratch);
      const refined = refine ? refine(out, path, this.c) : out;
      node.scratch = scratch;
      return refined === undefined ? FAILED : CHECKED;
    }
    const out = fieldsOf(node, false)(value as Record<string, unknown>, path, this, refuseUnknown);
    if (!refine) return out;
    const refined = refine(out, path, this.c);
    return refined === undefined ? FAILED : refined;
  }

  unknown(node: Extract<Node, { kind: "object" }>, path: Path, name: string): void {
    this.c.fail(at(path, name), "parameter_unknown", `is not a known field; known fields are ${node.knownText}`);
  }

  missing(path: Path, field: Field): void {
    this.c.fail(at(path, field.key), "parameter_missing", field.missing);
  }

  field(field: Field, value: unknown, path: Path): Out {
    return this.value(field.node, value, path, field.key);
  }

  private array(node: Extract<Node, { kind: "array" }>, value: unknown, parent: Path, key: Key): Out {
    if (!Array.isArray(value)) return this.failed(parent, key, "parameter_invalid", `must be an array, got ${describe(value)}`);
    if (node.maxItems !== undefined && value.length > node.maxItems) {
      return this.failed(parent, key, "too_many_items", `has ${value.length} items; at most ${node.maxItems} are allowed`);
    }
    const path = at(parent, key);
    const seen = node.unique ? new Set<unknown>() : undefined;
    const out: unknown[] | undefined = this.build ? new Array(value.length).fill(undefined) : undefined;
    // One path for every item (see Path): a path object per item would cost more than checking it.
    const itemPath = { parent: path, key: 0 };
    for (let i = 0; i < value.length; i++) {
      itemPath.key = i;
      const item = this.value(node.items, value[i], itemPath, undefined);
      if (item === FAILED) continue;
      if (seen) {
        if (seen.has(item)) {
          this.c.fail(at(path, i), "duplicate_value", `${node.noun ? `${node.noun} ${String(item)}` : describe(item)} is listed twice`);
          continue;
        }
        seen.add(item);
      }
      if (out) out[i] = item;
    }
    return out ?? CHECKED;
  }

  private string(node: Extract<Node, { kind: "string" }>, value: unknown, parent: Path, key: Key): Out {
    if (typeof value !== "string") {
      const message = node.expected
        ? `must be ${node.expected}, got ${describe(value)}`
        : value === null
          ? "must be a string, not null"
          : `must be a string, got ${describe(value)}`;
      return this.failed(parent, key, "parameter_invalid", message);
    }
    if (node.text && !isPlainText(value))
      return this.failed(parent, key, "parameter_invalid", "must be valid Unicode text without NUL characters");
    const { min, max } = node;
    // Limits count characters (code points); the UTF-16 length bounds that count, so most strings need no counting.
    if ((max !== undefined && value.length > max) || (min !== undefined && value.length < 2 * min)) {
      const length = codePoints(value);
      if (min !== undefined && length < min)
        return this.failed(parent, key, "value_too_short", `must be at least ${min} characters, got ${length}`);
      if (max !== undefined && length > max)
        return this.failed(parent, key, "value_too_long", `must be at most ${max} characters, got ${length}`);
    }
    if (node.pattern && !node.pattern.test(value)) {
      return this.failed(
        parent,
        key,
        "parameter_invalid",
        `must be ${node.expected ?? `a string matching ${node.patternText}`}, got ${describe(value)}`,
      );
    }
    return value;
  }
}

/** PostgreSQL text cannot hold NUL, and lone surrogates are not valid UTF-8. */
export function isPlainText(text: string): boolean {
  return !text.includes("\u0000") && text.isWellFormed();
}

export function codePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 === text.length) n++;
  }
  return n;
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}
