CREATE TABLE `clip_tags` (
	`profile_id` text NOT NULL,
	`clip_id` text NOT NULL,
	`tag` text NOT NULL,
	PRIMARY KEY(`profile_id`, `tag`, `clip_id`),
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`clip_id`) REFERENCES `clips`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `clip_tags_resource_idx` ON `clip_tags` (`clip_id`);--> statement-breakpoint
CREATE TABLE `segment_tags` (
	`profile_id` text NOT NULL,
	`segment_id` text NOT NULL,
	`tag` text NOT NULL,
	PRIMARY KEY(`profile_id`, `tag`, `segment_id`),
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`segment_id`) REFERENCES `segments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `segment_tags_resource_idx` ON `segment_tags` (`segment_id`);--> statement-breakpoint
CREATE TABLE `source_video_tags` (
	`profile_id` text NOT NULL,
	`source_video_id` text NOT NULL,
	`tag` text NOT NULL,
	PRIMARY KEY(`profile_id`, `tag`, `source_video_id`),
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`source_video_id`) REFERENCES `source_videos`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `source_video_tags_resource_idx` ON `source_video_tags` (`source_video_id`);--> statement-breakpoint
ALTER TABLE `clips` ADD `tags` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `segments` ADD `tags` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `source_videos` ADD `tags` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `source_videos` ADD `import_url` text;--> statement-breakpoint
ALTER TABLE `source_videos` ADD `import_validator` text;