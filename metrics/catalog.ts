/**
 * The metric catalog: every number Alatar can compute, defined once — its
 * name, the words merchants use for it, its unit, its definition (the formula
 * is in docs/metrics.md) and the dimensions it can be split by. The question
 * parser reads its synonyms, the spec is validated against it, the executor
 * (metrics/run_spec.ts) computes it, and answers label it with `label`.
 *
 * A metric that is not here cannot be asked for: a question about one is
 * declined, never answered with another metric.
 */

export const DIMENSIONS = [
  "day",
  "week",
  "month",
  "quarter",
  "year",
  "product",
  "variant",
  "collection",
  "channel",
  "customer",
  "discountCode",
  "customerType",
] as const;
export type Dimension = typeof DIMENSIONS[number];

/** Each dimension in words: one group, and the groups ("by discount code", "top discount codes"). */
export const DIMENSION_NAMES: Record<Dimension, { one: string; many: string }> = {
  day: { one: "day", many: "days" },
  week: { one: "week", many: "weeks" },
  month: { one: "month", many: "months" },
  quarter: { one: "quarter", many: "quarters" },
  year: { one: "year", many: "years" },
  product: { one: "product", many: "products" },
  variant: { one: "variant", many: "variants" },
  collection: { one: "collection", many: "collections" },
  channel: { one: "channel", many: "channels" },
  customer: { one: "customer", many: "customers" },
  discountCode: { one: "discount code", many: "discount codes" },
  customerType: { one: "new or returning customer", many: "new and returning customers" },
};

export const TIME_DIMENSIONS: readonly Dimension[] = ["day", "week", "month", "quarter", "year"];
const SALES_SPLITS: readonly Dimension[] = [
  ...TIME_DIMENSIONS,
  "product",
  "variant",
  "collection",
  "channel",
];
/** Shipping and taxes belong to orders, not lines: they cannot be split by product. */
const ORDER_SPLITS: readonly Dimension[] = [...TIME_DIMENSIONS, "channel"];
/** Net sales and orders also split by whole orders: customer, discount code, new or returning. */
const ORDER_GROUP_SPLITS: readonly Dimension[] = ["customer", "discountCode", "customerType"];

export type MetricUnit = "money" | "count" | "ratio" | "days";
export type MetricFamily = "sales" | "customers" | "inventory";

export interface MetricDefinition {
  label: string;
  unit: MetricUnit;
  family: MetricFamily;
  definition: string;
  /** Lowercase words and phrases that name it; the longest match wins. */
  synonyms: readonly string[];
  dimensions: readonly Dimension[];
}

export const METRICS = {
  grossSales: {
    label: "Gross sales",
    unit: "money",
    family: "sales",
    definition: "Line prices × quantities of the orders placed in the period, before discounts",
    synonyms: ["gross sales", "gross revenue", "gross"],
    dimensions: SALES_SPLITS,
  },
  discounts: {
    label: "Discounts",
    unit: "money",
    family: "sales",
    definition: "Discounts on the lines of the orders placed in the period",
    synonyms: ["discounts", "discount amount", "money off", "discounted", "markdowns"],
    dimensions: SALES_SPLITS,
  },
  returns: {
    label: "Returns",
    unit: "money",
    family: "sales",
    definition: "Value of the lines refunded in the period, on the refund's day",
    synonyms: [
      "returns",
      "refunds",
      "refunded",
      "returned",
      "money refunded",
      "refund amount",
      "refunds cost",
    ],
    dimensions: SALES_SPLITS,
  },
  netSales: {
    label: "Net sales",
    unit: "money",
    family: "sales",
    definition: "Gross sales − discounts − returns",
    synonyms: [
      "net sales",
      "net revenue",
      "sales",
      "revenue",
      "turnover",
      "takings",
      "income",
      "earnings",
      "made",
      "earn",
      "earned",
      "sold",
    ],
    dimensions: [...SALES_SPLITS, ...ORDER_GROUP_SPLITS],
  },
  shipping: {
    label: "Shipping",
    unit: "money",
    family: "sales",
    definition: "Shipping charged on the orders placed in the period",
    synonyms: ["shipping", "delivery charges", "postage", "shipping charges", "shipping revenue"],
    dimensions: ORDER_SPLITS,
  },
  taxes: {
    label: "Taxes",
    unit: "money",
    family: "sales",
    definition: "Taxes charged on the orders placed in the period",
    synonyms: ["taxes", "tax", "vat", "sales tax", "gst"],
    dimensions: ORDER_SPLITS,
  },
  totalSales: {
    label: "Total sales",
    unit: "money",
    family: "sales",
    definition: "Net sales + shipping + taxes",
    synonyms: ["total sales", "total revenue", "sales including shipping and tax", "gmv"],
    dimensions: ORDER_SPLITS,
  },
  orders: {
    label: "Orders",
    unit: "count",
    family: "sales",
    definition: "Orders placed in the period (test orders left out)",
    synonyms: ["orders", "order count", "number of orders", "order volume", "transactions"],
    dimensions: [...SALES_SPLITS, ...ORDER_GROUP_SPLITS],
  },
  unitsSold: {
    label: "Units sold",
    unit: "count",
    family: "sales",
    definition: "Quantities on the lines of the orders placed in the period",
    synonyms: ["units sold", "units", "items sold", "quantity sold", "pieces sold", "items"],
    dimensions: SALES_SPLITS,
  },
  unitsReturned: {
    label: "Units returned",
    unit: "count",
    family: "sales",
    definition: "Quantities refunded in the period",
    synonyms: ["units returned", "items returned"],
    dimensions: SALES_SPLITS,
  },
  averageOrderValue: {
    label: "Average order value",
    unit: "money",
    family: "sales",
    definition: "(Gross sales − discounts) ÷ orders",
    synonyms: [
      "average order value",
      "aov",
      "average order",
      "avg order value",
      "average basket",
      "basket size",
      "average cart",
      "order value",
      "average spend",
    ],
    dimensions: ORDER_SPLITS,
  },
  refundRate: {
    label: "Refund rate",
    unit: "ratio",
    family: "sales",
    definition: "Returns ÷ gross sales",
    synonyms: ["refund rate", "return rate", "returns rate", "rate of returns"],
    dimensions: SALES_SPLITS,
  },
  costOfGoodsSold: {
    label: "Cost of goods sold",
    unit: "money",
    family: "sales",
    definition:
      "Unit cost × quantity of the lines sold, less that of lines returned or cancelled, at the cost recorded on each line",
    synonyms: ["cost of goods sold", "cost of goods", "cogs", "product costs", "cost of sales"],
    dimensions: SALES_SPLITS,
  },
  grossProfit: {
    label: "Gross profit",
    unit: "money",
    family: "sales",
    definition: "Net sales of the lines with a cost − their cost of goods sold",
    synonyms: [
      "gross profit",
      "profit",
      "profits",
      "net profit",
      "made after costs",
      "make the most money",
      "makes the most money",
      "made the most money",
      "make me the most money",
      "makes me the most money",
      "made me the most money",
      "most profitable",
      "profitable",
    ],
    dimensions: SALES_SPLITS,
  },
  grossMargin: {
    label: "Gross margin",
    unit: "ratio",
    family: "sales",
    definition: "Gross profit ÷ net sales of the lines with a cost",
    synonyms: ["gross margin", "profit margin", "margin", "margins", "markup"],
    dimensions: SALES_SPLITS,
  },
  profitPerOrder: {
    label: "Profit per order",
    unit: "money",
    family: "sales",
    definition: "Gross profit ÷ orders",
    synonyms: ["profit per order", "profit an order", "margin per order"],
    dimensions: ORDER_SPLITS,
  },
  newCustomers: {
    label: "New customers",
    unit: "count",
    family: "customers",
    definition: "Customers whose first order fell in the period",
    synonyms: ["new customers", "first-time customers", "first time customers", "new buyers"],
    dimensions: [],
  },
  returningCustomers: {
    label: "Returning customers",
    unit: "count",
    family: "customers",
    definition: "Customers who ordered in the period and had ordered before it",
    synonyms: ["returning customers", "repeat customers", "existing customers", "returning"],
    dimensions: [],
  },
  repeatRate: {
    label: "Repeat purchase rate",
    unit: "ratio",
    family: "customers",
    definition: "Share of the period's customers with more than one order to date",
    synonyms: ["repeat rate", "repeat purchase rate", "retention", "retention rate", "loyalty"],
    dimensions: [],
  },
  lifetimeValue: {
    label: "Customer lifetime value",
    unit: "money",
    family: "customers",
    definition: "Average net spend to date of the customers acquired in the period",
    synonyms: ["lifetime value", "ltv", "clv", "customer lifetime value", "customer value"],
    dimensions: [],
  },
  cohortRetention: {
    label: "Next-month retention",
    unit: "ratio",
    family: "customers",
    definition:
      "Of the customers whose first order fell in a month of the period, the share who ordered " +
      "again the month after (each cohort's whole curve is in the table)",
    synonyms: ["cohort", "cohorts", "cohort analysis", "cohort retention", "retention curve"],
    dimensions: [],
  },
  onHand: {
    label: "Units on hand",
    unit: "count",
    family: "inventory",
    definition: "The latest inventory quantity of each product's variants",
    synonyms: ["on hand", "inventory", "stock", "stock levels", "in stock", "inventory levels"],
    dimensions: ["product"],
  },
  daysOfCover: {
    label: "Days of cover",
    unit: "days",
    family: "inventory",
    definition: "On hand ÷ the period's net units sold per day",
    synonyms: [
      "days of cover",
      "run out",
      "running out",
      "run out of stock",
      "stock out",
      "stockout",
      "out of stock",
      "sell out",
      "days of stock",
      "stock risk",
    ],
    dimensions: ["product"],
  },
  sellThrough: {
    label: "Sell-through",
    unit: "ratio",
    family: "inventory",
    definition: "Net units sold ÷ (net units sold + on hand)",
    synonyms: ["sell-through", "sell through", "sell-through rate", "dead stock", "slow movers"],
    dimensions: ["product"],
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as [MetricName, ...MetricName[]];

/** What Alatar can answer, in words, for an honest "I can't answer that". */
export const ANSWERABLE_SUMMARY =
  "sales (gross, net, total, discounts, returns, shipping, taxes), orders, units, average order " +
  "value and refund rate for any period, compared with another, by day, week, month, quarter, " +
  "year, product, variant, collection, channel, customer, discount code or new and returning " +
  "customer; new and returning customers, repeat rate and " +
  "lifetime value; stock on hand, days of cover and sell-through; why sales changed; which " +
  "products to discount; an order or a customer's refund; and your catalog's listing quality";
