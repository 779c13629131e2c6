/**
 * Shopify's leaky bucket for the Admin GraphQL API: points restore at a fixed
 * rate up to a maximum; a query whose requested cost exceeds what is
 * available is refused with THROTTLED and costs nothing. Standard plan: a
 * 1,000-point bucket restoring 100 points a second.
 */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export class LeakyBucket {
  #available: number;
  #at: number;
  constructor(
    readonly maximum = 1000,
    readonly restoreRate = 100,
    private now: () => number = Date.now,
  ) {
    this.#available = maximum;
    this.#at = now();
  }

  #refill(): void {
    const now = this.now();
    this.#available = Math.min(
      this.maximum,
      this.#available + ((now - this.#at) / 1000) * this.restoreRate,
    );
    this.#at = now;
  }

  /** Takes `cost` points if they are there; says so either way. */
  take(cost: number): boolean {
    this.#refill();
    if (cost > this.#available) return false;
    this.#available -= cost;
    return true;
  }

  /** Returns points a query reserved but did not use. */
  refund(points: number): void {
    this.#refill();
    this.#available = Math.min(this.maximum, this.#available + Math.max(0, points));
  }

  status(): ThrottleStatus {
    this.#refill();
    return {
      maximumAvailable: this.maximum,
      currentlyAvailable: Math.floor(this.#available),
      restoreRate: this.restoreRate,
    };
  }
}
