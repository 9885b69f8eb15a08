CREATE TABLE `scorm_files` (
	`package_id` text NOT NULL,
	`path` text NOT NULL,
	`content_type` text NOT NULL,
	`size` integer NOT NULL,
	`bytes` blob NOT NULL,
	PRIMARY KEY(`package_id`, `path`),
	FOREIGN KEY (`package_id`) REFERENCES `scorm_packages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `scorm_packages` (
	`id` text PRIMARY KEY NOT NULL,
	`course_slug` text NOT NULL,
	`version` text NOT NULL,
	`identifier` text NOT NULL,
	`title` text NOT NULL,
	`items` text NOT NULL,
	`file_count` integer NOT NULL,
	`total_bytes` integer NOT NULL,
	`sha256` text NOT NULL,
	`uploaded_by` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`uploaded_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `scorm_packages_course_idx` ON `scorm_packages` (`course_slug`);--> statement-breakpoint
CREATE TABLE `scorm_runtime` (
	`user_id` text NOT NULL,
	`course_slug` text NOT NULL,
	`item_slug` text NOT NULL,
	`package_id` text NOT NULL,
	`launch_token` text NOT NULL,
	`launch_base_cs` integer DEFAULT 0 NOT NULL,
	`completion_status` text DEFAULT 'not attempted' NOT NULL,
	`success_status` text DEFAULT 'unknown' NOT NULL,
	`lesson_status` text,
	`score_raw` real,
	`score_min` real,
	`score_max` real,
	`score_scaled` real,
	`location` text DEFAULT '' NOT NULL,
	`suspend_data` text DEFAULT '' NOT NULL,
	`exit` text DEFAULT '' NOT NULL,
	`session_time_cs` integer DEFAULT 0 NOT NULL,
	`total_time_cs` integer DEFAULT 0 NOT NULL,
	`interactions` text DEFAULT '[]' NOT NULL,
	`cmi` text DEFAULT '{}' NOT NULL,
	`commits` integer DEFAULT 0 NOT NULL,
	`launched_at` integer,
	`updated_at` integer,
	PRIMARY KEY(`user_id`, `course_slug`, `item_slug`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
