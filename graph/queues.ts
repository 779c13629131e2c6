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
import { type Department, DEPARTMENTS } from "./plan.ts";

export const ANALYSIS_QUEUE = "analysis";
export const DEPARTMENT_QUEUE_PREFIX = "dept.";

/** pg-boss counts retries, not attempts: 4 retries is the 5 attempts of seed 000 §3.1. */
export const DEPARTMENT_RETRY_LIMIT = 4;

export const departmentQueue = (department: Department) =>
  `${DEPARTMENT_QUEUE_PREFIX}${department}`;

/**
 * How often workers of these queues poll besides NOTIFY: a retry's delayed
 * job is not announced, so this bounds how late a retry starts.
 */
export const ANALYSIS_POLL_SECONDS = 2;

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

export function analysisQueues(deadLetter: string): Record<string, QueueOptions> {
  const queues: Record<string, QueueOptions> = {
    [ANALYSIS_QUEUE]: {
      policy: "stately",
      retryLimit: 4,
      retryDelay: 1,
      retryBackoff: true,
      retryDelayMax: 8,
      expireInSeconds: 300,
      // A killed worker's job is retried within seconds, not at its expiry.
      heartbeatSeconds: 10,
      deadLetter,
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
      deadLetter,
      notify: true,
    };
  }
  return queues;
}
