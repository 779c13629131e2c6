/**
 * Builds the process's {@link Config} from the environment. Outside production,
 * secrets that are not set come from `DATA_DIR/secrets.json` (generated on
 * first start, with a warning); in production a missing secret is an error.
 */
import { type Config, parseConfig } from "./config.ts";
import { ensureDevSecrets } from "./secrets.ts";

export async function loadConfig(
  env: Record<string, string | undefined>,
  warn: (message: string) => void,
): Promise<Config> {
  if ((env.APP_ENV ?? "development") === "production") return parseConfig(env);
  const dev = await ensureDevSecrets(env.DATA_DIR || ".data");
  const usedNow = dev.generated.filter((name) => !env[name]);
  if (usedNow.length > 0) {
    warn(
      `Generated development secrets ${usedNow.join(", ")} into ${dev.path}. ` +
        `Never use them in production: there, set every secret in the environment.`,
    );
  }
  return parseConfig(env, dev.secrets);
}
