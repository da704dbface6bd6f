/**
 * The HTML pages and the form actions behind them. Pages only read; actions (POST forms) need a
 * signed-in session, its CSRF token and a same-origin request, then call the same services as the
 * CLI and redirect back (303) with a one-time message.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { recordEvent, type EventLogEntry } from '../audit/event-log.js';
import { assetActivity, listAssetsWithRefs } from '../db/asset-queries.js';
import { listDagRows, listImportErrors, setDagPaused } from '../db/dag-repository.js';
import { getRun } from '../db/dag-run-repository.js';
import {
  calendarDays,
  getTiWithTry,
  listGridCells,
  listGridRuns,
  listBackfillProgress,
  listDagSummaries,
  listTisOfRuns,
  listTriesOf,
  runDateRange,
  taskDurations,
} from '../db/web-queries.js';
import {
  clearTaskInstances,
  createBackfill,
  markTaskInstance,
  triggerDagRun,
} from '../scheduler/dag-run-service.js';
import { parseDate, serviceProblem } from './api-common.js';
import { collapseWhitespace, type SafeHtml } from './html.js';
import { storedSecretsMasker } from '../secrets/stored-secrets-masker.js';
import { webStores } from './secret-route-helpers.js';
import { HttpProblem, parseInput } from './http-problem.js';
import { encodeLogToken, fileSize, logFileOf, readLogSlice } from './log-reader.js';
import { wholeLines } from './log-routes.js';
import { pageContextOf } from './page-context.js';
import { guardFormAction, setFlash } from './form-guard.js';
import { assetsView } from './views/assets-view.js';
import { dagListView } from './views/dag-list-view.js';
import { calendarView, durationsView, gridView, runView } from './views/dag-views.js';
import type { PageContext } from './views/layout.js';
import { backfillsView, loginView } from './views/misc-views.js';
import { taskInstanceView, type LogExcerpt } from './views/task-instance-view.js';
import { isSameOrigin, requestActor, SESSION_COOKIE } from './web-auth.js';
import { runBlockers } from '../scheduler/run-blocker-service.js';
import { resolveTriggerDate } from '../core/trigger-date.js';
import { confSchema, idSchema, runIdSchema, triggerDateSchema, type WebContext } from './web-context.js';

/** Bytes of a log shown on the page (its tail); the rest is one click away. */
const PAGE_LOG_BYTES = 512 * 1024;

/**
 * A local path to return to after an action (never another site): no whitespace and no control
 * character (U+0000–U+001F, U+007F: 400), which cannot go in the Location header (a 500
 * otherwise); a character past ASCII, which cannot go there either, is percent-encoded.
 */
const nextSchema = z
  .string()
  .max(2000)
  // eslint-disable-next-line no-control-regex -- control characters are refused as whitespace is
  .regex(/^\/(?![/\\])[^\s\x00-\x1f\x7f]*$/, 'a path on this server')
  .transform((s, c) => {
    try {
      return s.replace(/[^\p{ASCII}]+/gu, (chars) => encodeURIComponent(chars));
    } catch {
      // a lone surrogate cannot be encoded
      c.addIssue({ code: 'custom', message: 'a path on this server' });
      return z.NEVER;
    }
  })
  .default('/');

const formBool = z
  .enum(['true', 'false', 'on', ''])
  .optional()
  .transform((v) => v === 'true' || v === 'on');

/** Registers the pages and their actions. */
export function registerPageRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { rt } = ctx;

  const pageContext = (req: FastifyRequest, reply: FastifyReply): PageContext =>
    pageContextOf(ctx, req, reply);
  const send = (reply: FastifyReply, page: SafeHtml) =>
    reply.type('text/html; charset=utf-8').send(collapseWhitespace(page));

  app.get('/', async (req, reply) => {
    const pc = pageContext(req, reply);
    const [summaries, errors] = await Promise.all([listDagSummaries(rt.db), listImportErrors(rt.db)]);
    return send(
      reply,
      dagListView(
        pc,
        await Promise.all(summaries.map(async (s) => ({ summary: s, nextRun: await ctx.nextRun(s.dag) }))),
        errors,
      ),
    );
  });

  app.get('/assets', async (req, reply) => {
    const pc = pageContext(req, reply);
    const [page, activity, dags] = await Promise.all([
      listAssetsWithRefs(rt.db, {}, { limit: 10_000, offset: 0, orderBy: 'uri', descending: false }),
      assetActivity(rt.db, 5),
      listDagRows(rt.db),
    ]);
    const paused = new Set(dags.filter((d) => d.is_paused).map((d) => d.dag_id));
    return send(reply, assetsView(pc, page.assets, activity, paused));
  });

  app.get('/dags/:dagId', async (req, reply) => {
    const p = parseInput(z.object({ dagId: idSchema }), req.params, 'path');
    return reply.redirect(`/dags/${encodeURIComponent(p.dagId)}/grid`);
  });

  app.get('/dags/:dagId/grid', async (req, reply) => {
    const p = parseInput(z.object({ dagId: idSchema }), req.params, 'path');
    const q = parseInput(
      z.object({
        offset: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(200).default(30),
      }),
      req.query,
      'query',
    );
    const pc = pageContext(req, reply);
    const [dag, page] = await Promise.all([
      ctx.dagRow(p.dagId),
      listGridRuns(rt.db, p.dagId, { limit: q.limit, offset: q.offset }),
    ]);
    const tis = await listGridCells(
      rt.db,
      p.dagId,
      page.runs.map((r) => r.run_id),
    );
    return send(
      reply,
      gridView(pc, dag, page.runs, tis, { offset: q.offset, limit: q.limit, total: page.totalEntries }),
    );
  });

  app.get('/dags/:dagId/calendar', async (req, reply) => {
    const p = parseInput(z.object({ dagId: idSchema }), req.params, 'path');
    const q = parseInput(
      z.object({ year: z.coerce.number().int().min(1970).max(2200).optional() }),
      req.query,
      'query',
    );
    const pc = pageContext(req, reply);
    const dag = await ctx.dagRow(p.dagId);
    const range = await runDateRange(rt.db, p.dagId);
    const yearOf = (d: Date) => DateTime.fromJSDate(d, { zone: dag.timezone }).year;
    const year = q.year ?? (range === undefined ? new Date().getUTCFullYear() : yearOf(range.last));
    const from = DateTime.fromObject({ year, month: 1, day: 1 }, { zone: dag.timezone });
    const days = await calendarDays(
      rt.db,
      p.dagId,
      dag.timezone,
      from.toJSDate(),
      from.plus({ years: 1 }).toJSDate(),
    );
    const years: number[] = [];
    if (range !== undefined) for (let y = yearOf(range.first); y <= yearOf(range.last); y++) years.push(y);
    return send(reply, calendarView(pc, dag, year, days, years));
  });

  app.get('/dags/:dagId/durations', async (req, reply) => {
    const p = parseInput(z.object({ dagId: idSchema }), req.params, 'path');
    const q = parseInput(
      z.object({ runs: z.coerce.number().int().min(1).max(1000).default(90) }),
      req.query,
      'query',
    );
    const pc = pageContext(req, reply);
    const dag = await ctx.dagRow(p.dagId);
    const points = await taskDurations(rt.db, p.dagId, q.runs);
    return send(reply, durationsView(pc, dag, points, q.runs));
  });

  app.get('/dags/:dagId/runs', async (req, reply) => {
    const p = parseInput(z.object({ dagId: idSchema }), req.params, 'path');
    return reply.redirect(`/dags/${encodeURIComponent(p.dagId)}/grid`);
  });

  app.get('/dags/:dagId/runs/:runId', async (req, reply) => {
    const p = parseInput(z.object({ dagId: idSchema, runId: runIdSchema }), req.params, 'path');
    const pc = pageContext(req, reply);
    const dag = await ctx.dagRow(p.dagId);
    const run = await getRun(rt.db, p.dagId, p.runId);
    if (run === undefined)
      throw new HttpProblem(404, `DAG run "${p.runId}" of DAG "${p.dagId}" not found`, 'DAG run not found');
    const [tis, blockers] = await Promise.all([
      listTisOfRuns(rt.db, p.dagId, [p.runId]),
      runBlockers(rt.deps, p.dagId, [run]),
    ]);
    return send(reply, runView(pc, dag, run, tis, blockers.get(run.run_id)));
  });

  app.get('/dags/:dagId/runs/:runId/tasks/:taskId', async (req, reply) => {
    const p = parseInput(
      z.object({ dagId: idSchema, runId: runIdSchema, taskId: idSchema }),
      req.params,
      'path',
    );
    const q = parseInput(z.object({ try: z.coerce.number().int().min(1).optional() }), req.query, 'query');
    const pc = pageContext(req, reply);
    const dag = await ctx.dagRow(p.dagId);
    const run = await getRun(rt.db, p.dagId, p.runId);
    const ti = await getTiWithTry(rt.db, p.dagId, p.runId, p.taskId);
    if (run === undefined || ti === undefined)
      throw new HttpProblem(
        404,
        `task instance "${p.taskId}" of run "${p.runId}" of DAG "${p.dagId}" not found`,
        'Task instance not found',
      );
    const [tries, rawXComs, masker] = await Promise.all([
      listTriesOf(rt.db, p.dagId, p.runId, p.taskId),
      rt.xcom.list({ dagId: p.dagId, runId: p.runId, taskId: p.taskId }),
      storedSecretsMasker(webStores(ctx)),
    ]);
    // the stores' secrets shown as *** (a task may return a secret it was given)
    const xcoms = rawXComs.map((x) => ({ ...x, value: masker.maskJson(x.value) }));
    if (q.try !== undefined && !tries.some((t) => t.try_number === q.try))
      throw new HttpProblem(
        404,
        `task instance "${p.taskId}" of run "${p.runId}" has no try ${q.try} (tries: ${tries.map((t) => t.try_number).join(', ') || 'none'})`,
        'Try not found',
      );
    const selected = tries.find((t) => t.try_number === (q.try ?? ti.try_number)) ?? tries.at(-1);
    let log: LogExcerpt | undefined;
    if (selected !== undefined) {
      const file = logFileOf(rt.config.HEATFLOW_LOG_DIR, selected.log_path, {
        dagId: p.dagId,
        runId: p.runId,
        taskId: p.taskId,
        tryNumber: selected.try_number,
      });
      const size = file === undefined ? 0 : await fileSize(file);
      const start = Math.max(0, size - PAGE_LOG_BYTES);
      const slice = file === undefined ? undefined : await readLogSlice(file, start, PAGE_LOG_BYTES);
      const live = selected.state === 'running' || selected.state === 'queued';
      const shown = live
        ? wholeLines(slice?.content ?? '', slice?.nextOffset ?? start, PAGE_LOG_BYTES)
        : { content: slice?.content ?? '', nextOffset: slice?.nextOffset ?? 0 };
      log = {
        tryNumber: selected.try_number,
        content: shown.content,
        missing: !live && (slice?.missing ?? true),
        skippedBytes: start,
        continuationToken: encodeLogToken(shown.nextOffset),
        live,
        timeZone: dag.timezone,
      };
    }
    return send(reply, taskInstanceView(pc, dag, run, ti, tries, log, xcoms));
  });

  app.get('/backfills', async (req, reply) => {
    const q = parseInput(z.object({ dag_id: idSchema.optional() }), req.query, 'query');
    const pc = pageContext(req, reply);
    const [rows, dags] = await Promise.all([
      listBackfillProgress(rt.db, q.dag_id === undefined ? {} : { dagId: q.dag_id }),
      listDagRows(rt.db),
    ]);
    return send(
      reply,
      backfillsView(
        pc,
        rows,
        dags.filter((d) => d.is_active).map((d) => d.dag_id),
        q.dag_id,
      ),
    );
  });

  // --- signing in -------------------------------------------------------------------------

  app.get('/login', async (req, reply) => {
    const q = parseInput(z.object({ next: nextSchema }), req.query, 'query');
    const pc = pageContext(req, reply);
    if (!ctx.auth.enabled)
      throw new HttpProblem(
        403,
        'actions are disabled: the server has no HEATFLOW_WEB_TOKEN',
        'Actions disabled',
      );
    return send(reply, loginView(pc, q.next));
  });

  app.post('/login', async (req, reply) => {
    if (!isSameOrigin(req)) throw new HttpProblem(403, 'cross-site request refused', 'Forbidden');
    const form = parseInput(
      z.object({
        token: z.string().max(1000).default(''),
        username: z.string().max(250).default(''),
        password: z.string().max(1000).default(''),
        next: nextSchema,
      }),
      req.body ?? {},
      'form',
    );
    if (!ctx.auth.enabled)
      throw new HttpProblem(
        403,
        'actions are disabled: the server has no HEATFLOW_WEB_TOKEN',
        'Actions disabled',
      );
    const person = form.username.trim() !== '';
    const outcome = await ctx.signIn.attempt(
      req.ip,
      person
        ? { username: form.username.trim(), password: form.password }
        : { tokenOk: ctx.auth.checkToken(form.token) },
    );
    if (!outcome.ok) {
      if (outcome.status === 429) void reply.header('retry-after', String(outcome.retryAfterS));
      const message =
        outcome.status === 429
          ? `Too many failed sign-ins: try again in ${outcome.retryAfterS} s.`
          : person
            ? 'Wrong username or password.'
            : 'Wrong token.';
      return send(reply.code(outcome.status), loginView(pageContext(req, reply), form.next, message));
    }
    // a person's outcome always has a stamp ('' would match no user's and end at once)
    const session = person
      ? ctx.auth.issueUserSession(form.username.trim(), outcome.passwordStamp ?? '')
      : ctx.auth.issueSession();
    void reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${encodeURIComponent(session)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(ctx.auth.sessionTtlMs / 1000)}`,
    );
    return reply.code(303).redirect(form.next);
  });

  app.post('/logout', async (req, reply) => {
    guardAction(req);
    void reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return reply.code(303).redirect('/');
  });

  // --- actions ----------------------------------------------------------------------------

  /** Checks a form action (form-guard.ts). @throws HttpProblem 403/401 */
  const guardAction = (req: FastifyRequest): void => guardFormAction(ctx, req);

  /** Records a form action in the event log (after it succeeded). */
  const audit = (req: FastifyRequest, entry: EventLogEntry) =>
    recordEvent(rt.db, requestActor(ctx.auth, req, 'web'), entry, rt.logger);

  /** Runs an action and redirects back with its outcome as a one-time message. */
  const act = async (
    req: FastifyRequest,
    reply: FastifyReply,
    fn: () => Promise<{ text: string; next?: string }>,
  ) => {
    guardAction(req);
    const back = parseInput(z.object({ next: nextSchema }).loose(), req.body ?? {}, 'form').next;
    let message: string;
    let target = back;
    try {
      const r = await fn();
      message = r.text;
      target = r.next ?? back;
    } catch (err) {
      const problem = serviceProblem(err);
      if (!(problem instanceof HttpProblem) || problem.status >= 500) throw problem;
      message = `!${problem.detail}`;
    }
    setFlash(reply, message);
    return reply.code(303).redirect(target);
  };

  app.post('/dags/:dagId/trigger', async (req, reply) =>
    act(req, reply, async () => {
      const p = parseInput(z.object({ dagId: idSchema }), req.params, 'path');
      const form = parseInput(
        z
          .object({
            // an empty field is "now"; anything else is checked as the API checks it
            logical_date: z.preprocess((v) => (v === '' ? undefined : v), triggerDateSchema.optional()),
            conf: z.string().max(10_000).optional(),
          })
          .loose(),
        req.body,
        'form',
      );
      let conf: Record<string, unknown> = {};
      if (form.conf !== undefined && form.conf.trim() !== '') {
        const parsed = parseInput(
          z
            .string()
            .transform((s, c) => {
              try {
                return JSON.parse(s) as unknown;
              } catch {
                c.addIssue({ code: 'custom', message: 'not valid JSON' });
                return z.NEVER;
              }
            })
            .pipe(confSchema),
          form.conf,
          'form',
        );
        conf = parsed;
      }
      const dag = await ctx.dag(p.dagId);
      // a bare date is that local day's scheduled logical date, as the API and the CLI read it
      const when =
        typeof form.logical_date === 'string'
          ? resolveTriggerDate(dag, form.logical_date.replace(' ', 'T'))
          : undefined;
      const run = await triggerDagRun(rt.deps, dag, {
        conf,
        ...(when === undefined ? {} : { logicalDate: when.logicalDate }),
        ...(when?.dataInterval === undefined ? {} : { dataInterval: when.dataInterval }),
      });
      await audit(req, {
        event: 'trigger',
        dagId: dag.dagId,
        runId: run.run_id,
        logicalDate: run.logical_date,
      });
      return { text: `Triggered run ${run.run_id}.`, next: `/dags/${encodeURIComponent(p.dagId)}/grid` };
    }),
  );

  app.post('/dags/:dagId/pause', async (req, reply) =>
    act(req, reply, async () => {
      const p = parseInput(z.object({ dagId: idSchema }), req.params, 'path');
      const form = parseInput(z.object({ paused: z.enum(['true', 'false']) }).loose(), req.body, 'form');
      await ctx.dagRow(p.dagId);
      await setDagPaused(rt.db, p.dagId, form.paused === 'true');
      await audit(req, { event: form.paused === 'true' ? 'pause' : 'unpause', dagId: p.dagId });
      return { text: `${p.dagId} ${form.paused === 'true' ? 'paused' : 'unpaused'}.` };
    }),
  );

  app.post('/dags/:dagId/clear', async (req, reply) =>
    act(req, reply, async () => {
      const p = parseInput(z.object({ dagId: idSchema }), req.params, 'path');
      const form = parseInput(
        z
          .object({
            run_id: runIdSchema,
            task_id: idSchema.optional(),
            downstream: formBool,
            only_failed: formBool,
          })
          .loose(),
        req.body,
        'form',
      );
      const dag = await ctx.dag(p.dagId);
      const cleared = await clearTaskInstances(rt.deps, dag, {
        runIds: [form.run_id],
        ...(form.task_id === undefined ? {} : { taskIds: [form.task_id] }),
        downstream: form.downstream,
        onlyFailed: form.only_failed,
      });
      await audit(req, {
        event: 'clear',
        dagId: dag.dagId,
        runId: form.run_id,
        taskId: form.task_id ?? null,
        extra: {
          cleared: cleared.length,
          only_failed: form.only_failed,
          include_downstream: form.downstream,
        },
      });
      return {
        text: `Cleared ${cleared.length} task instance${cleared.length === 1 ? '' : 's'} of ${form.run_id}.`,
      };
    }),
  );

  app.post('/dags/:dagId/mark', async (req, reply) =>
    act(req, reply, async () => {
      const p = parseInput(z.object({ dagId: idSchema }), req.params, 'path');
      const form = parseInput(
        z.object({ run_id: runIdSchema, task_id: idSchema, state: z.enum(['success', 'failed']) }).loose(),
        req.body,
        'form',
      );
      await markTaskInstance(
        rt.deps,
        { dagId: p.dagId, runId: form.run_id, taskId: form.task_id },
        form.state,
      );
      await audit(req, {
        event: 'mark',
        dagId: p.dagId,
        runId: form.run_id,
        taskId: form.task_id,
        extra: { state: form.state },
      });
      return { text: `Marked ${form.task_id} of ${form.run_id} ${form.state}.` };
    }),
  );

  app.post('/backfills', async (req, reply) =>
    act(req, reply, async () => {
      const form = parseInput(
        z
          .object({
            dag_id: idSchema,
            from: z.string().min(1).max(40),
            to: z.string().min(1).max(40),
            reprocess: z.enum(['none', 'failed', 'completed']).default('none'),
            max_active_runs: z.union([z.literal(''), z.coerce.number().int().min(1).max(1000)]).optional(),
            run_backwards: formBool,
          })
          .loose(),
        req.body,
        'form',
      );
      const dag = await ctx.dag(form.dag_id);
      const r = await createBackfill(rt.deps, dag, {
        from: parseDate('from', form.from, dag.timezone, false),
        to: parseDate('to', form.to, dag.timezone, true),
        reprocess: form.reprocess,
        runBackwards: form.run_backwards,
        ...(typeof form.max_active_runs === 'number' ? { maxActiveRuns: form.max_active_runs } : {}),
      });
      const created = r.plan.filter((i) => i.action !== 'skip').length;
      await audit(req, {
        event: 'backfill',
        dagId: dag.dagId,
        extra: {
          backfill_id: r.backfill?.id ?? null,
          from_date: form.from,
          to_date: form.to,
          reprocess_behavior: form.reprocess,
          runs: created,
        },
      });
      return {
        text: `Backfill ${r.backfill?.id ?? ''} of ${dag.dagId} started: ${created} run${created === 1 ? '' : 's'} to do.`,
        next: `/backfills?dag_id=${encodeURIComponent(dag.dagId)}`,
      };
    }),
  );
}
