/**
 * The runtime's only door to tenant data.
 *
 * Two pools connect with the owner's credentials but act as roles that are
 * neither owner nor superuser: `alatar_app` for everything a tenant does, and
 * `alatar_system` for the few named cross-tenant jobs, whose reach is limited
 * by their own row-level policies (see db/migrations).
 *
 * @example
 * ```ts
 * const db = connectDatabase({ url, poolMax: 10, log });
 * const rows = await db.withTenant(userId, (tx) => tx`select id from analysis_requests`);
 * ```
 */
import postgres from "postgres";
import type { Logger } from "../log/logger.ts";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

export const APP_ROLE = "alatar_app";
export const SYSTEM_ROLE = "alatar_system";

export interface Database {
  /**
   * Runs `fn` in a transaction in which row-level security sees `userId` as
   * the tenant. Commits when `fn` resolves, rolls back when it throws.
   * `snapshot: true` makes it a read-only transaction whose statements all
   * see one snapshot (repeatable read), for reads that must agree.
   */
  withTenant<T>(
    userId: string,
    fn: (tx: Tx) => Promise<T>,
    options?: { snapshot?: boolean },
  ): Promise<T>;
  /**
   * Work on shared, non-tenant tables (e.g. rate-limit counters) before anyone
   * is signed in. Runs as the app role with no tenant set, so row-level
   * security hides every tenant row.
   */
  withoutTenant<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Cross-tenant system work (e.g. purging expired cache rows). `purpose` is
   * logged; what the role may touch is fixed by its policies, not by code.
   */
  withSystem<T>(purpose: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * LISTENs on `channel` over one dedicated connection, which postgres.js
   * re-opens and re-LISTENs after a drop; `onListen` runs each time it is
   * (re)established, so a caller can catch up on what it missed meanwhile.
   */
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    onListen: () => void,
  ): Promise<{ unlisten(): Promise<void> }>;
  /** Resolves when the database answers, rejects after `timeoutMs`. */
  ping(timeoutMs?: number): Promise<void>;
  end(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  poolMax: number;
  log: Logger;
  /** Longest a tenant statement may run; 15 s by default. */
  statementTimeoutMs?: number;
  /**
   * Commit without waiting for the WAL flush (`synchronous_commit = off`).
   * Only for the pool of job handlers: pg-boss completes each job on its own
   * pool with a durable commit, which flushes the WAL of every commit before
   * it, so a handler's writes can only be lost (in a Postgres crash) together
   * with its job's completion, and then the job runs again, as after a worker
   * crash. An analysis commits some 80 times; waiting for the disk each time
   * kept the worker idle for a fifth of its run.
   */
  asyncCommit?: boolean;
}

/**
 * Limits every pooled connection carries. A statement past its limit is
 * cancelled, and a transaction left idle (its code stuck between queries) is
 * ended, so neither can hold a connection and its row locks indefinitely.
 */
export interface PoolTimeouts {
  statementMs: number;
  idleInTransactionMs: number;
  /** See DatabaseOptions.asyncCommit. */
  asyncCommit?: boolean;
}

/**
 * Seconds before a pool's next connection attempt after `retries` failed ones:
 * 10 ms, 30 ms, 90 ms … capped at 1 s, each scaled by a random 50–100 %.
 * postgres.js's own default grows to 20 s, so after a database restart a
 * request could wait 15–20 s for a server that had long been back; the jitter
 * keeps a fleet of processes from reconnecting in lockstep.
 */
export function reconnectBackoff(retries: number): number {
  return (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 1);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opens a pool that acts as `role` on every connection. */
export function openPool(
  url: string,
  role: string,
  max: number,
  timeouts: PoolTimeouts = { statementMs: 15_000, idleInTransactionMs: 60_000 },
): Sql {
  return postgres(url, {
    max,
    connect_timeout: 10,
    idle_timeout: 60,
    backoff: reconnectBackoff,
    onnotice: () => {},
    // Startup parameters: every pooled connection is the role, with its limits, before its first query.
    connection: {
      role,
      application_name: `alatar:${role}`,
      statement_timeout: String(timeouts.statementMs),
      idle_in_transaction_session_timeout: String(timeouts.idleInTransactionMs),
      ...(timeouts.asyncCommit ? { synchronous_commit: "off" } : {}),
    } as Record<string, string>,
  });
}

/** A canonical (dashed) UUID, as ids in URLs and arguments must be. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function connectDatabase(options: DatabaseOptions): Database {
  const app = openPool(options.url, APP_ROLE, options.poolMax, {
    statementMs: options.statementTimeoutMs ?? 15_000,
    idleInTransactionMs: 60_000,
    asyncCommit: options.asyncCommit,
  });
  // System work (purges across every tenant) may take longer than a request's statement.
  const system = openPool(options.url, SYSTEM_ROLE, 2, {
    statementMs: 60_000,
    idleInTransactionMs: 60_000,
  });

  return {
    withTenant<T>(
      userId: string,
      fn: (tx: Tx) => Promise<T>,
      options?: { snapshot?: boolean },
    ): Promise<T> {
      if (!UUID.test(userId)) {
        return Promise.reject(new Error(`Cannot open tenant context: "${userId}" is not a uuid`));
      }
      const mode = options?.snapshot ? "isolation level repeatable read read only" : "";
      return app.begin(mode, async (tx) => {
        // Not awaited first: postgres.js sends it pipelined ahead of fn's first query on this
        // connection, which runs after it. If it failed, fn would see no tenant rows at all, and
        // awaiting it below rolls the transaction back.
        const tenant = tx`select set_config('app.current_user_id', ${userId}, true)`;
        tenant.catch(() => {});
        const result = await fn(tx);
        await tenant;
        return result;
      }) as Promise<T>;
    },
    withoutTenant<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return app.begin((tx) => fn(tx)) as Promise<T>;
    },
    withSystem<T>(purpose: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
      options.log.debug("system database work", { purpose });
      return system.begin((tx) => fn(tx)) as Promise<T>;
    },
    async listen(channel, onNotify, onListen) {
      const { unlisten } = await app.listen(channel, onNotify, onListen);
      return { unlisten: () => unlisten() };
    },
    async ping(timeoutMs = 2000): Promise<void> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("database ping timed out")), timeoutMs);
      });
      try {
        await Promise.race([app`select 1`, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async end(): Promise<void> {
      await Promise.all([app.end({ timeout: 5 }), system.end({ timeout: 5 })]);
    },
  };
}

/** A batch of rows as one JSON parameter, expanded in SQL by `jsonb_to_recordset`. */
// deno-lint-ignore no-explicit-any
export const jsonParam = (tx: Tx, value: unknown) => tx.json(value as any);
