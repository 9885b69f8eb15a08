CREATE TABLE `federation_peers` (
	`url` text PRIMARY KEY NOT NULL,
	`name` text,
	`etag` text,
	`last_modified` text,
	`checked_at` integer,
	`imported_at` integer,
	`last_error` text
);
--> statement-breakpoint
ALTER TABLE `activity_plan_items` ADD `source_name` text;--> statement-breakpoint
ALTER TABLE `activity_plan_items` ADD `source_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `activity_plan_items_source_key_unique` ON `activity_plan_items` (`source_key`);