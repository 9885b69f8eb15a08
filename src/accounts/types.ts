import type { Role } from "@db/schema";

/** What pages know about the signed-in person. */
export interface SessionUser {
  id: string;
  email: string;
  name: string;
  organisation: string;
  role: Role;
  emailVerified: boolean;
}

export interface SessionInfo {
  id: string;
  expiresAt: Date;
  /** True when the session was extended on this request and its cookie must be re-sent. */
  fresh: boolean;
}
