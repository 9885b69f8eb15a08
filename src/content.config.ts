/**
 * The content contract: frontmatter is validated here, so a malformed file
 * fails the build with the file and field named.
 */
import { defineCollection } from "astro:content";
import { glob } from "astro/loaders";
import { z } from "astro/zod";

const pages = defineCollection({
  loader: glob({ pattern: "*.mdx", base: "./content/pages" }),
  schema: z.object({
    title: z.string().min(3),
    description: z.string().min(10),
    /** Shown under the title: when the text was last reviewed. */
    updated: z.coerce.date(),
  }),
});

export const collections = { pages };
