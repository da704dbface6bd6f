// The process group of a try run by the process executor (its child is spawned detached, so the
// group id is the child's pid), recorded while the child runs and cleared when it exits. A worker
// killed with SIGKILL leaves the group running with the column set; the next worker on that host
// kills the group of a try its worker no longer owns (issue 14, item 9).
// Frozen in time: imports nothing from src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .withSchema('heatflow')
    .alterTable('task_tries')
    .addColumn('process_group', 'integer')
    .execute();
  await db.schema
    .withSchema('heatflow')
    .createIndex('task_tries_process_group_idx')
    .ifNotExists()
    .on('task_tries')
    .column('hostname')
    .where(sql.ref('process_group'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.withSchema('heatflow').dropIndex('task_tries_process_group_idx').ifExists().execute();
  await db.schema.withSchema('heatflow').alterTable('task_tries').dropColumn('process_group').execute();
}
