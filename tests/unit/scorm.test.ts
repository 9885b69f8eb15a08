import { describe, expect, it } from "vitest";
import type { ScormItem } from "@db/schema";
import { detectVersion, launchFilePath, slugify } from "@/learning/scorm/manifest";
import { formatDuration12, formatDuration2004, itemDone, parseDuration, percentOf, readCommit } from "@/learning/scorm/runtime";
import { safeEntryPath } from "@/learning/scorm/zip";

const item = (over: Partial<ScormItem> = {}): ScormItem => ({ identifier: "i", slug: "i", title: "I", launch: "i.html", kind: "sco", masteryScore: null, launchData: "", completionThreshold: null, ...over });
const previous = {
  userId: "u", courseSlug: "c", itemSlug: "i", packageId: "p", launchToken: "t", launchBaseCs: 0, completionStatus: "not attempted", successStatus: "unknown",
  lessonStatus: null, scoreRaw: null, scoreMin: null, scoreMax: null, scoreScaled: null, location: "", suspendData: "", exit: "", sessionTimeCs: 0, totalTimeCs: 0,
  interactions: [], cmi: {}, commits: 0, launchedAt: null, updatedAt: null,
};

describe("SCORM time spans", () => {
  it("reads SCORM 1.2 CMITimespan and SCORM 2004 ISO 8601 durations in hundredths of a second", () => {
    expect(parseDuration("0000:01:30.50")).toBe(9050);
    expect(parseDuration("00:01:00")).toBe(6000);
    expect(parseDuration("PT1H2M3.4S")).toBe(372340);
    expect(parseDuration("PT0H0M0S")).toBe(0);
    expect(parseDuration("P1D")).toBe(8640000);
    for (const bad of ["", "P", "PT", "1:00", "PT1X", "abc"]) expect(parseDuration(bad)).toBeNull();
  });

  it("writes them back in each version's format", () => {
    expect(formatDuration12(9050)).toBe("0000:01:30.50");
    expect(formatDuration2004(372340)).toBe("PT1H2M3.4S");
    expect(parseDuration(formatDuration2004(21000))).toBe(21000);
  });
});

describe("SCORM commits mapped to Aggrega's progress", () => {
  it("maps SCORM 1.2 lesson_status to completion and success, judging a mastery score on the raw score", () => {
    expect(readCommit("1.2", item(), { "cmi.core.lesson_status": "incomplete" }, previous)).toMatchObject({ completionStatus: "incomplete", successStatus: "unknown" });
    expect(readCommit("1.2", item(), { "cmi.core.lesson_status": "passed" }, previous)).toMatchObject({ completionStatus: "completed", successStatus: "passed" });
    expect(readCommit("1.2", item({ masteryScore: 80 }), { "cmi.core.lesson_status": "completed", "cmi.core.score.raw": "70" }, previous)).toMatchObject({ successStatus: "failed" });
    expect(readCommit("1.2", item({ masteryScore: 80 }), { "cmi.core.lesson_status": "completed", "cmi.core.score.raw": "85" }, previous)).toMatchObject({ successStatus: "passed" });
    // An unknown status keeps the previous one instead of storing garbage.
    expect(readCommit("1.2", item(), { "cmi.core.lesson_status": "finito" }, { ...previous, lessonStatus: "incomplete" })).toMatchObject({ lessonStatus: "incomplete" });
  });

  it("groups interactions by index and leaves out empty fields", () => {
    const read = readCommit("2004", item(), { "cmi.interactions.1.id": "b", "cmi.interactions.0.id": "a", "cmi.interactions.0.result": "correct", "cmi.interactions.0.latency": "" }, previous);
    expect(read.interactions).toEqual([{ id: "a", result: "correct" }, { id: "b" }]);
  });

  it("counts an item done when completed and not failed", () => {
    expect(itemDone({ completionStatus: "completed", successStatus: "unknown" })).toBe(true);
    expect(itemDone({ completionStatus: "completed", successStatus: "failed" })).toBe(false);
    expect(itemDone({ completionStatus: "unknown", successStatus: "passed" })).toBe(true);
    expect(itemDone({ completionStatus: "incomplete", successStatus: "unknown" })).toBe(false);
    expect(itemDone(undefined)).toBe(false);
  });

  it("turns scores into percentages: scaled first, else raw within min and max", () => {
    expect(percentOf({ scoreScaled: 0.9, scoreRaw: 1, scoreMin: 0, scoreMax: 10 })).toBe(90);
    expect(percentOf({ scoreScaled: null, scoreRaw: 7, scoreMin: 0, scoreMax: 10 })).toBe(70);
    expect(percentOf({ scoreScaled: null, scoreRaw: 70, scoreMin: null, scoreMax: null })).toBe(70);
    expect(percentOf({ scoreScaled: null, scoreRaw: null, scoreMin: null, scoreMax: null })).toBeNull();
  });
});

describe("SCORM package checks", () => {
  it("accepts only relative, forward-slash paths inside the package", () => {
    expect(safeEntryPath("shared/launchpage.html")).toBe("shared/launchpage.html");
    for (const bad of ["../x", "a/../../x", "/etc/passwd", "C:/x", "a\\b", "a//b", "./a", "a\u0000b"]) expect(safeEntryPath(bad)).toBeNull();
  });

  it("recognises SCORM versions from schemaversion or, without one, from the adlcp namespace", () => {
    expect(detectVersion("1.2", "")).toBe("1.2");
    expect(detectVersion("2004 4th Edition", "")).toBe("2004");
    expect(detectVersion("CAM 1.3", "")).toBe("2004");
    expect(detectVersion("1.1", "")).toBe("unsupported");
    expect(detectVersion("", 'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"')).toBe("2004");
    expect(detectVersion("", "<manifest/>")).toBeNull();
  });

  it("derives slugs and launch files", () => {
    expect(slugify("Sicurezza sul lavoro – modulo 1")).toBe("sicurezza-sul-lavoro-modulo-1");
    expect(launchFilePath("shared/assessment%20template.html?questions=Playing#q1")).toBe("shared/assessment template.html");
  });
});
