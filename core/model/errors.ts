/** Error classes of the API: one place that maps a failure to status, type and code. */

export type ErrorType = "invalid_request_error" | "authentication_error" | "not_found_error" | "conflict_error" | "api_error";

export interface ErrorResponse {
  type: ErrorType;
  code: string;
  message: string;
  doc_url: string;
  /** Every validation problem, when there are several. */
  errors?: ValidationIssue[];
}

export interface ValidationIssue {
  /** Field path in the request body, e.g. `rules[2].port`. */
  path: string;
  code: string;
  message: string;
}

export const DOC_BASE = "https://secgroups.dev/docs/errors/";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    readonly code: string,
    message: string,
    readonly issues?: ValidationIssue[],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toResponse(): ErrorResponse {
    const body: ErrorResponse = { type: this.type, code: this.code, message: this.message, doc_url: DOC_BASE + this.code };
    if (this.issues && this.issues.length > 1) body.errors = this.issues;
    return body;
  }
}

export class ValidationError extends ApiError {
  constructor(override readonly issues: ValidationIssue[]) {
    super(422, "invalid_request_error", issues[0]?.code ?? "parameter_invalid", summarize(issues), issues);
  }
}

function summarize(issues: ValidationIssue[]): string {
  const shown = issues.slice(0, 3).map((i) => i.message);
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more problems)` : "";
  return shown.join("; ") + more;
}

export const errors = {
  badRequest: (code: string, message: string) => new ApiError(400, "invalid_request_error", code, message),
  unauthorized: (message: string) => new ApiError(401, "authentication_error", "unauthorized", message),
  notFound: (message: string) => new ApiError(404, "not_found_error", "resource_not_found", message),
  conflict: (code: string, message: string, headers?: Record<string, string>) =>
    new ApiError(409, "conflict_error", code, message, undefined, headers),
  preconditionFailed: (message: string) => new ApiError(412, "conflict_error", "precondition_failed", message),
  tooLarge: (message: string) => new ApiError(413, "invalid_request_error", "payload_too_large", message),
  unsupportedMediaType: (message: string) => new ApiError(415, "invalid_request_error", "unsupported_media_type", message),
  internal: () => new ApiError(500, "api_error", "internal_error", "An unexpected error occurred on the server."),
  /** The store cannot be reached (restart, outage): retrying soon will work, so 503 with Retry-After, not a 500. */
  databaseUnavailable: () =>
    new ApiError(
      503,
      "api_error",
      "database_unavailable",
      `The database is unavailable right now; retry in ${DATABASE_RETRY_AFTER_SECONDS} s.`,
      undefined,
      { "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS) },
    ),
};

export const DATABASE_RETRY_AFTER_SECONDS = 2;
