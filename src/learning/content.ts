/**
 * Reads content/courses into course structures, outside Astro (start-up,
 * db:seed, tests). Errors name the file and the field, like the build does.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import type { CourseStructure } from "@db/schema";
import { ContentFileError, validate } from "@/lib/content-files";
import { CourseFrontmatter, LessonFrontmatter, LessonSlug, QuizFile, slug } from "./schema";

export interface CourseDefinition {
  slug: string;
  structure: CourseStructure;
}

const FRONTMATTER = /^---\r?\n([\s\S]*?)\r?\n---(?:\r?\n|$)/;

async function readText(file: string, label: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new ContentFileError(`${label}: file non trovato`);
    throw error;
  }
}

function parseYaml(text: string, label: string): unknown {
  try {
    return parse(text);
  } catch (error) {
    throw new ContentFileError(`${label}: YAML non valido (${(error as Error).message.split("\n")[0]})`);
  }
}

async function readFrontmatter<S extends z.ZodType>(file: string, label: string, schema: S): Promise<z.infer<S>> {
  const match = FRONTMATTER.exec(await readText(file, label));
  if (!match) throw new ContentFileError(`${label}: manca l'intestazione (frontmatter) tra due righe «---»`);
  return validate(label, parseYaml(match[1]!, label), schema);
}

async function loadIds(file: string): Promise<Set<string>> {
  try {
    const rows = parse(await readFile(file, "utf8")) as { id?: unknown }[] | null;
    return new Set((rows ?? []).map((r) => String(r.id)));
  } catch {
    return new Set();
  }
}

/** Reads one course folder and checks that lessons, modules and catalog links agree. */
export async function loadCourse(root: string, courseSlug: string): Promise<CourseDefinition> {
  const dir = path.join(root, "content/courses", courseSlug);
  const rel = (file: string) => path.relative(root, file);
  validate(rel(dir), courseSlug, slug);
  const courseFile = path.join(dir, "course.mdx");
  const course = await readFrontmatter(courseFile, rel(courseFile), CourseFrontmatter);

  const lessonDir = path.join(dir, "lessons");
  let lessonFiles: string[] = [];
  try {
    lessonFiles = (await readdir(lessonDir)).filter((f) => f.endsWith(".mdx")).sort();
  } catch {
    // No lessons folder: reported below as an empty course.
  }
  if (lessonFiles.length === 0) throw new ContentFileError(`${rel(lessonDir)}: il corso non ha lezioni (file .mdx)`);

  const knownAggregators = await loadIds(path.join(root, "content/seed/aggregators.yaml"));
  const knownTools = await loadIds(path.join(root, "content/seed/tools.yaml"));
  const moduleSlugs = course.modules.map((m) => m.slug);
  const lessons: (LessonFrontmatter & { slug: string })[] = [];
  for (const file of lessonFiles) {
    const label = rel(path.join(lessonDir, file));
    const lessonSlug = validate(label, file.slice(0, -".mdx".length), LessonSlug);
    const data = await readFrontmatter(path.join(lessonDir, file), label, LessonFrontmatter);
    if (!moduleSlugs.includes(data.module)) {
      throw new ContentFileError(`${label}: campo «module»: «${data.module}» non è tra i moduli del corso (${moduleSlugs.join(", ")})`);
    }
    for (const id of data.related.aggregators) {
      if (!knownAggregators.has(id)) throw new ContentFileError(`${label}: campo «related › aggregators»: «${id}» non è in content/seed/aggregators.yaml`);
    }
    for (const id of data.related.tools) {
      if (!knownTools.has(id)) throw new ContentFileError(`${label}: campo «related › tools»: «${id}» non è in content/seed/tools.yaml`);
    }
    lessons.push({ ...data, slug: lessonSlug });
  }

  const quizFile = path.join(dir, "quiz.yaml");
  const quiz = validate(rel(quizFile), parseYaml(await readText(quizFile, rel(quizFile)), rel(quizFile)), QuizFile);

  const modules = course.modules.map((m) => {
    const inModule = lessons.filter((l) => l.module === m.slug).sort((a, b) => a.order - b.order || a.slug.localeCompare(b.slug));
    return {
      slug: m.slug,
      title: m.title,
      lessons: inModule.map((l) => ({ slug: l.slug, title: l.title, description: l.description, minutes: l.minutes, related: l.related })),
    };
  });
  const empty = modules.find((m) => m.lessons.length === 0);
  if (empty) throw new ContentFileError(`${rel(courseFile)}: campo «modules»: il modulo «${empty.slug}» non ha lezioni`);

  return {
    slug: courseSlug,
    structure: {
      title: course.title,
      summary: course.summary,
      audience: course.audience,
      hours: course.hours,
      objectives: course.objectives,
      prerequisites: course.prerequisites,
      passMark: course.passMark,
      maxAttempts: course.maxAttempts,
      order: course.order,
      modules,
      quiz: quiz.questions,
      questionsPerAttempt: quiz.questionsPerAttempt ?? quiz.questions.length,
      review: quiz.review,
    },
  };
}

/** Every course folder under content/courses, in folder-name order. */
export async function loadCourses(root: string): Promise<CourseDefinition[]> {
  const base = path.join(root, "content/courses");
  let entries: string[];
  try {
    entries = (await readdir(base, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
  const courses: CourseDefinition[] = [];
  for (const name of entries) courses.push(await loadCourse(root, name));
  return courses;
}
