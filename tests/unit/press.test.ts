/** Pure press-office rules: Markdown sanitisation, attachment types and names, Rome wall-clock times. */
import { describe, expect, it } from "vitest";
import { contentDisposition, renderMarkdown, sniffType } from "@/press";
import { cleanFileName } from "@/press/attachments";
import { fromRomeLocal, toRomeLocal } from "@/lib/dates";

/** Classic XSS vectors (OWASP filter-evasion cheat sheet and friends), as Markdown or raw HTML. */
const XSS_PAYLOADS = [
  "<script>alert(1)</script>",
  "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
  "<img src=x onerror=alert(1)>",
  '<svg onload="alert(1)"><circle /></svg>',
  "<iframe src=\"javascript:alert(1)\"></iframe>",
  "[clicca](javascript:alert(1))",
  "[clicca](JaVaScRiPt:alert(1))",
  "[clicca](&#106;avascript:alert(1))",
  "[clicca](java\tscript:alert(1))",
  "[clicca](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "[clicca](vbscript:msgbox(1))",
  "![img](javascript:alert(1))",
  '<a href="javascript:alert(1)">x</a>',
  '<a href="#" onclick="alert(1)">x</a>',
  '<p style="background:url(javascript:alert(1))">x</p>',
  "<div onmouseover=alert(1)>passa qui</div>",
  "<body onload=alert(1)>",
  '<object data="javascript:alert(1)"></object>',
  '<embed src="javascript:alert(1)">',
  '<form action="javascript:alert(1)"><button>x</button></form>',
  '<input autofocus onfocus=alert(1)>',
  "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
  "<<script>script>alert(1)<</script>/script>",
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<link rel="stylesheet" href="https://evil.example/x.css">',
  "<base href=\"https://evil.example/\">",
  '[x](https://example.it "titolo" onmouseover="alert(1)")',
  "<details open ontoggle=alert(1)>",
  "`<script>alert(1)</script>` e ```\n<script>alert(1)</script>\n```",
  "<a href=\"//evil.example\">protocol-relative</a>",
];

describe("Markdown sanitisation", () => {
  it.each(XSS_PAYLOADS)("neutralises %j", (payload) => {
    const html = renderMarkdown(`Testo prima.\n\n${payload}\n\nTesto dopo.`);
    // Text is escaped (&lt; &gt;), so every "<…>" left is a real tag: only those can carry attributes.
    const tags = (html.match(/<[^>]*>/g) ?? []).join(" ");
    expect(tags).not.toMatch(/<\/?(script|iframe|object|embed|form|input|svg|math|img|style|meta|link|base|body|details)\b/i);
    expect(tags).not.toMatch(/\son\w+\s*=/i);
    expect(tags).not.toMatch(/(javascript|vbscript|data):/i);
    expect(tags).not.toMatch(/\sstyle\s*=/i);
    expect(tags).not.toMatch(/href="\/\//i);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("Testo dopo.");
  });

  it("keeps the formatting a press release needs", () => {
    const html = renderMarkdown("# Titolo\n\nUn **grassetto**, un _corsivo_ e [un link](https://www.consip.it).\n\n- uno\n- due\n\n> citazione");
    expect(html).toContain("<h2>Titolo</h2>");
    expect(html).toContain("<strong>grassetto</strong>");
    expect(html).toContain("<em>corsivo</em>");
    expect(html).toContain('<a href="https://www.consip.it" rel="noopener noreferrer">un link</a>');
    expect(html).toContain("<li>uno</li>");
    expect(html).toContain("<blockquote>");
  });
});

describe("attachment checks", () => {
  it("reads the type from magic bytes, not from the name", () => {
    expect(sniffType(new TextEncoder().encode("%PDF-1.7\n..."))?.mime).toBe("application/pdf");
    expect(sniffType(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))?.mime).toBe("image/png");
    expect(sniffType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))?.mime).toBe("image/jpeg");
    expect(sniffType(new TextEncoder().encode("<html><script>alert(1)</script>"))).toBeNull();
    expect(sniffType(new TextEncoder().encode("MZ\x90\x00"))).toBeNull();
  });

  it("cleans names for display and Content-Disposition", () => {
    expect(cleanFileName("../../etc/passwd", "pdf")).toBe("passwd.pdf");
    expect(cleanFileName('C:\\Users\\x\\rel"azione".exe', "pdf")).toBe("relazione.pdf");
    expect(cleanFileName("\u0000\u0007", "png")).toBe("allegato.png");
    expect(contentDisposition("Relazione finale è.pdf")).toBe(`attachment; filename="Relazione finale e.pdf"; filename*=UTF-8''Relazione%20finale%20%C3%A8.pdf`);
    expect(contentDisposition("a\"b\r\nSet-Cookie: x.pdf")).not.toMatch(/[\r\n]/);
  });
});

describe("Rome wall-clock times", () => {
  it("round-trips across daylight saving time", () => {
    expect(fromRomeLocal("2026-07-01T09:30")!.toISOString()).toBe("2026-07-01T07:30:00.000Z");
    expect(fromRomeLocal("2026-12-01T09:30")!.toISOString()).toBe("2026-12-01T08:30:00.000Z");
    expect(toRomeLocal(new Date("2026-12-01T08:30:00Z"))).toBe("2026-12-01T09:30");
    expect(fromRomeLocal("2026-02-30T09:30")).toBeNull();
    expect(fromRomeLocal("domani")).toBeNull();
  });
});
