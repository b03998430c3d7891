ALTER TABLE `publications` ADD `draft` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `publications` ADD `channel_overrides` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `publications` ADD `approved_at` text;--> statement-breakpoint
ALTER TABLE `publications` ADD `cancelled_at` text;--> statement-breakpoint
ALTER TABLE `publications` ADD `analytics` text;--> statement-breakpoint
ALTER TABLE `publications` ADD `analytics_fetched_at` text;