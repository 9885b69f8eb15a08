/**
 * Build step (bundled and run by scripts/bundle.mjs): writes the course
 * structures to dist/courses.json; a malformed course stops the build with
 * the file and field, as it would stop `npm start`.
 */
import { writeBuiltCourses } from "@/learning";

export async function writeCourses(root: string): Promise<void> {
  await writeBuiltCourses(root);
}
