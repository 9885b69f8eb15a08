import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt } from "./common";
import { users } from "./accounts";

export const IDENTITY_KEY_USES = ["federation", "sig", "enc"] as const;
export type IdentityKeyUse = (typeof IDENTITY_KEY_USES)[number];

export const IDENTITY_METHODS = ["spid", "cie"] as const;
export type IdentityMethod = (typeof IDENTITY_METHODS)[number];

/**
 * The relying party's keys (src/identity/keys.ts): one active key per use, generated on first use;
 * a rotated key keeps `retired_at` and stays published (and usable for decryption) for a grace period.
 */
export const identityKeys = sqliteTable(
  "identity_keys",
  {
    kid: text("kid").primaryKey(),
    use: text("use", { enum: IDENTITY_KEY_USES }).notNull(),
    /** Private JWK (JSON), never published. */
    privateJwk: text("private_jwk").notNull(),
    /** Public JWK (JSON), published in the entity configuration. */
    publicJwk: text("public_jwk").notNull(),
    createdAt: createdAt(),
    retiredAt: integer("retired_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("identity_keys_use_idx").on(t.use, t.retiredAt)],
);

/** A SPID/CIE sign-in in progress, from the button to the callback; `state` is stored hashed and used once. */
export const identitySignIns = sqliteTable(
  "identity_sign_ins",
  {
    stateHash: text("state_hash").primaryKey(),
    method: text("method", { enum: IDENTITY_METHODS }).notNull(),
    provider: text("provider").notNull(),
    /** The provider's metadata after trust-chain resolution and metadata policy (JSON). */
    providerMetadata: text("provider_metadata", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    nonce: text("nonce").notNull(),
    codeVerifier: text("code_verifier").notNull(),
    acr: text("acr").notNull(),
    returnTo: text("return_to").notNull(),
    /** Set when a signed-in person links SPID/CIE to their account from the settings page. */
    linkUserId: text("link_user_id").references(() => users.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
  },
  (t) => [index("identity_sign_ins_expires_idx").on(t.expiresAt)],
);

/** The SPID/CIE identity linked to an account, keyed by the verified fiscal number (one per account). */
export const userIdentities = sqliteTable("user_identities", {
  fiscalNumber: text("fiscal_number").primaryKey(),
  userId: text("user_id")
    .notNull()
    .unique()
    .references(() => users.id, { onDelete: "cascade" }),
  givenName: text("given_name").notNull(),
  familyName: text("family_name").notNull(),
  lastMethod: text("last_method", { enum: IDENTITY_METHODS }).notNull(),
  lastAcr: text("last_acr").notNull(),
  lastSignInAt: integer("last_sign_in_at", { mode: "timestamp_ms" }).notNull(),
  createdAt: createdAt(),
});
