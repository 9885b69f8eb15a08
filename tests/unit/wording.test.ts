import { describe, expect, it } from "vitest";
import { ceilingWarning, countOf, remaining, selectionLabel } from "@/lib/format";
import { buildAlertMessage, buildAlreadySubscribedMessage, buildConfirmationMessage, buildDigestMessage, buildWelcomeMessage } from "@/alerts/messages";
import { overrideConfig } from "@/config";
import { defaultContactBlock } from "@/press";
import { alreadyRegisteredMessage, passwordChangedMessage, resetMessage, verificationMessage } from "@/accounts/messages";

/** Second-person forms that only fit a man ("ti sei iscritto", "sei stato tu"): the site writes to everyone. */
const MASCULINE_ONLY = /\b(ti sei (iscritto|registrato)|sei già iscritto|esserti (iscritto|registrato)|sei stato tu|sei (ancora )?iscritto|sei registrato|benvenuto\b)/i;

describe("count agreement", () => {
  it("puts the noun and the verb in the singular for one", () => {
    expect(remaining(1)).toBe("ne resta 1");
    expect(remaining(3)).toBe("ne restano 3");
    expect(remaining(0)).toBe("ne restano 0");
    expect(countOf(1, "lezione", "lezioni")).toBe("1 lezione");
    expect(countOf(2, "lezione", "lezioni")).toBe("2 lezioni");
  });

  it("summarises a filter group in words that agree with any legend", () => {
    expect(selectionLabel(0)).toBe("nessun filtro");
    expect(selectionLabel(1)).toBe("1 selezione");
    expect(selectionLabel(4)).toBe("4 selezioni");
  });

  it("calls a fully used ceiling exhausted, not almost exhausted", () => {
    expect(ceilingWarning(100, 100)).toBe("esaurito");
    expect(ceilingWarning(120, 100)).toBe("esaurito");
    expect(ceilingWarning(99.6, 100)).toBe("quasi esaurito");
    expect(ceilingWarning(90, 100)).toBe("quasi esaurito");
    expect(ceilingWarning(89, 100)).toBeNull();
  });
});

describe("mail wording", () => {
  const ctx = { siteUrl: "https://aggrega.example.it" };
  const links = { preferences: "https://aggrega.example.it/avvisi/preferenze?t=x", unsubscribe: "https://aggrega.example.it/avvisi/disiscrizione?t=x" };
  const item = { kind: "press" as const, title: "Titolo", summary: "Sintesi", path: "/sala-stampa/titolo" };
  const messages = [
    buildAlertMessage(ctx, item, "a@example.it", links, "<m1@x>"),
    buildDigestMessage(ctx, [item], "a@example.it", links, "<m2@x>"),
    buildConfirmationMessage(ctx, "a@example.it", "https://aggrega.example.it/avvisi/conferma?t=x", 48),
    buildAlreadySubscribedMessage(ctx, "a@example.it", links.preferences),
    verificationMessage("a@example.it", "Alex", "token"),
    alreadyRegisteredMessage("a@example.it", "Alex"),
    resetMessage("a@example.it", "Alex", "token"),
    passwordChangedMessage("a@example.it", "Alex"),
  ];

  it.each(messages.map((m) => [m.subject, m] as const))("«%s» uses no masculine-only form", (_subject, message) => {
    for (const part of [message.subject, message.text, message.html]) expect(String(part)).not.toMatch(MASCULINE_ONLY);
  });

  it("the welcome message too", () => {
    const welcome = buildWelcomeMessage(ctx, "a@example.it", { topics: ["Nuove convenzioni"], frequency: "immediate" }, links);
    expect(`${welcome.subject}\n${welcome.text}`).not.toMatch(MASCULINE_ONLY);
  });
});

describe("the press contact block proposed for new items", () => {
  it("carries no placeholder telephone or address while the operator is not configured", () => {
    overrideConfig({ OPERATOR_NAME: undefined, OPERATOR_ADDRESS: undefined, OPERATOR_PHONE: undefined, OFFICE_EMAIL: "stampa@ente.example.it", SITE_URL: "https://aggrega.example.it" });
    const block = defaultContactBlock();
    expect(block).not.toMatch(/0000|Tel|Via /);
    expect(block).toContain("stampa@ente.example.it");
    overrideConfig({ OPERATOR_NAME: "Agenzia regionale acquisti", OPERATOR_ADDRESS: "Via Roma 1, 40100 Bologna", OPERATOR_PHONE: "+39 051 123 4567", OFFICE_EMAIL: "stampa@ente.example.it", SITE_URL: "https://aggrega.example.it" });
    expect(defaultContactBlock().split("\n")).toEqual(["Ufficio stampa – Agenzia regionale acquisti", "Via Roma 1, 40100 Bologna", "Tel. +39 051 123 4567", "stampa@ente.example.it", "aggrega.example.it"]);
  });
});

describe("alert mail for a press item", () => {
  const ctx = { siteUrl: "https://aggrega.example.it" };
  const links = { preferences: "https://aggrega.example.it/p", unsubscribe: "https://aggrega.example.it/u" };
  it("announces a news item as a news item and carries the full text, not only the summary", () => {
    const mail = buildAlertMessage(
      ctx,
      { kind: "press", title: "Nuova piattaforma", summary: "In breve", path: "/sala-stampa/nuova-piattaforma", label: "Notizia", body: { html: "<p>Il testo <strong>completo</strong>.</p>", text: "Il testo **completo**." } },
      "a@example.it",
      links,
      "<m@x>",
    );
    expect(mail.subject).toBe("Notizia: Nuova piattaforma");
    expect(String(mail.html)).toContain("<p>Il testo <strong>completo</strong>.</p>");
    expect(mail.text).toContain("Il testo **completo**.");
    expect(mail.text).toContain("In breve");
    const digest = buildDigestMessage(ctx, [{ kind: "press", title: "Nuova piattaforma", summary: "", path: "/sala-stampa/x", label: "Notizia" }], "a@example.it", links, "<d@x>");
    expect(digest.text).toContain("- Notizia: Nuova piattaforma");
  });
});
