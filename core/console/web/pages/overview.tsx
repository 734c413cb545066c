/** The overview: counts, then what needs attention first (failed, then syncing; sites with errors, drift or offline). */
import { useEffect } from "preact/hooks";
import type { Api, Group, PrefixList, Site } from "../api";
import { Show, SiteState, StatusBadge, useLoad, when } from "../ui";

interface Overview {
  sites: Site[];
  groups: Group[];
  lists: PrefixList[];
}

const loadOverview = async (api: Api): Promise<Overview> => {
  const [sites, groups, lists] = await Promise.all([
    api.listAll<Site>("/vpc/sites"),
    api.listAll<Group>("/vpc/security-groups"),
    api.listAll<PrefixList>("/vpc/prefix-lists"),
  ]);
  return { sites, groups, lists };
};

const STATUS_RANK: Record<string, number> = { failed: 0, syncing: 1, active: 2 };
/** Failed first, then syncing, then active; by name within each. */
export const byStatus = <T extends { status: string; name: string }>(a: T, b: T) =>
  STATUS_RANK[a.status] - STATUS_RANK[b.status] || a.name.localeCompare(b.name);

/** How much a site needs attention: an error, then drift, then offline, then fine. */
export function siteRank(s: Site): number {
  return s.last_error ? 0 : s.drift ? 1 : !s.online ? 2 : s.applied_revision !== s.desired_revision ? 3 : 4;
}

/** How many rows of each attention list the overview shows. */
const SHOWN = 20;

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

function OverviewBody({ sites, groups, lists }: Overview) {
  const count = <T,>(items: T[], test: (t: T) => boolean) => items.filter(test).length;
  const resources = [
    ...groups.map((g) => ({ ...g, kind: "group" as const, href: `#/groups/${g.id}` })),
    ...lists.map((l) => ({ ...l, kind: "prefix list" as const, href: `#/prefix-lists/${l.id}` })),
  ].sort(byStatus);
  const attention = resources.filter((r) => r.status !== "active");
  const troubled = sites.filter((s) => siteRank(s) < 4).sort((a, b) => siteRank(a) - siteRank(b) || a.name.localeCompare(b.name));
  return (
    <>
      <section aria-labelledby="counts-title">
        <h2 id="counts-title" class="visually-hidden">
          Counts
        </h2>
        <dl class="counts" data-testid="counts">
          <Count label="sites" value={sites.length} />
          <Count label="online" value={count(sites, (s) => s.online)} />
          <Count label="offline" value={count(sites, (s) => !s.online)} tone={count(sites, (s) => !s.online) ? "warn" : undefined} />
          <Count label="drift restored" value={count(sites, (s) => s.drift)} tone={count(sites, (s) => s.drift) ? "warn" : undefined} />
          <Count
            label="site errors"
            value={count(sites, (s) => !!s.last_error)}
            tone={count(sites, (s) => !!s.last_error) ? "bad" : undefined}
          />
          <Count label="groups" value={groups.length} />
          <Count label="prefix lists" value={lists.length} />
          <Count
            label="failed"
            value={count(resources, (r) => r.status === "failed")}
            tone={count(resources, (r) => r.status === "failed") ? "bad" : undefined}
          />
          <Count
            label="syncing"
            value={count(resources, (r) => r.status === "syncing")}
            tone={count(resources, (r) => r.status === "syncing") ? "warn" : undefined}
          />
        </dl>
      </section>
      <section aria-labelledby="attention-title">
        <h2 id="attention-title">Groups and prefix lists not active</h2>
        {attention.length === 0 ? (
          <p class="muted">Every group and prefix list is active.</p>
        ) : (
          <ul class="attention" data-testid="attention">
            {attention.slice(0, SHOWN).map((r) => (
              <li key={r.id}>
                <StatusBadge status={r.status} /> <a href={r.href}>{r.name}</a> <span class="muted">({r.kind})</span>
                {r.sync_errors.length > 0 && <span class="detail">: {r.sync_errors[0].message}</span>}
                {r.status === "syncing" && <span class="detail muted">: waiting for {r.pending_sites.length} site(s)</span>}
              </li>
            ))}
            {attention.length > SHOWN && <li class="muted">and {attention.length - SHOWN} more</li>}
          </ul>
        )}
      </section>
      <section aria-labelledby="sites-title">
        <h2 id="sites-title">Sites needing attention</h2>
        {troubled.length === 0 ? (
          <p class="muted">Every site is online and enforcing its latest revision.</p>
        ) : (
          <ul class="attention" data-testid="troubled-sites">
            {troubled.slice(0, SHOWN).map((s) => (
              <li key={s.id}>
                <SiteState online={s.online} drift={s.drift} error={s.last_error} /> <a href={`#/sites/${s.id}`}>{s.name}</a>{" "}
                <span class="muted">
                  revision {s.applied_revision ?? "none"} of {s.desired_revision}, last seen {when(s.last_seen)}
                </span>
                {s.last_error && <span class="detail">: {s.last_error}</span>}
              </li>
            ))}
            {troubled.length > SHOWN && (
              <li>
                and {troubled.length - SHOWN} more: <a href="#/sites">all sites</a>
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
