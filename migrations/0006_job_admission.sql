-- Job admission (src/jobs/producer.ts): a job row is inserted with status 'refused' when the
-- profile's limits (active jobs, processing minutes today) would be exceeded, or 'over_budget' when
-- its cost estimate would pass the monthly budget, computed in the same INSERT; these triggers abort
-- that insert, and with it the whole D1 batch (the job's resource state changes), so the check and
-- the insert are one atomic step.
CREATE TRIGGER `jobs_admission` BEFORE INSERT ON `jobs` WHEN NEW.`status` = 'refused'
BEGIN
  SELECT RAISE(ABORT, 'job_limit_reached');
END;
--> statement-breakpoint
CREATE TRIGGER `jobs_budget` BEFORE INSERT ON `jobs` WHEN NEW.`status` = 'over_budget'
BEGIN
  SELECT RAISE(ABORT, 'job_budget_exceeded');
END;
