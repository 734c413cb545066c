/** Small shared pieces of the console: data loading that follows live changes, and labelled widgets. */
import { createContext, type ComponentChildren } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type Api, type Rule } from "./api";

export interface Session {
  api: Api;
  /** Grows by one on every change event of the organization: loaders that depend on it refetch. */
  generation: number;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("no session");
  return session;
}

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
}

/**
 * Runs `load` on mount, when `keys` change, and on every live change; keeps the last data
 * while it reloads, so a live update never blanks the page.
 */
export function useLoad<T>(load: (api: Api) => Promise<T>, keys: unknown[] = []): Loaded<T> {
  const { api, generation } = useSession();
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined });
  const latest = useRef(0);
  useEffect(() => {
    const ticket = ++latest.current;
    load(api).then(
      (data) => ticket === latest.current && setState({ data, error: undefined }),
      (error: unknown) =>
        ticket === latest.current &&
        setState((s) => ({ data: s.data, error: error instanceof ApiError ? error : new ApiError(0, "error", String(error)) })),
    );
  }, [api, generation, ...keys]);
  return state;
}

/** Loading, error or the page. */
export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (loaded.error && loaded.data === undefined) {
    return (
      <p role="alert" class="error">
        {loaded.error.status === 404 ? "Not found: " : ""}
        {loaded.error.message}
      </p>
    );
  }
  if (loaded.data === undefined) {
    return (
      <p class="muted" aria-busy="true">
        Loading…
      </p>
    );
  }
  return <>{children(loaded.data)}</>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{status}</span>;
}

export function SiteState({ online, drift, error }: { online: boolean; drift: boolean; error: string | null }) {
  return (
    <span class="states">
      <span class={`badge ${online ? "badge-active" : "badge-offline"}`}>{online ? "online" : "offline"}</span>
      {drift && <span class="badge badge-syncing">drift restored</span>}
      {error && <span class="badge badge-failed">error</span>}
    </span>
  );
}

export function when(iso: string | null): string {
  if (!iso) return "never";
  const date = new Date(iso);
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  const ago =
    seconds < 60 ? `${Math.max(seconds, 0)} s ago` : seconds < 3600 ? `${Math.round(seconds / 60)} min ago` : date.toLocaleString();
  return ago;
}

const PROTOCOLS: Record<number, string> = { 0: "all", 1: "icmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp" };

export function protocolName(protocol: number): string {
  return PROTOCOLS[protocol] ?? String(protocol);
}

/** A rules table in the order given (callers pass evaluation order). */
export function RulesTable({
  rules,
  caption,
  groupOf,
  names,
}: {
  rules: Rule[];
  caption: string;
  groupOf?: (r: Rule) => ComponentChildren;
  /** Names of the prefix lists and groups rules refer to, by id, where known. */
  names?: Map<string, string>;
}) {
  if (!rules.length) return <p class="muted">No rules.</p>;
  return (
    <div class="scroll" tabIndex={0} role="region" aria-label={caption}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            {groupOf && <th scope="col">group</th>}
            <th scope="col">direction</th>
            <th scope="col">action</th>
            <th scope="col">protocol</th>
            <th scope="col">port</th>
            <th scope="col">address</th>
            <th scope="col">description</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.id}>
              <td>{r.order}</td>
              {groupOf && <td>{groupOf(r)}</td>}
              <td>{r.direction}</td>
              <td>{r.action ?? "accept"}</td>
              <td>
                {protocolName(r.protocol)}
                {r.icmp_type != null ? ` type ${r.icmp_type}` : ""}
                {r.icmp_code != null ? ` code ${r.icmp_code}` : ""}
              </td>
              <td>{r.port || "any"}</td>
              <td>
                {r.address.startsWith("prfx_lst_") ? (
                  <a href={`#/prefix-lists/${r.address}`}>{names?.get(r.address) ?? r.address}</a>
                ) : r.address.startsWith("sec_grp_") ? (
                  <a href={`#/groups/${r.address}`}>{names?.get(r.address) ?? r.address}</a>
                ) : (
                  <code>{r.address}</code>
                )}
              </td>
              <td>{r.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function SyncErrors({ errors, siteName }: { errors: { site: string; message: string }[]; siteName: (id: string) => string }) {
  if (!errors.length) return null;
  return (
    <section aria-labelledby="sync-errors">
      <h3 id="sync-errors">Sync errors</h3>
      <ul class="problems">
        {errors.map((e) => (
          <li key={e.site}>
            <a href={`#/sites/${e.site}`}>{siteName(e.site)}</a>: {e.message}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The addresses fields of a site, shown as far as the API has them. */
export function Addresses({ site }: { site: { addresses?: string[]; reported_addresses?: string[] } }) {
  const declared = site.addresses ?? [];
  const reported = site.reported_addresses ?? [];
  if (site.addresses === undefined && site.reported_addresses === undefined) return <span class="muted">not reported</span>;
  return (
    <span>
      {declared.length ? declared.join(", ") : reported.length ? reported.join(", ") : "none"}
      {declared.length === 0 && reported.length > 0 && <span class="muted"> (reported)</span>}
    </span>
  );
}
