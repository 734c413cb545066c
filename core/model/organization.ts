/**
 * What an organization identifier may be. It arrives in a token claim (an
 * identity provider's tenant id, a name, a URL) and scopes every stored row,
 * so it is input like any body field: a string of 1-128 characters from a
 * conservative set, in Unicode NFC. Identifiers that are not NFC are refused
 * rather than normalized: two spellings of one name must not become two
 * tenants, nor one tenant two names, without anyone noticing.
 */

export const ORGANIZATION_MAX_LENGTH = 128;

export const ORGANIZATION_RULE =
  `a string of 1-${ORGANIZATION_MAX_LENGTH} characters: letters, marks, digits, punctuation, symbols and spaces ` +
  "(no control, format or private-use characters, no leading or trailing space), in Unicode NFC";

/** One allowed character: letter, mark, number, punctuation, symbol, or the ASCII space. */
const ALLOWED = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** What is wrong with a claimed organization, as the end of a sentence naming the claim; undefined when it is fine. */
export function organizationProblem(value: unknown): string | undefined {
  if (value === undefined) return "is missing; the token must name the organization it acts for";
  if (typeof value !== "string") return `must be a string, got ${describeType(value)}`;
  if (value.length === 0) return "must not be empty";
  let length = 0;
  let position = 0;
  for (const char of value) {
    if (!ALLOWED.test(char)) {
      return `contains ${codePointName(char)} at character ${position + 1}; it must be ${ORGANIZATION_RULE}`;
    }
    length++;
    position++;
    if (length > ORGANIZATION_MAX_LENGTH) break;
  }
  if (length > ORGANIZATION_MAX_LENGTH) return `must be at most ${ORGANIZATION_MAX_LENGTH} characters, got ${[...value].length}`;
  if (value.normalize("NFC") !== value) return "must be in Unicode normalization form NFC (composed characters)";
  if (value.startsWith(" ") || value.endsWith(" ")) return "must not start or end with a space";
  return undefined;
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function codePointName(char: string): string {
  const hex = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  const kind = /\p{Cc}/u.test(char)
    ? "a control character"
    : /\p{Cs}/u.test(char)
      ? "an unpaired surrogate"
      : /\p{Cf}/u.test(char)
        ? "a format character"
        : /\p{Co}/u.test(char)
          ? "a private-use character"
          : /\p{Z}/u.test(char)
            ? "a separator other than the space"
            : "an unassigned code point";
  return `U+${hex} (${kind})`;
}
