/** ErrorResponse: the one body of every 4xx and 5xx. */
import { Type, type Static } from "@sinclair/typebox";
import { StringEnum } from "./kit";

export const ERROR_TYPES = ["invalid_request_error", "authentication_error", "not_found_error", "conflict_error", "api_error"] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

/** A problem as it travels in an ErrorResponse (clients may meet codes newer than their copy of the table). */
export const IssueBody = Type.Object(
  {
    path: Type.String({ description: "Field path in the request body, e.g. `rules[2].port`; empty for the body itself." }),
    code: Type.String({ description: "The problem's error code." }),
    message: Type.String({ description: "The problem and its fix, starting with the path." }),
  },
  { $id: "ValidationIssue" },
);
export type IssueBody = Static<typeof IssueBody>;

export const ErrorResponse = Type.Object(
  {
    type: StringEnum(ERROR_TYPES, { description: "A broad category of the error." }),
    code: Type.String({ description: "A short string identifying the specific error.", example: "parameter_missing" }),
    message: Type.String({ description: "What went wrong and how to fix it." }),
    doc_url: Type.String({ description: "The documentation page of this error code." }),
    errors: Type.Optional(Type.Array(IssueBody, { description: "Every validation problem, when there are several." })),
  },
  { $id: "ErrorResponse" },
);
export type ErrorResponse = Static<typeof ErrorResponse>;
