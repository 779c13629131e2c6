/**
 * LangGraph's checkpointer protocol on Postgres, scoped to one tenant: every
 * read and write runs in `db.withTenant(userId)`, so row-level security keeps
 * a graph's state with its user. The thread id is the analysis request's id.
 *
 * A worker killed mid-graph leaves the last checkpoint and the writes of the
 * tasks that finished; the retried job resumes from there (LangGraph replays
 * only what has no stored write).
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  compareWritesSortKeys,
  copyCheckpoint,
  type PendingWrite,
  WRITES_IDX_MAP,
  writesSortKey,
} from "@langchain/langgraph-checkpoint";
import type { Database, Tx } from "../db/database.ts";
import { isUuid } from "../db/database.ts";

interface CheckpointRow {
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  checkpoint: Uint8Array;
  checkpoint_type: string;
  metadata: Uint8Array;
  metadata_type: string;
}

export class PostgresCheckpointer extends BaseCheckpointSaver {
  constructor(private readonly db: Database, private readonly userId: string) {
    super();
  }

  #thread(config: RunnableConfig): string {
    const thread = config.configurable?.thread_id;
    if (typeof thread !== "string" || !isUuid(thread)) {
      throw new Error("checkpoints need configurable.thread_id: the analysis request's id");
    }
    return thread;
  }

  #tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.withTenant(this.userId, fn);
  }

  async #tuple(tx: Tx, thread: string, row: CheckpointRow): Promise<CheckpointTuple> {
    const writes = await tx<
      {
        task_id: string;
        idx: number;
        channel: string;
        value: Uint8Array;
        value_type: string;
        task_path: string;
      }[]
    >`select task_id, idx, channel, value, value_type, task_path from analysis_checkpoint_writes
      where analysis_request_id = ${thread} and checkpoint_ns = ${row.checkpoint_ns}
        and checkpoint_id = ${row.checkpoint_id}`;
    writes.sort((a, b) =>
      compareWritesSortKeys(
        writesSortKey(a.task_path, a.task_id, a.idx),
        writesSortKey(b.task_path, b.task_id, b.idx),
      )
    );
    const pendingWrites: CheckpointPendingWrite[] = await Promise.all(
      writes.map(async (w) =>
        [
          w.task_id,
          w.channel,
          await this.serde.loadsTyped(w.value_type, w.value),
        ] as CheckpointPendingWrite
      ),
    );
    const tuple: CheckpointTuple = {
      config: {
        configurable: {
          thread_id: thread,
          checkpoint_ns: row.checkpoint_ns,
          checkpoint_id: row.checkpoint_id,
        },
      },
      checkpoint: await this.serde.loadsTyped(row.checkpoint_type, row.checkpoint),
      metadata: await this.serde.loadsTyped(row.metadata_type, row.metadata),
      pendingWrites,
    };
    if (row.parent_checkpoint_id) {
      tuple.parentConfig = {
        configurable: {
          thread_id: thread,
          checkpoint_ns: row.checkpoint_ns,
          checkpoint_id: row.parent_checkpoint_id,
        },
      };
    }
    return tuple;
  }

  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const thread = this.#thread(config);
    const ns = config.configurable?.checkpoint_ns ?? "";
    const id = config.configurable?.checkpoint_id as string | undefined;
    return await this.#tx(async (tx) => {
      const [row] = await tx<CheckpointRow[]>`
        select checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, checkpoint_type,
               metadata, metadata_type
        from analysis_checkpoints
        where analysis_request_id = ${thread} and checkpoint_ns = ${ns}
          ${id ? tx`and checkpoint_id = ${id}` : tx``}
        order by checkpoint_id desc limit 1`;
      return row ? await this.#tuple(tx, thread, row) : undefined;
    });
  }

  override async *list(
    config: RunnableConfig,
    options: CheckpointListOptions = {},
  ): AsyncGenerator<CheckpointTuple> {
    const thread = this.#thread(config);
    const ns = config.configurable?.checkpoint_ns as string | undefined;
    const id = config.configurable?.checkpoint_id as string | undefined;
    const before = options.before?.configurable?.checkpoint_id as string | undefined;
    const tuples = await this.#tx(async (tx) => {
      const rows = await tx<CheckpointRow[]>`
        select checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, checkpoint_type,
               metadata, metadata_type
        from analysis_checkpoints
        where analysis_request_id = ${thread}
          ${ns !== undefined ? tx`and checkpoint_ns = ${ns}` : tx``}
          ${id ? tx`and checkpoint_id = ${id}` : tx``}
          ${before ? tx`and checkpoint_id < ${before}` : tx``}
        order by checkpoint_id desc`;
      const out: CheckpointTuple[] = [];
      for (const row of rows) {
        const tuple = await this.#tuple(tx, thread, row);
        const metadata = (tuple.metadata ?? {}) as Record<string, unknown>;
        if (
          options.filter &&
          !Object.entries(options.filter).every(([k, v]) => metadata[k] === v)
        ) continue;
        out.push(tuple);
        if (options.limit !== undefined && out.length >= options.limit) break;
      }
      return out;
    });
    yield* tuples;
  }

  override async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    _newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    const thread = this.#thread(config);
    const ns = config.configurable?.checkpoint_ns ?? "";
    const [[checkpointType, serialized], [metadataType, serializedMetadata]] = await Promise.all([
      this.serde.dumpsTyped(copyCheckpoint(checkpoint)),
      this.serde.dumpsTyped(metadata),
    ]);
    await this.#tx((tx) =>
      tx`insert into analysis_checkpoints (user_id, analysis_request_id, checkpoint_ns,
           checkpoint_id, parent_checkpoint_id, checkpoint, checkpoint_type, metadata, metadata_type)
         values (${this.userId}, ${thread}, ${ns}, ${checkpoint.id},
           ${config.configurable?.checkpoint_id ?? null}, ${serialized}, ${checkpointType},
           ${serializedMetadata}, ${metadataType})
         on conflict (analysis_request_id, checkpoint_ns, checkpoint_id) do update set
           checkpoint = excluded.checkpoint, checkpoint_type = excluded.checkpoint_type,
           metadata = excluded.metadata, metadata_type = excluded.metadata_type`
    );
    return { configurable: { thread_id: thread, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  override async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath = "",
  ): Promise<void> {
    const thread = this.#thread(config);
    const ns = config.configurable?.checkpoint_ns ?? "";
    const checkpointId = config.configurable?.checkpoint_id;
    if (!checkpointId) throw new Error("writes need configurable.checkpoint_id");
    if (writes.length === 0) return;
    const rows = await Promise.all(writes.map(async ([channel, value], i) => {
      const [type, bytes] = await this.serde.dumpsTyped(value);
      return {
        user_id: this.userId,
        analysis_request_id: thread,
        checkpoint_ns: ns,
        checkpoint_id: checkpointId,
        task_id: taskId,
        idx: WRITES_IDX_MAP[channel] ?? i,
        channel,
        value: bytes,
        value_type: type,
        task_path: taskPath,
      };
    }));
    // Ordinary writes are kept as first written (a replayed task writes the same);
    // special ones (errors, interrupts: negative indices) are replaced.
    const ordinary = rows.filter((row) => row.idx >= 0);
    const special = rows.filter((row) => row.idx < 0);
    await this.#tx(async (tx) => {
      if (ordinary.length > 0) {
        await tx`insert into analysis_checkpoint_writes ${tx(ordinary)}
                 on conflict (analysis_request_id, checkpoint_ns, checkpoint_id, task_id, idx)
                 do nothing`;
      }
      if (special.length > 0) {
        await tx`insert into analysis_checkpoint_writes ${tx(special)}
                 on conflict (analysis_request_id, checkpoint_ns, checkpoint_id, task_id, idx)
                 do update set channel = excluded.channel, value = excluded.value,
                   value_type = excluded.value_type`;
      }
    });
  }

  override async deleteThread(threadId: string): Promise<void> {
    if (!isUuid(threadId)) return;
    await this.#tx(async (tx) => {
      await tx`delete from analysis_checkpoint_writes where analysis_request_id = ${threadId}`;
      await tx`delete from analysis_checkpoints where analysis_request_id = ${threadId}`;
    });
  }
}
