ALTER TABLE `certificates` ADD `recipient_identity` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `certificates` ADD `recipient_salt` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `enrolments` ADD `course_version_id` integer REFERENCES course_versions(id);