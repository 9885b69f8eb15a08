/**
 * Which subscribers an announcement concerns. Pure functions: the fan-out
 * step feeds them one batch of subscribers at a time.
 */
import type { AnnouncementKind } from "@db/schema";
import { NATIONAL_REGION } from "@/catalog";

export interface Interests {
  kinds: AnnouncementKind[];
  categories: string[];
  aggregators: string[];
  regions: string[];
}

export interface AnnouncementFacts {
  kind: AnnouncementKind;
  categoryId: string | null;
  aggregatorIds: string[];
  regions: string[];
}

/** The kinds people can ask for in general; expiry warnings come only from watched conventions. */
export const SUBSCRIBABLE_KINDS = ["convention", "planned", "initiative", "press"] as const satisfies readonly AnnouncementKind[];

function overlaps(wanted: string[], offered: string[]): boolean {
  // An announcement that says nothing about a dimension (a general press release) is not filtered out by it.
  if (wanted.length === 0 || offered.length === 0) return true;
  return offered.some((value) => wanted.includes(value));
}

/**
 * General interests: the kind must be chosen; categories, aggregators and
 * regions narrow it when given. National items match every region.
 */
export function matchesInterests(interests: Interests, announcement: AnnouncementFacts): boolean {
  if (!interests.kinds.includes(announcement.kind)) return false;
  if (!overlaps(interests.categories, announcement.categoryId ? [announcement.categoryId] : [])) return false;
  if (!overlaps(interests.aggregators, announcement.aggregatorIds)) return false;
  if (announcement.regions.includes(NATIONAL_REGION)) return true;
  return overlaps(interests.regions, announcement.regions);
}
