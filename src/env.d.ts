/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** Set by the session middleware (src/middleware.ts) for signed-in people. */
    user: import("@/accounts/types").SessionUser | null;
    session: import("@/accounts/types").SessionInfo | null;
    /** Request id, echoed in logs and in the X-Request-Id header. */
    requestId: string;
    /** Set when a request failed and the error page is being rendered (src/middleware.ts, src/pages/500.astro). */
    failure?: "unavailable" | "error";
  }
}
