/** Which reminder is due for one person, on days in Italy (the pure rule behind the reminder job). */
import { describe, expect, it } from "vitest";
import { nextReminder } from "@/learning/assign-reminders";

describe("nextReminder", () => {
  const now = new Date("2027-03-10T10:00:00Z");
  const base = { registered: true, completed: false, started: false, lastActivityAt: null };
  it("uses days in Italy: the due date starts at midnight in Rome", () => {
    const sent = new Set(["assigned"] as const);
    // 23:30 UTC on 14 March is already 15 March in Rome.
    expect(nextReminder({ ...base, dueDate: "2027-03-15" }, sent, new Date("2027-03-14T23:30:00Z"))?.reason).toBe("due");
    expect(nextReminder({ ...base, dueDate: "2027-03-15" }, new Set(["assigned", "week_before"] as const), new Date("2027-03-14T22:30:00Z"))).toBeNull();
    expect(nextReminder({ ...base, dueDate: "2027-03-17" }, sent, now)?.reason).toBe("week_before");
    expect(nextReminder({ ...base, dueDate: "2027-03-18" }, sent, now)).toBeNull();
    expect(nextReminder({ ...base, completed: true, dueDate: "2027-03-10" }, new Set(), now)).toBeNull();
  });
});

describe("nextReminder coverage", () => {
  const base = { registered: true, completed: false, started: false, lastActivityAt: null };
  it("sends the assignment mail first and lets it cover the reasons already due", () => {
    const now = new Date("2027-03-10T10:00:00Z");
    expect(nextReminder({ ...base, dueDate: "2027-04-30" }, new Set(), now)).toEqual({ reason: "assigned", covers: [] });
    expect(nextReminder({ ...base, dueDate: "2027-03-15" }, new Set(), now)).toEqual({ reason: "assigned", covers: ["week_before"] });
    expect(nextReminder({ ...base, dueDate: "2027-03-10" }, new Set(), now)).toEqual({ reason: "assigned", covers: ["week_before", "due"] });
    // Without an account only the assignment mail (an invitation to register) is sent.
    expect(nextReminder({ ...base, registered: false, dueDate: "2027-03-10" }, new Set(["assigned"] as const), now)).toBeNull();
  });
  it("reminds a started course after 14 days without activity, not before", () => {
    const sent = new Set(["assigned"] as const);
    const started = { ...base, started: true, dueDate: "2027-06-30" };
    expect(nextReminder({ ...started, lastActivityAt: new Date("2027-02-25T10:00:01Z") }, sent, new Date("2027-03-11T10:00:00Z"))).toBeNull();
    expect(nextReminder({ ...started, lastActivityAt: new Date("2027-02-25T10:00:00Z") }, sent, new Date("2027-03-11T10:00:00Z"))).toEqual({ reason: "inactive", covers: [] });
    expect(nextReminder({ ...started, lastActivityAt: new Date("2027-02-25T10:00:00Z") }, new Set(["assigned", "inactive"] as const), new Date("2027-04-11T10:00:00Z"))).toBeNull();
  });
});
