ALTER TABLE `clips` ADD `postiz_media_source` text;--> statement-breakpoint
ALTER TABLE `publications` ADD `postiz_posts` text DEFAULT '[]' NOT NULL;