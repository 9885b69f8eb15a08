import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt } from "./common";

export const ROLES = ["learner", "editor", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  /** Stored lower-cased, so lookups are exact. */
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  organisation: text("organisation").notNull().default(""),
  /** Codice IPA of the administration, when the person gives it. */
  ipaCode: text("ipa_code"),
  passwordHash: text("password_hash").notNull(),
  role: text("role", { enum: ROLES }).notNull().default("learner"),
  emailVerifiedAt: integer("email_verified_at", { mode: "timestamp_ms" }),
  /** Set by an admin to stop someone signing in; the account and its records stay. */
  deactivatedAt: integer("deactivated_at", { mode: "timestamp_ms" }),
  createdAt: createdAt(),
});

/** Lucia's session table (see src/accounts/session.ts). */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/** Single-use tokens for email verification and password reset; only a hash is stored. */
export const accountTokens = sqliteTable(
  "account_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: ["verify_email", "reset_password"] }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
  },
  (t) => [index("account_tokens_user_idx").on(t.userId, t.purpose)],
);
