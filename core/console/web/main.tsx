/**
 * The console's shell: sign-in with an API token (kept in sessionStorage, this tab only),
 * hash routing (nothing but the page name ever goes in the URL), and the live event stream
 * that makes every page reload its data when the organization changes.
 */
import { render } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Api, ApiError, storedToken, storeToken } from "./api";
import { SessionContext } from "./ui";
import { OverviewPage } from "./pages/overview";
import { SitesPage } from "./pages/sites";
import { SitePage } from "./pages/site";
import { GroupPage, GroupsPage, PrefixListPage, PrefixListsPage } from "./pages/groups";
import "./style.css";

performance.mark("console:start");

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return hash;
}

const NAV = [
  ["#/", "Overview"],
  ["#/sites", "Sites"],
  ["#/groups", "Security groups"],
  ["#/prefix-lists", "Prefix lists"],
] as const;

function route(hash: string) {
  const [, page = "", id] = hash.replace(/^#/, "").split("/");
  if (page === "sites") return id ? <SitePage id={id} /> : <SitesPage />;
  if (page === "groups") return id ? <GroupPage id={id} /> : <GroupsPage />;
  if (page === "prefix-lists") return id ? <PrefixListPage id={id} /> : <PrefixListsPage />;
  return <OverviewPage />;
}

function App() {
  const [token, setToken] = useState(storedToken());
  const signOut = () => {
    storeToken(null);
    setToken(null);
  };
  if (!token) {
    return (
      <SignIn
        onSignedIn={(t) => {
          storeToken(t);
          setToken(t);
        }}
      />
    );
  }
  return <Console token={token} onSignOut={signOut} />;
}

function SignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const submit = async (event: Event) => {
    event.preventDefault();
    const token = input.current!.value.trim();
    if (!token) return setError("Paste an API token.");
    setBusy(true);
    try {
      // Any authenticated read tells whether the API takes the token.
      await new Api(token).get("/vpc/sites?limit=1");
      onSignedIn(token);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401 ? `The API refused this token: ${err.message}` : String((err as Error).message),
      );
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <h1>secgroups console</h1>
      <form onSubmit={submit} aria-describedby="signin-help">
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          ref={input}
          aria-invalid={error ? true : undefined}
        />
        <p id="signin-help" class="muted">
          The token (a JWT from <code>secgroups token --org ORG</code> or your identity provider) stays in this tab only and is sent to this
          server's API in the Authorization header. You see what the API shows that token.
        </p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <p role="alert" class="error">
          {error ?? ""}
        </p>
      </form>
    </main>
  );
}

function Console({ token, onSignOut }: { token: string; onSignOut: () => void }) {
  const api = useMemo(() => new Api(token), [token]);
  const hash = useHash();
  const [generation, setGeneration] = useState(0);
  const [live, setLive] = useState(false);
  useEffect(() => {
    const abort = new AbortController();
    let first = true;
    api.watch(
      () => {
        // The stream's first event states the fingerprint the page was loaded at; after a
        // reconnect the first one may be news, so only the very first is skipped.
        if (first) first = false;
        else setGeneration((g) => g + 1);
      },
      setLive,
      abort.signal,
    );
    return () => abort.abort();
  }, [api]);
  const current = (NAV.find(([href]) => href !== "#/" && hash.startsWith(href)) ?? NAV[0])[0];
  return (
    <SessionContext.Provider value={{ api, generation }}>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header>
        <span class="brand">secgroups</span>
        <nav aria-label="Console">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <a href={href} aria-current={href === current ? "page" : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class={`live ${live ? "on" : "off"}`} role="status" data-testid="live">
          {live ? "live" : "not live"}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {route(hash)}
      </main>
    </SessionContext.Provider>
  );
}

render(<App />, document.getElementById("app")!);
