CREATE TABLE `cache_generations` (
	`name` text PRIMARY KEY NOT NULL,
	`generation` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
-- One counter per cache; the triggers below bump it on every write to the tables it caches.
INSERT INTO `cache_generations` (`name`, `generation`) VALUES ('course-versions', 0), ('catalog-filters', 0);
--> statement-breakpoint
CREATE TRIGGER `course_versions_insert_generation` AFTER INSERT ON `course_versions` BEGIN
	UPDATE `cache_generations` SET `generation` = `generation` + 1 WHERE `name` = 'course-versions';
END;
--> statement-breakpoint
CREATE TRIGGER `course_versions_update_generation` AFTER UPDATE ON `course_versions` BEGIN
	UPDATE `cache_generations` SET `generation` = `generation` + 1 WHERE `name` = 'course-versions';
END;
--> statement-breakpoint
CREATE TRIGGER `course_versions_delete_generation` AFTER DELETE ON `course_versions` BEGIN
	UPDATE `cache_generations` SET `generation` = `generation` + 1 WHERE `name` = 'course-versions';
END;
--> statement-breakpoint
CREATE TRIGGER `categories_insert_generation` AFTER INSERT ON `categories` BEGIN
	UPDATE `cache_generations` SET `generation` = `generation` + 1 WHERE `name` = 'catalog-filters';
END;
--> statement-breakpoint
CREATE TRIGGER `categories_update_generation` AFTER UPDATE ON `categories` BEGIN
	UPDATE `cache_generations` SET `generation` = `generation` + 1 WHERE `name` = 'catalog-filters';
END;
--> statement-breakpoint
CREATE TRIGGER `categories_delete_generation` AFTER DELETE ON `categories` BEGIN
	UPDATE `cache_generations` SET `generation` = `generation` + 1 WHERE `name` = 'catalog-filters';
END;
--> statement-breakpoint
CREATE TRIGGER `aggregators_insert_generation` AFTER INSERT ON `aggregators` BEGIN
	UPDATE `cache_generations` SET `generation` = `generation` + 1 WHERE `name` = 'catalog-filters';
END;
--> statement-breakpoint
CREATE TRIGGER `aggregators_update_generation` AFTER UPDATE ON `aggregators` BEGIN
	UPDATE `cache_generations` SET `generation` = `generation` + 1 WHERE `name` = 'catalog-filters';
END;
--> statement-breakpoint
CREATE TRIGGER `aggregators_delete_generation` AFTER DELETE ON `aggregators` BEGIN
	UPDATE `cache_generations` SET `generation` = `generation` + 1 WHERE `name` = 'catalog-filters';
END;
