/**
 * The content contract: frontmatter is validated here, so a malformed file
 * fails the build with the file and field named.
 */
import { defineCollection } from "astro:content";
import { glob } from "astro/loaders";
import { z } from "astro/zod";
import { CourseFrontmatter, LessonFrontmatter, QuizFile } from "@/learning/schema";

const pages = defineCollection({
  loader: glob({ pattern: "*.mdx", base: "./content/pages" }),
  schema: z.object({
    title: z.string().min(3),
    description: z.string().min(10),
    /** Shown under the title: when the text was last reviewed. */
    updated: z.coerce.date(),
  }),
});

/**
 * Courses: content/courses/<course>/course.mdx, lessons/<lesson>.mdx and
 * quiz.yaml. Lesson ids are "<course>/<lesson>". The quiz collection only
 * validates at build time: pages read quizzes from the database, server-side.
 */
const COURSES = "./content/courses";
const courses = defineCollection({
  loader: glob({ pattern: "*/course.mdx", base: COURSES, generateId: ({ entry }) => entry.split("/")[0]! }),
  schema: CourseFrontmatter,
});
const lessons = defineCollection({
  loader: glob({ pattern: "*/lessons/*.mdx", base: COURSES, generateId: ({ entry }) => entry.replace("/lessons/", "/").replace(/\.mdx$/, "") }),
  schema: LessonFrontmatter,
});
const quizzes = defineCollection({
  loader: glob({ pattern: "*/quiz.yaml", base: COURSES, generateId: ({ entry }) => entry.split("/")[0]! }),
  schema: QuizFile,
});

export const collections = { pages, courses, lessons, quizzes };
