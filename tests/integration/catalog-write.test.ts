import { cp, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activityPlanItems, announcements, auditLog, categoryCpvCodes, conventions, jointInitiatives } from "@db/schema";
import { catalogEditorForm, CatalogWriteError, categoryCodec, conventionCodec, saveCategory, saveConvention, saveInitiative, savePlan } from "@/catalog";
import { validateForm } from "@/lib/forms";
import type { ConventionInput } from "@/catalog/seed-schema";
import { catalogSeed } from "@/catalog/seed";
import { ContentFileError } from "@/lib/content-files";
import { seedDatabase } from "@/seed";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";

const actor = { id: null, label: "redazione (editor)" };

/** The convention editor's form handling without the page: validate with the editor's spec, then save. */
async function submitConventionForm(form: FormData) {
  const spec = catalogEditorForm(conventionCodec(undefined, actor), (id) => `/gestione/catalogo/convenzioni/${id}`, true);
  const checked = validateForm(spec.schema, form, spec);
  return checked.ok ? { saved: true as const, key: await spec.action(checked.data, form) } : { saved: false as const, errors: checked.errors, values: checked.values };
}

const convention = (overrides: Partial<ConventionInput> = {}): ConventionInput => ({
  slug: "test-energia-toscana",
  aggregator: "agenzia-acquisti-toscana",
  category: "energia-elettrica",
  instrument: "convenzione",
  title: "Energia elettrica per gli enti toscani",
  summary: "Prova",
  description: "",
  status: "planned",
  example: true,
  lots: [
    { number: 1, name: "Lotto Toscana", region: "Toscana", territory: "" },
    { number: 2, name: "Lotto Umbria", region: "Umbria", territory: "" },
  ],
  ...overrides,
});

describe("catalog writes and announcements", () => {
  let db: TestDatabase;
  const announcementsFor = async (entityType: string, entityId: number | string) =>
    db.db
      .select()
      .from(announcements)
      .where(eq(announcements.entityId, String(entityId)))
      .then((rows) => rows.filter((r) => r.entityType === entityType));
  const announcementCount = async () => (await db.db.select({ n: count() }).from(announcements))[0]!.n;

  beforeAll(async () => {
    db = await createTestDatabase({ seed: true });
  });
  afterAll(async () => {
    await db.cleanup();
  });

  it("announces a new planned convention with category, aggregator and lot regions, once", async () => {
    const created = await saveConvention(convention(), { actor });
    expect(created).toMatchObject({ created: true, unchanged: false });
    const [a] = await announcementsFor("convention", created.id);
    expect(a).toMatchObject({
      kind: "planned",
      eventKey: `convention:${created.id}:planned`,
      path: "/convenzioni/test-energia-toscana",
      categoryId: "energia-elettrica",
      aggregatorIds: ["agenzia-acquisti-toscana"],
      regions: ["Toscana", "Umbria"],
    });
    const again = await saveConvention(convention(), { id: created.id, actor });
    expect(again).toEqual({ id: created.id, created: false, unchanged: true });
    expect(await announcementsFor("convention", created.id)).toHaveLength(1);
    const audits = await db.db.select().from(auditLog).where(eq(auditLog.entityId, String(created.id)));
    expect(audits.map((r) => r.action)).toEqual(["convention.create"]);
  });

  it("records every change of a save field by field, lots included", async () => {
    const first = await saveConvention(convention({ slug: "test-registro-lotti", lots: [
      { number: 1, name: "Lotto Toscana", region: "Toscana", territory: "", supplier: "Ditta Uno", ceiling: 1000 },
      { number: 2, name: "Lotto Umbria", region: "Umbria", territory: "" },
    ] }), { actor });
    await saveConvention(convention({ slug: "test-registro-lotti", title: "Energia elettrica per gli enti del centro", lots: [
      { number: 1, name: "Lotto Toscana", region: "Toscana", territory: "Firenze e Prato", supplier: "Ditta Due", ceiling: 1500.5 },
      { number: 3, name: "Lotto Marche", region: "Marche", territory: "" },
    ] }), { id: first.id, actor });
    const [update] = await db.db.select().from(auditLog).where(eq(auditLog.action, "convention.update")).then((rows) => rows.filter((r) => r.entityId === String(first.id)));
    expect((update!.details as { changes: unknown[] }).changes).toEqual([
      { field: "title", before: "Energia elettrica per gli enti toscani", after: "Energia elettrica per gli enti del centro" },
      { field: "lots.1.territory", before: "", after: "Firenze e Prato" },
      { field: "lots.1.supplier", before: "Ditta Uno", after: "Ditta Due" },
      { field: "lots.1.ceilingValue", before: 100_000, after: 150_050 },
      { field: "lots.2", before: "Lotto Umbria (Umbria)", after: null },
      { field: "lots.3", before: null, after: "Lotto Marche (Marche)" },
    ]);
  });

  it("announces the move to active as a new convention, and nothing for an expiry", async () => {
    const active = await saveConvention(convention({ status: "active", startDate: "2027-01-01", endDate: "2028-12-31" }), { upsert: true, actor });
    const expired = await saveConvention(convention({ status: "expired", startDate: "2027-01-01", endDate: "2028-12-31" }), { upsert: true, actor });
    expect(expired.id).toBe(active.id);
    const rows = await announcementsFor("convention", active.id);
    expect(rows.map((r) => [r.kind, r.eventKey])).toEqual([
      ["planned", `convention:${active.id}:planned`],
      ["convention", `convention:${active.id}:active`],
    ]);
  });

  it("writes the announcement in the caller's transaction: a failure rolls both back", async () => {
    const before = await announcementCount();
    await expect(
      db.db.transaction(async (tx) => {
        await saveConvention(convention({ slug: "test-rollback", status: "active" }), { tx, actor });
        throw new Error("something later in the transaction failed");
      }),
    ).rejects.toThrow("something later");
    expect(await announcementCount()).toBe(before);
    expect(await db.db.select().from(conventions).where(eq(conventions.slug, "test-rollback"))).toEqual([]);
  });

  it("refuses unknown references and taken slugs, naming the field, without writing", async () => {
    const before = await announcementCount();
    await expect(saveConvention(convention({ slug: "test-nuova", aggregator: "non-esiste", status: "active" }))).rejects.toMatchObject({
      name: "CatalogWriteError",
      field: "aggregator",
    });
    await expect(saveConvention(convention({ status: "active" }), { id: undefined })).rejects.toBeInstanceOf(CatalogWriteError);
    expect(await announcementCount()).toBe(before);
  });

  it("validates the back-office form with the seed rules and reports lot lines", async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({
      title: "Prova modulo",
      slug: "Prova Modulo",
      aggregator: "consip",
      category: "farmaci",
      instrument: "convenzione",
      status: "active",
      startDate: "2027-05-01",
      endDate: "2027-01-01",
      ceiling: "1.000,00",
      used: "2000",
      "lots.0.number": "1",
      "lots.0.name": "Nord",
      "lots.0.region": "Lombardia",
      // An empty row in between is not a lot, and does not shift the rows the errors name.
      "lots.1.number": "",
      "lots.1.name": "",
      "lots.2.number": "2",
      "lots.2.name": "Sud",
      "lots.2.region": "Atlantide",
    })) {
      form.set(k, v);
    }
    const outcome = await submitConventionForm(form);
    expect(outcome.saved).toBe(false);
    if (outcome.saved) return;
    expect(Object.keys(outcome.errors).sort()).toEqual(["lots.1.region", "slug"]);
    expect(outcome.errors["lots.1.region"]).toMatch(/regione italiana/);
    const blank = await submitConventionForm(new FormData());
    expect(blank.saved ? {} : blank.errors).toMatchObject({ title: "è obbligatorio", aggregator: "è obbligatorio", status: "è obbligatorio" });
    expect(outcome.values.title).toBe("Prova modulo");
    form.set("slug", "prova-modulo");
    form.delete("lots.2.number");
    form.delete("lots.2.name");
    form.set("lots.2.region", "");
    const crossField = await submitConventionForm(form);
    expect(crossField.saved ? [] : Object.keys(crossField.errors).sort()).toEqual(["endDate", "used"]);
    form.set("endDate", "2028-01-01");
    form.set("used", "500,50");
    form.set("lots.0.territory", "Milano");
    form.set("lots.0.supplier", "Ditta");
    form.set("lots.0.ceiling", "600");
    const saved = await submitConventionForm(form);
    expect(saved.saved).toBe(true);
    const [row] = await db.db.select().from(conventions).where(eq(conventions.slug, "prova-modulo"));
    expect(row).toMatchObject({ ceilingValue: 100_000, usedValue: 50_050, status: "active" });
  });

  it("takes a category's CPV codes from the vocabulary, with their official labels, and refuses codes that are not in it", async () => {
    const submit = async (form: FormData) => {
      const spec = catalogEditorForm(categoryCodec(undefined, actor), (id) => `/gestione/catalogo/categorie/${id}`, true);
      const checked = validateForm(spec.schema, form, spec);
      return checked.ok ? { saved: true as const, key: await spec.action(checked.data, form) } : { saved: false as const, errors: checked.errors };
    };
    const form = new FormData();
    form.set("id", "pulizie-prova");
    form.set("name", "Pulizie di prova");
    form.append("cpv", "90919200-4");
    form.append("cpv", "90911200-9");
    const refused = await submit(form);
    expect(refused.saved ? {} : refused.errors).toEqual({ cpv: "«90911200-9»: non è un codice del vocabolario CPV 2008 (controlla anche la cifra dopo il trattino)" });
    const none = new FormData();
    none.set("id", "pulizie-prova");
    none.set("name", "Pulizie di prova");
    expect((await submit(none)).saved).toBe(false);
    form.delete("cpv");
    form.append("cpv", "90919200-4");
    form.append("cpv", "90911200-8");
    form.append("cpv", "90919200-4");
    expect(await submit(form)).toEqual({ saved: true, key: "pulizie-prova" });
    const codes = await db.db.select().from(categoryCpvCodes).where(eq(categoryCpvCodes.categoryId, "pulizie-prova"));
    expect(codes.map((c) => [c.code, c.label]).sort()).toEqual([
      ["90911200-8", "Servizi di pulizia di edifici"],
      ["90919200-4", "Servizi di pulizia di uffici"],
    ]);
    // Saving again with one code fewer and a new name records both changes.
    await saveCategory({ id: "pulizie-prova", name: "Pulizie di uffici", description: "", cpv: [{ code: "90919200-4", label: "Servizi di pulizia di uffici" }] }, { actor });
    const [audit] = (await db.db.select().from(auditLog).where(eq(auditLog.entityId, "pulizie-prova"))).filter((a) => a.action === "category.update");
    expect((audit!.details as { changes: unknown[] }).changes).toEqual([
      { field: "name", before: "Pulizie di prova", after: "Pulizie di uffici" },
      { field: "cpv.90911200-8", before: "Servizi di pulizia di edifici", after: null },
    ]);
  });

  it("announces a new joint initiative to the partners' regions, and not its updates", async () => {
    const input = {
      slug: "test-iniziativa",
      title: "Iniziativa di prova",
      summary: "",
      description: "",
      stage: "planning" as const,
      partners: ["consip", "agenzia-acquisti-puglia"],
      category: "farmaci",
      example: true,
    };
    const created = await saveInitiative(input, { actor });
    await saveInitiative({ ...input, stage: "tender" }, { actor, upsert: true });
    const rows = await announcementsFor("joint_initiative", created.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: "initiative", categoryId: "farmaci", aggregatorIds: ["consip", "agenzia-acquisti-puglia"], regions: ["Puglia"] });
    const [stored] = await db.db.select().from(jointInitiatives).where(eq(jointInitiatives.id, created.id));
    expect(stored!.stage).toBe("tender");
  });

  it("announces each new plan item once and keeps item ids across saves", async () => {
    const plan = {
      aggregator: "agenzia-acquisti-toscana",
      year: 2030,
      notes: "",
      example: true,
      items: [{ title: "Gas per le scuole", category: "gas-naturale", period: "2030-T1" }],
    };
    const first = await savePlan(plan, { actor });
    const [item] = await db.db.select().from(activityPlanItems).where(eq(activityPlanItems.planId, first.id));
    const second = await savePlan({ ...plan, items: [...plan.items, { title: "Farmaci ospedalieri", category: "farmaci" }] }, { actor });
    expect(second.id).toBe(first.id);
    const items = await db.db.select().from(activityPlanItems).where(eq(activityPlanItems.planId, first.id));
    expect(items.map((i) => i.id)).toContain(item!.id);
    const planned = (await db.db.select().from(announcements)).filter((a) => a.entityType === "activity_plan_item" && items.some((i) => String(i.id) === a.entityId));
    expect(planned.map((a) => [a.kind, a.title, a.regions])).toEqual([
      ["planned", "Gas per le scuole", ["Toscana"]],
      ["planned", "Farmaci ospedalieri", ["Toscana"]],
    ]);
    expect(await savePlan({ ...plan, items: [...plan.items, { title: "Farmaci ospedalieri", category: "farmaci" }] })).toMatchObject({ unchanged: true });
  });

  it("re-seeding duplicates nothing and announces nothing twice", async () => {
    const countRows = async () => ({
      conventions: (await db.db.select({ n: count() }).from(conventions))[0]!.n,
      announcements: await announcementCount(),
      initiatives: (await db.db.select({ n: count() }).from(jointInitiatives))[0]!.n,
      items: (await db.db.select({ n: count() }).from(activityPlanItems))[0]!.n,
    });
    const before = await countRows();
    const [summary] = await seedDatabase(db.db, { root: ROOT });
    expect(summary).toContain("(0 voci nuove o modificate)");
    expect(await countRows()).toEqual(before);
  });
});

describe("malformed catalog seed files", () => {
  let db: TestDatabase;
  let seedDir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    seedDir = path.join(db.dir, "seed");
    await cp(path.join(ROOT, "content/seed"), seedDir, { recursive: true });
  });
  afterAll(async () => {
    await db.cleanup();
  });

  const runSeed = () => catalogSeed.run({ db: db.db, seedDir, root: db.dir, progress: () => {} });

  async function withFile(name: string, edit: (text: string) => string, check: (error: unknown) => void) {
    const file = path.join(seedDir, name);
    const original = await readFile(file, "utf8");
    await writeFile(file, edit(original));
    try {
      check(await runSeed().then(() => null, (error: unknown) => error));
    } finally {
      await writeFile(file, original);
    }
  }

  it("names the file and the field of a bad value", async () => {
    await withFile("conventions.yaml", (t) => t.replace("status: tender_in_progress", "status: sospesa"), (error) => {
      expect(error).toBeInstanceOf(ContentFileError);
      expect((error as Error).message).toMatch(/^seed\/conventions\.yaml: campo «voce 1 › status»: deve essere uno tra/);
    });
    await withFile("conventions.yaml", (t) => t.replace("  title: Servizi di pulizia uffici", "  titolo: Servizi di pulizia uffici"), (error) => {
      expect((error as Error).message).toBe("seed/conventions.yaml: campo «voce 1 › title»: è obbligatorio");
    });
    await withFile("conventions-esempi.yaml", (t) => t.replace("region: Puglia", "region: Narnia"), (error) => {
      expect((error as Error).message).toMatch(/^seed\/conventions-esempi\.yaml: campo «voce \d+ › lots › voce 1 › region»/);
    });
  });

  it("names the file and field of an unknown reference, and writes nothing", async () => {
    await withFile("plans.yaml", (t) => t.replace("category: farmaci", "category: droni"), (error) => {
      expect((error as Error).message).toMatch(/^seed\/plans\.yaml: campo «voce 3 › items › voce 1 › category»: la categoria «droni» non esiste/);
    });
    expect((await db.db.select({ n: count() }).from(conventions))[0]!.n).toBe(0);
    expect((await db.db.select({ n: count() }).from(announcements))[0]!.n).toBe(0);
  });
});
