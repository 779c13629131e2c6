/**
 * Who the page calls the API as. Tokens live in this module's memory only (never localStorage,
 * sessionStorage or a cookie), so a script injected into another page cannot read them and a
 * closed tab forgets them.
 *
 * - Standalone: the access and refresh tokens from `login`; the access token is renewed with
 *   `refreshToken` shortly before it expires.
 * - Embedded in the Shopify admin: App Bridge's session token, fresh for every request
 *   (`shopify.idToken()`); without App Bridge (its CDN unreachable), the token the admin opened
 *   the page with, until it expires.
 */

export interface SignedIn {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  email: string;
}

interface AppBridge {
  idToken(): Promise<string>;
}

const RENEW_BEFORE_MS = 30_000;

export class Session {
  #access: { token: string; expiresAt: number } | null = null;
  #refresh: string | null = null;
  #renewing: Promise<void> | null = null;
  email: string | null = null;

  constructor(
    readonly embedded: { shop: string; idToken: string } | null,
    private readonly renew: (refreshToken: string) => Promise<SignedIn | null>,
  ) {}

  get signedIn(): boolean {
    return this.embedded !== null || this.#access !== null;
  }

  start(session: SignedIn): void {
    this.#access = {
      token: session.accessToken,
      expiresAt: Date.parse(session.accessTokenExpiresAt),
    };
    this.#refresh = session.refreshToken;
    this.email = session.email;
  }

  end(): void {
    this.#access = null;
    this.#refresh = null;
  }

  /** The bearer token for the next request, or null when the merchant must sign in. */
  async bearer(): Promise<string | null> {
    if (this.embedded) {
      const bridge = (globalThis as { shopify?: Partial<AppBridge> }).shopify;
      if (typeof bridge?.idToken === "function") {
        try {
          return await bridge.idToken();
        } catch {
          // Fall back to the token the page was opened with.
        }
      }
      return this.embedded.idToken;
    }
    if (this.#access && this.#access.expiresAt - Date.now() < RENEW_BEFORE_MS && this.#refresh) {
      this.#renewing ??= this.#renewNow().finally(() => this.#renewing = null);
      await this.#renewing;
    }
    return this.#access?.token ?? null;
  }

  async #renewNow(): Promise<void> {
    const refresh = this.#refresh;
    if (!refresh) return;
    const renewed = await this.renew(refresh).catch(() => null);
    if (renewed) this.start({ ...renewed, email: this.email ?? renewed.email });
    else this.end();
  }
}
