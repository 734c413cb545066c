/** The overview: counts, then what needs attention first (failed, then syncing; sites with errors, drift or offline). */
import { useEffect } from "preact/hooks";
import type { Api, Site } from "../api";
import { Show, SiteState, StatusBadge, useLoad, when } from "../ui";

/** GET /vpc/overview: counts, and what needs attention first (ranked by core/console/attention.ts). */
interface Overview {
  sites: { total: number; online: number; offline: number; drift: number; errors: number; behind: number };
  security_groups: { total: number; active: number; syncing: number; failed: number };
  prefix_lists: { total: number; active: number; syncing: number; failed: number };
  attention: { kind: "security_group" | "prefix_list"; id: string; name: string; status: string; problem: string }[];
  attention_total: number;
  troubled_sites: Site[];
  troubled_total: number;
}

const loadOverview = (api: Api) => api.get<Overview>("/vpc/overview");

export function OverviewPage() {
  const loaded = useLoad(loadOverview);
  useEffect(() => {
    // The benchmark's end mark: the first render with the API's data.
    if (loaded.data && !performance.getEntriesByName("console:interactive").length) performance.mark("console:interactive");
  }, [loaded.data]);
  return (
    <>
      <h1>Overview</h1>
      <Show loaded={loaded}>{(data) => <OverviewBody {...data} />}</Show>
    </>
  );
}

function OverviewBody({
  sites,
  security_groups: groups,
  prefix_lists: lists,
  attention,
  attention_total,
  troubled_sites,
  troubled_total,
}: Overview) {
  const tone = (n: number, kind: "warn" | "bad") => (n ? kind : undefined);
  return (
    <>
      <section aria-labelledby="counts-title">
        <h2 id="counts-title" class="visually-hidden">
          Counts
        </h2>
        <dl class="counts" data-testid="counts">
          <Count label="sites" value={sites.total} />
          <Count label="online" value={sites.online} />
          <Count label="offline" value={sites.offline} tone={tone(sites.offline, "warn")} />
          <Count label="drift restored" value={sites.drift} tone={tone(sites.drift, "warn")} />
          <Count label="site errors" value={sites.errors} tone={tone(sites.errors, "bad")} />
          <Count label="groups" value={groups.total} />
          <Count label="prefix lists" value={lists.total} />
          <Count label="failed" value={groups.failed + lists.failed} tone={tone(groups.failed + lists.failed, "bad")} />
          <Count label="syncing" value={groups.syncing + lists.syncing} tone={tone(groups.syncing + lists.syncing, "warn")} />
        </dl>
      </section>
      <section aria-labelledby="attention-title">
        <h2 id="attention-title">Groups and prefix lists not active</h2>
        {attention.length === 0 ? (
          <p class="muted">Every group and prefix list is active.</p>
        ) : (
          <ul class="attention" data-testid="attention">
            {attention.map((r) => (
              <li key={r.id}>
                <StatusBadge status={r.status} />{" "}
                <a href={r.kind === "security_group" ? `#/groups/${r.id}` : `#/prefix-lists/${r.id}`}>{r.name}</a>{" "}
                <span class="muted">({r.kind === "security_group" ? "group" : "prefix list"})</span>
                {r.problem && <span class={r.status === "failed" ? "detail" : "detail muted"}>: {r.problem}</span>}
              </li>
            ))}
            {attention_total > attention.length && <li class="muted">and {attention_total - attention.length} more</li>}
          </ul>
        )}
      </section>
      <section aria-labelledby="sites-title">
        <h2 id="sites-title">Sites needing attention</h2>
        {troubled_sites.length === 0 ? (
          <p class="muted">Every site is online and enforcing its latest revision.</p>
        ) : (
          <ul class="attention" data-testid="troubled-sites">
            {troubled_sites.map((s) => (
              <li key={s.id}>
                <SiteState online={s.online} drift={s.drift} error={s.last_error} /> <a href={`#/sites/${s.id}`}>{s.name}</a>{" "}
                <span class="muted">
                  revision {s.applied_revision ?? "none"} of {s.desired_revision}, last seen {when(s.last_seen)}
                </span>
                {s.last_error && <span class="detail">: {s.last_error}</span>}
              </li>
            ))}
            {troubled_total > troubled_sites.length && (
              <li>
                and {troubled_total - troubled_sites.length} more: <a href="#/sites">all sites</a>
              </li>
            )}
          </ul>
        )}
      </section>
    </>
  );
}

function Count({ label, value, tone }: { label: string; value: number; tone?: "warn" | "bad" }) {
  return (
    <div class={`count ${tone ?? ""}`}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
