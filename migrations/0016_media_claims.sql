CREATE TABLE `media_claims` (
	`key` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`holder` text NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `media_claims_profile_idx` ON `media_claims` (`profile_id`,`expires_at`);