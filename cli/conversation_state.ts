/**
 * The terminal client's open conversation: each `deno task ask` continues the
 * conversation the last one asked in (per server and account), so a follow-up
 * like "and the week before?" works from the shell; `--new` starts over. The
 * id is kept in `DATA_DIR/ask_conversation.json` (`.data` by default), never a
 * token; a conversation idle for more than a day is not continued.
 */
const IDLE_MS = 24 * 60 * 60_000;

type Saved = Record<string, { conversationId: string; at: number }>;

export function conversationFile(dataDir = Deno.env.get("DATA_DIR") ?? ".data"): string {
  return `${dataDir}/ask_conversation.json`;
}

async function readAll(file: string): Promise<Saved> {
  try {
    const parsed = JSON.parse(await Deno.readTextFile(file));
    return parsed && typeof parsed === "object" ? parsed as Saved : {};
  } catch {
    return {}; // none yet, or unreadable: start a new conversation
  }
}

/** The conversation to continue for `key` (server and e-mail), if one is open. */
export async function openConversation(
  file: string,
  key: string,
  now = Date.now(),
): Promise<string | null> {
  const saved = (await readAll(file))[key];
  return saved && now - saved.at <= IDLE_MS ? saved.conversationId : null;
}

export async function rememberConversation(
  file: string,
  key: string,
  conversationId: string,
  now = Date.now(),
): Promise<void> {
  const all = await readAll(file);
  all[key] = { conversationId, at: now };
  await Deno.mkdir(file.slice(0, file.lastIndexOf("/")) || ".", { recursive: true });
  await Deno.writeTextFile(file, JSON.stringify(all, null, 1));
}

export async function forgetConversation(file: string, key: string): Promise<void> {
  const all = await readAll(file);
  if (!(key in all)) return;
  delete all[key];
  await Deno.writeTextFile(file, JSON.stringify(all, null, 1));
}
