/**
 * Every department as a runnable, built from the worker's dependencies. The
 * department job handler looks a task's department up here.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import type { Department } from "./plan.ts";
import type { Logger } from "../log/logger.ts";
import type { MirrorDeps } from "../mirror/deps.ts";
import { catalogQualityDepartment } from "./catalog_quality.ts";
import { comparativeDepartment } from "./comparative.ts";
import { customerServiceDepartment } from "./customer_service.ts";
import { dataRetrievalDepartment } from "./data_retrieval.ts";
import {
  type DepartmentInput,
  type DepartmentResult,
  type DepartmentRunnable,
  emptyResult,
} from "./department.ts";
import type { ChosenModel } from "./llm.ts";
import { predictiveDepartment } from "./predictive.ts";
import { qualitativeDepartment } from "./qualitative.ts";
import { quantitativeDepartment, type QuantitativeInput } from "./quantitative.ts";
import { recommendationDepartment } from "./recommendation.ts";

export interface DepartmentDeps {
  mirror: MirrorDeps;
  log: Logger;
  /** The model for a user (their preferredLlm), or null to run offline. */
  modelFor(preferredLlm: string | null): ChosenModel | null;
}

export function createDepartments(
  deps: DepartmentDeps,
  preferredLlm: string | null,
): Record<Department, DepartmentRunnable> {
  const db = deps.mirror.db;
  const quantitative = quantitativeDepartment(db);
  return {
    data_retrieval: dataRetrievalDepartment(deps.mirror),
    quantitative: RunnableLambda.from(
      async (input: DepartmentInput): Promise<DepartmentResult> => {
        const computed = await quantitative.invoke({
          scope: input.scope,
          input: input.task.input as QuantitativeInput,
        });
        return { ...emptyResult(), ...computed };
      },
    ),
    comparative: comparativeDepartment(db),
    customer_service: customerServiceDepartment(db, deps.mirror.lookupKey),
    catalog_quality: catalogQualityDepartment(db),
    predictive: predictiveDepartment(db),
    recommendation: recommendationDepartment(),
    qualitative: qualitativeDepartment({ model: deps.modelFor(preferredLlm), log: deps.log }),
  };
}
