/**
 * The UI's own stylesheet and script, compiled into the module so that the built server (dist/)
 * needs no source folder at run time. Charts are SVG drawn on the server (src/web/charts/).
 * The script runs under a CSP without inline scripts: pages pass data in
 * `<script type="application/json">` blocks, which it reads.
 */

/** State colours, shared by the grid, the calendar, the charts' legends and badges (Airflow's palette). */
export const STATE_COLOURS: Readonly<Record<string, string>> = {
  success: '#2e9e44',
  failed: '#d8382b',
  running: '#17a9d4',
  queued: '#8c8c8c',
  scheduled: '#b39ddb',
  up_for_retry: '#f0b400',
  // Airflow's colour of up_for_reschedule: turquoise
  up_for_reschedule: '#40e0d0',
  upstream_failed: '#f28c28',
  skipped: '#e882e8',
  removed: '#c8c8c8',
  none: '#f2f2f2',
};

const stateRules = Object.entries(STATE_COLOURS)
  .map(
    ([s, c]) =>
      `.state-${s}{background:${c};${['none', 'removed', 'up_for_retry', 'up_for_reschedule'].includes(s) ? 'color:#222' : 'color:#fff'}}`,
  )
  .join('\n');

/** /static/heatflow.css */
export const APP_CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;background:#f7f8fa}
a{color:#0b63c5;text-decoration:none} a:hover{text-decoration:underline}
header.top{display:flex;align-items:center;gap:24px;background:#16324f;color:#fff;padding:10px 24px}
header.top a{color:#e3ecf6} header.top .brand{font-weight:700;font-size:18px;color:#fff}
header.top nav{display:flex;gap:16px;flex:1} header.top form{margin:0}
main{padding:20px 24px;max-width:1400px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:24px 0 8px}
.sub{color:#52606d;margin:0 0 16px}
.tabs{display:flex;gap:4px;margin:12px 0 16px;border-bottom:1px solid #d9e2ec}
.tabs a{padding:6px 12px;border:1px solid transparent;border-bottom:none;border-radius:4px 4px 0 0}
.tabs a.active{background:#fff;border-color:#d9e2ec;font-weight:600;margin-bottom:-1px}
table.data{border-collapse:collapse;background:#fff;width:100%;box-shadow:0 1px 2px rgba(0,0,0,.06)}
table.data th,table.data td{padding:6px 10px;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}
table.data th{background:#eef2f6;font-weight:600;font-size:13px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}
.count{display:inline-block;min-width:26px;padding:0 6px;margin-right:3px;border-radius:10px;font-size:12px;text-align:center}
${stateRules}
.muted{color:#7b8794} .error{color:#b3261e}
.flash{padding:8px 12px;border-radius:4px;margin-bottom:12px;background:#e6f4ea;border:1px solid #b7dfc3}
.flash.bad{background:#fdecea;border-color:#f5c2bd}
.banner{padding:8px 12px;border-radius:4px;margin-bottom:12px;background:#fff4e5;border:1px solid #f0b35c;font-weight:600}
.card{background:#fff;padding:12px 16px;border-radius:4px;box-shadow:0 1px 2px rgba(0,0,0,.06);margin-bottom:16px}
.actions{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-end}
.actions form{display:flex;gap:6px;align-items:flex-end;margin:0}
label{display:flex;flex-direction:column;font-size:12px;color:#52606d;gap:2px}
input,select,button{font:inherit;padding:4px 8px;border:1px solid #bcccdc;border-radius:4px;background:#fff}
button{background:#16324f;color:#fff;border-color:#16324f;cursor:pointer} button.secondary{background:#fff;color:#16324f}
button.danger{background:#b3261e;border-color:#b3261e}
a.button{display:inline-block;padding:4px 10px;background:#16324f;color:#fff;border-radius:4px;text-decoration:none} form.secret-form{display:flex;flex-direction:column;gap:8px;max-width:640px} textarea{font:inherit;font-family:monospace;padding:4px 8px;border:1px solid #bcccdc;border-radius:4px}
.grid-wrap{overflow-x:auto;background:#fff;padding:8px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
table.grid{border-collapse:separate;border-spacing:3px;width:100%}
table.grid th.task{width:1%}
table.grid th.task{text-align:right;padding-right:8px;font-weight:500;white-space:nowrap}
table.grid th.run{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:400;font-size:11px;height:92px;padding:2px 0}
table.grid th.run a{color:#334e68}
table.grid td{padding:0}
table.grid td a.cell{display:block;min-width:10px;max-width:48px;height:18px;border-radius:3px;margin:0 auto}
table.grid td a.cell:hover{outline:2px solid #16324f}
table.grid tr.runstate td span{display:block;min-width:10px;max-width:48px;height:6px;border-radius:2px;margin:0 auto}
.pager{display:flex;gap:12px;align-items:center;margin:10px 0}
.calendar{display:flex;flex-wrap:wrap;gap:24px}
.cal-month h3{font-size:13px;margin:0 0 4px;font-weight:600}
.cal-days{display:grid;grid-template-columns:repeat(7,16px);gap:3px}
.cal-days span{width:16px;height:16px;border-radius:3px;display:block}
.cal-days span.no-run{background:#eceff3}
.cal-days span.blank{background:transparent}
.legend{display:flex;gap:12px;flex-wrap:wrap;margin:8px 0;font-size:12px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:-2px}
.chart-box{background:#fff;padding:12px;box-shadow:0 1px 2px rgba(0,0,0,.06);position:relative;height:420px}
pre.log,div.log{background:#0f1720;color:#dde3ea;padding:12px;border-radius:4px;max-height:520px;overflow:auto;font:12px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all}
pre.xcom{background:#f0f4f8;padding:8px;margin:0;max-height:240px;overflow:auto;font:12px ui-monospace,Menlo,monospace}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0} dl.kv dt{color:#52606d} dl.kv dd{margin:0}
.progress{background:#e4e7eb;border-radius:4px;height:10px;width:160px;display:flex;overflow:hidden}
.progress span{display:block;height:10px}
.lineage-wrap{overflow-x:auto} svg.lineage a:hover rect{stroke-width:2.4}
div.log-lines{white-space:normal} .log-line{white-space:normal;line-height:1.5} .log-msg{white-space:pre-wrap;word-break:break-word} .log-time{margin-right:.6em}
.log-time{color:#7b8794} .log-level{display:inline-block;min-width:3.6em;font-weight:600} .lvl-info .log-level{color:#7fd18b} .lvl-warn .log-level{color:#f0b400} .lvl-error .log-level,.lvl-fatal .log-level{color:#ff6b5b} .lvl-debug .log-level,.lvl-trace .log-level{color:#9fb3c8}
.log-fields{display:inline;margin-left:8px;white-space:normal} .log-fields summary{display:inline;cursor:pointer;color:#9fb3c8;font-size:11px} .log-fields[open]{display:block} .log-fields pre{margin:2px 0 4px 2em;white-space:pre-wrap;color:#bcccdc}
details.log-raw{margin-top:6px} details.log-raw summary{cursor:pointer;color:#52606d}
.graph-wrap{overflow-x:auto} svg.dag-graph a:hover rect{stroke-width:2.6} form.run-select{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin:8px 0}
ul.events{margin:0;padding-left:16px;font-size:12px}
figure.hf-chart{background:#fff;margin:0 0 16px;padding:10px 12px;box-shadow:0 1px 2px rgba(0,0,0,.06);max-width:100%;overflow-x:auto}
figure.hf-chart figcaption{font-weight:600;font-size:13px;margin-bottom:4px} .hf-chart-svg svg{max-width:100%;height:auto;display:block}
details.hf-chart-numbers summary{cursor:pointer;color:#52606d;font-size:12px} details.hf-chart-numbers table{margin-top:6px;font-size:12px}
.chart-row{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start} dl.fit-figures{background:#fff;padding:10px 14px;box-shadow:0 1px 2px rgba(0,0,0,.06);max-width:460px}
p.verdict{font-size:15px;padding:8px 12px;border-radius:4px;background:#fff;border-left:4px solid #7b8794} p.verdict.yes{border-left-color:#2e9e44} p.verdict.no{border-left-color:#d8382b}
.year-switch{display:flex;gap:10px;align-items:center;margin:4px 0} .day-nav{display:flex;gap:14px;align-items:center;flex-wrap:wrap;margin:0 0 12px}
.heat-calendar .cal-days{grid-template-columns:repeat(7,20px)} .heat-calendar .cal-days a,.heat-calendar .cal-days span{width:20px;height:20px;border-radius:3px;display:block}
.heat-calendar .cal-days .no-data{background:#f7f8fa;border:1px dashed #d9e2ec}
.heat-calendar a.hm-day:hover{outline:2px solid #16324f} .heat-calendar .unusual{outline:2px solid #16324f;outline-offset:1px}
.legend i.unusual-key{outline:2px solid #16324f;background:#fff}
.day-layout{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start} .day-layout aside{background:#fff;padding:8px 14px;box-shadow:0 1px 2px rgba(0,0,0,.06);min-width:300px}
.day-layout aside h2{margin-top:8px} .badge.reason{background:#fff3cd;color:#5f4b00} ul.runs{padding-left:18px}
`;

/** /static/heatflow.js: the live log. */
export const APP_JS = `
(function () {
  'use strict';
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }


  var follow = data('hf-log-follow');
  if (follow) {
    var pre = document.getElementById('log-content');
    var raw = document.getElementById('log-raw');
    var status = document.getElementById('log-status');
    var token = follow.token;
    var stopped = false;
    function poll() {
      if (stopped) return;
      var url = follow.url + (token ? '&token=' + encodeURIComponent(token) : '');
      fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
        .then(function (body) {
          if (body.raw) {
            var atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
            // body.html is rendered and escaped by the server (log-format.ts)
            pre.insertAdjacentHTML('beforeend', body.html);
            if (raw) raw.appendChild(document.createTextNode(body.raw));
            if (atBottom) pre.scrollTop = pre.scrollHeight;
          }
          token = body.continuation_token;
          if (body.end_of_log) {
            stopped = true;
            status.textContent = 'try finished: log complete · ';
            var a = document.createElement('a'); a.href = location.href; a.textContent = 'reload for its final state';
            status.appendChild(a);
            return;
          }
          status.textContent = 'following live…';
          setTimeout(poll, follow.intervalMs);
        })
        .catch(function (e) { status.textContent = 'log follow paused (' + e.message + '), retrying'; setTimeout(poll, 3000); });
    }
    setTimeout(poll, follow.intervalMs);
  }
})();
`;
