/**
 * The OpenAPI 3.1 document of the read API, generated from the operations
 * table and its zod schemas (z.toJSONSchema, JSON Schema 2020-12 as OpenAPI 3.1 uses).
 */
import { z } from "zod";
import { absoluteUrl } from "@/lib/http";
import { OPERATIONS, type Operation } from "./operations";
import { MAX_LIMIT, Problem } from "./schemas";

export const API_BASE = "/api/v1";
export const API_VERSION = "1.0.0";

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

/** One OpenAPI parameter per key of a zod object; the description moves from the schema to the parameter. */
function parameters(object: z.ZodObject, where: "query" | "path") {
  return Object.entries(object.shape).map(([name, field]) => {
    const schema = jsonSchema(field as z.ZodType, "input");
    const { description, ...rest } = schema;
    const optional = (field as z.ZodType).safeParse(undefined).success;
    return { name, in: where, required: where === "path" || !optional, ...(description ? { description } : {}), schema: rest };
  });
}

const problemResponse = (description: string) => ({ description, content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } });

function operationObject(op: Operation) {
  return {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    parameters: [...(op.pathParams ? parameters(op.pathParams, "path") : []), ...parameters(op.query, "query")],
    responses: {
      "200": {
        description: "OK",
        headers: {
          ETag: { description: "Impronta della risposta, per le richieste condizionali. / Entity tag for conditional requests.", schema: { type: "string" } },
        },
        content: { "application/json": { schema: jsonSchema(op.response, "output") } },
      },
      "304": { description: "Non modificato (If-None-Match). / Not modified." },
      "400": problemResponse("Parametri non validi. / Invalid parameters."),
      ...(op.pathParams ? { "404": problemResponse("Non trovato. / Not found.") } : {}),
      "429": problemResponse("Troppe richieste da questo client. / Too many requests from this client."),
    },
  };
}

export function openApiDocument() {
  const paths: Record<string, { get: ReturnType<typeof operationObject> }> = {};
  for (const op of OPERATIONS) paths[op.path] = { get: operationObject(op) };
  return {
    openapi: "3.1.0",
    info: {
      title: "API di Aggrega",
      version: API_VERSION,
      summary: "Lettura del catalogo dei soggetti aggregatori / Read API of the central purchasing bodies' catalog",
      description: [
        "API in sola lettura: convenzioni e lotti, soggetti aggregatori, categorie, piani di attività, iniziative congiunte, comunicati e corsi.",
        `Le collezioni sono paginate con un cursore (parametri cursore e limite, al massimo ${MAX_LIMIT} elementi); ogni risposta ha un ETag.`,
        "Gli errori sono application/problem+json (RFC 9457), in italiano o in inglese secondo Accept-Language. CORS è aperto per GET.",
        "Read-only API. Collections use cursor pagination; every response has an ETag; errors are RFC 9457 problem details in Italian or English (Accept-Language).",
      ].join("\n\n"),
      license: { name: "CC BY 4.0 (dati / data)", url: "https://creativecommons.org/licenses/by/4.0/legalcode" },
    },
    servers: [{ url: absoluteUrl(API_BASE) }],
    tags: [...new Set(OPERATIONS.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: { schemas: { Problem: jsonSchema(Problem, "output") } },
  };
}
