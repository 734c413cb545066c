/**
 * One site: its state, the effective policy of its desired revision (every attached group's
 * rules merged in evaluation order, and the compiled text per platform), and its revision
 * history with the semantic diff of any two revisions (core/review's, from the API).
 */
import { useEffect, useState } from "preact/hooks";
import type { Api, EffectivePolicy, Revision, ReviewView, Site } from "../api";
import { Addresses, RulesTable, Show, SiteState, useLoad, useSession, when, type Loaded } from "../ui";
import { ApiError } from "../api";

export function SitePage({ id }: { id: string }) {
  const site = useLoad((api) => api.get<Site>(`/vpc/sites/${id}`), [id]);
  const policy = useLoad((api) => api.get<EffectivePolicy>(`/vpc/sites/${id}/policy`), [id]);
  const revisions = useLoad((api) => api.get<Revision[]>(`/vpc/sites/${id}/revisions`), [id]);
  return (
    <Show loaded={site}>
      {(s) => (
        <>
          <h1>
            Site <span data-testid="site-name">{s.name}</span>
          </h1>
          <dl class="facts" data-testid="site-facts">
            <dt>id</dt>
            <dd>
              <code>{s.id}</code>
            </dd>
            <dt>state</dt>
            <dd>
              <SiteState online={s.online} drift={s.drift} error={s.last_error} />
            </dd>
            <dt>last seen</dt>
            <dd>{when(s.last_seen)}</dd>
            <dt>desired revision</dt>
            <dd>{s.desired_revision}</dd>
            <dt>applied revision</dt>
            <dd data-testid="applied">{s.applied_revision ?? "none"}</dd>
            <dt>platform</dt>
            <dd>
              {s.platform}, {s.mode} mode
            </dd>
            <dt>addresses</dt>
            <dd>
              <Addresses site={s} />
            </dd>
            <dt>last error</dt>
            <dd class={s.last_error ? "error-text" : "muted"}>{s.last_error ?? "none"}</dd>
          </dl>
          <PolicySection policy={policy} />
          <RevisionsSection siteId={s.id} revisions={revisions} />
        </>
      )}
    </Show>
  );
}

function PolicySection({ policy }: { policy: Loaded<EffectivePolicy> }) {
  const [platform, setPlatform] = useState<string | null>(null);
  return (
    <section aria-labelledby="policy-title">
      <h2 id="policy-title">Effective policy</h2>
      <Show loaded={policy}>
        {(p) => {
          const shown = p.compiled.find((c) => c.platform === platform) ?? p.compiled[0];
          return (
            <>
              <p class="muted">
                Revision {p.revision}:{" "}
                {p.managed ? `${p.groups.length} group(s), rules in evaluation order.` : "no groups attached; not filtered."}{" "}
                {p.groups.map((g, i) => (
                  <span key={g.id}>
                    {i ? ", " : ""}
                    <a href={`#/groups/${g.id}`}>{g.name}</a>
                  </span>
                ))}
              </p>
              <RulesTable
                caption="Effective rules, in evaluation order"
                rules={p.rules.map((r) => r.rule)}
                names={new Map([...p.prefix_lists, ...p.groups].map((x) => [x.id, x.name]))}
                groupOf={(rule) => {
                  const g = p.rules.find((r) => r.rule.id === rule.id)!.group;
                  return <a href={`#/groups/${g.id}`}>{g.name}</a>;
                }}
              />
              <h3 id="compiled-title">Compiled</h3>
              <div role="tablist" aria-labelledby="compiled-title" class="tabs">
                {p.compiled.map((c) => (
                  <button
                    key={c.platform}
                    role="tab"
                    id={`tab-${c.platform}`}
                    aria-selected={c === shown}
                    aria-controls="compiled-panel"
                    onClick={() => setPlatform(c.platform)}
                  >
                    {c.platform}
                  </button>
                ))}
              </div>
              <div role="tabpanel" id="compiled-panel" aria-labelledby={`tab-${shown.platform}`}>
                {shown.error ? (
                  <p class="error">
                    Does not compile for {shown.platform}: {shown.error}
                  </p>
                ) : (
                  <pre class="compiled" tabIndex={0} data-testid="compiled">
                    {shown.text || "(empty: nothing is filtered)"}
                  </pre>
                )}
              </div>
            </>
          );
        }}
      </Show>
    </section>
  );
}

function RevisionsSection({ siteId, revisions }: { siteId: string; revisions: Loaded<Revision[]> }) {
  return (
    <section aria-labelledby="revisions-title">
      <h2 id="revisions-title">Revisions</h2>
      <Show loaded={revisions}>
        {(list) =>
          list.length === 0 ? (
            <p class="muted">No revisions yet: attach a group to this site.</p>
          ) : (
            <>
              <div class="scroll" tabIndex={0} role="region" aria-label="Revision history">
                <table data-testid="revisions">
                  <caption>Newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">revision</th>
                      <th scope="col">created</th>
                      <th scope="col">state</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((r) => (
                      <tr key={r.revision}>
                        <td>{r.revision}</td>
                        <td>{new Date(r.created_at).toLocaleString()}</td>
                        <td>{[r.desired && "desired", r.applied && "applied", !r.managed && "not filtered"].filter(Boolean).join(", ")}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <DiffPicker siteId={siteId} revisions={list.filter((r) => r.diffable)} />
            </>
          )
        }
      </Show>
    </section>
  );
}

function DiffPicker({ siteId, revisions }: { siteId: string; revisions: Revision[] }) {
  const { api } = useSession();
  const newest = revisions[0]?.revision;
  const [base, setBase] = useState<number | undefined>(revisions[1]?.revision ?? newest);
  const [head, setHead] = useState<number | undefined>(newest);
  const [review, setReview] = useState<{ view?: ReviewView; error?: string }>({});
  useEffect(() => {
    if (base === undefined && revisions.length) setBase(revisions[Math.min(1, revisions.length - 1)].revision);
    if (head === undefined && revisions.length) setHead(revisions[0].revision);
  }, [revisions.length]);
  if (revisions.length < 1) return null;
  const options = revisions.map((r) => (
    <option key={r.revision} value={r.revision}>
      {r.revision}
    </option>
  ));
  const show = async (event: Event) => {
    event.preventDefault();
    setReview({});
    try {
      setReview({ view: await diffOf(api, siteId, base!, head!) });
    } catch (err) {
      setReview({ error: err instanceof ApiError ? err.message : String(err) });
    }
  };
  return (
    <form class="diff-form" onSubmit={show} aria-labelledby="diff-title">
      <h3 id="diff-title">What a change does</h3>
      <label>
        from revision{" "}
        <select value={base} onChange={(e) => setBase(Number((e.target as HTMLSelectElement).value))}>
          {options}
        </select>
      </label>
      <label>
        to revision{" "}
        <select value={head} onChange={(e) => setHead(Number((e.target as HTMLSelectElement).value))}>
          {options}
        </select>
      </label>
      <button type="submit">Show the diff</button>
      <div aria-live="polite">
        {review.error && <p class="error">{review.error}</p>}
        {review.view && <ReviewBody review={review.view} />}
      </div>
    </form>
  );
}

const diffOf = (api: Api, siteId: string, base: number, head: number) =>
  api.get<ReviewView>(`/vpc/sites/${siteId}/revisions/diff?base=${base}&head=${head}`);

function ReviewBody({ review }: { review: ReviewView }) {
  return (
    <div class="review" data-testid="review">
      <p>
        {review.base} → {review.head}:{" "}
        {review.effectiveChange
          ? "the traffic allowed changes."
          : review.textChanged
            ? "the text changes, the traffic allowed does not."
            : "no change."}
      </p>
      <Regions title="Newly allowed" regions={review.newlyAllowed} tone="opened" />
      <Regions title="No longer allowed" regions={review.noLongerAllowed} tone="closed" />
      {review.groups.map((g) => (
        <div key={g.name}>
          <h4>
            Group {g.name} ({g.status})
          </h4>
          <ul>
            {g.added.map((r) => (
              <li key={`a${r.order}`} class="opened">
                added rule {r.order}: {r.description}
              </li>
            ))}
            {g.removed.map((r) => (
              <li key={`r${r.order}`} class="closed">
                removed rule {r.order}: {r.description}
              </li>
            ))}
            {g.changed.map((c) => (
              <li key={`c${c.order}`}>
                rule {c.order} changed: {c.fields.join(", ")}
              </li>
            ))}
          </ul>
        </div>
      ))}
      {review.findings.length > 0 && (
        <>
          <h4>Lint</h4>
          <ul>
            {review.findings.map((f, i) => (
              <li key={i}>
                <strong>{f.severity}</strong>: {f.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function Regions({ title, regions, tone }: { title: string; regions: ReviewView["newlyAllowed"]; tone: string }) {
  return (
    <>
      <h4>{title}</h4>
      {regions.length ? (
        <ul class={tone}>
          {regions.map((r, i) => (
            <li key={i}>{r.text}</li>
          ))}
        </ul>
      ) : (
        <p class="muted">nothing</p>
      )}
    </>
  );
}
