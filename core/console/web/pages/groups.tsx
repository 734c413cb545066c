/** Security groups and prefix lists: lists by status (failed, syncing first), and one of each with rules, sync errors and sites. */
import type { Api, Group, PrefixList, Site } from "../api";
import { RulesTable, Show, StatusBadge, SyncErrors, useLoad } from "../ui";
import { byStatus } from "../../attention";

const withSites = async <T,>(api: Api, load: Promise<T>): Promise<{ item: T; names: Map<string, string> }> => {
  const [item, sites] = await Promise.all([load, api.listAll<Site>("/vpc/sites")]);
  return { item, names: new Map(sites.map((s) => [s.id, s.name])) };
};

export function GroupsPage() {
  const loaded = useLoad((api) => api.listAll<Group>("/vpc/security-groups"));
  return (
    <>
      <h1>Security groups</h1>
      <Show loaded={loaded}>{(groups) => <ResourceTable kind="groups" items={[...groups].sort(byStatus)} />}</Show>
    </>
  );
}

export function PrefixListsPage() {
  const loaded = useLoad((api) => api.listAll<PrefixList>("/vpc/prefix-lists"));
  return (
    <>
      <h1>Prefix lists</h1>
      <Show loaded={loaded}>{(lists) => <ResourceTable kind="prefix-lists" items={[...lists].sort(byStatus)} />}</Show>
    </>
  );
}

function ResourceTable({ kind, items }: { kind: "groups" | "prefix-lists"; items: (Group | PrefixList)[] }) {
  if (!items.length) return <p class="muted">None yet.</p>;
  return (
    <div class="scroll" tabIndex={0} role="region" aria-label={kind === "groups" ? "Security groups" : "Prefix lists"}>
      <table data-testid={`${kind}-table`}>
        <caption>Failed and syncing first</caption>
        <thead>
          <tr>
            <th scope="col">name</th>
            <th scope="col">status</th>
            <th scope="col">{kind === "groups" ? "rules" : "prefixes"}</th>
            <th scope="col">sites</th>
            <th scope="col">problem</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id}>
              <th scope="row">
                <a href={`#/${kind}/${r.id}`}>{r.name}</a>
              </th>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td>{"rules" in r ? r.rules.length : r.prefixes.length}</td>
              <td>{r.sites.length}</td>
              <td class="error-text">
                {r.sync_errors[0]?.message ?? (r.pending_sites.length ? `waiting for ${r.pending_sites.length} site(s)` : "")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function GroupPage({ id }: { id: string }) {
  const loaded = useLoad((api) => withSites(api, api.get<Group>(`/vpc/security-groups/${id}`)), [id]);
  return (
    <Show loaded={loaded}>
      {({ item: g, names }) => (
        <>
          <h1>
            Group <span data-testid="group-name">{g.name}</span> <StatusBadge status={g.status} />
          </h1>
          {g.description && <p>{g.description}</p>}
          <SyncErrors errors={g.sync_errors} siteName={(s) => names.get(s) ?? s} />
          <Pending item={g} names={names} />
          <RulesTable caption="Rules, in evaluation order" rules={[...g.rules].sort((a, b) => a.order - b.order)} />
          <AttachedSites ids={g.sites} names={names} />
        </>
      )}
    </Show>
  );
}

export function PrefixListPage({ id }: { id: string }) {
  const loaded = useLoad(
    async (api) => {
      const [list, groups] = await Promise.all([
        withSites(api, api.get<PrefixList>(`/vpc/prefix-lists/${id}`)),
        api.listAll<Group>("/vpc/security-groups"),
      ]);
      return { ...list, users: groups.filter((g) => g.rules.some((r) => r.address === id)) };
    },
    [id],
  );
  return (
    <Show loaded={loaded}>
      {({ item: l, names, users }) => (
        <>
          <h1>
            Prefix list <span data-testid="list-name">{l.name}</span> <StatusBadge status={l.status} />
          </h1>
          {l.description && <p>{l.description}</p>}
          <SyncErrors errors={l.sync_errors} siteName={(s) => names.get(s) ?? s} />
          <Pending item={l} names={names} />
          <div class="scroll" tabIndex={0} role="region" aria-label="Prefixes">
            <table>
              <caption>Prefixes</caption>
              <thead>
                <tr>
                  <th scope="col">CIDR</th>
                  <th scope="col">description</th>
                </tr>
              </thead>
              <tbody>
                {l.prefixes.map((p) => (
                  <tr key={p.cidr}>
                    <td>
                      <code>{p.cidr}</code>
                    </td>
                    <td>{p.description ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>Used by groups</h2>
          {users.length ? (
            <ul>
              {users.map((g) => (
                <li key={g.id}>
                  <a href={`#/groups/${g.id}`}>{g.name}</a>
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">No group refers to it.</p>
          )}
          <AttachedSites ids={l.sites} names={names} />
        </>
      )}
    </Show>
  );
}

function Pending({ item, names }: { item: Group | PrefixList; names: Map<string, string> }) {
  if (!item.pending_sites.length) return null;
  return (
    <section aria-labelledby="pending-title">
      <h2 id="pending-title">Waiting for</h2>
      <ul>
        {item.pending_sites.map((p) => (
          <li key={p.site}>
            <a href={`#/sites/${p.site}`}>{names.get(p.site) ?? p.site}</a>: revision {p.revision}, {p.reason.replace(/_/g, " ")}
          </li>
        ))}
      </ul>
    </section>
  );
}

function AttachedSites({ ids, names }: { ids: string[]; names: Map<string, string> }) {
  return (
    <section aria-labelledby="attached-title">
      <h2 id="attached-title">Attached sites</h2>
      {ids.length ? (
        <ul data-testid="attached-sites">
          {ids.map((s) => (
            <li key={s}>
              <a href={`#/sites/${s}`}>{names.get(s) ?? s}</a>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">None.</p>
      )}
    </section>
  );
}
