-- Job admission (src/jobs/producer.ts): a job row is inserted with status 'refused' when the
-- profile's limits (active jobs, processing minutes today) would be exceeded, computed in the
-- same INSERT; this trigger aborts that insert, and with it the whole D1 batch (the job's
-- resource state changes), so the check and the insert are one atomic step.
CREATE TRIGGER `jobs_admission` BEFORE INSERT ON `jobs` WHEN NEW.`status` = 'refused'
BEGIN
  SELECT RAISE(ABORT, 'job_limit_reached');
END;
