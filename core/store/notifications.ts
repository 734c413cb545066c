/**
 * LISTEN on PostgreSQL over one dedicated connection that comes back by
 * itself: when the server goes away (restart, failover, network) the
 * connection is re-opened with backoff and every channel listened to again.
 * Notifications sent while it was down are gone for good (PostgreSQL keeps
 * none for absent listeners), so after each reconnect the `onMissed` callbacks
 * run: subscribers re-check what they were waiting for.
 */
import { Client, type ClientConfig } from "pg";

export type Listener = (payload: string) => void;

const FIRST_RETRY_MS = 100;
/** Kept short: a replica's long polls only hear other replicas' writes while this connection is up. */
const MAX_RETRY_MS = 2000;

export class NotificationConnection {
  private client?: Client;
  private started?: Promise<void>;
  private readonly channels = new Map<string, Set<Listener>>();
  private readonly missed = new Set<() => void>();
  private attempt = 0;
  private retry?: NodeJS.Timeout;
  private closed = false;
  /** Times the connection was re-established (for logs and tests). */
  reconnects = 0;

  constructor(private readonly config: ClientConfig) {}

  /** Whether notifications are being received right now. */
  get connected(): boolean {
    return this.client !== undefined;
  }

  async listen(channel: string, listener: Listener, onMissed?: () => void): Promise<() => Promise<void>> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    // The first subscription connects (and fails if the server cannot be reached); later ones never wait for a reconnect.
    this.started ??= this.connect();
    await this.started;
    let set = this.channels.get(channel);
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
      // Not connected: the reconnect listens to every channel.
      await this.client?.query(`LISTEN ${channel}`).catch(() => undefined);
    }
    set.add(listener);
    if (onMissed) this.missed.add(onMissed);
    return async () => {
      set.delete(listener);
      if (onMissed) this.missed.delete(onMissed);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Opens a connection and listens to every channel; on failure the half-open client is closed. */
  private async connect(): Promise<void> {
    const client = new Client({ keepAlive: true, ...this.config });
    client.on("notification", (msg) => {
      for (const l of this.channels.get(msg.channel) ?? []) l(msg.payload ?? "");
    });
    let up = false;
    const lost = () => {
      if (!up || this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on("error", lost);
    client.on("end", lost);
    try {
      await client.connect();
      // Iterating the live map: a channel added meanwhile is listened to as well.
      for (const channel of this.channels.keys()) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) return void (await client.end().catch(() => undefined));
    up = true;
    this.client = client;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    const step = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(this.attempt++, 10));
    this.retry = setTimeout(
      () => {
        this.retry = undefined;
        this.connect().then(
          () => {
            if (this.closed) return;
            this.attempt = 0;
            this.reconnects++;
            for (const f of this.missed) f();
          },
          () => this.scheduleReconnect(),
        );
      },
      Math.round(step / 2 + (Math.random() * step) / 2),
    );
    // A reconnect in wait must not keep a finished process alive.
    this.retry.unref();
  }
}
