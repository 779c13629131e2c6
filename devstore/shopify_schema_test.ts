/**
 * The dev store serves a strict subset of Shopify's Admin schema (2026-10):
 * every type it defines exists in Shopify's with the same kind; every field,
 * input field and argument exists there with exactly the same type, nullability
 * included; every enum value and union member is Shopify's. The expected
 * schema is Shopify's published introspection, not anything derived from ours.
 */
import assert from "node:assert/strict";
import { makeExecutableSchema } from "@graphql-tools/schema";
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
} from "graphql";
import { shopifyAdminSchema } from "./shopify_schema.ts";

const ours = makeExecutableSchema({
  typeDefs: Deno.readTextFileSync(new URL("./admin_schema.graphql", import.meta.url)),
});
/** Shopify's root types have their own names. */
const SHOPIFY_NAME: Record<string, string> = { Query: "QueryRoot" };
const shopifyName = (name: string) => SHOPIFY_NAME[name] ?? name;
const typeText = (type: unknown) => String(type).replace(/\w+/g, (name) => shopifyName(name));

Deno.test("every type, field, argument and enum value of the dev store is Shopify's, exactly", () => {
  const shopify = shopifyAdminSchema();
  const differences: string[] = [];
  let fields = 0;
  for (const type of Object.values(ours.getTypeMap())) {
    if (type.name.startsWith("__")) continue;
    const theirs = shopify.getType(shopifyName(type.name));
    if (!theirs) {
      differences.push(`${type.name}: no such type in Shopify`);
      continue;
    }
    if (type.constructor !== theirs.constructor) {
      differences.push(`${type.name}: a different kind of type in Shopify`);
      continue;
    }
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      const theirFields = (theirs as typeof type).getFields() as Record<
        string,
        GraphQLField<unknown, unknown> | GraphQLInputField
      >;
      for (const [name, field] of Object.entries(type.getFields())) {
        fields++;
        const at = `${type.name}.${name}`;
        const their = theirFields[name];
        if (!their) {
          differences.push(`${at}: no such field in Shopify`);
          continue;
        }
        if (typeText(field.type) !== String(their.type)) {
          differences.push(`${at}: ${typeText(field.type)} here, ${their.type} in Shopify`);
        }
        for (const arg of ("args" in field ? field.args : []) as GraphQLArgument[]) {
          const theirArg = ("args" in their ? their.args : []).find((a) => a.name === arg.name);
          if (!theirArg) differences.push(`${at}(${arg.name}): no such argument in Shopify`);
          else if (typeText(arg.type) !== String(theirArg.type)) {
            differences.push(`${at}(${arg.name}): ${arg.type} here, ${theirArg.type} in Shopify`);
          }
        }
      }
    }
    if (isObjectType(type) && isObjectType(theirs)) {
      const implemented = new Set(theirs.getInterfaces().map((i) => i.name));
      for (const i of type.getInterfaces()) {
        if (!implemented.has(i.name)) {
          differences.push(`${type.name}: does not implement ${i.name}`);
        }
      }
    }
    if (isEnumType(type) && isEnumType(theirs)) {
      const values = new Set(theirs.getValues().map((v) => v.name));
      for (const v of type.getValues()) {
        if (!values.has(v.name)) differences.push(`${type.name}.${v.name}: no such enum value`);
      }
    }
    if (isUnionType(type) && isUnionType(theirs)) {
      const members = new Set(theirs.getTypes().map((t) => t.name));
      for (const t of type.getTypes()) {
        if (!members.has(t.name)) differences.push(`${type.name}: ${t.name} is no member`);
      }
    }
  }
  assert.deepEqual(differences, []);
  assert.ok(fields > 250, `${fields} fields compared`);
});
