/**
 * Bulk generator for the benchmark: fills a migrated, seeded database with a
 * realistic amount of data through the drizzle schema, in batched multi-row
 * inserts inside one transaction per table, so 10,000s of rows take seconds.
 * Rows are deterministic (seeded PRNG) so two runs measure the same data.
 */
import { hash } from "@node-rs/argon2";
import { eq, isNull, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import {
  aggregators,
  announcements,
  categories,
  conventionLots,
  conventions,
  courseVersions,
  enrolments,
  lessonCompletions,
  pressReleases,
  pressReleaseTags,
  subscribers,
  users,
  CONVENTION_STATUSES,
  INSTRUMENT_TYPES,
} from "@db/schema";
import type { Database } from "@/lib/db";
import { SUBSCRIBABLE_KINDS } from "@/alerts/matching";

export interface BenchSizes {
  conventions: number;
  pressReleases: number;
  learners: number;
  subscribers: number;
}

export const REALISTIC: BenchSizes = { conventions: 240, pressReleases: 1000, learners: 5000, subscribers: 10_000 };

/** Ten times the realistic size: 2,400 conventions, 10,000 press releases, 50,000 learners, 100,000 subscribers. */
export const TEN_TIMES: BenchSizes = { conventions: 2_400, pressReleases: 10_000, learners: 50_000, subscribers: 100_000 };

/** The password every generated learner has (the benchmark signs them in through sessions, not the form). */
export const BENCH_PASSWORD = "bench-password-2026";

export interface GeneratedData {
  conventionSlugs: string[];
  pressSlugs: string[];
  /** Generated learners' ids, in creation order. */
  learnerIds: string[];
  /** Lessons of each current course, in order. */
  courses: { slug: string; lessons: string[] }[];
  /** (learner, course, lesson) triples not yet completed: the progress scenario writes them. */
  pendingLessons: { userId: string; courseSlug: string; lessonSlug: string }[];
  counts: Record<string, number>;
}

/** Small, fast, deterministic PRNG (mulberry32). */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** Multi-row inserts sized to stay under SQLite's bound-parameter limit. */
async function insertMany<T extends Record<string, unknown>>(tx: Tx, table: SQLiteTable, rows: T[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!).length;
  const perStatement = Math.max(1, Math.min(500, Math.floor(30_000 / columns)));
  for (let i = 0; i < rows.length; i += perStatement) {
    await tx.insert(table).values(rows.slice(i, i + perStatement) as never);
  }
}

const pad = (n: number, width = 5) => String(n).padStart(width, "0");
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const SUBJECTS = [
  "Pulizia e sanificazione di immobili",
  "Fornitura di energia elettrica",
  "Vigilanza armata delle sedi",
  "Manutenzione delle strade provinciali",
  "Noleggio di veicoli",
  "Servizi di ristorazione scolastica",
  "Fornitura di carburanti per autotrazione",
  "Gestione integrata della sicurezza",
  "Licenze software e servizi cloud",
  "Dispositivi medici monouso",
];
const PLACES = ["Lombardia", "Emilia-Romagna", "Piemonte", "Liguria", "Veneto", "Toscana", "Lazio", "Campania", "Puglia", "Sicilia"];
const PARAGRAPH =
  "Il soggetto aggregatore ha pubblicato la documentazione di gara e le amministrazioni del territorio possono " +
  "aderire con un ordinativo di fornitura sulla piattaforma telematica. L'iniziativa riduce i tempi della procedura, " +
  "rende confrontabili i prezzi tra i diversi territori e garantisce il rispetto dei criteri ambientali minimi.";

/**
 * Adds the benchmark data on top of a database that already holds the seed
 * (aggregators, categories, courses). Existing announcements are marked as
 * fanned out first, so the fan-out scenario measures only its own message.
 */
export async function generateBenchData(db: Database, sizes: BenchSizes = REALISTIC, seed = 20_260_101): Promise<GeneratedData> {
  const rand = prng(seed);
  const now = Date.now();
  const day = 86_400_000;
  const aggregatorRows = await db.select({ id: aggregators.id, region: aggregators.region }).from(aggregators);
  const categoryIds = (await db.select({ id: categories.id }).from(categories)).map((c) => c.id);
  if (aggregatorRows.length === 0 || categoryIds.length === 0) {
    throw new Error("the database has no aggregators or categories: seed it before generating benchmark data");
  }
  const courseRows = await db
    .select({ id: courseVersions.id, slug: courseVersions.courseSlug, structure: courseVersions.structure })
    .from(courseVersions)
    .where(eq(courseVersions.isCurrent, true));
  const courses = courseRows.map((c) => ({ versionId: c.id, slug: c.slug, lessons: c.structure.modules.flatMap((m) => m.lessons.map((l) => l.slug)) }));

  await db.update(announcements).set({ fannedOutAt: new Date(now) }).where(isNull(announcements.fannedOutAt));

  const conventionRows = Array.from({ length: sizes.conventions }, (_, i) => {
    const agg = rand.pick(aggregatorRows);
    const subject = rand.pick(SUBJECTS);
    const start = now - rand.int(0, 900) * day;
    const ceiling = rand.int(50, 5000) * 100_000_00;
    return {
      slug: `bench-convenzione-${pad(i)}`,
      aggregatorId: agg.id,
      categoryId: rand.pick(categoryIds),
      instrumentType: rand.pick(INSTRUMENT_TYPES),
      title: `${subject} ${pad(i, 3)} – ${agg.region}`,
      summary: `${subject} per le amministrazioni del territorio (${agg.region}).`,
      description: `${PARAGRAPH}\n\n${PARAGRAPH}`,
      cig: `B${pad(rand.int(0, 999_999_999), 9)}`,
      status: rand.pick(CONVENTION_STATUSES),
      publishedOn: isoDate(start - 30 * day),
      startDate: isoDate(start),
      endDate: isoDate(start + rand.int(365, 1460) * day),
      ceilingValue: ceiling,
      usedValue: Math.floor(ceiling * rand.next()),
      orderingUrl: "https://www.acquistinretepa.it/",
      isExample: true,
    };
  });
  const pressRows = Array.from({ length: sizes.pressReleases }, (_, i) => {
    const published = now - (sizes.pressReleases - i) * (day / 2);
    const subject = rand.pick(SUBJECTS);
    return {
      slug: `bench-comunicato-${pad(i)}`,
      kind: rand.next() < 0.8 ? ("press_release" as const) : ("news" as const),
      title: `${subject}: nuova iniziativa in ${rand.pick(PLACES)} (${pad(i, 4)})`,
      summary: `Aggiornamento sull'iniziativa di ${subject.toLowerCase()}.`,
      bodyMarkdown: `## L'iniziativa\n\n${PARAGRAPH}\n\n${PARAGRAPH}\n\n- adesione tramite ordinativo\n- durata di 48 mesi\n\n${PARAGRAPH}`,
      contactBlock: "Ufficio stampa – ufficio.stampa@aggrega.localhost",
      status: "published" as const,
      publishAt: new Date(published),
      publishedAt: new Date(published),
      isExample: true,
    };
  });

  let conventionIds: number[] = [];
  let pressIds: number[] = [];
  await db.transaction(async (tx) => {
    await insertMany(tx, conventions, conventionRows);
    conventionIds = (
      await tx.select({ id: conventions.id }).from(conventions).where(sql`${conventions.slug} like 'bench-convenzione-%'`).orderBy(conventions.id)
    ).map((r) => r.id);
    const lots = conventionIds.flatMap((conventionId) =>
      Array.from({ length: rand.int(1, 3) }, (_, n) => ({
        conventionId,
        number: n + 1,
        name: `Lotto ${n + 1}`,
        region: rand.pick(PLACES),
        supplier: `Fornitore ${rand.int(1, 80)} S.p.A.`,
        ceilingValue: rand.int(10, 900) * 100_000_00,
      })),
    );
    await insertMany(tx, conventionLots, lots);
    await insertMany(tx, pressReleases, pressRows);
    pressIds = (
      await tx.select({ id: pressReleases.id }).from(pressReleases).where(sql`${pressReleases.slug} like 'bench-comunicato-%'`).orderBy(pressReleases.id)
    ).map((r) => r.id);
    const tags = pressIds.flatMap((pressReleaseId) => [
      { pressReleaseId, tagType: "aggregator" as const, tagId: rand.pick(aggregatorRows).id },
      { pressReleaseId, tagType: "category" as const, tagId: rand.pick(categoryIds) },
    ]);
    await insertMany(tx, pressReleaseTags, tags);
  });

  // One hash for everyone: argon2 is slow on purpose, and the benchmark does not measure sign-in.
  const passwordHash = await hash(BENCH_PASSWORD);
  const learnerIds = Array.from({ length: sizes.learners }, (_, i) => `benchlearner${pad(i)}`);
  const enrolmentRows: (typeof enrolments.$inferInsert)[] = [];
  const completionRows: (typeof lessonCompletions.$inferInsert)[] = [];
  const pendingLessons: GeneratedData["pendingLessons"] = [];
  for (const userId of learnerIds) {
    for (const course of courses) {
      if (rand.next() < 0.4) continue;
      const done = rand.int(0, course.lessons.length);
      const last = course.lessons[Math.max(0, done - 1)];
      enrolmentRows.push({
        userId,
        courseSlug: course.slug,
        courseVersionId: course.versionId,
        enrolledAt: new Date(now - rand.int(10, 300) * day),
        lastLessonSlug: done > 0 ? last : null,
        lastActivityAt: done > 0 ? new Date(now - rand.int(0, 9) * day) : null,
      });
      course.lessons.forEach((lessonSlug, index) => {
        if (index < done) completionRows.push({ userId, courseSlug: course.slug, lessonSlug, completedAt: new Date(now - rand.int(0, 9) * day) });
        else pendingLessons.push({ userId, courseSlug: course.slug, lessonSlug });
      });
    }
  }
  await db.transaction(async (tx) => {
    await insertMany(
      tx,
      users,
      learnerIds.map((id, i) => ({
        id,
        email: `discente.${pad(i)}@bench.example`,
        name: `Discente ${pad(i)}`,
        organisation: `Comune di ${rand.pick(PLACES)}`,
        passwordHash,
        role: "learner" as const,
        emailVerifiedAt: new Date(now - 300 * day),
      })),
    );
    await insertMany(tx, enrolments, enrolmentRows);
    await insertMany(tx, lessonCompletions, completionRows);
  });

  await generateSubscribers(db, sizes.subscribers);

  // Interleave learners so concurrent writers touch different rows, as real traffic would.
  pendingLessons.sort((a, b) => (a.lessonSlug === b.lessonSlug ? a.userId.localeCompare(b.userId) : a.lessonSlug.localeCompare(b.lessonSlug)));

  return {
    conventionSlugs: conventionRows.map((c) => c.slug),
    pressSlugs: pressRows.map((p) => p.slug),
    learnerIds,
    courses: courses.map((c) => ({ slug: c.slug, lessons: c.lessons })),
    pendingLessons,
    counts: {
      conventions: conventionIds.length,
      pressReleases: pressIds.length,
      courses: courses.length,
      learners: learnerIds.length,
      enrolments: enrolmentRows.length,
      lessonCompletions: completionRows.length,
      subscribers: sizes.subscribers,
    },
  };
}

/** Confirmed subscribers interested in every kind of news, numbered from `offset` (the fan-out scenario adds more). */
export async function generateSubscribers(db: Database, count: number, offset = 0): Promise<void> {
  const consent = new Date(Date.now() - 100 * 86_400_000);
  const batch = 20_000;
  for (let start = 0; start < count; start += batch) {
    await db.transaction(async (tx) => {
      await insertMany(
        tx,
        subscribers,
        Array.from({ length: Math.min(batch, count - start) }, (_, i) => ({
          email: `iscritto.${pad(offset + start + i, 6)}@bench.example`,
          status: "confirmed" as const,
          frequency: "immediate" as const,
          interests: { kinds: [...SUBSCRIBABLE_KINDS], categories: [], aggregators: [], regions: [] },
          consentAt: consent,
          consentText: "Acconsento a ricevere avvisi da Aggrega.",
          confirmedAt: consent,
        })),
      );
    });
  }
}
