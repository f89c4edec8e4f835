// Bar charts as hand-written SVG, each described for screen readers and followed by its data
// table. Kept by hand rather than vendored: the charts are bars only, their text stays real
// text (readable by screen readers, selectable, printed sharp, testable in the DOM), and the
// axes are laid out so labels never overlap from 3 to 60 months.
import { L, fmtNum, fmtPct, getLang } from '../i18n.js';
import { h, uid } from '../dom.js';

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const k of kids) el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return el;
}

// Axis text is 12px (app.css); a generous average glyph width, so estimated boxes are never
// smaller than drawn ones (digits and lower case run 6–7 px in the fonts we meet).
const CHAR_W = 7.4;
const textW = (t) => String(t).length * CHAR_W;

/** Round steps for a value axis of counts: 1, 2, 5 × 10^n, at most about five ticks. */
function niceSteps(max) {
  if (max <= 5) return { top: Math.max(1, Math.ceil(max)), step: 1 };
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((x) => x >= raw);
  return { top: Math.ceil(max / step) * step, step };
}

const MONTHS = {
  da: ['jan', 'feb', 'mar', 'apr', 'maj', 'jun', 'jul', 'aug', 'sep', 'okt', 'nov', 'dec'],
  en: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
};

/**
 * The month axis: a label on every k-th month (k = 1, 2, 3, 6 or 12, so labels fall on the
 * same months every year), the year under January and under the first label. k is the
 * smallest that leaves room between labels at this width.
 */
function monthTicks(months, slot) {
  const names = MONTHS[getLang() === 'en' ? 'en' : 'da'];
  const parsed = months.map((ym) => { const [y, m] = String(ym).split('-').map(Number); return { y, m }; });
  const every = [1, 2, 3, 6, 12].find((k) => k * slot >= textW('mmm') + 8) || 12;
  const ticks = [];
  let first = true;
  parsed.forEach(({ y, m }, i) => {
    if (!y || !m || (m - 1) % every !== 0) return;
    ticks.push({ i, text: names[m - 1], sub: first || m === 1 ? String(y) : null });
    first = false;
  });
  // a year shown twice too close together (first label, then January right after) keeps
  // only January's
  if (ticks.length > 1 && ticks[0].sub && ticks[1].sub && (ticks[1].i - ticks[0].i) * slot < textW('2026') + 10) ticks[0].sub = null;
  return ticks;
}

/**
 * A bar chart. labels: one per group (with opts.months: the groups' months as YYYY-MM, which
 * then make the axis); series: [{ name, values }]; opts.pct: values are shares 0..1 and the
 * axis runs from 0 to 100 %.
 */
export function barChart(title, labels, series, opts = {}) {
  const W = 640; const H = 250;
  const n = Math.max(1, labels.length);
  const vmax = Math.max(0, ...series.flatMap((x) => x.values.map((v) => v || 0)));
  const scale = opts.pct ? { top: 1, step: 0.25 } : niceSteps(vmax);
  const tickText = (v) => (opts.pct ? fmtPct(v) : fmtNum(Math.round(v * 10) / 10));
  const yTicks = [];
  for (let v = 0; v <= scale.top + 1e-9; v += scale.step) yTicks.push(v);
  const yLabelW = Math.max(...yTicks.map((v) => textW(tickText(v))));
  const pad = { l: Math.ceil(yLabelW) + 12, r: 10, t: 12, b: opts.months ? 44 : 30 };
  const plotW = W - pad.l - pad.r; const plotH = H - pad.t - pad.b;
  const slot = plotW / n;
  const y = (v) => H - pad.b - (v / scale.top) * plotH;
  const titleId = uid('chart');
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': titleId, class: 'chart' },
    s('title', { id: titleId }, `${title}. ${L('Tallene står i tabellen under diagrammet.', 'The numbers are in the table below the chart.')}`));
  for (const v of yTicks) {
    svg.append(s('line', { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: 'grid' }),
      s('text', { x: pad.l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis y-label' }, tickText(v)));
  }
  // bars: at most 48 units wide, so three months do not turn into slabs
  const groupW = Math.min(slot - Math.min(6, slot * 0.2), 48 * series.length);
  const barW = groupW / series.length;
  labels.forEach((lab, i) => {
    const x0 = pad.l + i * slot + (slot - groupW) / 2;
    series.forEach((ser, j) => {
      const v = ser.values[i] || 0; const top = y(Math.min(v, scale.top));
      svg.append(s('rect', { x: x0 + j * barW, y: top, width: Math.max(1, barW - (series.length > 1 ? 1 : 0)), height: Math.max(0, H - pad.b - top), class: `bar bar-${j}` },
        s('title', {}, `${lab}, ${ser.name}: ${opts.pct ? fmtPct(v) : fmtNum(v)}`)));
    });
  });
  const base = H - pad.b;
  svg.append(s('line', { x1: pad.l, x2: W - pad.r, y1: base, y2: base, class: 'baseline' }));
  if (opts.months) {
    for (const t of monthTicks(opts.months, slot)) {
      const cx = pad.l + t.i * slot + slot / 2;
      svg.append(s('line', { x1: cx, x2: cx, y1: base, y2: base + 4, class: 'tick' }),
        s('text', { x: cx, y: base + 17, 'text-anchor': 'middle', class: 'axis x-label' }, t.text));
      if (t.sub) svg.append(s('text', { x: cx, y: base + 33, 'text-anchor': 'middle', class: 'axis x-label x-year' }, t.sub));
    }
  } else {
    // plain labels (weekdays): every k-th one that fits
    const widest = Math.max(...labels.map((x) => textW(x)));
    const every = Math.max(1, Math.ceil((widest + 8) / slot));
    labels.forEach((lab, i) => {
      if (i % every) return;
      svg.append(s('text', { x: pad.l + i * slot + slot / 2, y: base + 17, 'text-anchor': 'middle', class: 'axis x-label' }, lab));
    });
  }
  const legend = series.length > 1 ? h('ul.legend', { 'aria-hidden': 'true' }, series.map((ser, j) => h('li', h(`span.swatch.bar-${j}`), ser.name))) : null;
  return h('figure.chart-fig', svg, legend);
}
