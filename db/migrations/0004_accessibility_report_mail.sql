ALTER TABLE `accessibility_reports` ADD `office_mailed_at` integer;--> statement-breakpoint
ALTER TABLE `accessibility_reports` ADD `receipt_mailed_at` integer;--> statement-breakpoint
ALTER TABLE `accessibility_reports` ADD `next_mail_at` integer;--> statement-breakpoint
ALTER TABLE `accessibility_reports` ADD `mail_attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `accessibility_reports` ADD `mail_error` text;--> statement-breakpoint
CREATE INDEX `accessibility_reports_next_mail_idx` ON `accessibility_reports` (`next_mail_at`);