/**
 * The course structures, written at build time (scripts/bundle.mjs) to
 * dist/courses.json, so `npm start` syncs them without reading
 * content/courses: the build is redone whenever content/ changes
 * (scripts/build-state.mjs), so the file always matches the sources.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { loadCourses, type CourseDefinition } from "./content";

export const BUILT_COURSES_FILE = "dist/courses.json";

/** Reads content/courses under `root` (refusing a malformed course, as at start-up) and writes the file. */
export async function writeBuiltCourses(root: string): Promise<number> {
  const courses = await loadCourses(root);
  await writeFile(path.join(root, BUILT_COURSES_FILE), JSON.stringify(courses));
  return courses.length;
}

/** The structures the build wrote, or undefined when there is no such file (a tree built before it existed). */
export async function readBuiltCourses(root: string): Promise<CourseDefinition[] | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(root, BUILT_COURSES_FILE), "utf8");
  } catch {
    return undefined;
  }
  return JSON.parse(text) as CourseDefinition[];
}
