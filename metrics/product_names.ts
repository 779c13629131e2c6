/**
 * Products named in a question ("only the Trail Runner", "when will I run out
 * of the Summit Pack?"): the longest title of the shop that the question
 * contains as whole words. Titles are names, so they are matched as typed,
 * without the parser's typo correction.
 */

/** A product the merchant may name. */
export interface NamedProduct {
  id: string;
  title: string;
}

/** Lowercase words without punctuation, as typed. */
export function plainText(question: string): string {
  return question.toLowerCase().replace(/[’‘']/g, "'").replace(/[?!,.;:()"“”*]/g, " ")
    .replace(/\s+/g, " ").trim();
}

/** The product whose title `question` names (the longest that fits), if any. */
export function productNamed(question: string, products: NamedProduct[]): NamedProduct | null {
  const text = ` ${plainText(question)} `;
  let best: NamedProduct | null = null;
  for (const product of products) {
    const title = plainText(product.title);
    if (title.length < 3) continue;
    // "Trail Runners" names the Trail Runner too.
    const named = text.includes(` ${title} `) || text.includes(` ${title}s `);
    if (named && (!best || title.length > best.title.length)) best = product;
  }
  return best;
}
