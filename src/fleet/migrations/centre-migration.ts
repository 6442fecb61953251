/**
 * The centre's schema, one entry per version. `compatibleWith`: the oldest version a host
 * must understand to keep writing after this one is applied (an added index or column keeps
 * older hosts shipping; a changed key does not), so a fleet can upgrade host by host.
 * Column names are the runbook's (§9.3, §9.4) plus `host`; timestamps are timestamptz.
 */
export interface CentreMigration {
  version: number;
  compatibleWith: number;
  sql: string;
}
