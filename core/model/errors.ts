/** Error classes of the API: a failure's code decides its status and type (core/model/error-codes.ts). */
import { ERROR_CODES, errorDocPath, type ErrorCode, type ErrorCodeWithStatus } from "./error-codes";
import type { ErrorResponse, ErrorType, IssueBody } from "./shapes/error";

export * from "./error-codes";

/** A validation problem found here: its code is one of the table's. */
export interface ValidationIssue extends IssueBody {
  code: ErrorCode;
}

export class ApiError extends Error {
  readonly status: number;
  readonly type: ErrorType;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ValidationIssue[],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code].status;
    this.type = ERROR_CODES[code].type;
  }

  /** The response body; `publicUrl` is the server's base URL (no trailing slash), so `doc_url` resolves where the client is. */
  toResponse(publicUrl: string): ErrorResponse {
    const body: ErrorResponse = { type: this.type, code: this.code, message: this.message, doc_url: publicUrl + errorDocPath(this.code) };
    if (this.issues && this.issues.length > 1) body.errors = this.issues;
    return body;
  }
}

export class ValidationError extends ApiError {
  constructor(override readonly issues: ValidationIssue[]) {
    super(issues[0]?.code ?? "parameter_invalid", summarize(issues), issues);
  }
}

function summarize(issues: ValidationIssue[]): string {
  const shown = issues.slice(0, 3).map((i) => i.message);
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more problems)` : "";
  return shown.join("; ") + more;
}

export const errors = {
  badRequest: (code: ErrorCodeWithStatus<400>, message: string) => new ApiError(code, message),
  unauthorized: (message: string) => new ApiError("unauthorized", message),
  notFound: (message: string) => new ApiError("resource_not_found", message),
  routeNotFound: (message: string) => new ApiError("route_not_found", message),
  conflict: (code: ErrorCodeWithStatus<409>, message: string, headers?: Record<string, string>) =>
    new ApiError(code, message, undefined, headers),
  preconditionFailed: (message: string) => new ApiError("precondition_failed", message),
  tooLarge: (message: string) => new ApiError("payload_too_large", message),
  unsupportedMediaType: (message: string) => new ApiError("unsupported_media_type", message),
  internal: () => new ApiError("internal_error", "An unexpected error occurred on the server."),
  /** The store cannot be reached (restart, outage): retrying soon will work, so 503 with Retry-After, not a 500. */
  databaseUnavailable: () =>
    new ApiError("database_unavailable", `The database is unavailable right now; retry in ${DATABASE_RETRY_AFTER_SECONDS} s.`, undefined, {
      "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS),
    }),
};

export const DATABASE_RETRY_AFTER_SECONDS = 2;
