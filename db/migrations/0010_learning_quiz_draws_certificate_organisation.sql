CREATE TABLE `quiz_draws` (
	`user_id` text NOT NULL,
	`course_slug` text NOT NULL,
	`token` text NOT NULL,
	`course_version_id` integer NOT NULL,
	`draw` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`user_id`, `course_slug`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`course_version_id`) REFERENCES `course_versions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `certificates` ADD `holder_organisation` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `quiz_attempts` ADD `draw` text;