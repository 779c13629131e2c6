/**
 * Postgres stores no NUL character (U+0000) in text or jsonb: a string that
 * carries one fails deep in a query with `invalid byte sequence for encoding
 * "UTF8": 0x00`, which used to answer 500. The edge refuses such input first,
 * naming the field.
 *
 * @example
 * ```ts
 * nulIn({ email: "a\u0000@b.c" }, "variables"); // "variables.email"
 * ```
 */

/** The path of the first string under `value` that holds a NUL, or null. */
export function nulIn(value: unknown, path: string): string | null {
  if (typeof value === "string") return value.includes("\u0000") ? path : null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = nulIn(item, `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const found = nulIn(key, `${path}.${key}`) ?? nulIn(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

/** A GraphQL document's string literals may spell NUL as an escape. */
export function documentHasNul(query: string): boolean {
  return query.includes("\u0000") || /\\u0000|\\u\{0+\}/i.test(query);
}
