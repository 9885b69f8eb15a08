/** How the importers read open data's numbers, dates, names and regions (src/interop/import/text.ts, common.ts). */
import { describe, expect, it } from "vitest";
import { kindFromName, licenceLabel, parseFlag, regionIn } from "@/interop/import/common";
import { decodeText, parseAmount, parseCsv, parseDate, slugify, titleCase } from "@/interop/import/text";

describe("open-data values", () => {
  it("reads amounts with decimal commas, thousands dots, points and euro signs", () => {
    expect(parseAmount("3841,24")).toBe(3841.24);
    expect(parseAmount("1.234.567,89")).toBe(1234567.89);
    expect(parseAmount("1.234.567")).toBe(1234567);
    expect(parseAmount("895000.0")).toBe(895000);
    expect(parseAmount("1,234,567.5")).toBe(1234567.5);
    expect(parseAmount("€ 1.000")).toBe(1000);
    expect(parseAmount("")).toBeUndefined();
    expect(parseAmount("dodici")).toBeNaN();
  });

  it("reads ISO and Italian day-first dates, and refuses impossible ones", () => {
    expect(parseDate("2023-06-26")).toBe("2023-06-26");
    expect(parseDate("2023-06-26T00:00:00")).toBe("2023-06-26");
    expect(parseDate("15/03/2024")).toBe("2024-03-15");
    expect(parseDate("2.5.24")).toBe("2024-05-02");
    expect(parseDate("31/02/2024")).toBeNull();
    expect(parseDate("10 aprile")).toBeNull();
    expect(parseDate(" ")).toBeUndefined();
  });

  it("names regions, kinds, flags and licences as the catalog does", () => {
    expect(regionIn("SEZIONE REGIONALE EMILIA ROMAGNA")).toBe("Emilia-Romagna");
    expect(regionIn("SEZIONE REGIONALE VALLE D'AOSTA")).toBe("Valle d'Aosta");
    expect(regionIn("PROV. AUT. BOLZANO")).toBe("Trentino-Alto Adige");
    expect(regionIn("Lotto 3 – Lombardia")).toBe("Lombardia");
    expect(regionIn("Città di Roma")).toBeUndefined();
    expect(kindFromName("CITTA' METROPOLITANA DI NAPOLI", "Campania")).toBe("metropolitan_city");
    expect(kindFromName("PROVINCIA DI VICENZA", "Veneto")).toBe("province");
    expect(kindFromName("CONSIP S.P.A.", "Lazio")).toBe("national");
    expect(kindFromName("ASL CN2", "Piemonte")).toBe("regional");
    expect([parseFlag("1"), parseFlag("S"), parseFlag("0"), parseFlag(""), parseFlag("forse")]).toEqual([true, true, false, undefined, null]);
    expect(licenceLabel("https://creativecommons.org/licenses/by/4.0/legalcode")).toBe("CC BY 4.0");
    expect(licenceLabel("http://opendatacommons.org/licenses/pddl/1.0/")).toBe("ODC PDDL 1.0");
    expect(licenceLabel(undefined)).toBe("licenza non dichiarata");
  });

  it("writes names in capitals in ordinary case, with the accent the apostrophe stood for", () => {
    expect(titleCase("CITTA' METROPOLITANA DI NAPOLI")).toBe("Città Metropolitana di Napoli");
    expect(titleCase("Comune di Bergamo")).toBe("Comune di Bergamo");
    expect(slugify("Accordo quadro: pulizia – uffici (2024)")).toBe("accordo-quadro-pulizia-uffici-2024");
  });
});

describe("sniffing files", () => {
  it("tells UTF-8 from Latin-1 and finds the delimiter, the # header and the line of each row", () => {
    const text = "#Denominazione_Bando;Città\r\n\"Bando A;1\";Forlì\r\n\r\nBando B;Cantù\r\n";
    expect(decodeText(Buffer.from(text, "utf8")).encoding).toBe("utf-8");
    const latin1 = parseCsv(Buffer.from(text, "latin1"));
    expect(latin1).toMatchObject({ encoding: "windows-1252", delimiter: ";", headers: ["Denominazione_Bando", "Città"] });
    expect(latin1.rows).toEqual([
      { line: 2, values: { Denominazione_Bando: "Bando A;1", Città: "Forlì" } },
      { line: 4, values: { Denominazione_Bando: "Bando B", Città: "Cantù" } },
    ]);
    const comma = parseCsv(Buffer.from("a,b,c\n1,\"2,5\",3\n4,5\n"));
    expect(comma.delimiter).toBe(",");
    expect(comma.malformed).toEqual([{ line: 3, reason: "la riga ha 2 campi invece di 3" }]);
  });
});
