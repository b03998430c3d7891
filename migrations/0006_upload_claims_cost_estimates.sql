ALTER TABLE `jobs` ADD `estimated_cost_usd` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `upload_parts` ADD `claim` text;