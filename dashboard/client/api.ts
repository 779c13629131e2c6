/**
 * The page's GraphQL client: the same API the iPhone app uses. Queries and mutations are POSTed to
 * /graphql; the History poll GETs it with `If-None-Match`, so an unchanged history costs a 304 and
 * no body; live progress comes over /graphql/stream with the graphql-sse client.
 *
 * A request refused for authentication asks the merchant to sign in (standalone) and then runs
 * again; nothing typed on the page is touched meanwhile.
 */
import { createClient } from "graphql-sse";
import type { Session } from "./session.ts";

export class ApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

interface GraphqlError {
  message: string;
  extensions?: { code?: string };
}

/** Shows the sign-in dialog with `reason`; resolves once the merchant has signed in. */
export type SignIn = (reason: string) => Promise<void>;

export interface Api {
  query<T>(document: string, variables?: Record<string, unknown>): Promise<T>;
  /** Without a session: sign-in and token renewal. */
  anonymous<T>(document: string, variables: Record<string, unknown>): Promise<T>;
  /** A GET with `If-None-Match`: null when nothing changed since `etag`. */
  poll<T>(
    document: string,
    variables: Record<string, unknown>,
    etag: string | null,
  ): Promise<{ data: T; etag: string | null } | null>;
  subscribe<T>(
    document: string,
    variables: Record<string, unknown>,
    sink: { next(data: T): void; error(error: unknown): void; complete(): void },
  ): () => void;
}

const UNAVAILABLE = "Alatar is briefly unavailable; try again in a moment.";

export function createApi(session: Session, signIn: SignIn): Api {
  async function send(
    request: () => Promise<Response>,
  ): Promise<{ response: Response; body: { data?: unknown; errors?: GraphqlError[] } | null }> {
    const response = await request().catch(() => {
      throw new ApiError(
        "EXTERNAL_SERVICE_ERROR",
        "Alatar cannot be reached; check the connection.",
      );
    });
    if (response.status === 304) return { response, body: null };
    if (response.status === 503) throw new ApiError("EXTERNAL_SERVICE_ERROR", UNAVAILABLE);
    const body = await response.json().catch(() => {
      throw new ApiError("INTERNAL_SERVER_ERROR", `The server answered ${response.status}.`);
    });
    return { response, body };
  }

  /** Runs `request` with a bearer token, signing in again when the session has ended. */
  async function authorized(
    request: (bearer: string) => Promise<Response>,
  ): Promise<{ response: Response; body: { data?: unknown; errors?: GraphqlError[] } | null }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const bearer = await session.bearer();
      if (!bearer) {
        await signIn("Sign in to continue.");
        continue;
      }
      const sent = await send(() => request(bearer));
      const refused = sent.body?.errors?.find((e) =>
        e.extensions?.code === "AUTHENTICATION_REQUIRED"
      );
      if (!refused) return sent;
      if (session.embedded) {
        throw new ApiError(
          "AUTHENTICATION_REQUIRED",
          "Your Shopify session has ended. Open Alatar again from your Shopify admin.",
        );
      }
      session.end();
      await signIn(refused.message);
    }
    throw new ApiError("AUTHENTICATION_REQUIRED", "Sign in to continue.");
  }

  function dataOf<T>(body: { data?: unknown; errors?: GraphqlError[] } | null): T {
    const error = body?.errors?.[0];
    if (error) throw new ApiError(error.extensions?.code ?? "INTERNAL_SERVER_ERROR", error.message);
    return body?.data as T;
  }

  const post = (document: string, variables: Record<string, unknown>, bearer?: string) =>
    fetch("/graphql", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
      },
      body: JSON.stringify({ query: document, variables }),
    });

  const live = createClient({
    url: "/graphql/stream",
    headers: async (): Promise<Record<string, string>> => {
      const bearer = await session.bearer();
      return bearer ? { Authorization: `Bearer ${bearer}` } : {};
    },
    retryAttempts: 3,
  });

  return {
    async query<T>(document: string, variables: Record<string, unknown> = {}) {
      const { body } = await authorized((bearer) => post(document, variables, bearer));
      return dataOf<T>(body);
    },
    async anonymous<T>(document: string, variables: Record<string, unknown>) {
      const { body } = await send(() => post(document, variables));
      return dataOf<T>(body);
    },
    async poll<T>(document: string, variables: Record<string, unknown>, etag: string | null) {
      const url = `/graphql?${new URLSearchParams({
        query: document,
        variables: JSON.stringify(variables),
      })}`;
      const { response, body } = await authorized((bearer) =>
        fetch(url, {
          cache: "no-store",
          headers: {
            Authorization: `Bearer ${bearer}`,
            ...(etag ? { "If-None-Match": etag } : {}),
          },
        })
      );
      if (response.status === 304) return null;
      return { data: dataOf<T>(body), etag: response.headers.get("ETag") };
    },
    subscribe<T>(
      document: string,
      variables: Record<string, unknown>,
      sink: { next(data: T): void; error(error: unknown): void; complete(): void },
    ) {
      return live.subscribe<T>({ query: document, variables }, {
        next: (result) => {
          if (result.errors?.length) sink.error(result.errors[0]);
          else if (result.data) sink.next(result.data as T);
        },
        error: sink.error,
        complete: sink.complete,
      });
    },
  };
}
