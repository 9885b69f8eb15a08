CREATE TABLE `assignment_reminder_opt_outs` (
	`email` text PRIMARY KEY NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `assignment_reminders` (
	`assignment_id` integer NOT NULL,
	`recipient` text NOT NULL,
	`reason` text NOT NULL,
	`mailed` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`assignment_id`, `recipient`, `reason`),
	FOREIGN KEY (`assignment_id`) REFERENCES `training_assignments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `training_assignment_targets` (
	`assignment_id` integer NOT NULL,
	`kind` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`assignment_id`, `kind`, `value`),
	FOREIGN KEY (`assignment_id`) REFERENCES `training_assignments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `training_assignment_targets_value_idx` ON `training_assignment_targets` (`kind`,`value`);--> statement-breakpoint
CREATE TABLE `training_assignments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_slug` text NOT NULL,
	`due_date` text NOT NULL,
	`assigned_by_label` text NOT NULL,
	`assigned_by_id` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`assigned_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `training_assignments_course_idx` ON `training_assignments` (`course_slug`);