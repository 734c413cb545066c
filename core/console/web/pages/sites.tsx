/** The sites table: online, last seen, desired and applied revision, drift, last error, addresses. */
import { useState } from "preact/hooks";
import type { Site } from "../api";
import { Addresses, Show, SiteState, useLoad, when } from "../ui";
import { bySiteAttention } from "../../attention";

export function SitesPage() {
  const loaded = useLoad((api) => api.listAll<Site>("/vpc/sites"));
  const [filter, setFilter] = useState("");
  return (
    <>
      <h1>Sites</h1>
      <label class="filter">
        Filter by name <input type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
      </label>
      <Show loaded={loaded}>
        {(sites) => {
          const shown = sites.filter((s) => s.name.toLowerCase().includes(filter.toLowerCase())).sort(bySiteAttention);
          return (
            <div class="scroll" tabIndex={0} role="region" aria-label="Sites">
              <table data-testid="sites-table">
                <caption>
                  {shown.length} of {sites.length} sites, those needing attention first
                </caption>
                <thead>
                  <tr>
                    <th scope="col">name</th>
                    <th scope="col">state</th>
                    <th scope="col">last seen</th>
                    <th scope="col">desired</th>
                    <th scope="col">applied</th>
                    <th scope="col">platform</th>
                    <th scope="col">addresses</th>
                    <th scope="col">last error</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((s) => (
                    <tr key={s.id} data-site={s.id}>
                      <th scope="row">
                        <a href={`#/sites/${s.id}`}>{s.name}</a>
                      </th>
                      <td>
                        <SiteState online={s.online} drift={s.drift} error={s.last_error} />
                      </td>
                      <td>{when(s.last_seen)}</td>
                      <td>{s.desired_revision}</td>
                      <td data-testid="applied">{s.applied_revision ?? "none"}</td>
                      <td>
                        {s.platform}
                        {s.mode === "router" ? " (router)" : ""}
                      </td>
                      <td>
                        <Addresses site={s} />
                      </td>
                      <td class="error-text">{s.last_error ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        }}
      </Show>
    </>
  );
}
