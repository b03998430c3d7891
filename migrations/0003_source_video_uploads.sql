ALTER TABLE `source_videos` ADD `max_duration_seconds` real;--> statement-breakpoint
CREATE INDEX `source_videos_upload_expiry_idx` ON `source_videos` (`upload_expires_at`);