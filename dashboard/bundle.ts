/**
 * The dashboard's script: `dashboard/client/main.ts` and what it imports (Chart.js, the
 * graphql-sse client, our formatter), bundled for the browser by `deno bundle` (esbuild).
 *
 * In development it is built in memory on first use, so an edit shows on the next start with no
 * build step. The production image builds it once (`deno task bundle`, run by the Dockerfile) into
 * `dashboard/dist/app.js`, because the production process may not start subprocesses.
 *
 * @example
 * ```ts
 * const bundle = await clientBundle({ prebuilt: false });
 * bundle.path; // "/app/assets/app-3f2a9c1e7b.js"
 * ```
 */
import { encodeHexLowerCase } from "@oslojs/encoding";

export interface ClientBundle {
  /** Where the page loads it from; the name carries a hash of the content, so it is cached forever. */
  path: string;
  js: Uint8Array;
  gzip: Uint8Array;
}

export const ENTRY = new URL("./client/main.ts", import.meta.url);
export const PREBUILT = new URL("./dist/app.js", import.meta.url);
const ROOT = new URL("../", import.meta.url);
const BUILD_TIMEOUT_MS = 60_000;

/** Bundles the client with the Deno that runs us; the minified script, or an error naming why not. */
export async function bundleClient(): Promise<Uint8Array> {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "browser", "--minify", ENTRY.pathname],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(BUILD_TIMEOUT_MS),
  });
  const { success, stdout, stderr } = await command.output();
  if (!success || stdout.length === 0) {
    throw new Error(
      `Cannot bundle the dashboard's script: ${new TextDecoder().decode(stderr).trim()}`,
    );
  }
  return stdout;
}

let built: Promise<ClientBundle> | null = null;

/**
 * The bundle, made once per process: read from `dashboard/dist/app.js` when `prebuilt`
 * (production), else bundled now. A failed build is not remembered, so a later request retries.
 */
export function clientBundle(options: { prebuilt: boolean }): Promise<ClientBundle> {
  built ??= (options.prebuilt ? Deno.readFile(PREBUILT) : bundleClient()).then(describe);
  built.catch(() => built = null);
  return built;
}

async function describe(js: Uint8Array): Promise<ClientBundle> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", js as BufferSource));
  const gzip = new Uint8Array(
    await new Response(
      new Blob([js as BlobPart]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer(),
  );
  return { path: `/app/assets/app-${encodeHexLowerCase(digest).slice(0, 16)}.js`, js, gzip };
}

/** `deno task bundle`: writes the production bundle and says how big it is. */
if (import.meta.main) {
  const js = await bundleClient();
  await Deno.mkdir(new URL("./dist/", import.meta.url), { recursive: true });
  await Deno.writeFile(PREBUILT, js);
  const { gzip } = await describe(js);
  console.log(
    `${PREBUILT.pathname}: ${js.length} bytes, ${gzip.length} gzipped`,
  );
}
