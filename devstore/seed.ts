/**
 * The dev store's shop, generated: a believable year of a small outdoor-gear
 * shop that ends on `today`. The same date and seed always give the same data,
 * so tests and the eval can compute expected answers from it directly.
 *
 * What it contains, on purpose:
 * - seasonality (weekends, a winter-holiday peak, a late-winter trough) and
 *   slow growth;
 * - a sales dip last week (Monday to Sunday before `today`'s week), caused by
 *   the best-selling product being out of stock and a smaller campaign;
 * - repeat buyers, refunds (some in a later month than their order),
 *   discount codes, cancelled and test orders, a few orders presented in
 *   another currency;
 * - slow movers with high stock, and catalog flaws: missing descriptions,
 *   missing images, duplicate SKUs, missing SEO titles.
 *
 * @example
 * ```ts
 * const shop = generateShop({ today: new Date("2026-11-22"), seed: 42 });
 * shop.orders.length; // ~12,000
 * ```
 */

export const SHOP_DOMAIN = "alatar-demo.myshopify.com";
export const SHOP_TIMEZONE = "America/New_York";
export const SHOP_CURRENCY = "USD";

export interface DevImage {
  id: number;
  url: string;
  altText: string | null;
}

export interface DevVariant {
  id: number;
  productId: number;
  title: string;
  sku: string;
  price: number;
  compareAtPrice: number | null;
  unitCost: number;
  inventoryQuantity: number;
}

export interface DevProduct {
  id: number;
  title: string;
  handle: string;
  descriptionHtml: string;
  productType: string;
  vendor: string;
  tags: string[];
  status: "ACTIVE" | "DRAFT" | "ARCHIVED";
  createdAt: string;
  updatedAt: string;
  images: DevImage[];
  seo: { title: string | null; description: string | null };
  collectionIds: number[];
  variants: DevVariant[];
}

export interface DevCollection {
  id: number;
  title: string;
  handle: string;
}

export interface DevCustomer {
  id: number;
  email: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  createdAt: string;
  updatedAt: string;
  tags: string[];
}

export interface DevLineItem {
  id: number;
  productId: number;
  variantId: number;
  title: string;
  sku: string;
  quantity: number;
  unitPrice: number;
  /** Discount allocated to this line, in shop currency. */
  discount: number;
  /** Gift cards sold are not sales (Shopify Analytics counts them when redeemed). */
  isGiftCard?: boolean;
}

export interface DevRefund {
  id: number;
  createdAt: string;
  note: string | null;
  /** Each line's subtotal given back (after discounts) and the tax given back with it. */
  lines: Array<{ lineItemId: number; quantity: number; amount: number; tax: number }>;
  /** Shipping refunded with it (shipping is not taxed in the dev store). */
  shipping: number;
}

/**
 * A change to an order's lines after it was placed, as Shopify's sales agreements record it:
 * an order edit (OrderEditAgreement) or an exchange (a ReturnAgreement that also sells). Each
 * sale adds units to a line (`ORDER`) or takes them back (`RETURN`); amounts are positive, the
 * value after discounts and before taxes, its discount, its tax. A line an edit or exchange
 * added is in the order's `lineItems` too, and a line's `quantity` keeps units taken back, as
 * Shopify's `LineItem.quantity` does.
 */
export interface DevLineChange {
  id: number;
  kind: "edit" | "exchange";
  happenedAt: string;
  sales: Array<{
    lineItemId: number;
    action: "ORDER" | "RETURN";
    quantity: number;
    amount: number;
    discount: number;
    tax: number;
  }>;
}

export interface DevOrder {
  id: number;
  name: string;
  createdAt: string;
  processedAt: string;
  updatedAt: string;
  cancelledAt: string | null;
  cancelReason: string | null;
  test: boolean;
  customerId: number | null;
  email: string | null;
  sourceName: "web" | "pos" | "shopify_draft_order";
  currency: string;
  presentmentCurrency: string;
  /** Shop currency per unit of presentment currency, for presented amounts. */
  exchangeRate: number;
  discountCodes: string[];
  lineItems: DevLineItem[];
  shipping: number;
  /** Taxes charged on every unit ever sold on it: at placement and by edits and exchanges. */
  tax: number;
  refunds: DevRefund[];
  changes: DevLineChange[];
  note: string | null;
}

export interface DevDiscount {
  id: number;
  code: string;
  percentage: number;
  startsAt: string;
  endsAt: string | null;
  /** Set for discounts created through the API (seeded ones use the code as title). */
  title?: string;
  /** Product ids it applies to; absent: every product. */
  productIds?: number[];
  usageLimit?: number | null;
}

/** A draft order made through the API (the seed has none). */
export interface DevDraftOrder {
  id: number;
  name: string;
  customerId: number | null;
  lines: Array<{ variantId: number; title: string; quantity: number; unitPrice: number }>;
  note: string | null;
  tags: string[];
  status: "OPEN" | "COMPLETED";
  createdAt: string;
}

export interface DevShop {
  domain: string;
  name: string;
  email: string;
  currency: string;
  timezone: string;
  /** ISO 3166 country of the shop's billing address (its calendar's date order follows it). */
  country: string;
  /** The last day of data, as YYYY-MM-DD in the shop's timezone. */
  today: string;
  collections: DevCollection[];
  products: DevProduct[];
  customers: DevCustomer[];
  orders: DevOrder[];
  discounts: DevDiscount[];
  draftOrders: DevDraftOrder[];
}

/** mulberry32: small, fast and good enough for test data; deterministic per seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The dev store's one sales tax rate (on goods; shipping is not taxed). */
export const TAX_RATE = 0.0725;
const taxOn = (amount: number) => round2(amount * TAX_RATE);

const CATEGORIES = [
  {
    type: "Footwear",
    vendor: "Ridgeline",
    names: ["Trail Runner", "Summit Boot", "Canyon Sandal", "Alpine Hiker", "Scree Shoe"],
    price: [89, 189],
  },
  {
    type: "Packs",
    vendor: "Packworks",
    names: ["Summit Pack", "Day Pack", "Hydration Vest", "Roll-top Bag", "Hip Pack"],
    price: [39, 229],
  },
  {
    type: "Apparel",
    vendor: "Northwind",
    names: ["Rain Shell", "Down Jacket", "Fleece Hoodie", "Merino Tee", "Softshell Pant"],
    price: [35, 289],
  },
  {
    type: "Camp",
    vendor: "Basecamp Co",
    names: ["Ultralight Tent", "Sleeping Bag", "Camp Stove", "Headlamp", "Trekking Poles"],
    price: [25, 449],
  },
  {
    type: "Accessories",
    vendor: "Trailhead",
    names: ["Wool Socks", "Sun Hat", "Water Filter", "Trail Map Case", "Gaiters"],
    price: [12, 79],
  },
] as const;

const EDITIONS = ["", " Pro", " Lite", " Classic", " Eco", " Max"];
const FIRST_NAMES = [
  "Ann",
  "Ben",
  "Cara",
  "Dev",
  "Eli",
  "Fay",
  "Gus",
  "Hana",
  "Ivo",
  "Jo",
  "Kai",
  "Lea",
  "Mo",
  "Nia",
  "Otto",
  "Pia",
  "Quin",
  "Rae",
  "Sam",
  "Tove",
  "Uma",
  "Vik",
  "Wren",
  "Xia",
  "Yuri",
  "Zoe",
];
const LAST_NAMES = [
  "Lee",
  "Okafor",
  "Garcia",
  "Novak",
  "Smith",
  "Haddad",
  "Kowalski",
  "Nguyen",
  "Rossi",
  "Tanaka",
  "Berg",
  "Silva",
  "Dubois",
  "Khan",
  "Murphy",
];
const DISCOUNT_CODES = [
  { code: "WELCOME10", percentage: 10 },
  { code: "SPRING15", percentage: 15 },
  { code: "SUMMER20", percentage: 20 },
  { code: "FALLGEAR", percentage: 15 },
  { code: "HOLIDAY25", percentage: 25 },
  { code: "VIP30", percentage: 30 },
];
const PRESENTMENT = [{ currency: "CAD", rate: 0.73 }, { currency: "EUR", rate: 1.08 }, {
  currency: "GBP",
  rate: 1.27,
}];

/** Days from `date` to the Monday of its week (ISO weeks). */
function daysSinceMonday(date: Date): number {
  return (date.getUTCDay() + 6) % 7;
}

export interface GenerateOptions {
  /** The last day with orders (its date part is used). Defaults to now. */
  today?: Date;
  seed?: number;
  /** Orders per year before seasonality and trend. */
  ordersPerYear?: number;
  products?: number;
  customers?: number;
  /**
   * The present moment: no order or refund is later. Defaults to the clock, or
   * the end of `today` when that day is over.
   */
  now?: Date;
}

/**
 * Edits and exchanges, for about 2.8 % of the orders that were neither cancelled nor refunded:
 * 1.2 % get a line added by an edit 2 to 71 hours after they were placed, 0.8 % a unit removed
 * by an edit, and 0.8 % exchange one unit for another variant of the same product 5 to 19 days
 * later. Chosen from the order's id, so the seed's stream of choices (and with it the rest of
 * the shop) is as before; ids are outside the counter's range for the same reason.
 */
function changeLines(order: DevOrder, products: DevProduct[], cutoff: number) {
  const pick = (order.id % 100_003) * 7_907 % 1000;
  if (pick >= 28) return;
  const createdMs = Date.parse(order.createdAt);
  const valueOf = (line: DevLineItem, quantity: number) => ({
    amount: round2((line.unitPrice * line.quantity - line.discount) * quantity / line.quantity),
    discount: round2(line.discount * quantity / line.quantity),
  });
  const change = (kind: DevLineChange["kind"], atMs: number, sales: DevLineChange["sales"]) => {
    order.changes.push({
      id: order.id * 10 + 5,
      kind,
      happenedAt: new Date(atMs).toISOString(),
      sales,
    });
    order.updatedAt = new Date(atMs).toISOString();
    // What it sold is taxed too; the order's taxes are those of every unit it ever sold.
    order.tax = round2(
      order.tax + sales.filter((s) => s.action === "ORDER").reduce((t, s) => t + s.tax, 0),
    );
  };
  const newLine = (variant: DevVariant, product: DevProduct, id: number): DevLineItem => ({
    id,
    productId: product.id,
    variantId: variant.id,
    title: product.title,
    sku: variant.sku,
    quantity: 1,
    unitPrice: variant.price,
    discount: 0,
  });
  if (pick < 12) {
    const atMs = createdMs + (2 + order.id % 70) * 3_600_000;
    if (atMs > cutoff) return;
    const product = products[order.id % products.length]!;
    const line = newLine(product.variants[0]!, product, order.id * 10 + 3);
    order.lineItems.push(line);
    change("edit", atMs, [{
      lineItemId: line.id,
      action: "ORDER",
      quantity: 1,
      amount: line.unitPrice,
      discount: 0,
      tax: taxOn(line.unitPrice),
    }]);
  } else if (pick < 20) {
    const atMs = createdMs + (2 + order.id % 70) * 3_600_000;
    const line = order.lineItems.find((l) => l.quantity >= 2) ??
      (order.lineItems.length >= 2 ? order.lineItems.at(-1)! : undefined);
    if (!line || atMs > cutoff) return;
    const quantity = line.quantity >= 2 ? 1 : line.quantity;
    const { amount, discount } = valueOf(line, quantity);
    change("edit", atMs, [{
      lineItemId: line.id,
      action: "RETURN",
      quantity,
      amount,
      discount,
      tax: taxOn(amount),
    }]);
  } else {
    const atMs = createdMs + (5 + order.id % 15) * 86_400_000;
    const line = order.lineItems[0]!;
    const product = products.find((p) => p.id === line.productId);
    if (!product || atMs > cutoff) return;
    const variant = product.variants.find((v) => v.id !== line.variantId) ?? product.variants[0]!;
    const replacement = newLine(variant, product, order.id * 10 + 4);
    order.lineItems.push(replacement);
    const back = valueOf(line, 1);
    change("exchange", atMs, [
      { lineItemId: line.id, action: "RETURN", quantity: 1, ...back, tax: taxOn(back.amount) },
      {
        lineItemId: replacement.id,
        action: "ORDER",
        quantity: 1,
        amount: replacement.unitPrice,
        discount: 0,
        tax: taxOn(replacement.unitPrice),
      },
    ]);
  }
}

export function generateShop(options: GenerateOptions = {}): DevShop {
  const today = new Date((options.today ?? new Date()).toISOString().slice(0, 10) + "T00:00:00Z");
  const rng = prng((options.seed ?? 20261122) ^ Math.floor(today.getTime() / 86_400_000));
  const productCount = options.products ?? 150;
  const customerCount = options.customers ?? 2500;
  const ordersPerYear = options.ordersPerYear ?? 12_000;
  const start = new Date(today.getTime() - 364 * 86_400_000);
  // Nothing happens after "now": on the current day the shop has only the orders placed so far.
  const cutoff = options.now?.getTime() ?? Math.min(Date.now(), today.getTime() + 86_399_999);
  const iso = (ms: number) => new Date(ms).toISOString();
  let nextId = 1_000_000_000;
  const id = () => nextId++;

  // Catalog -------------------------------------------------------------------
  const collections: DevCollection[] = CATEGORIES.map((c) => ({
    id: id(),
    title: c.type,
    handle: c.type.toLowerCase(),
  }));
  const products: DevProduct[] = [];
  for (let p = 0; p < productCount; p++) {
    const category = CATEGORIES[p % CATEGORIES.length]!;
    const name = category.names[Math.floor(p / CATEGORIES.length) % category.names.length]!;
    const edition =
      EDITIONS[Math.floor(p / (CATEGORIES.length * category.names.length)) % EDITIONS.length]!;
    const title = `${name}${edition}`;
    const productId = id();
    const base = rng.int(category.price[0], category.price[1]);
    const variantCount = rng.int(1, 4);
    const createdAt = start.getTime() - rng.int(30, 400) * 86_400_000;
    // Catalog flaws, deterministic by position so the audit has known answers.
    const missingDescription = p % 13 === 5;
    const missingImages = p % 17 === 3;
    const missingSeoTitle = p % 7 === 2;
    const slowMover = p % 23 === 11;
    const variants: DevVariant[] = [];
    for (let v = 0; v < variantCount; v++) {
      const size = ["S", "M", "L", "XL"][v]!;
      variants.push({
        id: id(),
        productId,
        title: variantCount === 1 ? "Default Title" : size,
        // Two products share SKUs with another product: the duplicate-SKU flaw.
        sku: p % 41 === 7
          ? `SKU-${String(p - 7).padStart(4, "0")}-${v}`
          : `SKU-${String(p).padStart(4, "0")}-${v}`,
        price: base,
        compareAtPrice: rng.chance(0.2) ? round2(base * 1.2) : null,
        unitCost: round2(base * (0.35 + rng.next() * 0.2)),
        inventoryQuantity: slowMover ? rng.int(180, 400) : rng.int(5, 80),
      });
    }
    products.push({
      id: productId,
      title,
      handle: title.toLowerCase().replaceAll(" ", "-") +
        (p >= CATEGORIES.length * 5 ? `-${p}` : ""),
      descriptionHtml: missingDescription
        ? ""
        : `<p>${title} by ${category.vendor}: built for long days outside.</p>`,
      productType: category.type,
      vendor: category.vendor,
      tags: slowMover
        ? [category.type.toLowerCase(), "clearance-candidate"]
        : [category.type.toLowerCase()],
      status: "ACTIVE",
      createdAt: iso(createdAt),
      updatedAt: iso(createdAt + rng.int(0, 30) * 86_400_000),
      images: missingImages
        ? []
        : [{ id: id(), url: `https://cdn.example.com/${productId}.jpg`, altText: title }],
      seo: {
        title: missingSeoTitle ? null : `${title} | Alatar Outdoors`,
        description: missingDescription ? null : `${title} by ${category.vendor}.`,
      },
      collectionIds: [collections[p % CATEGORIES.length]!.id],
      variants,
    });
  }
  // Popularity: a few best-sellers, a long tail, slow movers almost never sold.
  const weights = products.map((product, p) =>
    product.tags.includes("clearance-candidate") ? 0.02 : 1 / Math.pow(p + 1, 0.6)
  );
  const bestSeller = products[0]!;
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const pickProduct = (exclude?: number) => {
    for (;;) {
      let r = rng.next() * totalWeight;
      for (let i = 0; i < products.length; i++) {
        r -= weights[i]!;
        if (r <= 0) {
          if (products[i]!.id !== exclude) return products[i]!;
          break;
        }
      }
    }
  };

  // Customers ------------------------------------------------------------------
  const customers: DevCustomer[] = [];
  for (let c = 0; c < customerCount; c++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const createdAt = start.getTime() - 200 * 86_400_000 + rng.int(0, 560) * 86_400_000;
    customers.push({
      id: id(),
      email: `${first}.${last}.${c}@example.com`.toLowerCase(),
      firstName: first,
      lastName: last,
      phone: rng.chance(0.6)
        ? `+1 555 ${String(rng.int(100, 999))} ${String(rng.int(1000, 9999))}`
        : null,
      createdAt: iso(Math.min(createdAt, today.getTime(), cutoff)),
      updatedAt: iso(Math.min(createdAt + 86_400_000, today.getTime(), cutoff)),
      tags: [],
    });
  }
  // A quarter of customers buy again and again.
  const loyal = customers.slice(0, Math.floor(customerCount / 4));

  // Discounts --------------------------------------------------------------------
  const discounts: DevDiscount[] = DISCOUNT_CODES.map((d, i) => ({
    id: id(),
    code: d.code,
    percentage: d.percentage,
    startsAt: iso(start.getTime() + i * 50 * 86_400_000),
    endsAt: i === 0 ? null : iso(start.getTime() + (i * 50 + 40) * 86_400_000),
  }));

  // Orders -----------------------------------------------------------------------
  const lastWeekStart = today.getTime() - (daysSinceMonday(today) + 7) * 86_400_000;
  const lastWeekEnd = lastWeekStart + 7 * 86_400_000;
  const orders: DevOrder[] = [];
  let orderNumber = 1001;
  for (let day = 0; day < 365; day++) {
    const dayStart = start.getTime() + day * 86_400_000;
    const date = new Date(dayStart);
    const month = date.getUTCMonth();
    const seasonal = [0.8, 0.75, 0.85, 0.95, 1.0, 1.05, 1.1, 1.05, 1.0, 1.05, 1.35, 1.6][month]!;
    const weekday = [1.2, 0.9, 0.9, 0.95, 1.0, 1.1, 1.25][date.getUTCDay()]!;
    const trend = 0.9 + 0.2 * (day / 365);
    const inDip = dayStart >= lastWeekStart && dayStart < lastWeekEnd;
    const expected = (ordersPerYear / 365) * seasonal * weekday * trend * (inDip ? 0.62 : 1);
    const count = Math.max(0, Math.round(expected + (rng.next() - 0.5) * Math.sqrt(expected) * 2));
    for (let n = 0; n < count; n++) {
      const createdMs = dayStart + rng.int(6 * 3600, 23 * 3600) * 1000 + rng.int(0, 999);
      const buyer = rng.chance(0.55)
        ? rng.pick(loyal)
        : rng.chance(0.9)
        ? rng.pick(customers)
        : null;
      const lines: DevLineItem[] = [];
      const lineCount = rng.chance(0.7) ? 1 : rng.int(2, 4);
      for (let l = 0; l < lineCount; l++) {
        // Last week the best-seller was out of stock.
        const product = inDip ? pickProduct(bestSeller.id) : pickProduct();
        const variant = rng.pick(product.variants);
        lines.push({
          id: id(),
          productId: product.id,
          variantId: variant.id,
          title: product.title,
          sku: variant.sku,
          quantity: rng.chance(0.8) ? 1 : rng.int(2, 3),
          unitPrice: variant.price,
          discount: 0,
        });
      }
      const activeDiscounts = discounts.filter((d) =>
        Date.parse(d.startsAt) <= createdMs && (!d.endsAt || Date.parse(d.endsAt) > createdMs)
      );
      const discount = activeDiscounts.length && rng.chance(inDip ? 0.05 : 0.18)
        ? rng.pick(activeDiscounts)
        : null;
      if (discount) {
        for (const line of lines) {
          line.discount = round2(line.unitPrice * line.quantity * discount.percentage / 100);
        }
      }
      const subtotal = lines.reduce((s, l) => s + l.unitPrice * l.quantity - l.discount, 0);
      const shipping = subtotal >= 100 ? 0 : 7.95;
      const presentment = rng.chance(0.06) ? rng.pick(PRESENTMENT) : null;
      const orderId = id();
      // Cancelled 1 hour to 3 days after it was placed (from the id, so the main stream of
      // choices, and with it the rest of the shop, is as before); one not yet cancelled by
      // the cut-off is still open.
      const cancelMs = createdMs + (1 + (orderId * 7919) % 72) * 3600_000;
      const cancelled = rng.chance(0.015) && cancelMs <= cutoff;
      const order: DevOrder = {
        id: orderId,
        name: `#${orderNumber++}`,
        createdAt: iso(createdMs),
        processedAt: iso(createdMs),
        updatedAt: iso(createdMs),
        cancelledAt: cancelled ? iso(cancelMs) : null,
        cancelReason: cancelled ? "customer" : null,
        test: rng.chance(0.004),
        customerId: buyer?.id ?? null,
        email: buyer?.email ?? null,
        sourceName: rng.chance(0.85) ? "web" : rng.chance(0.8) ? "pos" : "shopify_draft_order",
        currency: SHOP_CURRENCY,
        presentmentCurrency: presentment?.currency ?? SHOP_CURRENCY,
        exchangeRate: presentment?.rate ?? 1,
        discountCodes: discount ? [discount.code] : [],
        lineItems: lines,
        shipping,
        tax: taxOn(subtotal),
        refunds: [],
        changes: [],
        note: null,
      };
      if (cancelled && orderId % 2 === 0) {
        // Cancelled with its payment refunded: Shopify records a refund of every line and the
        // shipping at the moment of the cancellation. (The others were never paid.)
        order.refunds.push({
          // Outside the counter's range, so every later id is as before.
          id: orderId * 10 + 1,
          createdAt: iso(cancelMs),
          note: "Order canceled",
          lines: lines.map((l) => ({
            lineItemId: l.id,
            quantity: l.quantity,
            amount: round2(l.unitPrice * l.quantity - l.discount),
            tax: taxOn(l.unitPrice * l.quantity - l.discount),
          })),
          shipping,
        });
        order.updatedAt = iso(cancelMs);
      } else if (cancelled) {
        order.updatedAt = iso(cancelMs);
      }
      if (!cancelled && rng.chance(0.06)) {
        // Refunds land 2 to 45 days later: some in a later month than the sale.
        const refundMs = createdMs + rng.int(2, 45) * 86_400_000;
        const line = rng.pick(lines);
        const quantity = rng.int(1, line.quantity);
        const amount = round2(
          (line.unitPrice * line.quantity - line.discount) * quantity / line.quantity,
        );
        const refund = {
          id: id(),
          createdAt: iso(refundMs),
          note: rng.pick(["Too small", "Changed mind", "Arrived damaged", null]),
          lines: [{ lineItemId: line.id, quantity, amount, tax: taxOn(amount) }],
          shipping: 0,
        };
        // A refund that would come after the cut-off has not happened yet.
        if (refundMs <= cutoff) {
          order.refunds.push(refund);
          order.updatedAt = iso(refundMs);
        }
      }
      if (!cancelled && order.refunds.length === 0) changeLines(order, products, cutoff);
      if (createdMs <= cutoff) orders.push(order);
    }
  }

  return {
    domain: SHOP_DOMAIN,
    name: "Alatar Outdoors (demo)",
    email: "owner@alatar-demo.example.com",
    currency: SHOP_CURRENCY,
    timezone: SHOP_TIMEZONE,
    country: "US",
    today: today.toISOString().slice(0, 10),
    collections,
    products,
    customers,
    orders,
    discounts,
    draftOrders: [],
  };
}
