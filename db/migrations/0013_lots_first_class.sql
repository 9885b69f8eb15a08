DROP INDEX `convention_watches_uq`;--> statement-breakpoint
ALTER TABLE `convention_watches` ADD `lot_number` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `convention_watches_uq` ON `convention_watches` (`subscriber_id`,`convention_id`,`lot_number`);--> statement-breakpoint
ALTER TABLE `convention_lots` ADD `cig` text;--> statement-breakpoint
ALTER TABLE `convention_lots` ADD `used_value` integer;--> statement-breakpoint
ALTER TABLE `convention_lots` ADD `status` text;--> statement-breakpoint
ALTER TABLE `convention_lots` ADD `start_date` text;--> statement-breakpoint
ALTER TABLE `convention_lots` ADD `end_date` text;