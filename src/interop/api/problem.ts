/**
 * Errors of the read API as RFC 9457 problem details (application/problem+json),
 * in Italian or English after the client's Accept-Language (Italian by default).
 */
import type { z } from "zod";

export type Language = "it" | "en";

/** The preferred of Italian and English in an Accept-Language header; Italian when neither is asked for. */
export function preferredLanguage(header: string | null): Language {
  let best: { lang: Language; q: number } | null = null;
  for (const part of (header ?? "").split(",")) {
    const [tag = "", ...params] = part.trim().toLowerCase().split(";");
    const lang = tag.startsWith("en") ? "en" : tag.startsWith("it") ? "it" : null;
    if (!lang) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    if (!best || q > best.q) best = { lang, q };
  }
  return best?.lang ?? "it";
}

export type Bilingual = Record<Language, string>;

export interface ParameterError {
  parameter: string;
  message: Bilingual;
}

export function problem(
  lang: Language,
  status: number,
  title: Bilingual,
  detail: Bilingual,
  options: { instance?: string; errors?: ParameterError[]; headers?: Record<string, string> } = {},
): Response {
  const body = {
    type: "about:blank",
    title: title[lang],
    status,
    detail: detail[lang],
    ...(options.instance ? { instance: options.instance } : {}),
    ...(options.errors ? { errors: options.errors.map((e) => ({ parameter: e.parameter, message: e.message[lang] })) } : {}),
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      ...options.headers,
      "Content-Type": "application/problem+json; charset=utf-8",
      "Content-Language": lang,
      "Cache-Control": "no-store",
    },
  });
}

/** One Italian and English sentence for each zod issue of a parameter. */
export function describeIssues(issues: z.core.$ZodIssue[]): ParameterError[] {
  const errors: ParameterError[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) errors.push({ parameter: key, message: { it: "Parametro sconosciuto.", en: "Unknown parameter." } });
      continue;
    }
    const parameter = String(issue.path[0] ?? "");
    let message: Bilingual;
    switch (issue.code) {
      case "invalid_value":
        message = {
          it: `Valore non ammesso. Valori ammessi: ${issue.values.map(String).join(", ")}.`,
          en: `Value not allowed. Allowed values: ${issue.values.map(String).join(", ")}.`,
        };
        break;
      case "too_big":
        message =
          issue.origin === "string"
            ? { it: `Testo troppo lungo: al massimo ${String(issue.maximum)} caratteri.`, en: `Text too long: at most ${String(issue.maximum)} characters.` }
            : { it: `Deve essere al massimo ${String(issue.maximum)}.`, en: `Must be at most ${String(issue.maximum)}.` };
        break;
      case "too_small":
        message =
          issue.origin === "string"
            ? { it: "Non può essere vuoto.", en: "Must not be empty." }
            : { it: `Deve essere almeno ${String(issue.minimum)}.`, en: `Must be at least ${String(issue.minimum)}.` };
        break;
      case "invalid_type":
        message = issue.expected === "int" || issue.expected === "number"
          ? { it: "Deve essere un numero intero.", en: "Must be an integer." }
          : { it: "Valore non valido.", en: "Invalid value." };
        break;
      default:
        message = { it: "Formato non valido.", en: "Invalid format." };
    }
    errors.push({ parameter, message });
  }
  return errors;
}
