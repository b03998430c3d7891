CREATE TABLE `processor_operations` (
	`id` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`job_id` text NOT NULL,
	`operation` text NOT NULL,
	`instance` text,
	`state` text DEFAULT 'running' NOT NULL,
	`started_at` text NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `processor_operations_profile_job_idx` ON `processor_operations` (`profile_id`,`job_id`);--> statement-breakpoint
ALTER TABLE `jobs` ADD `handed_off_at` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `handoffs` integer DEFAULT 0 NOT NULL;