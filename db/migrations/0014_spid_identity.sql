CREATE TABLE `identity_keys` (
	`kid` text PRIMARY KEY NOT NULL,
	`use` text NOT NULL,
	`private_jwk` text NOT NULL,
	`public_jwk` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`retired_at` integer
);
--> statement-breakpoint
CREATE INDEX `identity_keys_use_idx` ON `identity_keys` (`use`,`retired_at`);--> statement-breakpoint
CREATE TABLE `identity_sign_ins` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`method` text NOT NULL,
	`provider` text NOT NULL,
	`provider_metadata` text NOT NULL,
	`nonce` text NOT NULL,
	`code_verifier` text NOT NULL,
	`acr` text NOT NULL,
	`return_to` text NOT NULL,
	`link_user_id` text,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`link_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `identity_sign_ins_expires_idx` ON `identity_sign_ins` (`expires_at`);--> statement-breakpoint
CREATE TABLE `user_identities` (
	`fiscal_number` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`given_name` text NOT NULL,
	`family_name` text NOT NULL,
	`last_method` text NOT NULL,
	`last_acr` text NOT NULL,
	`last_sign_in_at` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `user_identities_user_id_unique` ON `user_identities` (`user_id`);