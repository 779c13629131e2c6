import assert from "node:assert/strict";
import {
  forgetConversation,
  openConversation,
  rememberConversation,
} from "./conversation_state.ts";

Deno.test("the last conversation is continued per server and account, until a day idle", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/sub/ask_conversation.json`;
  try {
    assert.equal(await openConversation(file, "a"), null);
    await rememberConversation(file, "a", "c1", 1_000);
    await rememberConversation(file, "b", "c2", 1_000);
    assert.equal(await openConversation(file, "a", 2_000), "c1");
    assert.equal(await openConversation(file, "b", 2_000), "c2");
    assert.equal(await openConversation(file, "a", 1_000 + 24 * 3_600_000 + 1), null);
    await forgetConversation(file, "a");
    assert.equal(await openConversation(file, "a", 2_000), null);
    assert.equal(await openConversation(file, "b", 2_000), "c2");
    await Deno.writeTextFile(file, "not json");
    assert.equal(await openConversation(file, "b", 2_000), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
