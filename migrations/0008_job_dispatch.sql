ALTER TABLE `jobs` ADD `dispatched_at` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `redispatches` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `jobs_undispatched_idx` ON `jobs` (`updated_at`) WHERE "jobs"."status" = 'pending' AND "jobs"."dispatched_at" IS NULL;--> statement-breakpoint
CREATE INDEX `jobs_active_updated_idx` ON `jobs` (`updated_at`) WHERE "jobs"."status" IN ('pending', 'running');--> statement-breakpoint
-- Jobs from before the marker had their messages sent: the stranded-job sweep must not re-send them.
UPDATE `jobs` SET `dispatched_at` = `created_at`;
