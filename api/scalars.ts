/** The schema's custom scalars. */
import { GraphQLError, GraphQLScalarType, Kind } from "graphql";

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: "DateTime",
  description: "An ISO-8601 timestamp in UTC, e.g. 2026-11-22T10:15:00.000Z.",
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) {
      throw new GraphQLError("DateTime cannot represent this value");
    }
    return date.toISOString();
  },
  parseValue(value) {
    const date = new Date(String(value));
    if (typeof value !== "string" || Number.isNaN(date.getTime())) {
      throw new GraphQLError("DateTime must be an ISO-8601 string", {
        extensions: { code: "INVALID_INPUT" },
      });
    }
    return date;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING || Number.isNaN(new Date(ast.value).getTime())) {
      throw new GraphQLError("DateTime must be an ISO-8601 string", {
        extensions: { code: "INVALID_INPUT" },
      });
    }
    return new Date(ast.value);
  },
});

/** A day of the shop's calendar, `YYYY-MM-DD`; output only (ranges an answer computed). */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: "Date",
  description: "A calendar day, YYYY-MM-DD, in the shop's timezone.",
  serialize(value) {
    if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      throw new GraphQLError("Date cannot represent this value");
    }
    return value;
  },
  parseValue: () => {
    throw new GraphQLError("Date is an output type", { extensions: { code: "INVALID_INPUT" } });
  },
});

/** Output only: JSON values produced by the server (chart data, action parameters). */
export const JSONScalar = new GraphQLScalarType({
  name: "JSON",
  description: "Any JSON value.",
  serialize: (value) => value,
  parseValue: () => {
    throw new GraphQLError("JSON is an output type", { extensions: { code: "INVALID_INPUT" } });
  },
});
