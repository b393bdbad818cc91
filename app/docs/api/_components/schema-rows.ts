// Turns the OpenAPI document's JSON Schemas into rows a person can read:
// one row a field (nested objects flattened to dotted names), with its type
// in words and its constraints.

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  required?: string[];
  description?: string;
  default?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
};

export type SchemaRow = { name: string; depth: number; type: string; refs: string[]; required: boolean; notes: string[]; description?: string };

export function refName(ref: string): string {
  return ref.split("/").at(-1) ?? ref;
}

function isNull(schema: JsonSchema): boolean {
  return schema.type === "null";
}

/** The schema's type in words: `string (uuid)`, `FinetuningJob`, `array of GoldenRecord`, `"queued" | "running"`. */
export function typeLabel(schema: JsonSchema): string {
  if (schema.$ref) return refName(schema.$ref);
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map(typeLabel).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type;
  if (type === "array") return `array of ${schema.items ? typeLabel(schema.items) : "anything"}`;
  if (type === "object" && !schema.properties && typeof schema.additionalProperties === "object") {
    return `map of ${schema.propertyNames ? typeLabel(schema.propertyNames) : "string"} → ${typeLabel(schema.additionalProperties)}`;
  }
  if (type === "string" && schema.format) return `string (${schema.format})`;
  return type ?? "any";
}

export function refsOf(schema: JsonSchema): string[] {
  if (schema.$ref) return [refName(schema.$ref)];
  const nested = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.items ? [schema.items] : [])];
  return nested.flatMap(refsOf);
}

function constraints(schema: JsonSchema): string[] {
  const notes: string[] = [];
  const inner = (schema.anyOf ?? []).filter((s) => !isNull(s));
  const target = inner.length === 1 && inner[0] ? inner[0] : schema;
  if (target.minLength !== undefined) notes.push(`≥ ${target.minLength} chars`);
  if (target.maxLength !== undefined) notes.push(`≤ ${target.maxLength} chars`);
  if (target.minimum !== undefined) notes.push(`≥ ${target.minimum}`);
  if (target.exclusiveMinimum !== undefined) notes.push(`> ${target.exclusiveMinimum}`);
  if (target.maximum !== undefined && target.maximum < Number.MAX_SAFE_INTEGER) notes.push(`≤ ${target.maximum}`);
  if (target.minItems !== undefined) notes.push(`≥ ${target.minItems} items`);
  if (target.maxItems !== undefined) notes.push(`≤ ${target.maxItems} items`);
  if (schema.default !== undefined) notes.push(`default ${JSON.stringify(schema.default)}`);
  return notes;
}

/** The object whose fields get rows of their own: itself, or the non-null member of `X | null`. */
function objectOf(schema: JsonSchema): JsonSchema | undefined {
  if (schema.properties) return schema;
  const members = (schema.anyOf ?? []).filter((s) => !isNull(s));
  return members.length === 1 && members[0]?.properties ? members[0] : undefined;
}

export function schemaRows(schema: JsonSchema, prefix = "", depth = 0): SchemaRow[] {
  const object = objectOf(schema);
  if (!object?.properties || depth > 4) return [];
  const required = new Set(object.required ?? []);
  return Object.entries(object.properties).flatMap(([name, property]) => {
    const row: SchemaRow = {
      name: `${prefix}${name}`,
      depth,
      type: objectOf(property) ? (isNullable(property) ? "object | null" : "object") : typeLabel(property),
      refs: refsOf(property),
      required: required.has(name),
      notes: constraints(property),
      description: property.description,
    };
    return [row, ...schemaRows(property, `${prefix}${name}.`, depth + 1)];
  });
}

function isNullable(schema: JsonSchema): boolean {
  return (schema.anyOf ?? []).some(isNull);
}
