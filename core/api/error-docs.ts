/**
 * The pages every `doc_url` points at: `/docs/errors` (every code) and
 * `/docs/errors/{code}`, rendered from the table in core/model/error-codes.ts,
 * public like the rest of /docs. And the base URL those links are built on:
 * `--public-url` when configured (behind a proxy), else the scheme and Host
 * the client used, so the link resolves on the server that answered.
 */
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ERROR_CODES, errorDocPath, errors, isErrorCode, type ErrorCode } from "../model";

/** A Host header we are willing to echo into a link: a DNS name, IPv4 or bracketed IPv6 address, optional port. */
const SAFE_HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** Base URL (no trailing slash) of the server as this request reached it. */
export function publicUrlOf(request: FastifyRequest, configured: string | undefined): string {
  if (configured) return configured;
  const host = request.headers.host;
  if (typeof host === "string" && host.length <= 255 && SAFE_HOST.test(host)) return `${request.protocol}://${host}`;
  return socketUrl(request.raw.socket);
}

/** Base URL from the socket's local address, for answers written before any request was parsed. */
export function socketUrl(socket: Socket): string {
  const scheme = (socket as TLSSocket).encrypted ? "https" : "http";
  const address = socket.localAddress ?? "127.0.0.1";
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  const host = v4 ? v4[1] : address.includes(":") ? `[${address}]` : address;
  return `${scheme}://${host}:${socket.localPort ?? (scheme === "https" ? 443 : 80)}`;
}

export async function errorDocsRoutes(app: FastifyInstance): Promise<void> {
  app.get("/docs/errors", { schema: { hide: true } }, async (_request, reply) => {
    reply.type("text/html; charset=utf-8");
    return indexPage();
  });
  app.get<{ Params: { code: string } }>("/docs/errors/:code", { schema: { hide: true } }, async (request, reply) => {
    const { code } = request.params;
    if (!isErrorCode(code)) {
      throw errors.notFound(`no error code ${JSON.stringify(code.slice(0, 64))}; every code is listed at /docs/errors`);
    }
    reply.type("text/html; charset=utf-8");
    return codePage(code);
  });
}

function codePage(code: ErrorCode): string {
  const e = ERROR_CODES[code];
  return page(
    `${code} — secgroups API error`,
    `<h1><code>${code}</code></h1>
<p class="title">${escape(e.title)}</p>
<dl>
  <dt>HTTP status</dt><dd>${e.status}</dd>
  <dt>type</dt><dd><code>${e.type}</code></dd>
</dl>
<h2>What it means</h2>
<p>${escape(e.explanation)}</p>
<h2>How to fix it</h2>
<p>${escape(e.fix)}</p>
<p>Every error is an <code>ErrorResponse {type, code, message, doc_url}</code>; the <code>message</code> names the field or
claim at fault. <a href="/docs/errors">All error codes</a> · <a href="/docs">API reference</a></p>`,
  );
}

function indexPage(): string {
  const rows = (Object.keys(ERROR_CODES) as ErrorCode[])
    .map((code) => {
      const e = ERROR_CODES[code];
      return `  <tr><td>${e.status}</td><td><a href="${errorDocPath(code)}"><code>${code}</code></a></td><td>${escape(e.title)}</td></tr>`;
    })
    .join("\n");
  return page(
    "secgroups API errors",
    `<h1>secgroups API errors</h1>
<p>Every error is an <code>ErrorResponse {type, code, message, doc_url}</code>; <code>doc_url</code> links to the code's page below.</p>
<table>
  <tr><th>status</th><th>code</th><th>meaning</th></tr>
${rows}
</table>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
td,th{text-align:left;padding:.2rem .8rem .2rem 0;vertical-align:top}.title{font-size:1.2rem}dt{font-weight:bold}</style>
</head><body>
${body}
</body></html>
`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
