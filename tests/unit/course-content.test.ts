import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadCourse } from "@/learning/content";

const ROOT = path.resolve(import.meta.dirname, "../..");
const COURSES = path.join(ROOT, "content/courses");

/** Words a reader reads: the MDX body without frontmatter, imports, tags and their attributes, or Markdown markup. */
function readableWords(mdx: string): string[] {
  const body = mdx
    .replace(/^---\r?\n[\s\S]*?\r?\n---(?:\r?\n|$)/, "")
    .replace(/^(?:import|export)\s.*$/gm, "")
    .replace(/<\/?[A-Za-z][^>]*>/g, " ")
    .replace(/\]\([^)]*\)/g, "]");
  return body.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
}

async function courseWords(slug: string): Promise<number> {
  const dir = path.join(COURSES, slug);
  const files = [path.join(dir, "course.mdx"), ...(await readdir(path.join(dir, "lessons"))).filter((f) => f.endsWith(".mdx")).map((f) => path.join(dir, "lessons", f))];
  let total = 0;
  for (const file of files) total += readableWords(await readFile(file, "utf8")).length;
  return total;
}

const slugs = (await readdir(COURSES, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);

describe("word counting", () => {
  it("skips frontmatter, MDX tags with their attributes and link targets, and keeps elided words whole", () => {
    const mdx = [
      "---",
      "title: Titolo che non conta",
      "---",
      "Un'amministrazione aderisce.",
      '<Callout titolo="Non conta" tipo="nota">',
      "Testo **contato** e [un link](/convenzioni/esempio).",
      "</Callout>",
      '<Figure src="/x.svg" alt="Testo alternativo escluso" didascalia="Escluso" />',
      "| Colonna | Valore |",
    ].join("\n");
    expect(readableWords(mdx)).toEqual(["Un'amministrazione", "aderisce", "Testo", "contato", "e", "un", "link", "Colonna", "Valore"]);
  });
});

describe.each(slugs)("course %s", (slug) => {
  it("has at least 3,000 words of text in its introduction and lessons", async () => {
    expect(await courseWords(slug)).toBeGreaterThanOrEqual(3000);
  });

  it("has a question bank of at least 15 questions, each with valid option ids and an explanation", async () => {
    const { structure } = await loadCourse(ROOT, slug);
    expect(structure.quiz.length).toBeGreaterThanOrEqual(15);
    expect(new Set(structure.quiz.map((q) => q.kind))).toEqual(new Set(["single", "multiple"]));
    for (const q of structure.quiz) {
      const ids = q.options.map((o) => o.id);
      expect(new Set(ids).size, q.id).toBe(ids.length);
      expect(q.correct.length, q.id).toBeGreaterThan(0);
      for (const c of q.correct) expect(ids, q.id).toContain(c);
      if (q.kind === "single") expect(q.correct, q.id).toHaveLength(1);
      // A multiple-choice question with every option right would not test anything.
      else expect(q.correct.length, q.id).toBeLessThan(ids.length);
      expect(q.explanation.length, q.id).toBeGreaterThan(20);
    }
  });

  it("writes each option as exactly an id and a text, so an unquoted comma cannot cut the text short", async () => {
    const raw = parse(await readFile(path.join(COURSES, slug, "quiz.yaml"), "utf8")) as { questions: { id: string; options: Record<string, unknown>[] }[] };
    for (const q of raw.questions) {
      for (const option of q.options) expect(Object.keys(option).sort(), `${q.id}: ${JSON.stringify(option)}`).toEqual(["id", "text"]);
    }
  });

  it("links lessons only to conventions, aggregators and tools that exist in content/seed", async () => {
    const seed = path.join(ROOT, "content/seed");
    const rows = async (file: string) => (parse(await readFile(path.join(seed, file), "utf8")) ?? []) as Record<string, string>[];
    const conventions = new Set([...(await rows("conventions.yaml")), ...(await rows("conventions-esempi.yaml"))].map((c) => c.slug));
    const aggregators = new Set((await rows("aggregators.yaml")).map((a) => a.id));
    const tools = new Set((await rows("tools.yaml")).map((t) => t.id));
    const { structure } = await loadCourse(ROOT, slug);
    for (const lesson of structure.modules.flatMap((m) => m.lessons)) {
      for (const c of lesson.related.conventions) expect(conventions, `${lesson.slug} → ${c}`).toContain(c);
      for (const a of lesson.related.aggregators) expect(aggregators, `${lesson.slug} → ${a}`).toContain(a);
      for (const t of lesson.related.tools) expect(tools, `${lesson.slug} → ${t}`).toContain(t);
    }
  });

  it("writes download link texts inline, so MDX does not wrap them in a paragraph that empties the link", async () => {
    const lessons = path.join(COURSES, slug, "lessons");
    for (const file of (await readdir(lessons)).filter((f) => f.endsWith(".mdx"))) {
      const text = await readFile(path.join(lessons, file), "utf8");
      // <Download …>\ntext\n</Download> renders <a><p>text</p></a> inside a <p>: the browser closes the outer paragraph and the link is left without text.
      expect(text, file).not.toMatch(/<Download\b[^>]*>[ \t]*\r?\n/);
      for (const [, inner] of text.matchAll(/<Download\b[^>]*>([^<]*)<\/Download>/g)) expect(inner!.trim().length, file).toBeGreaterThan(10);
    }
  });

  it("has a glossary and a section of legal references", async () => {
    const lessons = path.join(COURSES, slug, "lessons");
    const texts = await Promise.all((await readdir(lessons)).filter((f) => f.endsWith(".mdx")).map((f) => readFile(path.join(lessons, f), "utf8")));
    const all = texts.join("\n");
    expect(all).toMatch(/^#{1,3} .*Glossario/m);
    expect(all).toMatch(/^#{1,3} Riferimenti normativi/m);
  });
});

it("finds the three courses", () => {
  expect(slugs.length).toBeGreaterThanOrEqual(3);
});
