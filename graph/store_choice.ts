/**
 * Which of a merchant's linked stores a question names ("sales in my EU store
 * last week", "orders on alatar-demo yesterday", "how is the US shop doing"),
 * so a merchant with several stores can ask without passing an id (Siri has
 * none to pass).
 *
 * A store is named by its full domain, its handle (the domain without
 * `.myshopify.com`), a word of its handle that no other store's handle has
 * ("eu" in alatar-eu when the other is alatar-us), or its country code. A
 * word of two or three letters counts only in capitals or before "store" or
 * "shop" ("my US store", "US and EU"): a lower-case "us" is a pronoun.
 */

export interface StoreCandidate {
  id: string;
  /** `alatar-eu.myshopify.com` */
  domain: string;
  /** ISO 3166 code from the shop's settings, when the mirror has it. */
  country: string | null;
}

export type StoreChoice =
  | { kind: "named"; id: string; said: string }
  | { kind: "several"; ids: string[] }
  | { kind: "none" };

/** Words too common to tell stores apart ("my-store", "the-shop-co"). */
const COMMON = new Set([
  "my",
  "the",
  "a",
  "and",
  "of",
  "shop",
  "store",
  "co",
  "inc",
  "ltd",
  "online",
  "official",
  "dev",
  "test",
]);

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const saysWord = (text: string, word: string) =>
  new RegExp(`(?:^|[^a-z0-9-])${escape(word)}(?![a-z0-9-])`).test(text);

export function handleOf(domain: string): string {
  return domain.toLowerCase().replace(/\.myshopify\.com$/, "");
}

/** A short word (a code) said as a code: in capitals, or before "store"/"shop". */
function saysCode(question: string, code: string): boolean {
  const upper = code.toUpperCase();
  return new RegExp(`(?:^|[^A-Za-z0-9-])${escape(upper)}(?![A-Za-z0-9-])`).test(question) ||
    new RegExp(`\\b${escape(code.toLowerCase())} (?:store|shop)s?\\b`).test(question.toLowerCase());
}

export function storeNamedIn(question: string, stores: readonly StoreCandidate[]): StoreChoice {
  const text = question.toLowerCase();
  const says = (word: string) => word.length <= 3 ? saysCode(question, word) : saysWord(text, word);
  const words = stores.map((s) => handleOf(s.domain).split("-").filter((w) => w.length >= 2));
  const shared = new Map<string, number>();
  for (const list of words) for (const w of new Set(list)) shared.set(w, (shared.get(w) ?? 0) + 1);
  const named = new Map<string, string>();
  stores.forEach((store, i) => {
    const handle = handleOf(store.domain);
    const said = [store.domain.toLowerCase(), handle].find((name) => saysWord(text, name)) ??
      words[i]!.find((w) => shared.get(w) === 1 && !COMMON.has(w) && says(w)) ??
      (store.country && saysCode(question, store.country) ? store.country : undefined);
    if (said) named.set(store.id, said);
  });
  const [only] = [...named];
  if (named.size === 1 && only) return { kind: "named", id: only[0], said: only[1] };
  return named.size > 1 ? { kind: "several", ids: [...named.keys()] } : { kind: "none" };
}
