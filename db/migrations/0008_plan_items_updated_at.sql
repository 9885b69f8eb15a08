ALTER TABLE `activity_plan_items` ADD `updated_at` integer;--> statement-breakpoint
UPDATE `activity_plan_items` SET `updated_at` = cast(unixepoch('subsec') * 1000 as integer);--> statement-breakpoint
CREATE TRIGGER `activity_plan_items_inserted_at` AFTER INSERT ON `activity_plan_items` FOR EACH ROW WHEN NEW.`updated_at` IS NULL
BEGIN
  UPDATE `activity_plan_items` SET `updated_at` = cast(unixepoch('subsec') * 1000 as integer) WHERE `id` = NEW.`id`;
END;--> statement-breakpoint
CREATE TRIGGER `activity_plan_items_updated_at` AFTER UPDATE ON `activity_plan_items` FOR EACH ROW WHEN NEW.`updated_at` IS OLD.`updated_at`
BEGIN
  UPDATE `activity_plan_items` SET `updated_at` = cast(unixepoch('subsec') * 1000 as integer) WHERE `id` = NEW.`id`;
END;
