-- Switchyard never drops the seed system's tables: they hold its data. Going below
-- version 1 only forgets that Switchyard adopted them.
SELECT 1;
