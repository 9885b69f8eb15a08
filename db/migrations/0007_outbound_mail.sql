CREATE TABLE `outbound_mail` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`recipient` text NOT NULL,
	`subject` text NOT NULL,
	`body_text` text NOT NULL,
	`body_html` text,
	`headers` text,
	`message_id` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`lease_owner` text,
	`lease_until` integer,
	`last_error` text,
	`sent_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `outbound_mail_due_idx` ON `outbound_mail` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbound_mail_created_idx` ON `outbound_mail` (`created_at`);--> statement-breakpoint
DROP INDEX `accessibility_reports_next_mail_idx`;--> statement-breakpoint
ALTER TABLE `accessibility_reports` DROP COLUMN `office_mailed_at`;--> statement-breakpoint
ALTER TABLE `accessibility_reports` DROP COLUMN `receipt_mailed_at`;--> statement-breakpoint
ALTER TABLE `accessibility_reports` DROP COLUMN `next_mail_at`;--> statement-breakpoint
ALTER TABLE `accessibility_reports` DROP COLUMN `mail_attempts`;--> statement-breakpoint
ALTER TABLE `accessibility_reports` DROP COLUMN `mail_error`;