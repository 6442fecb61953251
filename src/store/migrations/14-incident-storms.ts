/**
 * The storm (at the centre, issue 26) an incident's failure was folded into, as the leader
 * or a member: its reminders are the storm's, claimed once fleet-wide (alert/storm-reminder.ts),
 * not one per host. NULL: the incident alerts on its own, as before.
 */
export const INCIDENT_STORMS = `
  ALTER TABLE incidents ADD COLUMN storm_id INTEGER;
`;
