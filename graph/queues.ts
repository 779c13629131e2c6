/**
 * The analysis pipeline's queues: `analysis` runs the orchestrator graph for
 * one request, `dept.<department>` runs one department task.
 *
 * `analysis` is stately with the request id as singleton key: at most one
 * run of a request's graph is active and one is queued, so a department job
 * that finishes a stage while the graph is still running queues exactly one
 * resume, and two workers never run the same graph at once.
 */
import type { PgBoss } from "pg-boss";
import { type Department, DEPARTMENTS } from "../agents/plan.ts";

export const ANALYSIS_QUEUE = "analysis";
export const DEPARTMENT_QUEUE_PREFIX = "dept.";
/**
 * Where the analysis queues' jobs go when their last attempt times out or
 * loses its worker; its handler fails the task or request they left open.
 */
export const ANALYSIS_DEAD_LETTER_QUEUE = "analysis.dead_letter";

/** pg-boss counts retries, not attempts: 4 retries is the 5 attempts of seed 000 §3.1. */
export const DEPARTMENT_RETRY_LIMIT = 4;

export const departmentQueue = (department: Department) =>
  `${DEPARTMENT_QUEUE_PREFIX}${department}`;

/**
 * How often workers of these queues poll besides NOTIFY: a retry's delayed
 * job is not announced, so this bounds how late a retry starts.
 */
export const ANALYSIS_POLL_SECONDS = 2;

/**
 * A resume outranks a new request's first run: under a burst, requests
 * already under way finish before more are started, so each waits for the
 * queue once rather than once per stage.
 */
export const RESUME_PRIORITY = 1;

export interface AnalysisJob {
  userId: string;
  requestId: string;
}

export interface DepartmentJob {
  userId: string;
  requestId: string;
  taskId: string;
}

type QueueOptions = Parameters<PgBoss["createQueue"]>[1];

/** The analysis queues; `deadLetter` takes what even settling a dead analysis job could not. */
export function analysisQueues(deadLetter: string): Record<string, QueueOptions> {
  const queues: Record<string, QueueOptions> = {
    // First: the queues below name it, and a dead letter queue must exist before its users.
    [ANALYSIS_DEAD_LETTER_QUEUE]: {
      retryLimit: 4,
      retryDelay: 2,
      retryBackoff: true,
      expireInSeconds: 60,
      // Kept for an operator to read after it is handled.
      retentionSeconds: 14 * 24 * 3600,
      deadLetter,
      notify: true,
    },
    [ANALYSIS_QUEUE]: {
      policy: "stately",
      retryLimit: 4,
      retryDelay: 1,
      retryBackoff: true,
      retryDelayMax: 8,
      expireInSeconds: 300,
      // A killed worker's job is retried within seconds, not at its expiry.
      heartbeatSeconds: 10,
      deadLetter: ANALYSIS_DEAD_LETTER_QUEUE,
      notify: true,
    },
  };
  for (const department of DEPARTMENTS) {
    queues[departmentQueue(department)] = {
      retryLimit: DEPARTMENT_RETRY_LIMIT,
      retryDelay: 1,
      retryBackoff: true,
      retryDelayMax: 8,
      expireInSeconds: 120,
      heartbeatSeconds: 10,
      deadLetter: ANALYSIS_DEAD_LETTER_QUEUE,
      notify: true,
    };
  }
  return queues;
}
