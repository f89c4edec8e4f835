// Managers' reports: admissions (charts with a data table each, CSV), attendance; the audit
// log is in audit.js, the charts in charts.js.
import { request, get, ApiError } from '../api.js';
import { L, getLang, fmtDate, fmtDateTime, fmtNum, fmtPct, monthLabel, isoWeekdayName } from '../i18n.js';
import { h, field, empty, section, link, table, errorBox, uid } from '../dom.js';
import { all } from './common.js';
import { barChart } from './charts.js';

// the charts live in charts.js; re-exported for the views that imported them from here
export { barChart };

function filtersForm(query, path) {
  const form = h('form.filters.card', { action: '#' },
    field('from', L('Fra', 'From'), { kind: 'date', value: query.get('from') || '' }),
    field('to', L('Til', 'To'), { kind: 'date', value: query.get('to') || '' }),
    h('button.btn-secondary', { type: 'submit' }, L('Vis', 'Show')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const k of ['from', 'to']) { const v = form.elements[k].value; if (v) q.set(k, v); }
    location.hash = `${path}?${q}`;
  });
  return form;
}

function qs(query) {
  const q = new URLSearchParams();
  for (const k of ['from', 'to']) if (query.get(k)) q.set(k, query.get(k));
  return q.toString();
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The report as a file, byte for byte as the server sent it (the CSV's byte-order mark, which
 * Excel needs to read æøå, survives only as bytes, not through text), with headers in the
 * user's language: CSV and Excel (.xlsx). */
function downloadButtons(path, name) {
  const msg = h('span', { role: 'status' });
  const sep = path.includes('?') ? '&' : '?';
  const url = `${path}${sep}lang=${getLang()}`;
  const button = (label, accept, type, ext, done) => {
    const b = h('button.btn-secondary', { type: 'button', 'data-download': ext }, label);
    b.addEventListener('click', async () => {
      try {
        const r = await request('GET', url, { accept, binary: true });
        const href = URL.createObjectURL(new Blob([r.data], { type }));
        const a = h('a', { href, download: `${name}.${ext}` });
        document.body.append(a); a.click(); a.remove();
        setTimeout(() => URL.revokeObjectURL(href), 60000);
        msg.textContent = done;
      } catch (e) { if (e instanceof ApiError) msg.replaceChildren(errorBox(e)); else throw e; }
    });
    return b;
  };
  return h('p.actions',
    button(L('Hent som Excel-fil (.xlsx)', 'Download as Excel file (.xlsx)'), XLSX, XLSX, 'xlsx', L('Excel-filen er hentet.', 'The Excel file is downloaded.')),
    button(L('Hent som CSV (Excel)', 'Download as CSV (Excel)'), 'text/csv', 'text/csv;charset=utf-8', 'csv', L('CSV-filen er hentet.', 'The CSV file is downloaded.')),
    msg);
}

export async function admissionsReportView({ query }) {
  const q = qs(query);
  const d = await get(`/api/reports/admissions${q ? `?${q}` : ''}`);
  const rows = d.items;
  const during = rows.filter((x) => x.period === 'during');
  const before = rows.filter((x) => x.period === 'before');
  const tot = during.find((x) => x.section === 'total') || {};
  const totB = before.find((x) => x.section === 'total') || {};
  const months = during.filter((x) => x.section === 'month');
  const days = during.filter((x) => x.section === 'weekday');
  const daysB = before.filter((x) => x.section === 'weekday');
  const wrap = h('div', h('h1', L('Indlæggelser', 'Admissions')),
    h('p', `${L('Periode', 'Period')}: ${fmtDate(d.filters.from)} – ${fmtDate(d.filters.to)}`), filtersForm(query, '/reports/admissions'),
    downloadButtons(`/api/reports/admissions${q ? `?${q}` : ''}`, `${L('indlaeggelser', 'admissions')}-${d.filters.from}-${d.filters.to}`));
  wrap.append(section(L('Nøgletal: før og efter aftalen', 'Key figures: before and during the agreement'),
    table(L('Før og efter aftalen', 'Before and during the agreement'), [L('Periode', 'Period'), L('Indlæggelser', 'Admissions'), L('Tvangsindlæggelser', 'Forced'), L('Andel tvang', 'Forced share'), L('Genindlæggelser', 'Readmissions'), L('Sengedage', 'Bed days')],
      [[`${L('Før', 'Before')} (${fmtDate(totB.period_from)} – ${fmtDate(totB.period_to)})`, fmtNum(totB.admissions), fmtNum(totB.forced), fmtPct(totB.forced_share), fmtNum(totB.readmissions), fmtNum(totB.bed_days)],
       [`${L('Under aftalen', 'During')} (${fmtDate(tot.period_from)} – ${fmtDate(tot.period_to)})`, fmtNum(tot.admissions), fmtNum(tot.forced), fmtPct(tot.forced_share), fmtNum(tot.readmissions), fmtNum(tot.bed_days)]], { rowHeader: true, scroll: true })));
  if (!months.length) { wrap.append(empty(L('Ingen data i perioden.', 'No data in the period.'))); return wrap; }
  wrap.append(section(L('Indlæggelser pr. måned', 'Admissions per month'),
    barChart(L('Indlæggelser og tvangsindlæggelser pr. måned', 'Admissions and forced admissions per month'), months.map((m) => monthLabel(m.label)), [{ name: L('Indlæggelser', 'Admissions'), values: months.map((m) => m.admissions) }, { name: L('Tvang', 'Forced'), values: months.map((m) => m.forced) }], { months: months.map((m) => m.label) }),
    table(L('Indlæggelser pr. måned (tabel)', 'Admissions per month (table)'), [L('Måned', 'Month'), L('Indlæggelser', 'Admissions'), L('Tvang', 'Forced'), L('Andel tvang', 'Forced share'), L('Genindlæggelser', 'Readmissions'), L('Sengedage', 'Bed days')],
      months.map((m) => [monthLabel(m.label), fmtNum(m.admissions), fmtNum(m.forced), fmtPct(m.forced_share), fmtNum(m.readmissions), fmtNum(m.bed_days)]), { rowHeader: true, scroll: true })));
  wrap.append(section(L('Indlæggelser pr. ugedag', 'Admissions per weekday'),
    h('p', L('Bliver beboere indlagt op til weekenden, hvor der er færre på arbejde?', 'Are residents admitted before weekends, when staffing is low?')),
    barChart(L('Indlæggelser pr. ugedag, før og under aftalen', 'Admissions per weekday, before and during the agreement'), days.map((x) => isoWeekdayName(x.label).slice(0, 3)), [{ name: L('Under aftalen', 'During'), values: days.map((x) => x.admissions) }, { name: L('Før', 'Before'), values: daysB.map((x) => x.admissions) }]),
    table(L('Indlæggelser pr. ugedag (tabel)', 'Admissions per weekday (table)'), [L('Ugedag', 'Weekday'), L('Under aftalen', 'During'), L('Før aftalen', 'Before'), L('Tvang (under)', 'Forced (during)')],
      days.map((x, i) => [isoWeekdayName(x.label), fmtNum(x.admissions), fmtNum(daysB[i] ? daysB[i].admissions : null), fmtNum(x.forced)]), { rowHeader: true, scroll: true })));
  return wrap;
}

export async function attendanceView({ query }) {
  const q = qs(query);
  const d = await get(`/api/reports/attendance${q ? `?${q}` : ''}`);
  const wrap = h('div', h('h1', L('Fremmøde til samtaler', 'Attendance at conversations')),
    h('p', `${L('Periode', 'Period')}: ${fmtDate(d.filters.from)} – ${fmtDate(d.filters.to)}. ${L('Hvor mange planlagte samtaler mislykkes, fordi beboeren ikke kommer?', 'How many planned conversations fail because the resident does not show up?')}`),
    filtersForm(query, '/reports/attendance'), downloadButtons(`/api/reports/attendance${q ? `?${q}` : ''}`, `${L('fremmoede', 'attendance')}-${d.filters.from}-${d.filters.to}`));
  if (!d.items.length) { wrap.append(empty(L('Ingen samtaler i perioden.', 'No conversations in the period.'))); return wrap; }
  wrap.append(section(L('Udeblivelser pr. måned', 'No-shows per month'),
    barChart(L('Andel udeblivelser pr. måned', 'Share of no-shows per month'), d.items.map((m) => monthLabel(m.month)), [{ name: L('Udeblevet', 'No-show'), values: d.items.map((m) => m.no_show_rate || 0) }], { pct: true, months: d.items.map((m) => m.month) }),
    table(L('Fremmøde pr. måned (tabel)', 'Attendance per month (table)'), [L('Måned', 'Month'), L('Planlagt', 'Planned'), L('Gennemført', 'Held'), L('Udeblevet', 'No-show'), L('Aflyst af beboer', 'Cancelled by resident'), L('Aflyst af personale', 'Cancelled by staff'), L('Andel udeblevet', 'No-show share')],
      d.items.map((m) => [monthLabel(m.month), fmtNum(m.planned), fmtNum(m.held), fmtNum(m.no_show), fmtNum(m.cancelled_by_resident), fmtNum(m.cancelled_by_staff), fmtPct(m.no_show_rate)]), { rowHeader: true, scroll: true })));
  return wrap;
}

// the audit log and the resident's right of access live in audit.js
export { auditView, auditRedirectView, accessReportView } from './audit.js';
