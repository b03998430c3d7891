CREATE TABLE `api_costs` (
	`id` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`job_id` text,
	`service` text NOT NULL,
	`operation` text NOT NULL,
	`units` real NOT NULL,
	`unit` text NOT NULL,
	`unit_price_usd` real NOT NULL,
	`cost_usd` real NOT NULL,
	`model` text,
	`request_id` text,
	`call_key` text,
	`details` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `api_costs_profile_idx` ON `api_costs` (`profile_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `api_costs_call_unique` ON `api_costs` (`profile_id`,`call_key`);--> statement-breakpoint
CREATE TABLE `clip_content` (
	`id` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`clip_id` text NOT NULL,
	`tts_text` text,
	`tts_voice_id` text,
	`tts_audio_key` text,
	`srt_content` text,
	`subtitle_settings` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`clip_id`) REFERENCES `clips`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `clip_content_clip_unique` ON `clip_content` (`clip_id`);--> statement-breakpoint
CREATE INDEX `clip_content_profile_idx` ON `clip_content` (`profile_id`,`clip_id`);--> statement-breakpoint
CREATE TABLE `clips` (
	`id` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`project_id` text NOT NULL,
	`variant_index` integer NOT NULL,
	`variant_name` text,
	`raw_key` text,
	`thumbnail_key` text,
	`duration` real,
	`has_audio` integer DEFAULT true NOT NULL,
	`segment_ids` text DEFAULT '[]' NOT NULL,
	`is_selected` integer DEFAULT false NOT NULL,
	`is_deleted` integer DEFAULT false NOT NULL,
	`deleted_at` text,
	`final_key` text,
	`final_status` text DEFAULT 'pending' NOT NULL,
	`final_error` text,
	`final_preset` text,
	`postiz_status` text DEFAULT 'not_sent' NOT NULL,
	`postiz_media_id` text,
	`postiz_media_path` text,
	`postiz_post_id` text,
	`postiz_scheduled_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `clips_profile_idx` ON `clips` (`profile_id`,`id`);--> statement-breakpoint
CREATE INDEX `clips_profile_project_idx` ON `clips` (`profile_id`,`project_id`,`variant_index`);--> statement-breakpoint
CREATE UNIQUE INDEX `clips_project_variant_unique` ON `clips` (`project_id`,`variant_index`);--> statement-breakpoint
CREATE TABLE `export_presets` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`display_name` text NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`fps` integer NOT NULL,
	`crf` integer NOT NULL,
	`video_bitrate` text NOT NULL,
	`audio_bitrate` text NOT NULL,
	`video_profile` text DEFAULT 'high' NOT NULL,
	`video_level` text DEFAULT '4.1' NOT NULL,
	`audio_sample_rate` integer DEFAULT 48000 NOT NULL,
	`loudness_target` real,
	`is_default` integer DEFAULT false NOT NULL,
	`sort_order` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `export_presets_name_unique` ON `export_presets` (`name`);--> statement-breakpoint
CREATE TABLE `exports` (
	`id` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`clip_id` text NOT NULL,
	`preset_id` text NOT NULL,
	`job_id` text,
	`output_key` text,
	`file_size_bytes` integer,
	`status` text DEFAULT 'processing' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`completed_at` text,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`clip_id`) REFERENCES `clips`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`preset_id`) REFERENCES `export_presets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `exports_profile_clip_idx` ON `exports` (`profile_id`,`clip_id`,`id`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`profile_id` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`state` text DEFAULT 'in_flight' NOT NULL,
	`response_status` integer,
	`response_body` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`expires_at` text NOT NULL,
	PRIMARY KEY(`profile_id`, `key`),
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_expiry_idx` ON `idempotency_keys` (`expires_at`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`type` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`progress` integer DEFAULT 0 NOT NULL,
	`step` text,
	`resource_type` text,
	`resource_id` text,
	`input` text NOT NULL,
	`result` text,
	`output_keys` text DEFAULT '[]' NOT NULL,
	`error_code` text,
	`error_message` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`cancel_requested` integer DEFAULT false NOT NULL,
	`processing_seconds` real DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`started_at` text,
	`finished_at` text,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `jobs_profile_idx` ON `jobs` (`profile_id`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_profile_status_idx` ON `jobs` (`profile_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_profile_resource_idx` ON `jobs` (`profile_id`,`resource_type`,`resource_id`);--> statement-breakpoint
CREATE TABLE `profiles` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`is_default` integer DEFAULT false NOT NULL,
	`tts_provider` text DEFAULT 'elevenlabs' NOT NULL,
	`elevenlabs_voice_id` text,
	`elevenlabs_model` text,
	`local_voice` text,
	`gemini_model` text,
	`default_caption_template` text,
	`postiz_api_url` text,
	`postiz_api_key_encrypted` text,
	`postiz_integration_ids` text DEFAULT '[]' NOT NULL,
	`monthly_budget_usd` real,
	`max_concurrent_jobs` integer,
	`daily_processing_minutes` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `profiles_user_idx` ON `profiles` (`user_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `profiles_one_default_per_user` ON `profiles` (`user_id`) WHERE "profiles"."is_default" = 1;--> statement-breakpoint
CREATE TABLE `project_segments` (
	`id` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`project_id` text NOT NULL,
	`segment_id` text NOT NULL,
	`sequence_order` integer NOT NULL,
	`is_manual_selection` integer DEFAULT true NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`segment_id`) REFERENCES `segments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `project_segments_profile_project_idx` ON `project_segments` (`profile_id`,`project_id`,`sequence_order`);--> statement-breakpoint
CREATE INDEX `project_segments_segment_idx` ON `project_segments` (`profile_id`,`segment_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `project_segments_order_unique` ON `project_segments` (`project_id`,`sequence_order`);--> statement-breakpoint
CREATE TABLE `projects` (
	`id` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`status` text DEFAULT 'draft' NOT NULL,
	`target_duration` integer DEFAULT 20 NOT NULL,
	`context_text` text,
	`source_video_id` text,
	`variants_count` integer DEFAULT 0 NOT NULL,
	`selected_count` integer DEFAULT 0 NOT NULL,
	`exported_count` integer DEFAULT 0 NOT NULL,
	`progress` integer DEFAULT 0 NOT NULL,
	`progress_step` text,
	`generation_job_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`source_video_id`) REFERENCES `source_videos`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `projects_profile_idx` ON `projects` (`profile_id`,`id`);--> statement-breakpoint
CREATE INDEX `projects_profile_status_idx` ON `projects` (`profile_id`,`status`,`id`);--> statement-breakpoint
CREATE TABLE `publications` (
	`id` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`clip_id` text NOT NULL,
	`job_id` text,
	`integration_ids` text NOT NULL,
	`platforms` text DEFAULT '[]' NOT NULL,
	`caption` text NOT NULL,
	`scheduled_at` text,
	`published_at` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`postiz_group` text NOT NULL,
	`postiz_post_ids` text DEFAULT '[]' NOT NULL,
	`release_url` text,
	`error_message` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`clip_id`) REFERENCES `clips`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `publications_profile_clip_idx` ON `publications` (`profile_id`,`clip_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `publications_group_unique` ON `publications` (`postiz_group`);--> statement-breakpoint
CREATE TABLE `segments` (
	`id` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`source_video_id` text NOT NULL,
	`start_time` real NOT NULL,
	`end_time` real NOT NULL,
	`keywords` text DEFAULT '[]' NOT NULL,
	`notes` text,
	`transforms` text,
	`is_favorite` integer DEFAULT false NOT NULL,
	`usage_count` integer DEFAULT 0 NOT NULL,
	`extract_status` text DEFAULT 'none' NOT NULL,
	`extract_error` text,
	`extract_mode` text,
	`extracted_key` text,
	`extracted_duration` real,
	`thumbnail_key` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`source_video_id`) REFERENCES `source_videos`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `segments_profile_video_idx` ON `segments` (`profile_id`,`source_video_id`,`start_time`);--> statement-breakpoint
CREATE INDEX `segments_profile_idx` ON `segments` (`profile_id`,`id`);--> statement-breakpoint
CREATE TABLE `source_videos` (
	`id` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`status` text DEFAULT 'pending_upload' NOT NULL,
	`error_code` text,
	`error_message` text,
	`original_filename` text,
	`content_type` text DEFAULT 'video/mp4' NOT NULL,
	`declared_size_bytes` integer NOT NULL,
	`file_size_bytes` integer,
	`storage_key` text NOT NULL,
	`thumbnail_key` text,
	`multipart_upload_id` text,
	`part_size_bytes` integer,
	`upload_expires_at` text,
	`duration` real,
	`width` integer,
	`height` integer,
	`fps` real,
	`rotation` integer,
	`video_codec` text,
	`audio_codec` text,
	`has_audio` integer,
	`bit_rate` integer,
	`waveform` text,
	`voice` text,
	`segments_count` integer DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `source_videos_profile_idx` ON `source_videos` (`profile_id`,`id`);--> statement-breakpoint
CREATE INDEX `source_videos_profile_status_idx` ON `source_videos` (`profile_id`,`status`,`id`);--> statement-breakpoint
CREATE TABLE `upload_parts` (
	`profile_id` text NOT NULL,
	`source_video_id` text NOT NULL,
	`part_number` integer NOT NULL,
	`etag` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`source_video_id`, `part_number`),
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`source_video_id`) REFERENCES `source_videos`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `upload_parts_profile_idx` ON `upload_parts` (`profile_id`,`source_video_id`);