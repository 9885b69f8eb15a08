/** Where an imported instrument's data came from, the fields kept from the source, and the call-offs under it. */
import { eq, inArray } from "drizzle-orm";
import { conventions, frameworkCallOffs } from "@db/schema";
import { getDb } from "@/lib/db";

export interface Provenance {
  /** "ANAC", "Consip", an OCDS publisher; null for entries typed in Aggrega. */
  sourceName: string | null;
  sourceLicence: string | null;
  cpvCode: string | null;
  delegated: boolean | null;
  delegatingTaxCode: string | null;
  programmeCui: string | null;
  callOffs: { cig: string; title: string; buyerName: string; amount: number | null; publishedOn: string | null; delegated: boolean | null }[];
}

/** Call-offs shown on a framework's page at most (the count says how many there are). */
export const CALL_OFFS_SHOWN = 50;

export async function conventionProvenance(id: number): Promise<Provenance & { callOffCount: number }> {
  const db = await getDb();
  const [row] = await db
    .select({
      sourceName: conventions.sourceName,
      sourceLicence: conventions.sourceLicence,
      cpvCode: conventions.cpvCode,
      delegated: conventions.delegated,
      delegatingTaxCode: conventions.delegatingTaxCode,
      programmeCui: conventions.programmeCui,
      cig: conventions.cig,
    })
    .from(conventions)
    .where(eq(conventions.id, id));
  const cigs = row?.cig ? [row.cig] : [];
  const callOffs =
    cigs.length === 0
      ? []
      : await db
          .select({
            cig: frameworkCallOffs.cig,
            title: frameworkCallOffs.title,
            buyerName: frameworkCallOffs.buyerName,
            amount: frameworkCallOffs.amount,
            publishedOn: frameworkCallOffs.publishedOn,
            delegated: frameworkCallOffs.delegated,
          })
          .from(frameworkCallOffs)
          .where(inArray(frameworkCallOffs.frameworkCig, cigs))
          .orderBy(frameworkCallOffs.publishedOn, frameworkCallOffs.cig);
  return {
    sourceName: row?.sourceName ?? null,
    sourceLicence: row?.sourceLicence ?? null,
    cpvCode: row?.cpvCode ?? null,
    delegated: row?.delegated ?? null,
    delegatingTaxCode: row?.delegatingTaxCode ?? null,
    programmeCui: row?.programmeCui ?? null,
    callOffs: callOffs.slice(0, CALL_OFFS_SHOWN),
    callOffCount: callOffs.length,
  };
}
