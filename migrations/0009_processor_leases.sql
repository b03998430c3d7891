CREATE TABLE `processor_leases` (
	`operation_id` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`instance` text NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `processor_leases_instance_idx` ON `processor_leases` (`instance`,`expires_at`);--> statement-breakpoint
CREATE INDEX `processor_leases_job_idx` ON `processor_leases` (`job_id`);--> statement-breakpoint
CREATE INDEX `jobs_status_created_idx` ON `jobs` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `jobs_profile_started_idx` ON `jobs` (`profile_id`,`started_at`);