CREATE TABLE `transcripts` (
	`id` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`source_video_id` text,
	`clip_id` text,
	`job_id` text,
	`engine` text NOT NULL,
	`model` text,
	`language` text,
	`approximate` integer DEFAULT false NOT NULL,
	`duration` real,
	`words` text DEFAULT '[]' NOT NULL,
	`srt` text DEFAULT '' NOT NULL,
	`edited_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`source_video_id`) REFERENCES `source_videos`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`clip_id`) REFERENCES `clips`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `transcripts_profile_idx` ON `transcripts` (`profile_id`,`id`);--> statement-breakpoint
CREATE INDEX `transcripts_profile_source_idx` ON `transcripts` (`profile_id`,`source_video_id`);--> statement-breakpoint
CREATE INDEX `transcripts_profile_clip_idx` ON `transcripts` (`profile_id`,`clip_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `transcripts_job_unique` ON `transcripts` (`job_id`);