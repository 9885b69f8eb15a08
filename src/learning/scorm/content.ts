/**
 * Package files for /scorm-content/<package>/<path>: only to people enrolled
 * in the package's course (and to the back office), only paths that the
 * import stored, looked up exactly (nothing is resolved on a file system).
 */
import { and, eq } from "drizzle-orm";
import { enrolments, scormFiles, scormPackages } from "@db/schema";
import { getDb } from "@/lib/db";
import { safeEntryPath } from "./zip";

export const PACKAGE_ID = /^[0-9a-f]{32}$/;

export type ContentAnswer = { status: "ok"; contentType: string; bytes: Buffer } | { status: "not-found" | "forbidden" };

export async function scormContent(packageId: string, path: string, viewer: { id: string; staff: boolean } | null): Promise<ContentAnswer> {
  if (!PACKAGE_ID.test(packageId) || safeEntryPath(path) === null || path === "" || path.endsWith("/")) return { status: "not-found" };
  const db = await getDb();
  const [pkg] = await db.select({ courseSlug: scormPackages.courseSlug }).from(scormPackages).where(eq(scormPackages.id, packageId));
  if (!pkg) return { status: "not-found" };
  if (!viewer) return { status: "forbidden" };
  if (!viewer.staff) {
    const [enrolled] = await db
      .select({ userId: enrolments.userId })
      .from(enrolments)
      .where(and(eq(enrolments.userId, viewer.id), eq(enrolments.courseSlug, pkg.courseSlug)));
    if (!enrolled) return { status: "forbidden" };
  }
  const [file] = await db
    .select({ contentType: scormFiles.contentType, bytes: scormFiles.bytes })
    .from(scormFiles)
    .where(and(eq(scormFiles.packageId, packageId), eq(scormFiles.path, path)));
  return file ? { status: "ok", contentType: file.contentType, bytes: file.bytes } : { status: "not-found" };
}

/** The SCORM courses in the back office, newest package first. */
export async function scormPackagesList() {
  const db = await getDb();
  const rows = await db
    .select({ id: scormPackages.id, courseSlug: scormPackages.courseSlug, version: scormPackages.version, title: scormPackages.title, fileCount: scormPackages.fileCount, totalBytes: scormPackages.totalBytes, items: scormPackages.items, createdAt: scormPackages.createdAt })
    .from(scormPackages);
  return rows.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}
