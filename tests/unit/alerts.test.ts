import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matchesInterests, type AnnouncementFacts, type Interests } from "@/alerts/matching";
import { buildAlertMessage, buildDigestMessage, escapeHtml } from "@/alerts/messages";
import { signSubscriberToken, verifySubscriberToken } from "@/alerts/secret";
import { dueWarnings } from "@/alerts/maintenance";
import { nextDigestAt, workerConfig } from "@/alerts/worker";
import { retryDelay } from "@/outbox";
import { subscriberLinks } from "@/alerts/links";

const interests = (over: Partial<Interests> = {}): Interests => ({ kinds: ["press"], categories: [], aggregators: [], regions: [], ...over });
const press = (over: Partial<AnnouncementFacts> = {}): AnnouncementFacts => ({ kind: "press", categoryId: null, aggregatorIds: [], regions: [], ...over });

describe("matching announcements to interests", () => {
  it("needs the kind; an empty kind list means no general alerts", () => {
    expect(matchesInterests(interests(), press())).toBe(true);
    expect(matchesInterests(interests({ kinds: [] }), press())).toBe(false);
    expect(matchesInterests(interests({ kinds: ["convention"] }), press())).toBe(false);
  });

  it("narrows by category, aggregator and region; unspecified announcements pass", () => {
    const i = interests({ categories: ["pulizia-uffici"], aggregators: ["consip"], regions: ["Lombardia"] });
    expect(matchesInterests(i, press({ categoryId: "pulizia-uffici", aggregatorIds: ["consip"], regions: ["Lombardia"] }))).toBe(true);
    expect(matchesInterests(i, press({ categoryId: "vigilanza-armata", aggregatorIds: ["consip"] }))).toBe(false);
    expect(matchesInterests(i, press({ aggregatorIds: ["intercent-er"] }))).toBe(false);
    expect(matchesInterests(i, press({ regions: ["Toscana"] }))).toBe(false);
    expect(matchesInterests(i, press({ regions: ["Italia"] }))).toBe(true);
    expect(matchesInterests(i, press())).toBe(true);
  });
});

describe("signed subscriber links", () => {
  const secret = "s".repeat(40);

  it("round-trip for their purpose only", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999_999_999 }), (id) => {
        const token = signSubscriberToken(secret, id, "preferenze");
        return verifySubscriberToken(secret, token, "preferenze") === id && verifySubscriberToken(secret, token, "disiscrizione") === null;
      }),
    );
  });

  it("refuse forged, altered or foreign tokens", () => {
    const token = signSubscriberToken(secret, 7, "disiscrizione");
    expect(verifySubscriberToken("t".repeat(40), token, "disiscrizione")).toBeNull();
    expect(verifySubscriberToken(secret, token.replace(/^7\./, "8."), "disiscrizione")).toBeNull();
    expect(verifySubscriberToken(secret, `${token}x`, "disiscrizione")).toBeNull();
    expect(verifySubscriberToken(secret, "", "disiscrizione")).toBeNull();
  });
});

describe("alert messages", () => {
  const ctx = { siteUrl: "https://aggrega.example" };
  const links = subscriberLinks(ctx.siteUrl, "k".repeat(40), 12);

  it("escape content, use absolute links and carry the list headers", () => {
    const mail = buildAlertMessage(ctx, { kind: "convention", title: "Pulizia <uffici> & \"sedi\"", summary: "", path: "/convenzioni/pulizia" }, "a@b.it", links, "<id@x>");
    expect(mail.subject).toBe('Nuova convenzione: Pulizia <uffici> & "sedi"');
    expect(mail.html).toContain("Pulizia &lt;uffici&gt; &amp; &quot;sedi&quot;");
    expect(mail.html).toContain('href="https://aggrega.example/convenzioni/pulizia"');
    expect(mail.html).toContain('<html lang="it">');
    expect(mail.text).toContain("https://aggrega.example/convenzioni/pulizia");
    expect(mail.headers).toMatchObject({
      "List-Unsubscribe": `<${links.unsubscribe}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      Precedence: "bulk",
      "Auto-Submitted": "auto-generated",
    });
    expect(links.unsubscribe.startsWith("https://aggrega.example/avvisi/disiscrizione?t=12.disiscrizione.")).toBe(true);
  });

  it("group a digest by kind", () => {
    const mail = buildDigestMessage(
      ctx,
      [
        { kind: "press", title: "Uno", summary: "", path: "/a" },
        { kind: "convention", title: "Due", summary: "", path: "/b" },
        { kind: "press", title: "Tre", summary: "", path: "/c" },
      ],
      "a@b.it",
      links,
      "<d@x>",
    );
    expect(mail.subject).toContain("3 novità");
    expect(mail.html?.match(/<h2/g)).toHaveLength(2);
    expect(mail.text.indexOf("Tre")).toBeLessThan(mail.text.indexOf("Due"));
  });

  it("escape every special character", () => {
    fc.assert(fc.property(fc.string(), (s) => !/[<>"']/.test(escapeHtml(s)) && !/&(?!amp;|lt;|gt;|quot;|#39;)/.test(escapeHtml(s))));
  });
});

describe("expiry and ceiling warnings", () => {
  const today = "2026-11-24";
  it("only the tightest threshold reached, and nothing for past or far dates", () => {
    expect(dueWarnings({ id: 1, endDate: "2027-01-10", ceilingValue: null, usedValue: null }, today).map((w) => w.eventKey)).toEqual(["expiry:1:90d"]);
    expect(dueWarnings({ id: 1, endDate: "2026-12-10", ceilingValue: null, usedValue: null }, today).map((w) => w.eventKey)).toEqual(["expiry:1:30d"]);
    expect(dueWarnings({ id: 1, endDate: "2027-06-01", ceilingValue: null, usedValue: null }, today)).toEqual([]);
    expect(dueWarnings({ id: 1, endDate: "2026-11-01", ceilingValue: null, usedValue: null }, today)).toEqual([]);
    expect(dueWarnings({ id: 2, endDate: null, ceilingValue: 1000, usedValue: 850 }, today).map((w) => w.eventKey)).toEqual(["ceiling:2:80pct"]);
    expect(dueWarnings({ id: 2, endDate: null, ceilingValue: 1000, usedValue: 960 }, today).map((w) => w.eventKey)).toEqual(["ceiling:2:95pct"]);
    expect(dueWarnings({ id: 2, endDate: null, ceilingValue: 1000, usedValue: 100 }, today)).toEqual([]);
  });
});

describe("worker timing", () => {
  it("schedules digests for the next Monday at 07:00 UTC", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }), (now) => {
        const slot = nextDigestAt(now);
        const d = new Date(slot);
        return slot > now && slot - now <= 7 * 86_400_000 && d.getUTCDay() === 1 && d.getUTCHours() === 7 && d.getUTCMinutes() === 0;
      }),
    );
  });

  it("backs off exponentially with jitter, within the cap", () => {
    const cfg = { retryBaseMs: 1000, retryMaxMs: 60_000 };
    expect(retryDelay(cfg, 1, 0)).toBe(500);
    expect(retryDelay(cfg, 1, 1)).toBe(1000);
    expect(retryDelay(cfg, 3, 1)).toBe(4000);
    fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempts, r) => {
      const delay = retryDelay(cfg, attempts, r);
      return delay >= 500 && delay <= 60_000;
    }));
  });

  it("clamps its configuration", () => {
    const cfg = workerConfig({ batchSize: 0, concurrency: 10_000, leaseMs: 5, maxAttempts: Number.NaN });
    expect(cfg.batchSize).toBe(1);
    expect(cfg.concurrency).toBe(100);
    expect(cfg.leaseMs).toBe(1000);
    expect(cfg.leaseMarginMs).toBeLessThan(cfg.leaseMs);
    expect(cfg.maxAttempts).toBe(8);
  });
});
