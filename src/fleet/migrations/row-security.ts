/** Which hosts' rows a role may read and write (`*` = all): row-level security reads it. */
export const ALLOWED = `(host = ANY (ARRAY(SELECT m.host FROM host_roles m WHERE m.role_name = current_user))
    OR '*' = ANY (ARRAY(SELECT m.host FROM host_roles m WHERE m.role_name = current_user)))`;

export const policies = (table: string) => `
  ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
  CREATE POLICY ${table}_read ON ${table} FOR SELECT USING ${ALLOWED};
  CREATE POLICY ${table}_insert ON ${table} FOR INSERT WITH CHECK ${ALLOWED};
  CREATE POLICY ${table}_update ON ${table} FOR UPDATE USING ${ALLOWED} WITH CHECK ${ALLOWED};`;
