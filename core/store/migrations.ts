import type { Database } from "./database";

/** Ordered, append-only schema migrations; the same SQL on PGlite and PostgreSQL. */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE sites (
    id text PRIMARY KEY,
    org_id text NOT NULL,
    name text NOT NULL,
    platform text NOT NULL,
    mode text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    version integer NOT NULL DEFAULT 1,
    desired_revision bigint NOT NULL DEFAULT 0,
    applied_revision bigint,
    applied_digest text,
    last_seen timestamptz,
    drift boolean NOT NULL DEFAULT false,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX sites_org ON sites (org_id, id);

  CREATE TABLE prefix_lists (
    id text PRIMARY KEY,
    org_id text NOT NULL,
    name text NOT NULL,
    description text,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX prefix_lists_org ON prefix_lists (org_id, id);

  CREATE TABLE prefixes (
    id text PRIMARY KEY,
    prefix_list_id text NOT NULL REFERENCES prefix_lists (id) ON DELETE CASCADE,
    position integer NOT NULL,
    cidr text NOT NULL,
    description text,
    UNIQUE (prefix_list_id, cidr)
  );

  CREATE TABLE prefix_list_sites (
    prefix_list_id text NOT NULL REFERENCES prefix_lists (id) ON DELETE CASCADE,
    site_id text NOT NULL REFERENCES sites (id),
    PRIMARY KEY (prefix_list_id, site_id)
  );
  CREATE INDEX prefix_list_sites_site ON prefix_list_sites (site_id);

  CREATE TABLE security_groups (
    id text PRIMARY KEY,
    org_id text NOT NULL,
    name text NOT NULL,
    description text,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX security_groups_org ON security_groups (org_id, id);

  CREATE TABLE rules (
    id text PRIMARY KEY,
    group_id text NOT NULL REFERENCES security_groups (id) ON DELETE CASCADE,
    direction text NOT NULL,
    rule_order integer NOT NULL,
    protocol integer NOT NULL,
    port text NOT NULL,
    address text NOT NULL,
    description text NOT NULL,
    action text NOT NULL,
    icmp_type integer,
    icmp_code integer,
    log boolean NOT NULL,
    UNIQUE (group_id, rule_order)
  );
  CREATE INDEX rules_prefix_list ON rules (address) WHERE address LIKE 'prfx_lst_%';

  CREATE TABLE group_sites (
    group_id text NOT NULL REFERENCES security_groups (id) ON DELETE CASCADE,
    site_id text NOT NULL REFERENCES sites (id),
    PRIMARY KEY (group_id, site_id)
  );
  CREATE INDEX group_sites_site ON group_sites (site_id);

  -- Compiled configurations, stored once per distinct content.
  CREATE TABLE configs (
    digest text PRIMARY KEY,
    body text NOT NULL
  );

  CREATE TABLE site_revisions (
    site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    revision bigint NOT NULL,
    digest text NOT NULL REFERENCES configs (digest),
    managed boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site_id, revision)
  );

  -- What each changed resource waits for: a site applying a revision.
  CREATE TABLE sync_targets (
    resource_id text NOT NULL,
    site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    revision bigint NOT NULL,
    state text NOT NULL,
    error text,
    deadline timestamptz NOT NULL,
    PRIMARY KEY (resource_id, site_id)
  );
  CREATE INDEX sync_targets_pending ON sync_targets (site_id, revision) WHERE state <> 'applied';

  CREATE TABLE idempotency_keys (
    org_id text NOT NULL,
    key text NOT NULL,
    route text NOT NULL,
    request_hash text NOT NULL,
    status integer,
    response text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, key)
  );
  `,
  // #15: site addresses (declared, and reported by the agent); rules may name a group as their peer.
  `
  ALTER TABLE sites ADD COLUMN addresses text[] NOT NULL DEFAULT '{}';
  ALTER TABLE sites ADD COLUMN reported_addresses text[] NOT NULL DEFAULT '{}';
  CREATE INDEX rules_group_ref ON rules (address) WHERE address LIKE 'sec_grp_%';
  `,
  // The policy document each site revision was compiled from (content-addressed like configs),
  // so the console can show a revision's effective policy and the semantic diff of two revisions.
  // Revisions stored before this migration have none.
  `
  CREATE TABLE policy_snapshots (
    digest text PRIMARY KEY,
    body text NOT NULL
  );
  ALTER TABLE site_revisions ADD COLUMN policy_digest text REFERENCES policy_snapshots (digest);
  `,
  `
  -- A new random token on every write of a prefix list (#17): what the deployer's cache of
  -- unchanged lists is keyed by (a rolled-back write's token is never seen again).
  ALTER TABLE prefix_lists ADD COLUMN content_token text;
  UPDATE prefix_lists SET content_token = md5(id || random()::text || clock_timestamp()::text);
  ALTER TABLE prefix_lists ALTER COLUMN content_token SET NOT NULL;

  -- A configuration may be stored as a line delta of an earlier one (#17): a one-prefix change
  -- of a 1.4 MB configuration stores a few kB. depth = deltas between it and a full text.
  ALTER TABLE configs ADD COLUMN base_digest text REFERENCES configs (digest);
  ALTER TABLE configs ADD COLUMN depth integer NOT NULL DEFAULT 0;
  `,
  `
  -- A policy snapshot names its prefix lists by the digest of their content, each stored once
  -- here (#17): a one-prefix edit of one list of 200 stores that list, not 100,000 prefixes again.
  -- Snapshots stored before this migration keep their lists inline.
  CREATE TABLE policy_pieces (
    digest text PRIMARY KEY,
    body text NOT NULL
  );
  `,
];

export async function migrate(db: Database): Promise<void> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  for (let i = 0; i < MIGRATIONS.length; i++) {
    const version = i + 1;
    await db.transaction(async (tx) => {
      // Serializes concurrent replicas starting on one PostgreSQL.
      await tx.query(`LOCK TABLE schema_migrations IN EXCLUSIVE MODE`);
      const done = await tx.query(`SELECT 1 FROM schema_migrations WHERE version = $1`, [version]);
      if (done.length) return;
      for (const statement of splitStatements(MIGRATIONS[i])) await tx.query(statement);
      await tx.query(`INSERT INTO schema_migrations (version) VALUES ($1)`, [version]);
    });
  }
}

function splitStatements(sql: string): string[] {
  return sql
    .split(";")
    .map((s) => s.replace(/--.*$/gm, "").trim())
    .filter(Boolean);
}
