/** Error classes of the API: one place that maps a failure to status, type and code. */

import type { ErrorResponse, ErrorType, ValidationIssue } from "./shapes/error";

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
};
