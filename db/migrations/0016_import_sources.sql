-- Importers of open data (ANAC CIG, Consip «bandi e gare», OCDS packages): where each imported item came from
-- (source name, licence, a stable source key so that importing twice changes nothing), the fields kept from ANAC
-- (own CPV code, delegation, programme CUI), the call-offs under framework agreements, and the back-office import jobs.
CREATE TABLE `framework_call_offs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`cig` text NOT NULL,
	`framework_cig` text NOT NULL,
	`title` text NOT NULL,
	`buyer_name` text NOT NULL,
	`buyer_tax_code` text,
	`amount` integer,
	`published_on` text,
	`cpv_code` text,
	`delegated` integer,
	`delegating_tax_code` text,
	`programme_cui` text,
	`source_name` text NOT NULL,
	`source_licence` text NOT NULL,
	`source_key` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `framework_call_offs_source_key_unique` ON `framework_call_offs` (`source_key`);--> statement-breakpoint
CREATE INDEX `framework_call_offs_framework_idx` ON `framework_call_offs` (`framework_cig`);--> statement-breakpoint
CREATE TABLE `catalog_imports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`format` text NOT NULL,
	`file_name` text NOT NULL,
	`content` blob NOT NULL,
	`partial` integer DEFAULT false NOT NULL,
	`lenient` integer DEFAULT false NOT NULL,
	`dry_run` integer DEFAULT false NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`processed` integer DEFAULT 0 NOT NULL,
	`total` integer,
	`summary` text,
	`failure` text,
	`requested_by` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`requested_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `catalog_imports_status_idx` ON `catalog_imports` (`status`,`id`);--> statement-breakpoint
ALTER TABLE `aggregators` ADD `source_name` text;--> statement-breakpoint
ALTER TABLE `aggregators` ADD `source_licence` text;--> statement-breakpoint
ALTER TABLE `aggregators` ADD `source_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `aggregators_source_key_unique` ON `aggregators` (`source_key`);--> statement-breakpoint
ALTER TABLE `conventions` ADD `source_name` text;--> statement-breakpoint
ALTER TABLE `conventions` ADD `source_licence` text;--> statement-breakpoint
ALTER TABLE `conventions` ADD `source_key` text;--> statement-breakpoint
ALTER TABLE `conventions` ADD `cpv_code` text;--> statement-breakpoint
ALTER TABLE `conventions` ADD `delegated` integer;--> statement-breakpoint
ALTER TABLE `conventions` ADD `delegating_tax_code` text;--> statement-breakpoint
ALTER TABLE `conventions` ADD `programme_cui` text;--> statement-breakpoint
CREATE UNIQUE INDEX `conventions_source_key_unique` ON `conventions` (`source_key`);