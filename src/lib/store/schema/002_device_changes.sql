-- 002_device_changes.sql - what changed on a device between two scans.
--
-- For every device fact row, the previous row of the same device (the
-- latest earlier scan that saw it), with the facts that differ. Drift
-- checks and reports read "version changed from X to Y" from here.

CREATE VIEW device_changes AS
SELECT d.identity        AS identity,
       cur.scan_id       AS scan_id,
       prev.scan_id      AS previous_scan_id,
       prev.platform     AS old_platform,  cur.platform AS new_platform,
       prev.os           AS old_os,        cur.os       AS new_os,
       prev.version      AS old_version,   cur.version  AS new_version,
       prev.model        AS old_model,     cur.model    AS new_model,
       prev.serial       AS old_serial,    cur.serial   AS new_serial
FROM device_facts AS cur
JOIN devices AS d ON d.id = cur.device_id
JOIN device_facts AS prev
  ON prev.device_id = cur.device_id
 AND prev.scan_id = (SELECT max(p.scan_id) FROM device_facts AS p
                      WHERE p.device_id = cur.device_id AND p.scan_id < cur.scan_id)
WHERE cur.platform IS NOT prev.platform OR cur.os IS NOT prev.os
   OR cur.version IS NOT prev.version OR cur.model IS NOT prev.model
   OR cur.serial IS NOT prev.serial;
