CREATE TABLE `housekeeping_cursors` (
	`name` text PRIMARY KEY NOT NULL,
	`after` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
