/**
 * Zod schemas of the course files in content/courses. Astro validates the
 * same schemas at build time (src/content.config.ts) and syncCourses at
 * start-up and in db:seed, so a malformed course fails both with the file and
 * field named.
 */
import { z } from "zod";
import { slugRule } from "@/lib/field-rules";

/** Zod's default messages are English; content authors read these. */
const text = () => z.string({ error: "campo obbligatorio: deve essere un testo" });

export const slug = slugRule(undefined, "campo obbligatorio: deve essere uno slug (lettere minuscole, cifre e trattini)");

/** Lesson slugs share the URL space of /formazione/[course]/…: "verifica" is the quiz page. */
const lessonSlug = slug.refine((value) => value !== "verifica", { message: "«verifica» è riservato alla pagina della verifica finale" });

/** Links from a lesson to the catalog pages it discusses. */
export const RelatedLinks = z
  .object({
    /** Convention slugs, as in /convenzioni/[slug]. */
    conventions: z.array(slug).default([]),
    /** Aggregator ids, as in /soggetti-aggregatori/[id] (content/seed/aggregators.yaml). */
    aggregators: z.array(slug).default([]),
    /** Tool ids, as in /strumenti (content/seed/tools.yaml). */
    tools: z.array(slug).default([]),
  })
  .default({ conventions: [], aggregators: [], tools: [] });
export type RelatedLinks = z.infer<typeof RelatedLinks>;

/** Frontmatter of content/courses/<course>/course.mdx; the body is the course introduction. */
export const CourseFrontmatter = z.object({
  title: text().min(5, "deve contenere almeno 5 caratteri"),
  /** One or two sentences for the catalog. */
  summary: text().min(20, "deve contenere almeno 20 caratteri"),
  /** Who the course is for, e.g. "Uffici acquisti delle amministrazioni". */
  audience: text().min(5, "deve contenere almeno 5 caratteri"),
  /** Estimated study time in whole hours; printed on the certificate. */
  hours: z.number({ error: "campo obbligatorio: deve essere un numero di ore" }).int("deve essere un numero intero di ore").min(1).max(200),
  objectives: z.array(z.string().min(5)).min(1, "serve almeno un obiettivo"),
  prerequisites: z.array(z.string().min(3)).default([]),
  /** Minimum quiz score, in percent, to pass. @example 70 */
  passMark: z.number().int().min(1, "deve essere tra 1 e 100").max(100, "deve essere tra 1 e 100"),
  /** Quiz attempts allowed before passing. */
  maxAttempts: z.number().int().min(1, "serve almeno un tentativo").max(20),
  /** Position in the course catalog. */
  order: z.number().int().default(100),
  modules: z
    .array(z.object({ slug, title: text().min(3) }))
    .min(1, "serve almeno un modulo")
    .refine((modules) => new Set(modules.map((m) => m.slug)).size === modules.length, { message: "gli slug dei moduli devono essere diversi" }),
});
export type CourseFrontmatter = z.infer<typeof CourseFrontmatter>;

/** Frontmatter of content/courses/<course>/lessons/<lesson>.mdx. */
export const LessonFrontmatter = z.object({
  title: text().min(3, "deve contenere almeno 3 caratteri"),
  description: text().min(10, "deve contenere almeno 10 caratteri"),
  /** Slug of one of the course's modules. */
  module: slug,
  /** Position inside the module. */
  order: z.number({ error: "campo obbligatorio: deve essere un numero" }).int(),
  /** Estimated reading time in minutes. */
  minutes: z.number().int().min(1).max(240).default(15),
  related: RelatedLinks,
});
export type LessonFrontmatter = z.infer<typeof LessonFrontmatter>;

export const QUESTION_KINDS = ["single", "multiple"] as const;

export const QuizQuestion = z
  .object({
    id: slug,
    /** "single": exactly one right option (radio buttons); "multiple": one or more (checkboxes). */
    kind: z.enum(QUESTION_KINDS, { error: "deve essere single oppure multiple" }),
    prompt: text().min(10),
    options: z.array(z.object({ id: slug, text: text().min(1) })).min(2, "servono almeno due opzioni"),
    correct: z.array(slug).min(1, "serve almeno una risposta corretta"),
    /** Shown after submission, whatever the answer. */
    explanation: text().min(10),
  })
  .superRefine((q, ctx) => {
    const ids = q.options.map((o) => o.id);
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: "custom", path: ["options"], message: "gli id delle opzioni devono essere diversi" });
    for (const c of q.correct) {
      if (!ids.includes(c)) ctx.addIssue({ code: "custom", path: ["correct"], message: `«${c}» non è tra le opzioni` });
    }
    if (q.kind === "single" && q.correct.length !== 1) {
      ctx.addIssue({ code: "custom", path: ["correct"], message: "una domanda a risposta singola ha esattamente una risposta corretta" });
    }
  });
export type QuizQuestion = z.infer<typeof QuizQuestion>;

/**
 * When a learner sees the right answers and the explanations of an attempt:
 * "after-pass" once they pass; "after-last-attempt" once no attempt follows
 * (passed, or the attempts are used up); "never". Until then a graded attempt
 * only says which questions were right and which were wrong.
 */
export const REVIEW_POLICIES = ["after-pass", "after-last-attempt", "never"] as const;
export type ReviewPolicy = (typeof REVIEW_POLICIES)[number];

/** content/courses/<course>/quiz.yaml: read on the server only. */
export const QuizFile = z
  .object({
    /** Questions drawn from the bank for each attempt; default: all of them. @example 10 */
    questionsPerAttempt: z.number({ error: "deve essere un numero di domande" }).int("deve essere un numero intero").min(1, "serve almeno una domanda per tentativo").optional(),
    review: z.enum(REVIEW_POLICIES, { error: "deve essere after-pass, after-last-attempt oppure never" }).default("after-last-attempt"),
    questions: z
      .array(QuizQuestion)
      .min(1, "serve almeno una domanda")
      .refine((qs) => new Set(qs.map((q) => q.id)).size === qs.length, { message: "gli id delle domande devono essere diversi" }),
  })
  .superRefine((quiz, ctx) => {
    if (quiz.questionsPerAttempt !== undefined && quiz.questionsPerAttempt > quiz.questions.length) {
      ctx.addIssue({ code: "custom", path: ["questionsPerAttempt"], message: quiz.questions.length === 1 ? "la banca contiene una sola domanda" : `la banca contiene solo ${quiz.questions.length} domande` });
    }
  });
export type QuizFile = z.infer<typeof QuizFile>;

/** Ids of lessons are the file name without .mdx. */
export const LessonSlug = lessonSlug;
