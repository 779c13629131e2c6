/**
 * Where the database comes from: `DATABASE_URL` when set, otherwise an embedded
 * PostgreSQL server whose data persists in `DATA_DIR/postgres`.
 */
import type { Config } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import { startEmbeddedPostgres } from "./embedded.ts";

export interface ProvisionedDatabase {
  /** URL with the owner's credentials: migrations run as it, runtime pools switch role. */
  ownerUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function provisionDatabase(
  config: Config,
  log: Logger,
  options: { attachIfRunning?: boolean } = {},
): Promise<ProvisionedDatabase> {
  if (config.databaseUrl) {
    return { ownerUrl: config.databaseUrl, embedded: false, stop: () => Promise.resolve() };
  }
  const server = await startEmbeddedPostgres({
    dataDir: `${config.dataDir}/postgres`,
    port: config.embeddedPostgresPort,
    password: config.embeddedPostgresPassword,
    persistent: true,
    log,
    attachIfRunning: options.attachIfRunning,
  });
  return { ownerUrl: server.url, embedded: true, stop: server.stop };
}
