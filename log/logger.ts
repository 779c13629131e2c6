/**
 * Structured logging: one JSON object per line with `ts`, `level`, `msg` and
 * whatever context the caller bound (`request_id`, `user_id`, `job_id` …).
 * Everything passes through {@link maskValue} on the way out.
 *
 * @example
 * ```ts
 * const log = createLogger({ level: "info" });
 * log.child({ request_id: "r1" }).info("request done", { status: 200 });
 * ```
 */
import type { LogLevel } from "../config/config.ts";
import { maskText, maskValue } from "./mask.ts";

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line it writes. */
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level: LogLevel;
  /** Where finished lines go; stdout by default. Tests pass an array's push. */
  write?: (line: string) => void;
  fields?: LogFields;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => console.log(line));
  const base = options.fields ?? {};
  const threshold = RANK[options.level];

  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < threshold) return;
    const entry = {
      ts: new Date().toISOString(),
      level,
      msg: maskText(msg),
      ...(maskValue({ ...base, ...fields }) as LogFields),
    };
    let line: string;
    try {
      line = JSON.stringify(entry);
    } catch {
      line = JSON.stringify({ ts: entry.ts, level, msg: entry.msg, note: "unserialisable fields" });
    }
    write(line);
  };

  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}
