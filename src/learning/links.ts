/** Courses that discuss a catalog entry, for "Corsi che la spiegano" on catalog pages. */
import { getDb, type Database } from "@/lib/db";
import { currentVersions } from "./courses";

export interface CourseLink {
  slug: string;
  title: string;
  lessons: { slug: string; title: string }[];
}

async function coursesMentioning(db: Database, pick: (related: { conventions: string[]; aggregators: string[]; tools: string[] }) => string[], id: string): Promise<CourseLink[]> {
  const versions = await currentVersions(db);
  return versions
    .map((v) => ({
      slug: v.courseSlug,
      title: v.structure.title,
      lessons: v.structure.modules.flatMap((m) => m.lessons).filter((l) => pick(l.related).includes(id)).map((l) => ({ slug: l.slug, title: l.title })),
    }))
    .filter((c) => c.lessons.length > 0);
}

/** Courses with lessons that link to the convention `slug`. */
export async function coursesForConvention(slug: string): Promise<CourseLink[]> {
  return coursesMentioning(await getDb(), (r) => r.conventions, slug);
}

/** Courses with lessons that link to the aggregator `id`. */
export async function coursesForAggregator(id: string): Promise<CourseLink[]> {
  return coursesMentioning(await getDb(), (r) => r.aggregators, id);
}
