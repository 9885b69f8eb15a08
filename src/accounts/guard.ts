/**
 * Server-side role checks for pages and endpoints. Pages call
 * `const denied = guard(Astro, "editor"); if (denied) return denied;`
 * and the middleware applies `backOfficeRole` to every /gestione route as
 * well, so a page that forgets its guard is still protected.
 */
import type { AstroGlobal, APIContext } from "astro";
import type { Role } from "@db/schema";

const RANK: Record<Role, number> = { learner: 1, editor: 2, admin: 3 };

export function hasRole(user: App.Locals["user"], role: Role): boolean {
  return user !== null && RANK[user.role] >= RANK[role];
}

/**
 * Back-office sections reserved to admins; the rest of /gestione is for
 * editors. A page that adds a section for admins lists it here, and the
 * authorisation test expects exactly this.
 */
const ADMIN_SECTIONS = ["/gestione/utenti", "/gestione/formazione", "/gestione/attestati"];

/** The least role that may open `pathname`, or null for pages outside the back office. */
export function backOfficeRole(pathname: string): Role | null {
  const path = pathname.replace(/\/+$/, "") || "/";
  if (path !== "/gestione" && !path.startsWith("/gestione/")) return null;
  // "/gestione/formazione.csv" belongs to "/gestione/formazione" as much as "/gestione/formazione/x" does.
  const within = (section: string) => path === section || path.startsWith(`${section}/`) || path.startsWith(`${section}.`);
  return ADMIN_SECTIONS.some(within) ? "admin" : "editor";
}

/**
 * Anonymous visitors are sent to the sign-in page (GET) or get 401;
 * signed-in people without the role get 403. Returns undefined when allowed.
 */
export function guard(context: Pick<AstroGlobal | APIContext, "locals" | "request" | "url">, role: Role): Response | undefined {
  const user = context.locals.user;
  if (!user) {
    if (context.request.method === "GET") {
      const next = encodeURIComponent(context.url.pathname + context.url.search);
      return new Response(null, { status: 303, headers: { Location: `/accedi?dopo=${next}` } });
    }
    return new Response("Accesso richiesto", { status: 401, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  if (!hasRole(user, role)) {
    return new Response("Non hai i permessi per questa pagina", { status: 403, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  return undefined;
}
