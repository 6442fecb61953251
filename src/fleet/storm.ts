import type { FleetConfig } from '../config/fleet.js';
import { withCentre } from './connect.js';

/**
 * The centre's side of storm control: calls of the SECURITY DEFINER functions of schema
 * versions 5 and 7 (migrations/05-storms.ts, 07-storm-reminders.ts). Each is one
 * statement, so one transaction.
 */

export interface StormClaim {
  host: string;
  job: string;
  backupId: string;
  target: string | undefined;
  errorClass: string;
  error: string | null;
  failedAt: string;
  windowMs: number;
  after: number;
}

export interface StormDecision {
  role: 'alone' | 'lead' | 'member';
  stormId: number | null;
  hostCount: number;
  kind: 'target' | 'error';
  label: string;
  leaderHost: string | null;
}

export interface StormUpdate {
  stormId: number;
  hostCount: number;
  kind: 'target' | 'error';
  label: string;
  job: string;
  errorMessage: string | null;
  openedAt: string;
  hosts: string[];
}

const connectOptions = (fleet: FleetConfig, timeoutMs: number, what: string) => ({
  timeoutMs,
  applicationName: `backup-alert ${what}`,
  secrets: fleet.secrets,
});

export async function claimStorm(
  fleet: FleetConfig,
  claim: StormClaim,
  timeoutMs: number,
): Promise<StormDecision> {
  return withCentre(
    fleet.databaseUrl,
    connectOptions(fleet, timeoutMs, 'storm claim'),
    async ({ client }) => {
      const { rows } = await client.query<{
        role: StormDecision['role'];
        storm_id: string | null;
        host_count: number;
        kind: StormDecision['kind'];
        label: string;
        leader_host: string | null;
      }>('SELECT * FROM claim_storm($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
        claim.host,
        claim.job,
        claim.backupId,
        claim.target ?? null,
        claim.errorClass,
        claim.error,
        claim.failedAt,
        claim.windowMs,
        claim.after,
      ]);
      const row = rows[0];
      if (!row) throw new Error('claim_storm returned no row');
      return {
        role: row.role,
        stormId: row.storm_id === null ? null : Number(row.storm_id),
        hostCount: row.host_count,
        kind: row.kind,
        label: row.label,
        leaderHost: row.leader_host,
      };
    },
  );
}

/** The storms whose window ended with more hosts than their summary said: each claimed once, fleet-wide. */
export async function claimStormUpdates(
  fleet: FleetConfig,
  host: string,
  timeoutMs: number,
  limit = 10,
): Promise<StormUpdate[]> {
  return withCentre(
    fleet.databaseUrl,
    connectOptions(fleet, timeoutMs, 'storm update'),
    async ({ client }) => {
      const updates: StormUpdate[] = [];
      for (let i = 0; i < limit; i++) {
        const { rows } = await client.query<{
          storm_id: string;
          host_count: number;
          kind: StormUpdate['kind'];
          label: string;
          job: string;
          error_message: string | null;
          opened_at: Date;
          hosts: string[];
        }>('SELECT * FROM claim_storm_update($1)', [host]);
        const row = rows[0];
        if (!row) break;
        updates.push({
          stormId: Number(row.storm_id),
          hostCount: row.host_count,
          kind: row.kind,
          label: row.label,
          job: row.job,
          errorMessage: row.error_message,
          openedAt: row.opened_at.toISOString(),
          hosts: row.hosts,
        });
      }
      return updates;
    },
  );
}

export interface StormReminderClaim {
  /** This caller sends reminder N for the storm; false: another host already did. */
  claimed: boolean;
  /** The storm's hosts whose latest run of the failed job is not a success. */
  stillFailing: number;
  hostCount: number;
  kind: 'target' | 'error';
  label: string;
  job: string;
  /** Up to 20 of the hosts still failing. */
  hosts: string[];
}

/** Reminder `reminder` of storm `stormId` (schema version 7): claimed by one host of the storm, fleet-wide. */
export async function claimStormReminder(
  fleet: FleetConfig,
  host: string,
  stormId: number,
  reminder: number,
  timeoutMs: number,
): Promise<StormReminderClaim> {
  return withCentre(
    fleet.databaseUrl,
    connectOptions(fleet, timeoutMs, 'storm reminder'),
    async ({ client }) => {
      const { rows } = await client.query<{
        claimed: boolean;
        still_failing: number;
        host_count: number;
        kind: StormReminderClaim['kind'];
        label: string;
        job: string;
        hosts: string[];
      }>('SELECT * FROM claim_storm_reminder($1, $2, $3)', [host, stormId, reminder]);
      const row = rows[0];
      if (!row) throw new Error(`storm #${stormId} is not at the centre`);
      return {
        claimed: row.claimed,
        stillFailing: row.still_failing,
        hostCount: row.host_count,
        kind: row.kind,
        label: row.label,
        job: row.job,
        hosts: row.hosts,
      };
    },
  );
}
