CREATE TABLE `brand_kits` (
	`profile_id` text NOT NULL,
	`logo_key` text,
	`logo_width` integer,
	`logo_height` integer,
	`logo_bytes` integer,
	`logo_position` text DEFAULT 'bottom-right' NOT NULL,
	`logo_opacity` real DEFAULT 1 NOT NULL,
	`logo_margin` real DEFAULT 0.03 NOT NULL,
	`logo_scale` real DEFAULT 0.15 NOT NULL,
	`subtitle_settings` text,
	`intro_id` text,
	`outro_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `brand_kits_profile_unique` ON `brand_kits` (`profile_id`);