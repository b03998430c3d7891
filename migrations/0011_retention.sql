ALTER TABLE `clips` ADD `delete_after` text;--> statement-breakpoint
CREATE INDEX `clips_delete_after_idx` ON `clips` (`delete_after`) WHERE "clips"."delete_after" IS NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `delete_after` text;--> statement-breakpoint
CREATE INDEX `jobs_delete_after_idx` ON `jobs` (`delete_after`) WHERE "jobs"."delete_after" IS NOT NULL;--> statement-breakpoint
ALTER TABLE `profiles` ADD `source_retention_days` integer;--> statement-breakpoint
ALTER TABLE `profiles` ADD `output_retention_days` integer;--> statement-breakpoint
ALTER TABLE `profiles` ADD `trash_retention_days` integer;--> statement-breakpoint
ALTER TABLE `source_videos` ADD `delete_after` text;--> statement-breakpoint
ALTER TABLE `source_videos` ADD `last_used_at` text;--> statement-breakpoint
CREATE INDEX `source_videos_delete_after_idx` ON `source_videos` (`delete_after`) WHERE "source_videos"."delete_after" IS NOT NULL;