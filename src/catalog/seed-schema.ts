/** Zod schemas of the catalog seed files; the back office validates with the same ones. */
import { z } from "zod";
import { AGGREGATOR_KINDS } from "@db/schema";

export const slug = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "deve essere uno slug: lettere minuscole, cifre e trattini");

export const ToolSeed = z.object({
  id: slug,
  name: z.string().min(2),
  kind: z.string().min(2),
  url: z.url().optional(),
  description: z.string().default(""),
  example: z.boolean().default(false),
  links: z.array(z.object({ to: slug, description: z.string().min(5) })).default([]),
});

export const CpvCode = z.string().regex(/^\d{8}-\d$/, "deve essere un codice CPV come 45233141-9");

export const CategorySeed = z.object({
  id: slug,
  name: z.string().min(2),
  description: z.string().default(""),
  cpv: z.array(z.object({ code: CpvCode, label: z.string().min(2) })).min(1, "serve almeno un codice CPV"),
});

export const AggregatorSeed = z.object({
  id: slug,
  name: z.string().min(2),
  shortName: z.string().min(2),
  kind: z.enum(AGGREGATOR_KINDS, { message: `deve essere uno tra: ${AGGREGATOR_KINDS.join(", ")}` }),
  region: z.string().min(2),
  territory: z.string().min(2),
  website: z.url().optional(),
  platform: slug.optional(),
  email: z.email().optional(),
  phone: z.string().optional(),
  address: z.string().optional(),
  description: z.string().default(""),
  example: z.boolean().default(false),
});
