/** Pure account rules: password strength and where to go after signing in. */
import { describe, expect, it } from "vitest";
import { passwordProblem, safeRedirect } from "@/accounts";
import { TEST_PASSWORD } from "../helpers/auth";

describe("password rules", () => {
  it.each([
    ["corta", "almeno 12 caratteri"],
    ["aaaaaaaaaaaaaaa", "caratteri diversi"],
    ["password1234", "troppo comune"],
    ["abcdeabcdeabcde", "troppo comune"],
    ["mario.rossi-2026!", "indirizzo email"],
    ["Verdi-del-Comune-7", "nome o cognome"],
  ])("refuses %j with a message about %s", (password, fragment) => {
    expect(passwordProblem(password, { email: "mario.rossi@comune.example.it", name: "Giulia Verdi" })).toContain(fragment);
  });

  it("accepts a passphrase", () => {
    expect(passwordProblem(TEST_PASSWORD, { email: "mario.rossi@comune.example.it", name: "Mario Rossi" })).toBeNull();
  });
});

describe("safe redirects after sign-in", () => {
  it.each([
    ["/formazione/corso?x=1", "/formazione/corso?x=1"],
    ["https://evil.example/", "/account"],
    ["//evil.example/", "/account"],
    ["/\\evil.example", "/account"],
    ["/.//evil.example", "/account"],
    ["/./\\evil.example", "/account"],
    ["/x/..//evil.example/", "/account"],
    ["/", "/"],
    ["javascript:alert(1)", "/account"],
    ["", "/account"],
  ])("%j → %j", (input, expected) => {
    expect(safeRedirect(input)).toBe(expected);
  });
});
