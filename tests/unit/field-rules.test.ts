import { describe, expect, it } from "vitest";
import { z } from "zod";
import { cleanText, emailRule, httpUrlRule, isHttpUrlOrPath, slugRule } from "@/lib/field-rules";
import { MAX_FIELD_LENGTH, validateForm } from "@/lib/forms";

describe("shared field rules", () => {
  it("accepts only http(s) web addresses", () => {
    for (const ok of ["https://www.acquistinretepa.it/", "http://localhost:4321/x?y=1"]) expect(httpUrlRule().safeParse(ok).success, ok).toBe(true);
    for (const bad of ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<b>x</b>", "ftp://example.it/", "vbscript:msgbox", "https:alert", "www.example.it"]) {
      expect(httpUrlRule().safeParse(bad).success, bad).toBe(false);
    }
    expect(isHttpUrlOrPath("/convenzioni?q=1")).toBe(true);
    expect(isHttpUrlOrPath("//altro-sito.example/")).toBe(false);
    expect(isHttpUrlOrPath("javascript:alert(1)")).toBe(false);
  });

  it("removes control characters, keeping tabs and line breaks only in multi-line text", () => {
    expect(cleanText("a\u0000b\u0007c\u001bd\u007fe\u0085f")).toBe("abcdef");
    expect(cleanText("riga uno\r\nriga due\rfine\tcolonna")).toBe("riga uno\nriga duefine\tcolonna");
    expect(cleanText("una\triga\nsola", false)).toBe("una riga sola");
  });

  it("checks slugs and email addresses the same way everywhere", () => {
    expect(slugRule().safeParse("pulizia-uffici-2").success).toBe(true);
    for (const bad of ["Pulizia", "doppio--trattino", "-inizio", "spazio finale "]) expect(slugRule().safeParse(bad).success, bad).toBe(false);
    const email = emailRule({ missing: "manca", invalid: "non valido" }, { lowerCase: true });
    expect(email.parse("  Nome.Cognome@Comune.IT ")).toBe("nome.cognome@comune.it");
    expect(email.safeParse("").error?.issues[0]?.message).toBe("manca");
    expect(email.safeParse("nome@").error?.issues[0]?.message).toBe("non valido");
  });
});

describe("validateForm", () => {
  const schema = z.object({ name: z.string().min(1, "Scrivi il nome."), note: z.string().optional(), city: z.string().min(1, "Scrivi la città.") });

  it("refuses an over-long value on its own field and keeps every other value typed", () => {
    const form = new FormData();
    form.set("name", "Giulia");
    form.set("note", "x".repeat(MAX_FIELD_LENGTH + 1));
    form.set("city", "");
    const result = validateForm(schema, form);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual({ note: `Il testo è troppo lungo (massimo ${MAX_FIELD_LENGTH} caratteri).`, city: "Scrivi la città." });
    expect(result.values).toEqual({ name: "Giulia", city: "" });
  });
});
