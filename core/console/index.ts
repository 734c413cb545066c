/**
 * The read-only web console at /console: a static page and its bundled assets (built from
 * core/console/web by scripts/build-console.js into dist/console, shipped in the package).
 * It holds no state and sees only what the API shows the token pasted into it: every datum
 * comes from the /vpc routes, called from the browser with that token.
 *
 * Every response carries a strict Content-Security-Policy (scripts and styles from this
 * origin only, no inline script, no eval, fetches to this origin only, no framing).
 */
import { readFileSync, existsSync } from "node:fs";
import { basename, join } from "node:path";
import type { FastifyInstance, FastifyReply } from "fastify";
import { errors } from "../model";

/** The package root, from core/console (sources, ts-jest) or dist/core/console (built). */
const ROOT = basename(join(__dirname, "..", "..")) === "dist" ? join(__dirname, "..", "..", "..") : join(__dirname, "..", "..");
/** Where the build puts the assets. */
export const CONSOLE_ASSETS_DIR = join(ROOT, "dist", "console");

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": CONSOLE_CSP,
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
};

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** The files the build writes; nothing else is served (no path from the URL reaches the file system). */
const ASSETS = ["console.js", "console.css", "icon.svg"];

export function consoleRoutes(dir: string = CONSOLE_ASSETS_DIR) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const files = new Map<string, Buffer>();
    for (const name of ["index.html", ...ASSETS]) {
      const path = join(dir, name);
      if (existsSync(path)) files.set(name, readFileSync(path));
    }
    const send = (reply: FastifyReply, name: string, cache: string) => {
      const body = files.get(name);
      reply.headers(SECURITY_HEADERS);
      if (!body) {
        reply
          .code(503)
          .header("Content-Type", "text/plain; charset=utf-8")
          .header("Cache-Control", "no-store")
          .send("The console is not built: run npm run build.\n");
        return reply;
      }
      reply
        .header("Content-Type", TYPES[name.slice(name.lastIndexOf("."))])
        .header("Cache-Control", cache)
        .send(body);
      return reply;
    };
    app.get("/console", { schema: { hide: true } }, async (_request, reply) => send(reply, "index.html", "no-store"));
    app.get("/console/", { schema: { hide: true } }, async (_request, reply) => reply.redirect("/console", 308));
    app.get<{ Params: { name: string } }>("/console/assets/:name", { schema: { hide: true } }, async (request, reply) => {
      const name = request.params.name;
      if (!ASSETS.includes(name)) throw errors.routeNotFound(`no console asset ${name}`);
      return send(reply, name, "no-cache");
    });
  };
}
