/**
 * The session check's rules (lucia v3's, kept when the check became one
 * query): a session lasts 30 days, is extended (and its cookie re-sent) only
 * once less than half of that is left, and an expired or deactivated one is
 * deleted and its cookie blanked.
 */
import { eq } from "drizzle-orm";
import type { AstroCookies } from "astro";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessions, users } from "@db/schema";
import { createUser } from "@/accounts";
import { resumeSession, SESSION_COOKIE_NAME, startSession } from "@/accounts/session";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { TEST_PASSWORD } from "../helpers/auth";

const DAY_S = 86_400;
const LIFETIME_S = 30 * DAY_S;

/** The two cookie calls the session module makes, recorded (Astro's own class is not exported). */
function cookieJar(initial?: string) {
  const values = new Map<string, string>(initial ? [[SESSION_COOKIE_NAME, initial]] : []);
  const sets: { value: string; maxAge?: number }[] = [];
  const jar = {
    get: (name: string) => (values.has(name) ? { value: values.get(name)! } : undefined),
    set: (name: string, value: string, options: { maxAge?: number } = {}) => {
      values.set(name, value);
      sets.push({ value, maxAge: options.maxAge });
    },
  };
  return { cookies: jar as unknown as AstroCookies, sets, value: () => values.get(SESSION_COOKIE_NAME) };
}

let t: TestDatabase;
let userId: string;
beforeAll(async () => {
  t = await createTestDatabase();
  ({ id: userId } = await createUser({ email: "sessione@esempio.it", name: "Sara Sessione", role: "learner", password: TEST_PASSWORD }));
});
afterAll(async () => t.cleanup());

async function newSession(): Promise<string> {
  const jar = cookieJar();
  await startSession(userId, jar.cookies);
  return jar.value()!;
}

const nowS = () => Math.floor(Date.now() / 1000);
const expiryOf = async (id: string) => (await t.db.select().from(sessions).where(eq(sessions.id, id)))[0]?.expiresAt;
const setExpiry = (id: string, expiresAt: number) => t.db.update(sessions).set({ expiresAt }).where(eq(sessions.id, id));

describe("the session check", () => {
  it("answers the user of a session with more than half its life left, and neither extends it nor re-sends the cookie", async () => {
    const id = await newSession();
    const before = await expiryOf(id);
    expect(before! - nowS()).toBeGreaterThan(LIFETIME_S - 60);
    const jar = cookieJar(id);
    const resumed = await resumeSession(jar.cookies);
    expect(resumed?.user).toMatchObject({ id: userId, email: "sessione@esempio.it", name: "Sara Sessione", role: "learner", emailVerified: true, organisation: "" });
    expect(resumed?.session).toMatchObject({ id, fresh: false });
    expect(Math.floor(resumed!.session.expiresAt.getTime() / 1000)).toBe(before);
    expect(jar.sets).toEqual([]);
    expect(await expiryOf(id)).toBe(before);
  });

  it("extends a session with less than half its life left to a full lifetime and re-sends its cookie", async () => {
    const id = await newSession();
    await setExpiry(id, nowS() + 10 * DAY_S);
    const jar = cookieJar(id);
    const resumed = await resumeSession(jar.cookies);
    expect(resumed?.session.fresh).toBe(true);
    const extended = (await expiryOf(id))!;
    expect(extended - nowS()).toBeGreaterThan(LIFETIME_S - 60);
    expect(Math.floor(resumed!.session.expiresAt.getTime() / 1000)).toBe(extended);
    expect(jar.sets).toHaveLength(1);
    expect(jar.sets[0]).toMatchObject({ value: id });
    expect(jar.sets[0]!.maxAge).toBeGreaterThan(LIFETIME_S - 60);
    // Extended once: the next check leaves it alone.
    const again = cookieJar(id);
    expect((await resumeSession(again.cookies))?.session.fresh).toBe(false);
    expect(again.sets).toEqual([]);
  });

  it("deletes an expired session and blanks its cookie", async () => {
    const id = await newSession();
    await setExpiry(id, nowS() - 1);
    const jar = cookieJar(id);
    expect(await resumeSession(jar.cookies)).toBeNull();
    expect(await expiryOf(id)).toBeUndefined();
    expect(jar.sets).toEqual([{ value: "", maxAge: 0 }]);
  });

  it("refuses a session of a deactivated account and deletes it", async () => {
    const { id: other } = await createUser({ email: "disattivata@esempio.it", name: "Dora Disattivata", role: "learner", password: TEST_PASSWORD });
    const jar = cookieJar();
    await startSession(other, jar.cookies);
    const id = jar.value()!;
    await t.db.update(users).set({ deactivatedAt: new Date() }).where(eq(users.id, other));
    const check = cookieJar(id);
    expect(await resumeSession(check.cookies)).toBeNull();
    expect(await expiryOf(id)).toBeUndefined();
    expect(check.sets).toEqual([{ value: "", maxAge: 0 }]);
  });

  it("blanks an unknown session id and answers no user; no cookie, no check", async () => {
    const jar = cookieJar("sconosciuta");
    expect(await resumeSession(jar.cookies)).toBeNull();
    expect(jar.sets).toEqual([{ value: "", maxAge: 0 }]);
    const none = cookieJar();
    expect(await resumeSession(none.cookies)).toBeNull();
    expect(none.sets).toEqual([]);
  });
});
