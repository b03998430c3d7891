ALTER TABLE `jobs` ADD `dispatched_at` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `redispatches` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `jobs_active_dispatch_idx` ON `jobs` (`status`,`dispatched_at`,`updated_at`);--> statement-breakpoint
-- Jobs from before the marker had their messages sent: the stranded-job sweep must not re-send them.
UPDATE `jobs` SET `dispatched_at` = `created_at`;
